/**
 * The composer: Enter sends, Shift+Enter is a new line; never disabled; Stop shows while an answer streams here.
 * Files are attached by the button, by dropping them on the composer, or by pasting; each is stored at once.
 * Each conversation keeps its own draft (text and files), so switching never carries a file into another one.
 */
import { useRef, useState, type ClipboardEvent, type DragEvent, type KeyboardEvent } from 'react';
import { create } from 'zustand';
import { useHoldfast } from '../state/store';
import { actions } from '../api/client';
import { AttachmentChip } from './Attachments';
import { isDisplayableImage, MAX_ATTACHMENTS_PER_MESSAGE, type AttachmentRef, type ImageLimit } from '../../../shared/attachments';
import { tidyMessage } from '../../../shared/messages';
import { currentImageLimit, fitImage } from './downscale';

/** A file in the composer, with what was done to it on the way in (an image downscaled to the provider's limit). */
type ComposerFile = AttachmentRef & { notice?: string };

/** What a conversation's composer holds until it is sent: text, stored files, and files still being stored. */
interface Draft {
  text: string;
  files: ComposerFile[];
  uploading: number;
  /** A send of this draft is on its way: a second Enter here would send it twice. Per conversation, so a slow send in
   * one never blocks writing and sending in another. */
  sending: boolean;
}
const EMPTY: Draft = { text: '', files: [], uploading: 0, sending: false };
/** The key of the draft written before any conversation exists (sending it creates one). */
const NO_CONVERSATION = '';

/** Drafts by conversation id, kept while the window lives (outside React, so they outlast the composer). */
const useDrafts = create<Record<string, Draft>>(() => ({}));
function changeDraft(key: string, change: (d: Draft) => Partial<Draft>): void {
  useDrafts.setState((all) => {
    const d = all[key] ?? EMPTY;
    return { [key]: { ...d, ...change(d) } };
  });
}

/** True while a conversation's composer holds text or files: New does not take it for an empty one to reuse. */
export function hasDraft(conversationId: string): boolean {
  const d = useDrafts.getState()[conversationId];
  return !!d && (d.text.trim() !== '' || d.files.length > 0 || d.uploading > 0 || d.sending);
}

/**
 * Hands what was written while no conversation was shown (after New, before the new one exists) to the new
 * conversation. A draft already being sent is left to its send, which makes its own conversation.
 */
export function adoptDraft(id: string): void {
  const draft = useDrafts.getState()[NO_CONVERSATION];
  if (!draft || draft.sending || hasDraft(id)) return;
  changeDraft(id, () => draft);
  changeDraft(NO_CONVERSATION, () => EMPTY);
}

export function Composer() {
  const [dragging, setDragging] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const shownId = useHoldfast((s) => s.currentId);
  // While New creates a conversation, the composer is already that one's: blank, and not the one left's.
  const creating = useHoldfast((s) => s.creating);
  const currentId = creating ? null : shownId;
  const key = currentId ?? NO_CONVERSATION;
  const { text, files, uploading, sending } = useDrafts((all) => all[key] ?? EMPTY);
  const setText = (value: string) => changeDraft(key, () => ({ text: value }));
  // Only the thread's last answer (the conversation's current leaf) can be streaming: a follow-up waits for it.
  const streamingId = useHoldfast((s) => {
    const leaf = currentId ? s.conversations[currentId]?.current_leaf_id : null;
    const m = currentId && leaf ? s.trees[currentId]?.messages[leaf] : undefined;
    return m && m.role === 'assistant' && (m.status === 'generating' || m.status === 'queued') ? m.id : null;
  });

  const attach = async (list: FileList | File[] | null | undefined) => {
    // A file lands in the draft it was attached to, even if the person switches conversation while it is stored.
    const into = key;
    const all = [...(list ?? [])];
    const room = Math.max(0, MAX_ATTACHMENTS_PER_MESSAGE - files.length - uploading);
    const chosen = all.slice(0, room);
    if (all.length > room) actions.filesLeftOut(all.slice(room).map((f) => f.name)); // the banner names them
    let limit: Promise<ImageLimit | null> | undefined; // asked once, and only when an image comes
    for (const file of chosen) {
      changeDraft(into, (d) => ({ uploading: d.uploading + 1 }));
      // An image past the provider's limit is downscaled first, and its chip says so.
      const fitted = isDisplayableImage(file.type) ? await fitImage(file, await (limit ??= currentImageLimit())) : { file };
      // A refused file (type, size) shows the banner with the reason; the others still attach.
      const stored = await actions.addAttachment(fitted.file);
      const added = stored && { id: stored.id, name: stored.name, mime: stored.mime, size: stored.size, notice: fitted.notice };
      changeDraft(into, (d) => ({ uploading: d.uploading - 1, files: added ? [...d.files, added] : d.files }));
    }
  };

  const submit = async () => {
    const content = tidyMessage(text);
    // A file alone is a message (a screenshot sent without a word); nothing at all is not.
    if ((!content && !files.length) || sending || uploading) return;
    changeDraft(key, () => ({ sending: true }));
    // A first message creates its conversation before it is sent, and its draft moves there at once: whichever
    // conversation is shown when the send returns, a refused message's text and files stay with the one it was written
    // for (never overwriting another's draft), and a sent one is cleared there.
    let into = key;
    if (into === NO_CONVERSATION) {
      const made = await actions.newConversation({ fresh: true });
      if (!made) return changeDraft(NO_CONVERSATION, () => ({ sending: false }));
      const draft = useDrafts.getState()[NO_CONVERSATION] ?? EMPTY;
      changeDraft(made, () => draft);
      changeDraft(NO_CONVERSATION, () => EMPTY);
      into = made;
    }
    // On failure the banner says why, and the text and files stay in the box so nothing is lost.
    const sent = await actions.send(
      content,
      files.map((f) => f.id),
      into,
    );
    changeDraft(into, () => (sent ? { text: '', files: [], sending: false } : { sending: false }));
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  };
  // A drop here attaches; the window's own drop handler (import) skips events already handled here.
  const onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    setDragging(true);
  };
  const onDrop = (e: DragEvent) => {
    setDragging(false);
    if (!e.dataTransfer.files.length) return;
    e.preventDefault();
    void attach(e.dataTransfer.files);
  };
  const onPaste = (e: ClipboardEvent) => {
    const pasted = [...e.clipboardData.files];
    if (!pasted.length) return; // plain text pastes as text
    e.preventDefault();
    void attach(pasted);
  };

  return (
    <form
      className={`composer${dragging ? ' dragging' : ''}`}
      data-testid="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onDragOver={onDragOver}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      {(files.length > 0 || uploading > 0) && (
        <div className="composer-attachments">
          {files.map((f) => (
            <AttachmentChip
              key={f.id}
              a={f}
              testId="composer-attachment"
              notice={f.notice}
              onRemove={() => changeDraft(key, (d) => ({ files: d.files.filter((x) => x.id !== f.id) }))}
            />
          ))}
          {uploading > 0 && <span className="attachment-loading">Attaching…</span>}
        </div>
      )}
      <div className="composer-row">
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          data-testid="attachment-input"
          accept="image/png,image/jpeg,image/gif,image/webp,application/pdf,text/*,.md,.csv,.json,.txt,.ts,.js,.py,.svg,.xml,.yaml,.yml"
          onChange={(e) => {
            void attach(e.target.files);
            e.target.value = '';
          }}
        />
        <button
          type="button"
          className="attach"
          data-testid="attach-button"
          aria-label="Attach files"
          title="Attach images, PDFs or text files (or drop them here, or paste)"
          onClick={() => picker.current?.click()}
        >
          Attach
        </button>
        <textarea
          data-testid="composer-input"
          aria-label="Message"
          placeholder="Message Holdfast — Enter to send, Shift+Enter for a new line"
          value={text}
          rows={Math.min(8, Math.max(1, text.split('\n').length))}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        {streamingId && (
          <button type="button" className="stop" data-testid="stop-button" onClick={() => void actions.stop(streamingId)}>
            Stop
          </button>
        )}
        <button
          type="submit"
          className="send"
          data-testid="send-button"
          aria-busy={sending}
          disabled={(!text.trim() && !files.length) || uploading > 0 || sending}
        >
          {sending ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}
