/** The conversation list: newest activity first, pinned on top, the ones generating marked; paged in as it scrolls. */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { actions } from '../api/client';
import { DataMenu } from './DataMenu';
import { adoptDraft, hasDraft } from './Composer';
import { useHoldfast, visibleList } from '../state/store';
import type { Conversation } from '../../../shared/model';

/** Renders of list rows since the window opened (tests read it: a change to one conversation renders its row only). */
export const rowRenders = { count: 0 };

// Generating marks as one string: the list renders again only when the set changes, not on every status update.
const generatingKey = (s: { status: { generating_conversation_ids: string[] } | null }) =>
  (s.status?.generating_conversation_ids ?? []).join('\n');

export function Sidebar() {
  const conversations = useHoldfast((s) => s.conversations);
  const listEnd = useHoldfast((s) => s.listEnd);
  const cursor = useHoldfast((s) => s.listCursor);
  const hasMore = cursor !== null;
  const currentId = useHoldfast((s) => s.currentId);
  const generating = useHoldfast(generatingKey);
  // Paged: the list shows what the loaded pages reach, plus any conversation a live change moved above their end.
  const list = useMemo(() => visibleList({ conversations, listEnd }), [conversations, listEnd]);
  const active = useMemo(() => new Set(generating ? generating.split('\n') : []), [generating]);
  const listRef = useRef<HTMLDivElement>(null);
  // Virtualised: an import can bring thousands of conversations.
  const virtualizer = useVirtualizer({
    count: list.length,
    getScrollElement: () => listRef.current,
    estimateSize: () => 38,
    overscan: 10,
    getItemKey: (i) => list[i]!.id,
  });
  const items = virtualizer.getVirtualItems();
  const lastShown = items.at(-1)?.index ?? -1;
  // Near the end of what is loaded: ask for the next page (the action shares one request among repeated asks).
  useEffect(() => {
    if (hasMore && lastShown >= list.length - 30) void actions.loadMoreConversations();
  }, [hasMore, cursor, lastShown, list.length]);
  const [showTrash, setShowTrash] = useState(false);
  const trashed = useMemo(
    () =>
      Object.values(conversations)
        .filter((c) => c.deleted_at !== null)
        .sort((a, b) => (b.deleted_at ?? 0) - (a.deleted_at ?? 0)),
    [conversations],
  );
  return (
    <nav className="sidebar" aria-label="Conversations">
      <button
        type="button"
        className="new-conversation"
        data-testid="new-conversation"
        onClick={() => void actions.newConversation({ writing: hasDraft, adopt: adoptDraft })}
      >
        + New conversation
      </button>
      <div className="conversation-list" ref={listRef} data-testid="conversation-list" data-loaded={list.length} data-more={hasMore}>
        <ul style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const c = list[item.index]!;
            return (
              <li key={c.id} style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}>
                <ConversationRow conversation={c} current={c.id === currentId} generating={active.has(c.id)} />
              </li>
            );
          })}
        </ul>
      </div>
      <DataMenu />
      <div className="trash">
        <button
          type="button"
          data-testid="trash-toggle"
          onClick={() => {
            if (!showTrash) void actions.loadTrash();
            setShowTrash(!showTrash);
          }}
        >
          Trash ({trashed.length})
        </button>
        {showTrash && (
          <ul className="trash-list" data-testid="trash-list">
            {trashed.map((c) => (
              <li key={c.id} data-testid="trash-item" data-id={c.id}>
                <span className="title">{c.title || 'New conversation'}</span>
                <button type="button" data-testid="restore-button" onClick={() => void actions.restoreConversation(c.id)}>
                  Restore
                </button>
              </li>
            ))}
            {trashed.length > 0 && (
              <li>
                <button
                  type="button"
                  data-testid="empty-trash"
                  onClick={() => {
                    if (confirm(`Delete ${trashed.length} conversation(s) for good?`)) void actions.emptyTrash();
                  }}
                >
                  Empty trash
                </button>
              </li>
            )}
          </ul>
        )}
      </div>
    </nav>
  );
}

/** One row: rendered again only when its conversation, its being shown or its generating mark changes. */
const ConversationRow = memo(function ConversationRow({
  conversation: c,
  current,
  generating,
}: {
  conversation: Conversation;
  current: boolean;
  generating: boolean;
}) {
  rowRenders.count++;
  return (
    <button
      type="button"
      data-testid="conversation-item"
      data-id={c.id}
      data-generating={generating ? 'true' : 'false'}
      aria-current={current ? 'page' : undefined}
      className={current ? 'conversation current' : 'conversation'}
      onClick={() => void actions.selectConversation(c.id)}
    >
      {c.pinned && (
        <span className="pin" aria-label="pinned">
          ●
        </span>
      )}
      <span className="title">{c.title || 'New conversation'}</span>
      {generating && <span className="generating-dot" title="Answer in progress" aria-label="generating" />}
    </button>
  );
});
