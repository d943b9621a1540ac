/** One message: its text, its status as a person reads it, and what can be done with it. */
import { AttachmentChip, AttachmentList } from './Attachments';
import type { AttachmentRef } from '../../../shared/attachments';
import { memo, useEffect, useRef, useState } from 'react';
import { useHoldfast } from '../state/store';
import { shownProvider } from '../components/ConnectionStatus';
import { actions } from '../api/client';
import { Markdown } from '../components/Markdown';
import { CONTINUABLE_STOP_REASONS, modelLabel, type Message } from '../../../shared/model';
import { REDACTED_THINKING_NOTE, stopReasonNote, thoughtFor } from '../../../shared/stop-reasons';

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

/**
 * The model's reasoning, collapsed above the answer: "Thinking… 4 s" while it thinks, "Thought for 12 s" after.
 * Its text is rendered only while open (it can be long, and it grows with every chunk).
 */
function ThinkingBlock({ m }: { m: Message }) {
  const [open, setOpen] = useState(false);
  const live = m.status === 'generating' && m.content === '';
  // A first attempt thinks from the moment the answer was created; a restarted one from when this window saw it.
  const seenAt = useRef(Date.now());
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [live]);
  const since = m.thinking_ms == null ? m.created_at : seenAt.current;
  const elapsed = Math.max(0, Math.round(((m.thinking_ms ?? 0) + now - since) / 1000));
  return (
    <details
      className="thinking"
      data-testid="message-thinking"
      data-live={live}
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
    >
      <summary data-testid="thinking-summary">{live ? `Thinking… ${elapsed} s` : thoughtFor(m.thinking_ms)}</summary>
      {open && m.thinking && <div className="thinking-text">{m.thinking}</div>}
      {m.thinking_redacted && (
        <p className="thinking-redacted" data-testid="thinking-redacted">
          {REDACTED_THINKING_NOTE}
        </p>
      )}
    </details>
  );
}

/** Why a finished answer stopped, when it was not the natural end: never silent; Continue where it can go on. */
function StopReason({ m }: { m: Message }) {
  const note = m.role === 'assistant' && m.status === 'completed' ? stopReasonNote(m.stop_reason) : null;
  if (!note) return null;
  return (
    <div className={`stop-reason stop-${m.stop_reason}`} data-testid="stop-reason" data-reason={m.stop_reason} role="note">
      <span>{note}</span>
      {CONTINUABLE_STOP_REASONS.includes(m.stop_reason ?? '') && (
        <button type="button" data-testid="continue-button" onClick={() => void actions.continueAnswer(m.id)}>
          Continue
        </button>
      )}
    </div>
  );
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
  // Whether this conversation's own provider is reachable (not only the default's): a stopped local server is offline here.
  const offline = useHoldfast(
    (s) => (shownProvider(s.status, s.conversations[conversationId] ?? null)?.network ?? s.status?.network) === 'offline',
  );
  const waiting = useHoldfast((s) => s.status?.waiting_message_ids.includes(id) ?? false);
  const loadingModel = useHoldfast((s) => s.status?.loading_message_ids?.includes(id) ?? false);
  const unsaved = useHoldfast((s) => s.status?.storage?.unsaved_message_ids.includes(id) ?? false);
  const [editing, setEditing] = useState<string | null>(null);
  // The files the edited message will carry: the original's, less any taken off (a file the provider refuses, say).
  const [editFiles, setEditFiles] = useState<AttachmentRef[]>([]);
  const [commenting, setCommenting] = useState(false);
  const [comment, setComment] = useState('');
  if (!m) return null;
  const pos = siblings.indexOf(m.id);
  const busy = m.status === 'generating' || m.status === 'queued';
  const toggle = (value: 'like' | 'dislike') => {
    const next = m.reaction === value ? null : value;
    if (next === 'dislike') setCommenting(true);
    void actions.react(m.id, next);
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
          {loadingModel && m.status === 'generating' ? <span data-testid="loading-model"> — loading model</span> : ''}
          {unsaved ? ' — disk full, kept in memory until there is space' : ''}
        </span>
        {siblings.length > 1 && (
          <span className="variants">
            <button
              type="button"
              data-testid="variant-prev"
              aria-label="Previous variant"
              disabled={pos <= 0}
              onClick={() => void actions.switchBranch(conversationId, siblings[pos - 1]!)}
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
              onClick={() => void actions.switchBranch(conversationId, siblings[pos + 1]!)}
            >
              ›
            </button>
          </span>
        )}
      </header>
      {editing !== null ? (
        <div className="edit-box">
          {editFiles.length > 0 && (
            <div className="attachments">
              {editFiles.map((a) => (
                <AttachmentChip
                  key={a.id}
                  a={a}
                  testId="edit-attachment"
                  onRemove={() => setEditFiles((all) => all.filter((x) => x.id !== a.id))}
                />
              ))}
            </div>
          )}
          <textarea data-testid="edit-input" value={editing} onChange={(e) => setEditing(e.target.value)} rows={3} />
          <button
            type="button"
            data-testid="edit-save"
            disabled={!editing.trim() && !editFiles.length}
            onClick={() => {
              void actions.edit(
                m.id,
                editing,
                editFiles.map((a) => a.id),
              );
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
          {(m.thinking || m.thinking_redacted) && <ThinkingBlock m={m} />}
          <AttachmentList items={m.attachments} testId="message-attachment" />
          <div className="message-content" data-testid="message-content">
            {m.role === 'user' ? (
              <p className="user-text">{m.content}</p>
            ) : (
              <Markdown text={m.content} streaming={m.status === 'generating'} />
            )}
            {m.status === 'generating' && <span className="cursor" aria-hidden="true" />}
          </div>
          <StopReason m={m} />
        </>
      )}
      {m.status === 'error' && (
        <div className="message-error" role="alert">
          <span data-testid="message-error">{m.error}</span>
          <button type="button" data-testid="retry-button" onClick={() => void actions.retry(m.id)}>
            Retry
          </button>
        </div>
      )}
      <footer className="message-actions">
        <button type="button" data-testid="copy-message" onClick={() => void navigator.clipboard?.writeText(m.content)}>
          Copy
        </button>
        {m.role === 'user' && (
          <button
            type="button"
            data-testid="edit-button"
            onClick={() => {
              setEditing(m.content);
              setEditFiles(m.attachments ?? []);
            }}
          >
            Edit
          </button>
        )}
        {m.role === 'assistant' && (
          <>
            {busy ? (
              <button type="button" data-testid="message-stop" onClick={() => void actions.stop(m.id)}>
                Stop
              </button>
            ) : (
              <button type="button" data-testid="regenerate-button" onClick={() => void actions.regenerate(m.id)}>
                Regenerate
              </button>
            )}
            {m.status === 'cancelled' && (
              <button type="button" data-testid="continue-button" onClick={() => void actions.retry(m.id)}>
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
              void actions.react(m.id, 'dislike', comment || null);
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
