/** The composer: Enter sends, Shift+Enter is a new line; never disabled; Stop shows while an answer streams here. */
import { useState, type KeyboardEvent } from 'react';
import { useHoldfast } from '../state/store';
import { actions } from '../api/client';

export function Composer() {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const currentId = useHoldfast((s) => s.currentId);
  // Only the thread's last answer (the conversation's current leaf) can be streaming: a follow-up waits for it.
  const streamingId = useHoldfast((s) => {
    const leaf = currentId ? s.conversations[currentId]?.current_leaf_id : null;
    const m = currentId && leaf ? s.trees[currentId]?.messages[leaf] : undefined;
    return m && m.role === 'assistant' && (m.status === 'generating' || m.status === 'queued') ? m.id : null;
  });

  const submit = async () => {
    const content = text.trim();
    if (!content || sending) return;
    setSending(true);
    // On failure the banner says why, and the text stays in the box so nothing typed is lost.
    if (await actions.send(content)) setText('');
    setSending(false);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <textarea
        data-testid="composer-input"
        aria-label="Message"
        placeholder="Message Holdfast — Enter to send, Shift+Enter for a new line"
        value={text}
        rows={Math.min(8, Math.max(1, text.split('\n').length))}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
      {streamingId && (
        <button type="button" className="stop" data-testid="stop-button" onClick={() => void actions.stop(streamingId)}>
          Stop
        </button>
      )}
      <button type="submit" className="send" data-testid="send-button" disabled={!text.trim()}>
        Send
      </button>
    </form>
  );
}
