/** Assembles the core (store, journal, engine, sync) for a data directory; both hosts start it the same way. */
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { contract, isMethod, type Method, type Output } from '../../shared/contract';
import { HoldfastError } from '../../shared/errors';
import { openDatabase, type Db } from './store/database';
import { Store, type Clock, type IdSource } from './store/store';
import { Journal } from './engine/journal';
import { Engine } from './engine/engine';
import type { RetryPolicy } from './engine/generation';
import { SyncHub } from './sync/hub';
import { Conversations } from './conversations';
import { handlers } from './handlers';
import type { Provider } from './providers/provider';
import { AnthropicProvider } from './providers/anthropic';
import { DemoProvider } from './providers/demo';
import type { SettingsPatch, SettingsView } from '../../shared/settings';
import type { ImportResult } from '../../shared/exchange';
import { Backups, backupBeforeMigrate, checkIntegrity } from './store/backup';
import { Search } from './search';
import { Importer } from './exchange/import';
import { EXPORT_VERSION, toHtml, toJson, toMarkdown } from './exchange/export';
import fs from 'node:fs';

/** Where settings live: electron-store + safeStorage on the desktop, memory and the environment in the host. */
export interface SettingsBackend {
  get(): SettingsView;
  set(patch: SettingsPatch): SettingsView;
  /** The provider these settings call for. */
  provider(): Provider;
}

export interface CoreOptions {
  dataDir: string;
  provider: Provider;
  settings?: SettingsBackend;
  flushMs?: number;
  policy?: Partial<RetryPolicy>;
  defaultMaxTokens?: number;
  clock?: Clock;
  ids?: IdSource;
  random?: () => number;
  log?: (message: string) => void;
  probeEveryMs?: number;
  autoTitle?: boolean;
  keepBackups?: number;
  /** Take a backup once a day while running (the apps do; tests don't). */
  dailyBackups?: boolean;
  /** Resume interrupted answers and start the queue right away (default true). */
  autoStart?: boolean;
}

export const DEFAULT_POLICY: RetryPolicy = { budgetMs: 3 * 60_000, baseMs: 500, capMs: 15_000, watchdogMs: 30_000 };

export class Core {
  readonly db: Db;
  readonly store: Store;
  readonly journal: Journal;
  readonly engine: Engine;
  readonly sync: SyncHub;
  readonly conversations: Conversations;
  readonly settings: SettingsBackend;
  readonly backups: Backups;
  readonly search: Search;
  readonly importer: Importer;

  constructor(readonly options: CoreOptions) {
    const file = path.join(options.dataDir, 'holdfast.db');
    const backupDir = path.join(options.dataDir, 'backups');
    this.db = openDatabase(file, {
      check: (db) => checkIntegrity(db, file, backupDir),
      beforeMigrate: (db, from) => { if (from > 0) options.log?.(`backup before migration: ${backupBeforeMigrate(db, backupDir, from)}`); },
    });
    this.backups = new Backups(this.db, backupDir, options.keepBackups ?? 7);
    this.store = new Store(this.db, options.clock ?? { now: () => Date.now() }, options.ids ?? { next: () => uuidv7() });
    this.store.compactChanges(200_000);
    this.journal = new Journal(this.store, { flushMs: options.flushMs ?? 50 });
    this.engine = new Engine({
      store: this.store, journal: this.journal, provider: options.provider,
      policy: { ...DEFAULT_POLICY, ...options.policy }, defaultMaxTokens: options.defaultMaxTokens ?? 4096,
      random: options.random, log: options.log, probeEveryMs: options.probeEveryMs, autoTitle: options.autoTitle,
    });
    this.sync = new SyncHub(this.store, this.engine, this.journal);
    this.conversations = new Conversations(this.store, this.sync);
    this.settings = options.settings ?? new MemorySettings(options.provider);
    this.search = new Search(this.db, () => this.store.now());
    this.importer = new Importer(this.store, path.join(options.dataDir, 'tmp'));
    if (options.dailyBackups) this.backups.scheduleDaily(options.log);
    if (options.autoStart !== false) this.engine.start();
  }

  /** Validates raw input with the method's schema, then runs its handler: the one door in from outside. */
  async call(method: string, rawInput: unknown): Promise<unknown> {
    if (!isMethod(method)) throw new HoldfastError('not_found', `Unknown method ${method}`);
    const input = contract[method].input.parse(rawInput ?? {});
    return this.invoke(method, input as never);
  }

  /** Typed call for trusted callers inside the main process. */
  async invoke<M extends Method>(method: M, input: Parameters<(typeof handlers)[M]>[0]): Promise<Output<M>> {
    const handler = handlers[method] as (i: unknown, c: Core) => Output<M> | Promise<Output<M>>;
    return handler(input, this);
  }

  applySettings(patch: SettingsPatch): SettingsView {
    const view = this.settings.set(patch);
    if (patch.api_key !== undefined || patch.model !== undefined) this.engine.setProvider(this.settings.provider());
    return view;
  }

  emptyTrash(): { deleted: number } {
    const ids = this.store.listConversations(true).map((c) => c.id);
    for (const id of ids) {
      for (const m of this.store.messagesOf(id)) if (this.engine.isActive(m.id)) this.engine.stop(m.id);
    }
    const del = this.db.transaction(() => {
      const stmt = this.db.prepare('DELETE FROM conversations WHERE id = ?');
      for (const id of ids) stmt.run(id);
    });
    this.store.mutate(() => { del(); for (const id of ids) this.store.touch('conversation', id); });
    return { deleted: ids.length };
  }

  /** Imports a file (streamed), publishing progress to every window. */
  async importFile(file: string): Promise<ImportResult> {
    const progress = (p: { bytes: number; total: number; conversations: number }, done: boolean) =>
      this.sync.publish({ type: 'exchange.didProgress', seq: this.sync.seq(), ...p, done });
    const result = await this.importer.importFile(file, (p) => progress(p, false));
    progress({ bytes: 1, total: 1, conversations: result.conversations }, true);
    return result;
  }

  /** Imports text handed over the contract (files up to MAX_IMPORT_TEXT). */
  async importText(text: string): Promise<ImportResult> {
    const tmp = path.join(this.options.dataDir, 'tmp', `upload-${this.store.newId()}`);
    fs.mkdirSync(path.dirname(tmp), { recursive: true });
    fs.writeFileSync(tmp, text);
    try { return await this.importFile(tmp); } finally { fs.rmSync(tmp, { force: true }); }
  }

  exportConversation(id: string, format: 'md' | 'html' | 'json'): { filename: string; mime: string; content: string } {
    const conv = this.store.conversation(id);
    const base = (conv.title || 'conversation').replace(/[^\p{L}\p{N} _-]+/gu, '').trim().slice(0, 60) || 'conversation';
    if (format === 'json') return { filename: `${base}.json`, mime: 'application/json', content: JSON.stringify(toJson(conv, this.store.messagesOf(id)), null, 2) };
    const thread = this.conversations.thread(id).messages;
    if (format === 'md') return { filename: `${base}.md`, mime: 'text/markdown; charset=utf-8', content: toMarkdown(conv, thread) };
    return { filename: `${base}.html`, mime: 'text/html; charset=utf-8', content: toHtml(conv, thread) };
  }

  /** Every conversation as one versioned archive, produced piece by piece (never one huge string). */
  *exportArchive(): Generator<string> {
    yield `{"format":"holdfast-archive","version":${EXPORT_VERSION},"exported_at":${this.store.now()},"conversations":[\n`;
    let first = true;
    for (const c of this.store.allConversations()) {
      yield `${first ? '' : ',\n'}${JSON.stringify({ conversation: c, messages: this.store.messagesOf(c.id) })}`;
      first = false;
    }
    yield '\n]}\n';
  }

  async close(): Promise<void> {
    this.backups.stop();
    await this.engine.close();
    this.db.close();
  }
}

/** Settings for the headless host: a key set at run time stays in memory only, never in a file. */
export class MemorySettings implements SettingsBackend {
  private key: string | null = null;
  private model: string | null = null;
  private theme: SettingsView['theme'] = 'system';
  constructor(private readonly initial: Provider, private readonly env: NodeJS.ProcessEnv = {}) {}
  get(): SettingsView {
    const p = this.provider();
    return { provider: p.name, model: p.defaultModel, has_api_key: Boolean(this.key ?? this.env.ANTHROPIC_API_KEY),
      key_protection: this.key ? 'memory' : this.env.ANTHROPIC_API_KEY ? 'environment' : 'none', theme: this.theme };
  }
  set(patch: SettingsPatch): SettingsView {
    if (patch.api_key !== undefined) this.key = patch.api_key || null;
    if (patch.model) this.model = patch.model;
    if (patch.theme) this.theme = patch.theme;
    return this.get();
  }
  provider(): Provider {
    if (!this.key && !this.model) return this.initial;
    return providerFromEnv({ ...this.env, ...(this.key ? { ANTHROPIC_API_KEY: this.key } : {}), ...(this.model ? { HOLDFAST_MODEL: this.model } : {}) });
  }
}

/** The provider from the environment: Anthropic when a key is set, the offline demo otherwise. */
export function providerFromEnv(env: NodeJS.ProcessEnv = process.env): Provider {
  const key = env.ANTHROPIC_API_KEY;
  if (!key) return new DemoProvider(Number(env.HOLDFAST_DEMO_PACE_MS ?? 30));
  return new AnthropicProvider({
    apiKey: key,
    baseURL: env.ANTHROPIC_BASE_URL || undefined,
    defaultModel: env.HOLDFAST_MODEL || 'claude-sonnet-4-5',
  });
}
