/** The thread view, virtualised so thousands of messages stay responsive; follows the bottom while answers stream. */
import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useHoldfast } from '../state/store';
import { useThread } from './useThread';
import { MessageView } from './MessageView';

export function Thread({ conversationId }: { conversationId: string }) {
  const thread = useThread(conversationId);
  const focus = useHoldfast((s) => s.focusMessageId);
  const parentRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const count = thread?.length ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => parentRef.current,
    estimateSize: () => 160,
    overscan: 6,
    getItemKey: (i) => thread?.[i]?.id ?? i,
  });
  const lastId = thread?.[count - 1]?.id;
  const lastLength = useHoldfast((s) => (lastId ? s.trees[conversationId]?.messages[lastId]?.content.length ?? 0 : 0));

  useEffect(() => {
    if (!thread || !focus) return;
    const i = thread.findIndex((e) => e.id === focus);
    if (i >= 0) virtualizer.scrollToIndex(i, { align: i === count - 1 ? 'end' : 'center' });
  }, [focus, thread, count, virtualizer]);

  useEffect(() => {
    if (stick.current && count) virtualizer.scrollToIndex(count - 1, { align: 'end' });
  }, [count, lastLength, virtualizer]);

  if (!thread) return <div className="thread empty" data-testid="thread-loading">Loading…</div>;
  if (!thread.length) return <div className="thread empty">Send a message to start.</div>;
  return (
    <div
      className="thread"
      ref={parentRef}
      data-testid="thread"
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      }}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
        {virtualizer.getVirtualItems().map((item) => {
          const entry = thread[item.index]!;
          return (
            <div key={item.key} data-index={item.index} ref={virtualizer.measureElement} className="thread-row" style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${item.start}px)` }}>
              <MessageView conversationId={conversationId} id={entry.id} siblings={entry.siblings} highlighted={entry.id === focus} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
