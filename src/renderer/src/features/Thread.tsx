/** The thread view, virtualised so thousands of messages stay responsive; follows the bottom while answers stream. */
import { memo, useCallback, useEffect, useRef, useState } from 'react';
import {
  measureElement,
  observeElementOffset,
  observeElementRect,
  useVirtualizer,
  type Range,
  type Virtualizer,
} from '@tanstack/react-virtual';
import { useHoldfast } from '../state/store';
import { useThread, type ThreadEntry } from './useThread';
import { MessageView } from './MessageView';
import { estimateRowHeight } from './row-height';

/**
 * Heights of messages as last measured, so a thread shown again opens with its rows where they will be: no frames of
 * measuring and correcting the scroll position. Least recently measured first out.
 */
const heights = new Map<string, number>();
const MAX_HEIGHTS = 20_000;

function rememberHeight(id: string, size: number): void {
  heights.delete(id);
  heights.set(id, size);
  if (heights.size > MAX_HEIGHTS) heights.delete(heights.keys().next().value!);
}

/**
 * The scroll box's size and position, except while it is out of the page (a kept thread, hidden): a 0 × 0 box scrolled
 * to the top would unmount the rows it showed, and render them again when it is shown.
 */
const sizeWhileInPage: typeof observeElementRect<HTMLDivElement> = (instance, cb) =>
  observeElementRect(instance, (rect) => {
    if (instance.scrollElement?.isConnected) cb(rect);
  });
const offsetWhileInPage: typeof observeElementOffset<HTMLDivElement> = (instance, cb) =>
  observeElementOffset(instance, (offset, scrolling) => {
    if (instance.scrollElement?.isConnected) cb(offset, scrolling);
  });

/** Rows rendered beyond each edge of the screen, so a scroll does not show blank rows before they render. */
const OVERSCAN = 4;

/** Dispatched on a kept thread's scroll box when it is put back in the page (see ThreadStack). */
export const THREAD_SHOWN = 'holdfast:thread-shown';

export const Thread = memo(function Thread({ conversationId }: { conversationId: string }) {
  const thread = useThread(conversationId);
  if (!thread)
    return (
      <div className="thread empty" data-testid="thread-loading">
        Loading…
      </div>
    );
  if (!thread.length) return <div className="thread empty">Send a message to start.</div>;
  // Mounted once the thread is known, so the list can open at its bottom on the first frame.
  return <ThreadList conversationId={conversationId} thread={thread} />;
});

function ThreadList({ conversationId, thread }: { conversationId: string; thread: ThreadEntry[] }) {
  const focus = useHoldfast((s) => s.focusMessageId);
  const parentRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const moved = useRef(false);
  const count = thread.length;
  // Estimates close to the real heights let the list open at the bottom in one pass instead of measuring its way there.
  // Stable callbacks: the virtualiser recomputes every position when getItemKey changes, and this renders per frame.
  const estimate = useCallback(
    (i: number) => {
      const id = thread[i]?.id;
      const known = id ? heights.get(id) : undefined;
      if (known !== undefined) return known;
      const m = id ? useHoldfast.getState().trees[conversationId]?.messages[id] : undefined;
      return estimateRowHeight(m?.role ?? 'assistant', m?.content ?? '');
    },
    [thread, conversationId],
  );
  const measure = useCallback(
    (el: Element, entry: ResizeObserverEntry | undefined, instance: Virtualizer<HTMLDivElement, Element>) => {
      const id = thread[Number(el.getAttribute('data-index'))]?.id;
      // A row out of the page (a kept thread, hidden: see ThreadStack) reports 0 high: keep what was measured, and
      // remember nothing from there.
      const known = id ? heights.get(id) : undefined;
      if (!el.isConnected) return known ?? measureElement(el, entry, instance);
      const size = measureElement(el, entry, instance);
      if (id) rememberHeight(id, size);
      return size;
    },
    [thread],
  );
  const getItemKey = useCallback((i: number) => thread[i]?.id ?? i, [thread]);
  // The first paint renders one row above the screen, the rest of that margin (rows a scroll up brings into view) after
  // that frame: rendering four answers above the screen was a large part of a first open. Below it stays whole: the
  // list opens at its end, and until its rows are measured the end may lie a row or two further down.
  const [above, setAbove] = useState(1);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => (timer = setTimeout(() => setAbove(OVERSCAN), 0)));
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, []);
  const rangeExtractor = useCallback(
    (r: Range) => {
      const first = Math.max(0, r.startIndex - above);
      const last = Math.min(r.count - 1, r.endIndex + OVERSCAN);
      return Array.from({ length: last - first + 1 }, (_, i) => first + i);
    },
    [above],
  );
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => parentRef.current,
    estimateSize: estimate,
    overscan: OVERSCAN,
    rangeExtractor,
    // Following a streaming answer: a row that grows while the list is at its end keeps it at its end, adjusted where the
    // virtualiser measures the row (after layout). Scrolling to the last row on every frame instead forced a layout per
    // frame (the largest part of a streaming window's work, profiled).
    anchorTo: 'end',
    scrollEndThreshold: 80,
    getItemKey,
    measureElement: measure,
    observeElementRect: sizeWhileInPage,
    observeElementOffset: offsetWhileInPage,
    initialOffset: () => {
      let total = 0;
      for (let i = 0; i < count; i++) total += estimate(i);
      return Math.max(0, total - (parentRef.current?.clientHeight ?? 800));
    },
  });

  useEffect(() => {
    if (!focus) return;
    const i = thread.findIndex((e) => e.id === focus);
    if (i >= 0 && parentRef.current?.isConnected) virtualizer.scrollToIndex(i, { align: i === count - 1 ? 'end' : 'center' });
  }, [focus, thread, count, virtualizer]);

  useEffect(() => {
    // Not while hidden (out of the page, a scroll command cannot land and would confuse the virtualiser's own
    // bookkeeping of where it is): THREAD_SHOWN brings it to the bottom then.
    if (stick.current && count && parentRef.current?.isConnected) virtualizer.scrollToIndex(count - 1, { align: 'end' });
  }, [count, virtualizer]);

  // Out of the page a box loses its scroll position, and while hidden the thread may have grown (the whole tree landing
  // after its tail, answers caught up): shown again, it goes back to the bottom if it followed it, else where it was.
  const top = useRef(0);
  const follow = useRef({ count, virtualizer });
  follow.current = { count, virtualizer };
  useEffect(() => {
    const el = parentRef.current;
    if (!el) return;
    const onShown = () => {
      const { count, virtualizer } = follow.current;
      if (stick.current && count) virtualizer.scrollToIndex(count - 1, { align: 'end' });
      else el.scrollTop = top.current;
    };
    el.addEventListener(THREAD_SHOWN, onShown);
    return () => el.removeEventListener(THREAD_SHOWN, onShown);
  }, []);

  return (
    <div
      className="thread"
      ref={parentRef}
      data-testid="thread"
      // Only the person lets go of the bottom (wheel, touch, keys, the scroll bar): the virtualiser's own scrolling while
      // rows are measured, or the whole tree landing after the tail, passes through places away from it.
      onWheel={() => (moved.current = true)}
      onTouchMove={() => (moved.current = true)}
      onKeyDown={() => (moved.current = true)}
      onPointerDown={() => (moved.current = true)}
      onScroll={(e) => {
        const el = e.currentTarget;
        if (!el.isConnected) return;
        const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
        if (atEnd || moved.current) stick.current = atEnd;
        moved.current = false;
        top.current = el.scrollTop;
      }}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
        {virtualizer.getVirtualItems().map((item) => {
          const entry = thread[item.index]!;
          return (
            <div
              key={item.key}
              data-index={item.index}
              ref={virtualizer.measureElement}
              className="thread-row"
              style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${item.start}px)` }}
            >
              <MessageView conversationId={conversationId} id={entry.id} siblings={entry.siblings} highlighted={entry.id === focus} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
