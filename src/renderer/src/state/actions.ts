/**
 * What a person can do. Every call a feature makes goes through here, and every failure, an unhandled rejection
 * included, ends in the one error banner saying what failed and what to do; the replica follows from the events.
 */
import type { Input, Method, Output } from '../../../shared/contract';
import { ConflictReason, HoldfastError, type ErrorCode, type ErrorShape } from '../../../shared/errors';
import type { Conversation, Reaction } from '../../../shared/model';
import type { ImportResult } from '../../../shared/exchange';
import { MAX_IMPORT_TEXT, describeImport } from '../../../shared/exchange';
import { MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_MESSAGE, type AttachmentInfo } from '../../../shared/attachments';
import type { SettingsPatch } from '../../../shared/settings';
import { RpcError, type Transport } from '../api/transport';
import type { Sync } from './sync';
import { useHoldfast, type Failure } from './store';

const HINTS: Record<ErrorCode, string> = {
  invalid_input: 'Check what you entered and try again.',
  not_found: 'It no longer exists, perhaps removed in another window.',
  conflict: 'It changed meanwhile, perhaps in another window: look at it again, then try again.',
  provider_error: 'The AI provider failed: check the API key and model in Settings, then try again.',
  offline: 'Holdfast is reconnecting: try again in a moment.',
  internal: 'Try again; if it keeps failing, restart Holdfast.',
  unauthorized: 'This page no longer holds the host’s secret: open the URL the host printed (with ?token=) again.',
  too_large: 'It is over the size limit: split it or use a smaller file.',
};

/**
 * A conflict has many causes; its `details.reason` says which, and the hint follows it (a send into a conversation
 * trashed in another window is not helped by waiting for an answer).
 */
const CONFLICT_HINTS: Record<ConflictReason, string> = {
  trashed: 'Restore it from the trash to write in it.',
  generating: 'Wait for the answer in progress to finish (or stop it), then try again.',
  unfinished: 'Use Retry on the answer instead.',
  completed: 'Use Regenerate for another answer.',
  ended_normally: 'The answer is complete: ask a follow-up, or regenerate it.',
  provider_in_use: 'Choose another provider to move its conversations to, then remove it.',
};

function hintOf(shape: Shape): string {
  return (shape.code === 'conflict' && shape.reason && CONFLICT_HINTS[shape.reason]) || HINTS[shape.code];
}

type Shape = Pick<ErrorShape, 'code' | 'message'> & { reason?: ConflictReason };

/** Whatever was thrown, as the one error shape: an unknown or missing code counts as `internal`. */
function shapeOf(err: unknown): Shape {
  // The preload bridge rejects with the shape's fields on a plain Error (Electron may drop all but `message`).
  const raw = err instanceof RpcError ? err.shape : (err as { code?: unknown; message?: unknown; details?: unknown } | null);
  const code = raw?.code;
  const message = typeof raw?.message === 'string' && raw.message ? raw.message : typeof err === 'string' ? err : 'Unknown error';
  const reason = ConflictReason.safeParse((raw?.details as { reason?: unknown } | undefined)?.reason);
  return {
    code: typeof code === 'string' && Object.hasOwn(HINTS, code) ? (code as ErrorCode) : 'internal',
    message,
    ...(reason.success ? { reason: reason.data } : {}),
  };
}

export function failureOf(action: string, err: unknown, hint?: string): Failure {
  const shape = shapeOf(err);
  return { action, message: shape.message, hint: hint ?? hintOf(shape), code: shape.code };
}

export function showFailure(action: string, err: unknown, hint?: string): void {
  useHoldfast.setState({ error: failureOf(action, err, hint) });
}

export function dismissFailure(): void {
  useHoldfast.setState({ error: null });
}

/** A rejection nobody handled still reaches the banner, and is marked handled so it is reported once. */
export function installErrorHandlers(target: Pick<EventTarget, 'addEventListener'>): void {
  target.addEventListener('unhandledrejection', (event) => {
    event.preventDefault();
    showFailure('Something', (event as Event & { reason?: unknown }).reason);
  });
}

/** The window's side effects that are not contract calls, so tests can run the actions without a page. */
export interface ActionEnv {
  setHash(hash: string): void;
  /** Resolves once the browser had a chance to paint. */
  afterPaint(): Promise<void>;
  /** Posts a file to the host's streaming import route (a browser on the headless host only). */
  postImport(file: Blob): Promise<Response>;
}

export const browserEnv: ActionEnv = {
  // Not `location.hash =`: that is a fragment navigation, which lays out the whole page to look for an element to scroll
  // to (7 ms of every switch, measured). A pushed entry still fires hashchange on back and forward.
  setHash: (hash) => {
    if (hash === location.hash || (!hash && !location.hash)) return;
    history.pushState(history.state, '', hash || location.pathname + location.search);
  },
  afterPaint: () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))),
  postImport: (file) => fetch('/api/import', { method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' } }),
};

export function createActions(
  api: Pick<Transport, 'invoke' | 'kind'>,
  sync: Pick<Sync, 'loadTree' | 'loadTail'> & Partial<Pick<Sync, 'show' | 'loadMore'>>,
  env: ActionEnv = browserEnv,
) {
  /** Counts conversations opened (the one shown again included), so New can tell a click on the one it left. */
  let opened = 0;

  /** Runs one step; on failure shows it and resolves `undefined`, so no click ever leaves a rejection behind. */
  async function attempt<T>(action: string, step: () => Promise<T>, hint?: string): Promise<T | undefined> {
    try {
      return await step();
    } catch (err) {
      showFailure(action, err, hint);
      return undefined;
    }
  }
  const call = <M extends Method>(action: string, method: M, input: Input<M>) => attempt(action, () => api.invoke(method, input));

  async function selectConversation(id: string | null, focusMessageId: string | null = null): Promise<void> {
    opened++;
    useHoldfast.setState({ currentId: id, focusMessageId });
    // Sent first, not awaited first: the host hears it before the reads below, with no extra round trip.
    const watching = sync.show?.(id);
    const opening = attempt('Open the conversation', async () => {
      if (!id) return watching;
      // Never opened here: the thread's last messages first, so a long conversation paints at once.
      if (!useHoldfast.getState().trees[id]) {
        await sync.loadTail(id);
        await env.afterPaint();
      }
      // A kept tree is shown from memory at once; `show` brings in what changed while another was shown.
      await watching;
      if (!useHoldfast.getState().trees[id]?.complete) await sync.loadTree(id);
    });
    // The address once the requests are on their way: in a fresh window pushState alone took 1 to 8 ms (profiled), and
    // spent here it overlaps their round trip instead of delaying it.
    env.setHash(id ? `#/c/${id}` : '');
    await opening;
  }

  /**
   * Shows what the address names (back and forward after a pushed switch): `#/c/ID` that conversation, an address
   * without one none, so the page never shows one conversation under another's (or no) address.
   */
  async function followAddress(hash: string): Promise<void> {
    const id = /^#\/c\/([^/]+)/.exec(hash)?.[1] ?? null;
    if (id !== useHoldfast.getState().currentId) await selectConversation(id);
  }

  /**
   * Shows an empty conversation (no messages, no title) for a new one: the shown one if it is empty, else the newest
   * empty one this window knows of, and only when there is none creates one, so clicking New never leaves a trail of
   * empty, untitled conversations. `fresh` always creates one (a first message being sent carries its own draft);
   * `writing` names conversations with something written in their composer: not blank, so not reused.
   *
   * A conversation being created gets a blank composer from the click: until it exists, what is typed is the draft of
   * no conversation, not of the one left; `adopt` hands that draft to the new conversation just before it is shown. If
   * the person opens another conversation meanwhile they stay there (the new one stays empty, for New to reuse); if
   * it cannot be created, no conversation is shown, so what was typed stays in view (sending it makes one).
   */
  async function newConversation(
    options: { fresh?: boolean; writing?: (id: string) => boolean; adopt?: (id: string) => void } = {},
  ): Promise<string | undefined> {
    const empty = options.fresh ? undefined : emptyConversation(options.writing ?? (() => false));
    if (empty) {
      if (empty !== useHoldfast.getState().currentId) await selectConversation(empty);
      return empty;
    }
    const from = useHoldfast.getState().currentId;
    const openedBefore = opened;
    if (!options.fresh) useHoldfast.setState({ creating: true });
    const c = await call('Create a conversation', 'conversations.create', {});
    // A click on the conversation left (shown all along) is leaving the new one too. Opening the new conversation
    // itself meanwhile (its list event comes before the call's answer: a second click on New, or a click on its row) is
    // staying: what was typed is still handed to it.
    const shown = useHoldfast.getState().currentId;
    const stayed = (opened === openedBefore && shown === from) || (c !== undefined && shown === c.id);
    if (!options.fresh) useHoldfast.setState({ creating: false });
    if (!c) {
      if (!options.fresh && stayed && from !== null) await selectConversation(null);
      return undefined;
    }
    useHoldfast.setState((s) => ({ conversations: { ...s.conversations, [c.id]: c } }));
    if (!options.fresh && !stayed) return c.id;
    options.adopt?.(c.id);
    await selectConversation(c.id);
    return c.id;
  }

  function emptyConversation(writing: (id: string) => boolean): string | undefined {
    const s = useHoldfast.getState();
    const isEmpty = (c: Conversation | undefined): c is Conversation =>
      !!c &&
      c.deleted_at === null &&
      !writing(c.id) &&
      c.title === '' &&
      c.current_leaf_id === null &&
      Object.keys(s.trees[c.id]?.messages ?? {}).length === 0;
    const shown = s.currentId ? s.conversations[s.currentId] : undefined;
    if (isEmpty(shown)) return shown.id;
    return Object.values(s.conversations)
      .filter(isEmpty)
      .sort((a, b) => b.updated_at - a.updated_at)[0]?.id;
  }

  /** True once the message is stored; false leaves the composer's text where it is. Into the one shown unless named. */
  async function send(content: string, attachments: string[] = [], conversationId?: string): Promise<boolean> {
    const id = conversationId ?? useHoldfast.getState().currentId ?? (await newConversation());
    if (!id) return false;
    const sent = await call('Send the message', 'messages.send', {
      conversation_id: id,
      content,
      ...(attachments.length ? { attachments } : {}),
    });
    if (!sent) return false;
    if (!useHoldfast.getState().trees[id]) await attempt('Open the conversation', () => sync.loadTree(id));
    return true;
  }

  /** `label` names the file in the banner when it is one of several. */
  async function importFile(file: File, label = 'Import'): Promise<ImportResult | undefined> {
    // An image or PDF is never an export: most likely meant for a message but dropped beside the composer.
    if (/^image\/|^application\/pdf$/.test(file.type))
      return void showFailure(
        `Import ${file.name}`,
        new HoldfastError('invalid_input', `${file.name} is not an export: imports take ChatGPT, Claude or Holdfast files`),
        'To attach it to a message, drop it on the message box (or use Attach).',
      );
    const hint = 'Nothing was imported: check that it is a ChatGPT or Claude export, or a Holdfast archive.';
    const result = await attempt(
      label,
      async (): Promise<ImportResult> => {
        if (api.kind === 'websocket') {
          // The headless host takes the file as the request body and streams it: no size limit here.
          const res = await env.postImport(file);
          const body = (await res.json()) as ImportResult | { error: ErrorShape };
          if ('error' in body) throw new RpcError(body.error);
          return body;
        }
        if (file.size > MAX_IMPORT_TEXT) throw new Error('This file is large: use File ▸ Import… from the menu, which streams it.');
        if (file.name.endsWith('.zip')) throw new Error('Zip files: use File ▸ Import… from the menu.');
        return api.invoke('exchange.importText', { name: file.name, text: await file.text() });
      },
      hint,
    );
    useHoldfast.setState({ importProgress: null });
    if (result) useHoldfast.setState({ notice: describeImport(result) });
    return result;
  }

  /**
   * Several files dropped (or picked) at once: each is imported in turn, never two together (each import is one
   * transaction with its own progress), and one that fails does not stop the others. The notice names each file's
   * result; a failure shows in the banner under the file's name.
   */
  async function importFiles(files: readonly File[]): Promise<(ImportResult | undefined)[]> {
    if (files.length === 1) return [await importFile(files[0]!)];
    const results: (ImportResult | undefined)[] = [];
    const done: string[] = [];
    const failed: { name: string; failure: Failure }[] = [];
    for (const file of files) {
      const result = await importFile(file, `Import ${file.name}`);
      results.push(result);
      if (result) done.push(`${file.name}: ${describeImport(result)}`);
      if (done.length) useHoldfast.setState({ notice: done.join(' ') });
      const failure = useHoldfast.getState().error;
      if (!result && failure) failed.push({ name: file.name, failure });
    }
    // The banner holds one failure: with several, it names each file and its reason, or all but the last were never seen.
    if (failed.length > 1) {
      const last = failed[failed.length - 1]!.failure;
      useHoldfast.setState({
        error: {
          action: `Import of ${failed.length} files`,
          message: failed.map(({ name, failure }) => `${name}: ${failure.message.replace(/[.!?…]?$/, '.')}`).join(' '),
          hint: last.hint,
          code: last.code,
        },
      });
    }
    return results;
  }

  /**
   * Leaves the shown conversation when it moves to the trash (in another window: this one's Trash button leaves it
   * itself) and says why, so nobody writes into a conversation that no longer takes messages. One opened from the
   * trash is left alone. Returns the unsubscribe.
   */
  function leaveWhenTrashed(): () => void {
    return useHoldfast.subscribe((s, prev) => {
      const id = s.currentId;
      if (!id || id !== prev.currentId) return;
      if (prev.conversations[id]?.deleted_at === null && typeof s.conversations[id]?.deleted_at === 'number') {
        const title = s.conversations[id]?.title;
        useHoldfast.setState({ notice: `${title ? `“${title}”` : 'This conversation'} was moved to the trash in another window.` });
        void selectConversation(null);
      }
    });
  }

  return {
    /** Which transport this window has: a browser on the host can stream files over HTTP. */
    kind: api.kind,
    leaveWhenTrashed,
    selectConversation,
    followAddress,
    newConversation,
    send,
    importFile,
    importFiles,
    stop: (messageId: string) => call('Stop the answer', 'messages.stop', { message_id: messageId }),
    retry: (messageId: string) => call('Continue the answer', 'messages.retry', { message_id: messageId }),
    continueAnswer: (messageId: string) => call('Continue the answer', 'messages.continue', { message_id: messageId }),
    regenerate: (messageId: string) => call('Regenerate the answer', 'messages.regenerate', { message_id: messageId }),
    /** The edited message keeps the files of the one it replaces unless others are given (`[]`: none). */
    edit: (messageId: string, content: string, attachments?: string[]) =>
      call('Edit the message', 'messages.edit', { message_id: messageId, content, ...(attachments ? { attachments } : {}) }),
    /** Stores a file for the next message; the bytes go as base64 over either transport (no file path crosses it). */
    addAttachment: async (file: File): Promise<AttachmentInfo | undefined> => {
      if (file.size > MAX_ATTACHMENT_BYTES)
        return void showFailure(
          `Attach ${file.name}`,
          new HoldfastError(
            'too_large',
            `${file.name} is ${megabytes(file.size)} MB; a file may be at most ${MAX_ATTACHMENT_BYTES / (1024 * 1024)} MB`,
          ),
        );
      return attempt(`Attach ${file.name}`, async () =>
        api.invoke('attachments.add', { name: file.name || 'pasted', mime: file.type, data: toBase64(await file.arrayBuffer()) }),
      );
    },
    /** Files the composer has no room for (a message carries at most 20): named in the banner, never dropped silently. */
    filesLeftOut: (names: string[]) => {
      const listed = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
      showFailure(
        names.length === 1 ? `Attach ${names[0]}` : `Attach ${names.length} files`,
        new HoldfastError(
          'invalid_input',
          `A message may carry at most ${MAX_ATTACHMENTS_PER_MESSAGE} files: ${listed} ${names.length === 1 ? 'was' : 'were'} not attached`,
        ),
        'Send this message, then attach the rest to the next one.',
      );
    },
    /** A file's name and bytes (base64), read when a person asks to download it. */
    attachmentFile: (id: string) => call('Download the file', 'attachments.get', { id }),
    /** An image's bytes as a data URL (the CSP allows `data:` images only), fetched once per id. */
    attachmentUrl: (id: string): Promise<string | undefined> => {
      let url = attachmentUrls.get(id);
      if (!url) {
        url = attempt('Show the file', async () => {
          const a = await api.invoke('attachments.get', { id });
          return `data:${a.mime};base64,${a.data}`;
        });
        attachmentUrls.set(id, url);
        void url.then((u) => u ?? attachmentUrls.delete(id)); // a failure is tried again next time
      }
      return url;
    },
    react: (messageId: string, value: Reaction | null, comment?: string | null) =>
      call('Save the reaction', 'messages.react', { message_id: messageId, value, comment: comment ?? null }),
    switchBranch: (conversationId: string, messageId: string) =>
      call('Switch the branch', 'conversations.setLeaf', { conversation_id: conversationId, message_id: messageId }),
    renameConversation: (id: string, title: string) => call('Rename the conversation', 'conversations.update', { id, title }),
    setPinned: (id: string, pinned: boolean) =>
      call(pinned ? 'Pin the conversation' : 'Unpin the conversation', 'conversations.update', { id, pinned }),
    updateConversation: (patch: Input<'conversations.update'>) => call('Save the conversation settings', 'conversations.update', patch),
    trashConversation: (id: string) => call('Move the conversation to the trash', 'conversations.trash', { id }),
    restoreConversation: (id: string) => call('Restore the conversation', 'conversations.restore', { id }),
    emptyTrash: () => call('Empty the trash', 'conversations.emptyTrash', {}),
    /** The list's next page (the list asks as it scrolls near its end). */
    loadMoreConversations: () => attempt('Load more conversations', async () => sync.loadMore?.()),
    /** The trash is not part of the paged list: read it when opened. */
    loadTrash: async () => {
      const trashed = await call('Open the trash', 'conversations.list', { trashed: true });
      if (trashed)
        useHoldfast.setState((s) => ({ conversations: { ...s.conversations, ...Object.fromEntries(trashed.map((c) => [c.id, c])) } }));
    },
    exportConversation: (conversationId: string, format: Input<'exchange.export'>['format']) =>
      call('Export the conversation', 'exchange.export', { conversation_id: conversationId, format }),
    search: (q: string, limit: number): Promise<Output<'search.query'> | undefined> => call('Search', 'search.query', { q, limit }),
    getSettings: () => call('Load the settings', 'settings.get', {}),
    setSettings: (patch: SettingsPatch) => call('Save the settings', 'settings.set', patch),
    listProviders: () => call('Load the providers', 'providers.list', {}),
    createProvider: (input: Input<'providers.create'>) => call('Add the provider', 'providers.create', input),
    updateProvider: (input: Input<'providers.update'>) => call('Change the provider', 'providers.update', input),
    deleteProvider: (id: string, moveTo?: string) =>
      call('Remove the provider', 'providers.delete', { id, ...(moveTo ? { move_to: moveTo } : {}) }),
    testProvider: (id: string) => call('Test the connection', 'providers.refreshModels', { id }),
  };
}

export type Actions = ReturnType<typeof createActions>;

/** Data URLs of attachments already shown: the bytes behind an id never change. */
const attachmentUrls = new Map<string, Promise<string | undefined>>();

const megabytes = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);

function toBase64(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let binary = '';
  // In slices: spreading megabytes into one call would overflow the argument stack.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
