/**
 * The engine owns every generation: it stores what is sent, runs answers in the background whether or not a window
 * watches, resumes what a dead process left `generating`, and starts the offline queue when the network returns.
 */
import { conflict, HoldfastError } from '../../../shared/errors';
import { CONTINUABLE_STOP_REASONS, DEMO_MODEL, type Conversation, type Message } from '../../../shared/model';
import type { SendInput, SendOutput } from '../../../shared/messages';
import type { Provider, ProviderAttachment, ProviderMessage } from '../providers/provider';
import type { Store } from '../store/store';
import type { Journal } from './journal';
import { Generation, type GenerationSettings, type Outcome, type RetryPolicy, type VariantOrigin } from './generation';
import { systemClock, type EngineClock } from './clock';
import type { NetworkMonitor } from './network';
import type { ProviderRegistry, ProviderRoute } from '../providers/registry';
import { StrategyMemory } from '../store/strategies';
import { askTitle, fallbackTitle } from './title';
import { indexTree, threadTo } from '../../../shared/tree';
import type { Attachments } from '../store/attachments';
import { PDF_TYPE, imageLimitOf, imageOverLimit, kindOf } from '../../../shared/attachments';
import { ANTHROPIC_LIMITS, ANTHROPIC_TOTALS, pdfPages } from '../providers/anthropic-content';
import { totalsBroken } from '../providers/request-fit';
import { imageSize } from '../../../shared/image-size';

export interface EngineOptions {
  store: Store;
  journal: Journal;
  /** Every provider, each with its own reachability; a conversation names its own (null: the default). */
  providers: ProviderRegistry;
  policy: RetryPolicy;
  defaultMaxTokens: number;
  random?: () => number;
  /** Time for retries and the watchdog (default: the real clock). */
  clock?: EngineClock;
  log?: (message: string) => void;
  probeEveryMs?: number;
  /** Give an untitled conversation a title after its first answer (default true). */
  autoTitle?: boolean;
  /** Where a user turn's files are read from when its history is sent (none: text only). */
  attachments?: Attachments;
}

/** What a chunk event carries: answer text, thinking text (offset into the thinking), or a redacted block (no text). */
export type ChunkEventKind = 'text' | 'thinking' | 'redacted';
export type ChunkListener = (message: Message, offset: number, text: string, kind: ChunkEventKind) => void;

export class Engine {
  private readonly active = new Map<string, Generation>();
  private readonly settled = new Map<string, Promise<void>>();
  private queueRetry: NodeJS.Timeout | null = null;
  /** Generations whose end is being stored (or waits for disk space to be stored). */
  private readonly finishing = new Set<string>();
  private readonly chunkListeners = new Set<ChunkListener>();
  private readonly statusListeners = new Set<() => void>();
  private closing = false;
  /** Work that runs after an answer has settled (automatic titles): tracked so tests and shutdown can wait for it. */
  private readonly background = new Set<Promise<void>>();
  private readonly strategies: StrategyMemory;

  constructor(private readonly o: EngineOptions) {
    this.strategies = new StrategyMemory(o.store);
    o.providers.onNetworkChange((id, state) => {
      if (state === 'online') this.pumpQueue(id);
      this.statusChanged();
    });
    o.providers.onChange(() => this.statusChanged());
  }

  /** Each provider's reachability, and which one answers a conversation that names none: the status bar's view. */
  providerStatus(): { providers: ReturnType<ProviderRegistry['reachability']>; default_provider_id: string } {
    return { providers: this.o.providers.reachability(), default_provider_id: this.o.providers.defaultId() };
  }

  /** The default provider's reachability; each provider has its own (providerStatus). */
  get network(): NetworkMonitor {
    return this.o.providers.defaultRoute().network;
  }
  get provider(): Provider {
    return this.o.providers.defaultRoute().provider;
  }
  /** Replaces the settings provider (the Anthropic key and model set in Settings, or the demo). */
  setProvider(p: Provider): void {
    this.o.providers.setPrimary(p);
    this.statusChanged();
  }

  onChunk(l: ChunkListener): () => void {
    this.chunkListeners.add(l);
    return () => this.chunkListeners.delete(l);
  }
  onStatus(l: () => void): () => void {
    this.statusListeners.add(l);
    return () => this.statusListeners.delete(l);
  }

  /** At start: resume every answer a dead process left `generating`; send the offline queue once the network answers. */
  start(): void {
    for (const m of this.o.store.messagesWithStatus('generating')) {
      this.o.log?.(`resuming ${m.id} from ${m.content.length} stored characters`);
      this.launch(m);
    }
    // Queued messages stay `queued` (and shown so) until a probe says their provider is reachable.
    for (const route of this.o.providers.routes())
      void route.network.checkNow().then((online) => {
        if (online && !this.closing) this.pumpQueue(route.id); // only what waits for this provider: the others are probing too
      });
  }

  /** Live text of a streaming message (what the journal holds plus what is not yet committed). */
  liveText(id: string): string | undefined {
    return this.active.get(id)?.text;
  }
  /** Live thinking of a streaming message, and whether a redacted block arrived. */
  liveThinking(id: string): { thinking: string; redacted: boolean } | undefined {
    const g = this.active.get(id);
    return g && { thinking: g.reasoning.thinking, redacted: g.reasoning.redacted };
  }
  isActive(id: string): boolean {
    return this.active.has(id);
  }
  activeIds(): string[] {
    return [...this.active.keys()];
  }
  /** Answers whose local endpoint is still loading the model. */
  loadingIds(): string[] {
    return [...this.active.values()].filter((g) => g.loadingModel).map((g) => g.id);
  }
  waitingIds(): string[] {
    return [...this.active.values()].filter((g) => g.waitingFor).map((g) => g.id);
  }
  /** How many of these answers (queued) and of those waiting for the network each provider will write. */
  waitingByProvider(queuedIds: readonly string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    const waiting = [...this.active.values()].filter((g) => g.waitingFor).map((g) => g.message);
    const count = (message: () => Message) => {
      try {
        const id = this.routeOfMessage(message()).id;
        counts[id] = (counts[id] ?? 0) + 1;
      } catch {
        // Its conversation was deleted meanwhile: the status must not fail for it.
      }
    };
    for (const id of queuedIds) count(() => this.o.store.message(id));
    for (const m of waiting) count(() => m);
    return counts;
  }

  /** Resolves when the generation for `id` has ended (at once if none runs). */
  /** Resolves when the work started after answers settled (automatic titles) has finished. */
  async backgroundIdle(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  settledOf(id: string): Promise<void> {
    return this.settled.get(id) ?? Promise.resolve();
  }

  send(input: SendInput): SendOutput {
    const conv = this.liveConversation(input.conversation_id);
    const parentId = input.parent_id === undefined ? conv.current_leaf_id : input.parent_id;
    if (parentId) this.ownMessage(conv.id, parentId);
    return this.addTurn(conv.id, parentId ?? null, input.content, input.attachments ?? []);
  }

  /** Edits a user message: a new sibling with the new text and a fresh answer; the old branch stays. */
  edit(messageId: string, content: string, attachments: readonly string[] = []): SendOutput {
    const m = this.o.store.message(messageId);
    if (m.role !== 'user') throw new HoldfastError('invalid_input', 'Only a user message can be edited');
    this.liveConversation(m.conversation_id);
    return this.addTurn(m.conversation_id, m.parent_id, content, attachments);
  }

  /** A new answer under the same parent as `messageId`; earlier variants stay. */
  regenerate(messageId: string): { assistant_message_id: string } {
    const { store } = this.o;
    const m = store.message(messageId);
    if (m.role !== 'assistant') throw new HoldfastError('invalid_input', 'Only an assistant message can be regenerated');
    this.liveConversation(m.conversation_id);
    if (m.status === 'generating' || m.status === 'queued') {
      throw conflict('generating', 'This answer is still being generated; stop it first');
    }
    // Regenerate always asks the conversation's own provider and model (a fallback answer gets its variant beside it).
    const route = this.routeOf(m.conversation_id);
    const a = store.mutate(() => {
      const created = store.insertMessage({
        conversation_id: m.conversation_id,
        parent_id: m.parent_id,
        role: 'assistant',
        content: '',
        status: this.canStartUnder(m.conversation_id, m.parent_id, undefined, route) ? 'generating' : 'queued',
        model: this.modelFor(m.conversation_id),
        provider_id: route.id,
      });
      store.updateConversation(m.conversation_id, { current_leaf_id: created.id });
      return created;
    });
    if (a.status === 'generating') this.launch(a);
    return { assistant_message_id: a.id };
  }

  /** Continues an answer that ended in `error` or `cancelled` from its stored text. */
  retry(messageId: string): { assistant_message_id: string } {
    const { store } = this.o;
    const m = store.message(messageId);
    if (m.role !== 'assistant') throw new HoldfastError('invalid_input', 'Only an assistant message can be retried');
    this.liveConversation(m.conversation_id);
    if (m.status === 'generating' || m.status === 'queued') throw conflict('generating', 'This answer is already being generated');
    if (m.status === 'completed') throw conflict('completed', 'This answer is complete; regenerate it for a new variant');
    const next = this.canStartUnder(m.conversation_id, m.parent_id, m.id, this.routeOfMessage(m)) ? 'generating' : 'queued';
    store.mutate(() => store.updateMessage(m.id, { status: next, error: null }));
    if (next === 'generating') this.launch(store.message(m.id));
    return { assistant_message_id: m.id };
  }

  /** Extends a completed answer that stopped at the length limit (or paused): the same message, generating again. */
  continueAnswer(messageId: string): { assistant_message_id: string } {
    const { store } = this.o;
    const m = store.message(messageId);
    if (m.role !== 'assistant') throw new HoldfastError('invalid_input', 'Only an assistant message can be continued');
    this.liveConversation(m.conversation_id);
    if (m.status === 'generating' || m.status === 'queued') throw conflict('generating', 'This answer is already being generated');
    if (m.status !== 'completed') throw conflict('unfinished', 'This answer did not finish; retry it instead');
    if (!CONTINUABLE_STOP_REASONS.includes(m.stop_reason ?? ''))
      throw conflict('ended_normally', `This answer ended normally (${m.stop_reason ?? 'no stop reason'}); there is nothing to continue`);
    const next = this.canStartUnder(m.conversation_id, m.parent_id, m.id, this.routeOfMessage(m)) ? 'generating' : 'queued';
    store.mutate(() => store.updateMessage(m.id, { status: next, stop_reason: null, error: null }));
    if (next === 'generating') this.launch(store.message(m.id));
    else this.statusChanged();
    return { assistant_message_id: m.id };
  }

  stop(messageId: string): { stopped: boolean } {
    const { store } = this.o;
    const gen = this.active.get(messageId);
    if (gen) {
      gen.stop('cancel');
      return { stopped: true };
    }
    const m = store.message(messageId);
    if (m.status === 'queued') {
      store.mutate(() => store.updateMessage(m.id, { status: 'cancelled' }));
      this.statusChanged();
      return { stopped: true };
    }
    return { stopped: false };
  }

  /** Flushes and leaves running answers `generating`, so the next start resumes them. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.queueRetry) clearTimeout(this.queueRetry);
    const pending = [...this.active.values()].map((g) => {
      g.stop('suspend');
      return this.settledOf(g.id);
    });
    await Promise.all(pending);
    if (!this.o.journal.close()) this.o.log?.('the last streamed text could not be saved (disk full); it resumes from what was saved');
    this.o.providers.close();
  }

  // ---- internals ----

  /**
   * The conversation, refused while it is in the trash: every way of starting an answer (send, edit, regenerate, retry,
   * continue) checks it, so a window that has not yet heard of the trashing cannot start one there by another door.
   */
  private liveConversation(id: string): Conversation {
    const conv = this.o.store.conversation(id);
    if (conv.deleted_at !== null) throw conflict('trashed', 'This conversation is in the trash; restore it first');
    return conv;
  }

  /**
   * An image past the answering provider's limit (pixels or bytes), or a PDF past Anthropic's page limit, is refused
   * before anything is stored, naming the limit: stored, it would go with every later turn and fail each of them. The
   * composer downscales large images itself and says so; a script sending one gets a 400.
   */
  private checkImages(ids: readonly string[], route: ProviderRoute): void {
    const kind = route.provider.endpoint.split(' ')[0]; // the endpoint names its kind first
    const limit = imageLimitOf(kind);
    const files = this.o.attachments;
    if (!limit || !files) return;
    for (const id of ids) {
      const info = files.get(id);
      if (kind === 'anthropic' && info.mime === PDF_TYPE) {
        const pages = pdfPages(files.read(id).data);
        if (pages !== null && pages > ANTHROPIC_LIMITS.pdfPages)
          throw new HoldfastError(
            'invalid_input',
            `${info.name} has ${pages} pages; Anthropic takes PDFs of at most ${ANTHROPIC_LIMITS.pdfPages} pages`,
          );
      }
      if (kindOf(info.mime) !== 'image') continue;
      const size = limit.maxEdge ? imageSize(files.read(id).data, info.mime) : null;
      const problem = imageOverLimit(limit, info.name, size, info.size);
      if (problem) throw new HoldfastError('invalid_input', problem, { limit });
    }
    // Older files give way to a new message's in the request; the new message's own files must fit on their own.
    if (kind === 'anthropic') {
      // Only a PDF's bytes are counted (its pages); an image counts as one.
      const own = ids.map((id) => {
        const info = files.get(id);
        return { ...info, data: info.mime === PDF_TYPE ? files.read(id).data : Buffer.alloc(0) };
      });
      const broken = totalsBroken(own, ANTHROPIC_TOTALS, pdfPages);
      if (broken) throw new HoldfastError('invalid_input', `This message's files go past Anthropic's limit: ${broken}`, { limit: broken });
    }
  }

  private addTurn(conversationId: string, parentId: string | null, content: string, attachments: readonly string[]): SendOutput {
    const { store } = this.o;
    if (!content.trim() && !attachments.length) throw new HoldfastError('invalid_input', 'A message needs text or at least one file');
    if (attachments.length) {
      if (!this.o.attachments) throw new HoldfastError('invalid_input', 'This host keeps no attachments');
      this.o.attachments.check(attachments);
    }
    let route = this.routeOf(conversationId);
    let model = this.modelFor(conversationId);
    // The conversation's provider is known to be unreachable: the offline fallback answers at once instead of the queue.
    const fallback = route.network.state === 'offline' ? this.o.providers.fallback() : null;
    if (fallback && fallback.route.network.state === 'online' && fallback.route.id !== route.id) {
      route = fallback.route;
      model = fallback.model;
    }
    if (attachments.length) this.checkImages(attachments, route);
    const status = this.canStartUnder(conversationId, parentId, undefined, route) ? 'generating' : 'queued';
    const ids = store.mutate(() => {
      const user = store.insertMessage({
        conversation_id: conversationId,
        parent_id: parentId,
        role: 'user',
        content,
        status: 'completed',
        model: null,
      });
      // In the same transaction as the message: its files were fsynced when they were uploaded.
      if (attachments.length) this.o.attachments!.link(user.id, attachments);
      const a = store.insertMessage({
        conversation_id: conversationId,
        parent_id: user.id,
        role: 'assistant',
        content: '',
        status,
        model,
        provider_id: route.id,
      });
      store.updateConversation(conversationId, { current_leaf_id: a.id });
      return { user_message_id: user.id, assistant_message_id: a.id };
    });
    if (status === 'generating') this.launch(store.message(ids.assistant_message_id));
    else this.statusChanged();
    return ids;
  }

  private ownMessage(conversationId: string, id: string): Message {
    const m = this.o.store.findMessage(id);
    if (!m || m.conversation_id !== conversationId)
      throw new HoldfastError('not_found', `No message ${id} in conversation ${conversationId}`);
    return m;
  }

  /** An answer may start now when online and nothing above it is still queued or generating. */
  private canStartUnder(conversationId: string, parentId: string | null, self: string | undefined, route: ProviderRoute): boolean {
    if (this.closing || route.network.state === 'offline') return false;
    const busy = new Set(this.o.store.busyIn(conversationId).filter((id) => id !== self));
    if (!busy.size || !parentId) return true; // the usual case: nothing else in flight here, no walk needed
    const parents = this.o.store.parentsOf(conversationId);
    // Bounded by the message count: stored data may hold a parent cycle (a hostile import), which must not hang the core.
    let steps = 0;
    for (let cur: string | null | undefined = parentId; cur && steps <= parents.size; cur = parents.get(cur), steps++)
      if (busy.has(cur)) return false;
    return true;
  }

  /** The conversation's own provider (the default when it names none, or one since removed). */
  private routeOf(conversationId: string): ProviderRoute {
    return this.o.providers.route(this.o.store.conversation(conversationId).provider_id);
  }
  /** The provider that writes this answer: the one recorded on it (the fallback, say), else the conversation's. */
  private routeOfMessage(m: Message): ProviderRoute {
    return m.provider_id && this.o.providers.has(m.provider_id) ? this.o.providers.route(m.provider_id) : this.routeOf(m.conversation_id);
  }

  /** A model name the provider can serve: the demo only serves `demo`, and only the demo serves it. */
  private usable(model: string | null | undefined, provider: Provider): string | null {
    return model && (provider.name === 'demo') === (model === DEMO_MODEL) ? model : null;
  }

  private modelFor(conversationId: string): string {
    const provider = this.routeOf(conversationId).provider;
    return this.usable(this.o.store.conversation(conversationId).model, provider) ?? provider.defaultModel;
  }

  private settingsFor(m: Message): GenerationSettings {
    const conv = this.o.store.conversation(m.conversation_id);
    const provider = this.routeOfMessage(m).provider;
    const own = this.routeOf(m.conversation_id).provider === provider;
    return {
      model: this.usable(m.model, provider) ?? (own ? this.modelFor(m.conversation_id) : provider.defaultModel),
      max_tokens: conv.max_tokens ?? this.o.defaultMaxTokens,
      ...(conv.system_prompt ? { system: conv.system_prompt } : {}),
      ...(conv.temperature != null ? { temperature: conv.temperature } : {}),
      // The demo provider has no thinking; Anthropic models get the conversation's setting.
      ...(conv.thinking && provider.name === 'anthropic' ? { thinking: conv.thinking } : {}),
    };
  }

  private historyFor(m: Message): ProviderMessage[] {
    const tree = indexTree(this.o.store.messagesOf(m.conversation_id));
    const out: ProviderMessage[] = [];
    for (const p of threadTo(tree, m.parent_id)) {
      const content = p.role === 'assistant' ? p.content.trimEnd() : p.content;
      // Every turn's files go with it, each time it is sent (a continuation or retry resends the same files).
      const files = p.role === 'user' && p.attachments?.length ? this.filesOf(p.id) : [];
      if (!content && !files.length) continue;
      const last = out[out.length - 1];
      if (last && last.role === p.role) {
        // The API wants alternating turns; a turn of files alone adds no text (an empty text block is refused).
        if (content) last.content = last.content ? `${last.content}\n\n${content}` : content;
        if (files.length) last.attachments = [...(last.attachments ?? []), ...files];
      } else out.push({ role: p.role, content, ...(files.length ? { attachments: files } : {}) });
    }
    return out;
  }

  /** A user turn's files with their bytes; one that cannot be read fails the answer with the reason (never dropped). */
  private filesOf(messageId: string): ProviderAttachment[] {
    const store = this.o.attachments;
    if (!store) return [];
    return store.ofMessage(messageId).map((a) => {
      const { data } = store.read(a.id);
      return { kind: a.kind, name: a.name, mime: a.mime, data };
    });
  }

  private launch(m: Message, variantOf?: VariantOrigin): void {
    if (this.active.has(m.id)) return;
    const { journal } = this.o;
    const route = this.routeOfMessage(m);
    const provider = route.provider;
    let history: ProviderMessage[];
    try {
      history = this.historyFor(m);
    } catch (err) {
      // A file that cannot be read (removed from the data folder, changed on disk): the answer ends with the reason.
      const reason = err instanceof Error ? err.message : String(err);
      this.o.log?.(`${m.id}: cannot send its history: ${reason}`);
      this.o.store.mutate(() => this.o.store.updateMessage(m.id, { status: 'error', error: reason }));
      this.statusChanged();
      return;
    }
    const gen = new Generation(
      m,
      m.content,
      history,
      this.settingsFor(m),
      {
        provider,
        network: route.network,
        policy: this.o.policy,
        clock: this.o.clock ?? systemClock,
        strategyFor: (model) => this.strategies.strategyFor(provider.endpoint, model),
        rememberStrategy: (model, s) => {
          try {
            this.strategies.remember(provider.endpoint, model, s);
          } catch (err) {
            this.o.log?.(`could not store the continuation strategy for ${model}: ${String(err)}`); // only a hint for next time
          }
        },
        onWaiting: () => this.statusChanged(),
        handOff: () => {
          // Only the conversation's own provider hands off (a fallback answer never hands off again).
          const fallback = this.o.providers.fallback();
          return Boolean(
            fallback &&
            route.id === this.routeOf(m.conversation_id).id &&
            fallback.route.id !== route.id &&
            fallback.route.network.state === 'online',
          );
        },
        append: (offset, text) => {
          journal.append(m.id, text);
          for (const l of this.chunkListeners) l(m, offset, text, 'text');
        },
        appendThinking: (part) => {
          journal.append(m.id, part.text, part.kind);
          if (part.kind === 'thinking' || part.kind === 'break')
            for (const l of this.chunkListeners) l(m, part.offset, part.text, 'thinking');
          else if (part.kind === 'redacted') for (const l of this.chunkListeners) l(m, 0, '', 'redacted'); // the data stays here
        },
        thinkingEnded: (ms) => {
          // Stored at once (one row write per attempt), so every window can show the duration while the answer streams.
          const { store } = this.o;
          try {
            store.mutate(() => store.updateMessage(m.id, { thinking_ms: (store.message(m.id).thinking_ms ?? 0) + ms }));
          } catch (err) {
            this.o.log?.(`could not store how long ${m.id} thought: ${String(err)}`); // a full disk: the duration is only shown
          }
        },
        random: this.o.random ?? Math.random,
        log: (s) => this.o.log?.(s),
      },
      variantOf,
    );
    this.active.set(m.id, gen);
    this.statusChanged();
    const done = gen
      .run()
      .catch((err: unknown): Outcome => ({ status: 'error', error: `Internal error: ${err instanceof Error ? err.message : String(err)}` }))
      .then((outcome) => this.settle(gen, outcome));
    this.settled.set(m.id, done);
  }

  /**
   * Stores how a generation ended. While the disk is full the answer stays active (its text in memory, shown live)
   * and the write is retried with backoff; a process that closes meanwhile leaves it `generating` for the next start.
   */
  private async settle(gen: Generation, outcome: Outcome): Promise<void> {
    for (let wait = 100; ; wait = Math.min(wait * 2, 5000)) {
      try {
        this.finish(gen, outcome);
        return;
      } catch (err) {
        const full = this.o.store.health.writeFailed(err);
        if (!full || this.closing) {
          this.active.delete(gen.id);
          this.settled.delete(gen.id);
          this.finishing.delete(gen.id);
          this.o.log?.(`${gen.id}: could not store how the answer ended (${String(err)}); it resumes at the next start`);
          this.statusChanged();
          return;
        }
        this.statusChanged();
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** Message ids whose end could not be stored yet (disk full): still active, text in memory. */
  unsavedIds(): string[] {
    return [...new Set([...this.o.journal.unsavedIds(), ...this.finishing])];
  }
  private finish(gen: Generation, outcome: Outcome): void {
    const { store, journal } = this.o;
    this.finishing.add(gen.id);
    if (!journal.flush()) throw journal.failure;
    if (outcome.status === 'suspended') {
      this.active.delete(gen.id);
      this.settled.delete(gen.id);
      this.finishing.delete(gen.id);
      return;
    }
    let next: Message | undefined;
    if (outcome.status === 'handed_off') {
      const fallback = this.o.providers.fallback();
      store.mutate(() => {
        if (fallback) store.updateMessage(gen.id, { provider_id: fallback.route.id, model: fallback.model });
      });
      this.active.delete(gen.id);
      this.settled.delete(gen.id);
      this.finishing.delete(gen.id);
      journal.release(gen.id);
      this.o.log?.(`${gen.id}: its provider is unreachable; the offline fallback answers`);
      this.launch(store.message(gen.id));
      return;
    }
    store.mutate(() => {
      store.foldJournal(gen.id);
      if (outcome.status === 'completed') {
        store.updateMessage(gen.id, {
          status: 'completed',
          error: null,
          stop_reason: outcome.stop_reason,
          input_tokens: outcome.input_tokens ?? null,
          // A continued answer (Continue after max_tokens) adds to what it had used.
          output_tokens: outcome.output_tokens == null ? null : (gen.message.output_tokens ?? 0) + outcome.output_tokens,
        });
      } else if (outcome.status === 'cancelled') {
        store.updateMessage(gen.id, { status: 'cancelled' });
      } else if (outcome.status === 'error') {
        store.updateMessage(gen.id, { status: 'error', error: outcome.error });
      } else {
        // Last resort: this model cannot continue text, so the answer starts over as a new variant; the partial one stays.
        store.updateMessage(gen.id, {
          status: 'error',
          error: `Interrupted, and the model could not continue it (${outcome.reason}); a new answer was started beside it`,
        });
        next = store.insertMessage({
          conversation_id: gen.message.conversation_id,
          parent_id: gen.message.parent_id,
          role: 'assistant',
          content: '',
          status: 'generating',
          model: gen.message.model,
          provider_id: gen.message.provider_id ?? null,
        });
        store.updateConversation(gen.message.conversation_id, { current_leaf_id: next.id });
      }
      store.updateConversation(gen.message.conversation_id, {}); // bumps updated_at: the list orders by last activity
    });
    this.active.delete(gen.id);
    this.settled.delete(gen.id);
    this.finishing.delete(gen.id);
    journal.release(gen.id);
    if (outcome.status === 'completed' && this.o.autoTitle !== false) {
      const work = this.autoTitle(gen.message.conversation_id, gen.id)
        .catch((err: unknown) => this.o.log?.(`automatic title failed: ${String(err)}`))
        .finally(() => this.background.delete(work));
      this.background.add(work);
    }
    if (next) this.launch(next, { interruptions: gen.interruptions });
    this.pumpQueue();
    this.statusChanged();
  }

  private async autoTitle(conversationId: string, answerId: string): Promise<void> {
    const { store } = this.o;
    const conv = store.findConversation(conversationId);
    if (!conv || conv.title) return;
    const answer = store.message(answerId);
    const asked = answer.parent_id ? store.findMessage(answer.parent_id) : undefined;
    // A message of files alone is titled from the files' names.
    const files = asked && !asked.content.trim() && this.o.attachments ? this.o.attachments.ofMessage(asked.id).map((a) => a.name) : [];
    const prompt = asked?.content.trim() ? asked.content : files.join(', ');
    let title = fallbackTitle(prompt);
    const route = this.routeOfMessage(answer);
    if (route.network.state === 'online') {
      try {
        title = (await askTitle(route.provider, this.settingsFor(answer).model, prompt, answer.content)) || title;
      } catch (err) {
        this.o.log?.(`title request failed, using the prompt's first words: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (this.closing) return; // shutting down: the database may be closed already
    // A person may have renamed it meanwhile: never overwrite their title.
    if (store.findConversation(conversationId)?.title === '')
      store.mutate(() => store.updateConversation(conversationId, { title }, false));
  }

  /** Starts queued answers whose provider is reachable (only `routeId`'s when one provider just came back). */
  private pumpQueue(routeId?: string): void {
    if (this.closing) return;
    for (const m of this.o.store.messagesWithStatus('queued')) {
      const route = this.routeOfMessage(m);
      if (routeId !== undefined && route.id !== routeId) continue;
      if (!this.canStartUnder(m.conversation_id, m.parent_id, m.id, route)) continue;
      try {
        this.o.store.mutate(() => this.o.store.updateMessage(m.id, { status: 'generating' }));
      } catch (err) {
        // A full disk (or writes stopped after damage): the message stays queued and the queue is tried again soon.
        this.o.log?.(`could not start queued ${m.id}: ${String(err)}`);
        if (!this.queueRetry) {
          this.queueRetry = setTimeout(() => {
            this.queueRetry = null;
            this.pumpQueue();
          }, 2000);
          this.queueRetry.unref();
        }
        return;
      }
      this.launch(this.o.store.message(m.id));
    }
  }

  private statusChanged(): void {
    for (const l of this.statusListeners) l();
  }
}
