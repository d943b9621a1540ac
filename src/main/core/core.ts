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
import { SyncHub, type Caller } from './sync/hub';
import { Conversations } from './conversations';
import { handlers } from './handlers';
import type { Provider } from './providers/provider';
import type { SettingsPatch, SettingsView } from '../../shared/settings';
import { Backups, backupBeforeMigrate, checkIntegrity } from './store/backup';
import { Search } from './search';
import { Exchange } from './exchange/exchange';
import { MemorySettings, type SettingsBackend } from './settings';

export { MemorySettings, providerFromEnv, type SettingsBackend } from './settings';

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
  readonly exchange: Exchange;

  constructor(readonly options: CoreOptions) {
    const file = path.join(options.dataDir, 'holdfast.db');
    const backupDir = path.join(options.dataDir, 'backups');
    this.db = openDatabase(file, {
      check: (db) => checkIntegrity(db, file, backupDir),
      beforeMigrate: (db, from) => {
        if (from === 0) return; // a new, empty database: nothing to keep
        const backup = backupBeforeMigrate(db, backupDir, from); // not inside `log?.()`: that would skip it when nothing logs
        options.log?.(`backup before migration: ${backup}`);
      },
    });
    this.backups = new Backups(this.db, backupDir, options.keepBackups ?? 7);
    this.store = new Store(this.db, options.clock ?? { now: () => Date.now() }, options.ids ?? { next: () => uuidv7() });
    this.store.compactChanges(200_000);
    this.journal = new Journal(this.store, { flushMs: options.flushMs ?? 50 });
    this.engine = new Engine({
      store: this.store,
      journal: this.journal,
      provider: options.provider,
      policy: { ...DEFAULT_POLICY, ...options.policy },
      defaultMaxTokens: options.defaultMaxTokens ?? 4096,
      random: options.random,
      log: options.log,
      probeEveryMs: options.probeEveryMs,
      autoTitle: options.autoTitle,
    });
    this.sync = new SyncHub(this.store, this.engine, this.journal);
    this.conversations = new Conversations(this.store, this.sync);
    this.settings = options.settings ?? new MemorySettings(options.provider);
    this.search = new Search(this.db, () => this.store.now());
    this.exchange = new Exchange(this);
    if (options.dailyBackups) this.backups.scheduleDaily(options.log);
    if (options.autoStart !== false) this.engine.start();
  }

  /** Validates raw input with the method's schema, then runs its handler: the one door in from outside. */
  async call(method: string, rawInput: unknown, caller: Caller = {}): Promise<unknown> {
    if (!isMethod(method)) throw new HoldfastError('not_found', `Unknown method ${method}`);
    const input = contract[method].input.parse(rawInput ?? {});
    return this.invoke(method, input as never, caller);
  }

  /** Typed call for trusted callers inside the main process. */
  async invoke<M extends Method>(method: M, input: Parameters<(typeof handlers)[M]>[0], caller: Caller = {}): Promise<Output<M>> {
    const handler = handlers[method] as (i: unknown, c: Core, caller: Caller) => Output<M> | Promise<Output<M>>;
    return handler(input, this, caller);
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
    this.store.mutate(() => {
      del();
      for (const id of ids) this.store.touch('conversation', id);
    });
    return { deleted: ids.length };
  }

  async close(): Promise<void> {
    this.backups.stop();
    await this.engine.close();
    this.db.close();
  }
}
