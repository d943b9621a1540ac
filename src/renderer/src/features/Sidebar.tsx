/** The conversation list: newest activity first, pinned on top, the ones generating marked. */
import { useMemo, useState } from 'react';
import { api } from '../api/client';
import { DataMenu } from './DataMenu';
import { useHoldfast } from '../state/store';
import { newConversation, selectConversation } from '../state/actions';

export function Sidebar() {
  const conversations = useHoldfast((s) => s.conversations);
  const currentId = useHoldfast((s) => s.currentId);
  const generating = useHoldfast((s) => s.status?.generating_conversation_ids);
  const list = useMemo(
    () => Object.values(conversations).filter((c) => c.deleted_at === null)
      .sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.updated_at - a.updated_at || (b.id > a.id ? 1 : -1)),
    [conversations],
  );
  const active = new Set(generating ?? []);
  const [showTrash, setShowTrash] = useState(false);
  const trashed = useMemo(() => Object.values(conversations).filter((c) => c.deleted_at !== null).sort((a, b) => (b.deleted_at ?? 0) - (a.deleted_at ?? 0)), [conversations]);
  return (
    <nav className="sidebar" aria-label="Conversations">
      <button type="button" className="new-conversation" data-testid="new-conversation" onClick={() => void newConversation()}>
        + New conversation
      </button>
      <ul className="conversation-list">
        {list.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              data-testid="conversation-item"
              data-id={c.id}
              data-generating={active.has(c.id) ? 'true' : 'false'}
              aria-current={c.id === currentId ? 'page' : undefined}
              className={c.id === currentId ? 'conversation current' : 'conversation'}
              onClick={() => void selectConversation(c.id)}
            >
              {c.pinned && <span className="pin" aria-label="pinned">📌</span>}
              <span className="title">{c.title || 'New conversation'}</span>
              {active.has(c.id) && <span className="generating-dot" title="Answer in progress" aria-label="generating" />}
            </button>
          </li>
        ))}
      </ul>
      <DataMenu />
      <div className="trash">
        <button type="button" data-testid="trash-toggle" onClick={() => setShowTrash(!showTrash)}>Trash ({trashed.length})</button>
        {showTrash && (
          <ul className="trash-list" data-testid="trash-list">
            {trashed.map((c) => (
              <li key={c.id} data-testid="trash-item" data-id={c.id}>
                <span className="title">{c.title || 'New conversation'}</span>
                <button type="button" data-testid="restore-button" onClick={() => void api.invoke('conversations.restore', { id: c.id })}>Restore</button>
              </li>
            ))}
            {trashed.length > 0 && (
              <li><button type="button" data-testid="empty-trash" onClick={() => { if (confirm(`Delete ${trashed.length} conversation(s) for good?`)) void api.invoke('conversations.emptyTrash', {}); }}>Empty trash</button></li>
            )}
          </ul>
        )}
      </div>
    </nav>
  );
}
