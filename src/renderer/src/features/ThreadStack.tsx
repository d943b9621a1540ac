/**
 * The threads of the last few conversations shown, kept rendered: switching back to one puts its DOM back in the page
 * instead of rendering it again. A hidden thread lives outside the document (not merely `display: none`), so the page
 * holds the shown conversation's messages only, as it did with one thread.
 */
import { memo, useCallback, useState } from 'react';
import { createPortal } from 'react-dom';
import { THREAD_SHOWN, Thread } from './Thread';
import { useHoldfast } from '../state/store';

/** Threads kept rendered, the shown one included: a few screenfuls of DOM each. */
export const KEPT_THREADS = 4;

export function ThreadStack({ currentId }: { currentId: string }) {
  const [kept, setKept] = useState<string[]>([currentId]);
  // Most recently shown first; updated while rendering (React's pattern for state derived from a prop).
  if (kept[0] !== currentId) {
    const next = [currentId, ...kept.filter((id) => id !== currentId)].slice(0, KEPT_THREADS);
    setKept(next);
  }
  return kept.map((id) => <KeptThread key={id} conversationId={id} shown={id === currentId} />);
}

const KeptThread = memo(function KeptThread({ conversationId, shown }: { conversationId: string; shown: boolean }) {
  // A thread whose shape changed while hidden, or that was left before its whole tree arrived, is rendered afresh when
  // shown again, at its bottom: the kept DOM is reused only for a complete tree of which nothing but text changed.
  const structure = useHoldfast((s) => {
    const tree = s.trees[conversationId];
    return tree?.complete ? tree.structure : undefined;
  });
  const [seen, setSeen] = useState({ shown, structure, key: 0 });
  if (seen.shown !== shown)
    setSeen({ shown, structure, key: shown && (structure === undefined || structure !== seen.structure) ? seen.key + 1 : seen.key });
  else if (shown && seen.structure !== structure) setSeen({ ...seen, structure });
  const [box] = useState(() => {
    const div = document.createElement('div');
    div.className = 'thread-box';
    return div;
  });
  // Attached before the thread's own layout effects run (refs of earlier siblings come first), so its virtualiser
  // measures a box in the page. Put back, the thread hears it (THREAD_SHOWN) to find its place again.
  const slot = useCallback(
    (el: HTMLDivElement | null) => {
      if (!el) return;
      el.appendChild(box);
      box.firstElementChild?.dispatchEvent(new Event(THREAD_SHOWN));
      return () => box.remove();
    },
    [box],
  );
  return (
    <>
      {shown && <div className="thread-slot" ref={slot} />}
      {createPortal(<Thread key={seen.key} conversationId={conversationId} />, box)}
    </>
  );
});
