/** One message: its text, its status as a person reads it, and what can be done with it. */
import { memo, useState } from 'react';
import { useHoldfast } from '../state/store';
import { edit, react, regenerate, retry, stop, switchBranch } from '../state/actions';
import { Markdown } from '../components/Markdown';
import { modelLabel, type Message } from '../../../shared/model';

function statusLabel(m: Message, offline: boolean): string {
  switch (m.status) {
    case 'queued':
      return offline ? 'queued — waiting for the network' : 'sending';
    case 'generating':
      return 'streaming';
    case 'completed':
      return 'sent';
    case 'error':
      return 'error';
    case 'cancelled':
      return 'cancelled';
  }
}

export const MessageView = memo(function MessageView({
  conversationId,
  id,
  siblings,
  highlighted,
}: {
  conversationId: string;
  id: string;
  siblings: string[];
  highlighted: boolean;
}) {
  const m = useHoldfast((s) => s.trees[conversationId]?.messages[id]);
  const offline = useHoldfast((s) => s.status?.network === 'offline');
  const waiting = useHoldfast((s) => s.status?.waiting_message_ids.includes(id) ?? false);
  const [editing, setEditing] = useState<string | null>(null);
  const [commenting, setCommenting] = useState(false);
  const [comment, setComment] = useState('');
  if (!m) return null;
  const pos = siblings.indexOf(m.id);
  const busy = m.status === 'generating' || m.status === 'queued';
  const toggle = (value: 'like' | 'dislike') => {
    const next = m.reaction === value ? null : value;
    if (next === 'dislike') setCommenting(true);
    void react(m.id, next);
  };
  return (
    <article
      className={`message ${m.role}${highlighted ? ' highlighted' : ''}`}
      data-testid="message"
      data-id={m.id}
      data-role={m.role}
      data-status={m.status}
    >
      <header className="message-head">
        <span className="who">{m.role === 'user' ? 'You' : modelLabel(m.model) || 'Assistant'}</span>
        <span className={`status status-${m.status}`} data-testid="message-status">
          {statusLabel(m, offline)}
          {waiting && m.status === 'generating' ? (offline ? ' — paused, offline' : ' — reconnecting') : ''}
        </span>
        {siblings.length > 1 && (
          <span className="variants">
            <button
              type="button"
              data-testid="variant-prev"
              aria-label="Previous variant"
              disabled={pos <= 0}
              onClick={() => void switchBranch(conversationId, siblings[pos - 1]!)}
            >
              ‹
            </button>
            <span data-testid="variant-position">
              {pos + 1}/{siblings.length}
            </span>
            <button
              type="button"
              data-testid="variant-next"
              aria-label="Next variant"
              disabled={pos >= siblings.length - 1}
              onClick={() => void switchBranch(conversationId, siblings[pos + 1]!)}
            >
              ›
            </button>
          </span>
        )}
      </header>
      {editing !== null ? (
        <div className="edit-box">
          <textarea data-testid="edit-input" value={editing} onChange={(e) => setEditing(e.target.value)} rows={3} />
          <button
            type="button"
            data-testid="edit-save"
            disabled={!editing.trim()}
            onClick={() => {
              void edit(m.id, editing);
              setEditing(null);
            }}
          >
            Save & send
          </button>
          <button type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        </div>
      ) : (
        <>
          {m.thinking && (
            <details className="thinking" data-testid="message-thinking">
              <summary>Thinking</summary>
              <p>{m.thinking}</p>
            </details>
          )}
          <div className="message-content" data-testid="message-content">
            {m.role === 'user' ? (
              <p className="user-text">{m.content}</p>
            ) : (
              <Markdown text={m.content} streaming={m.status === 'generating'} />
            )}
            {m.status === 'generating' && <span className="cursor" aria-hidden="true" />}
          </div>
        </>
      )}
      {m.status === 'error' && (
        <div className="message-error" role="alert">
          <span data-testid="message-error">{m.error}</span>
          <button type="button" data-testid="retry-button" onClick={() => void retry(m.id)}>
            Retry
          </button>
        </div>
      )}
      <footer className="message-actions">
        <button type="button" data-testid="copy-message" onClick={() => void navigator.clipboard?.writeText(m.content)}>
          Copy
        </button>
        {m.role === 'user' && (
          <button type="button" data-testid="edit-button" onClick={() => setEditing(m.content)}>
            Edit
          </button>
        )}
        {m.role === 'assistant' && (
          <>
            {busy ? (
              <button type="button" data-testid="message-stop" onClick={() => void stop(m.id)}>
                Stop
              </button>
            ) : (
              <button type="button" data-testid="regenerate-button" onClick={() => void regenerate(m.id)}>
                Regenerate
              </button>
            )}
            {m.status === 'cancelled' && (
              <button type="button" data-testid="continue-button" onClick={() => void retry(m.id)}>
                Continue
              </button>
            )}
            <button type="button" data-testid="like-button" aria-pressed={m.reaction === 'like'} onClick={() => toggle('like')}>
              Like
            </button>
            <button type="button" data-testid="dislike-button" aria-pressed={m.reaction === 'dislike'} onClick={() => toggle('dislike')}>
              Dislike
            </button>
          </>
        )}
      </footer>
      {commenting && (
        <div className="comment-box">
          <input
            data-testid="reaction-comment"
            placeholder="What was wrong? (optional)"
            value={comment}
            onChange={(e) => setComment(e.target.value)}
          />
          <button
            type="button"
            onClick={() => {
              void react(m.id, 'dislike', comment || null);
              setCommenting(false);
            }}
          >
            Save
          </button>
        </div>
      )}
      {m.reaction_comment && <p className="reaction-comment">“{m.reaction_comment}”</p>}
    </article>
  );
});
