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
import type { EngineClock } from './engine/clock';
import { SyncHub, type Caller } from './sync/hub';
import { Conversations } from './conversations';
import { handlers } from './handlers';
import type { Provider } from './providers/provider';
import type { SettingsPatch, SettingsView } from '../../shared/settings';
import { Backups, backupBeforeMigrate, checkIntegrity, DamagedDatabaseError, latestGoodBackup, removePartialBackups } from './store/backup';
import { DataDirLock } from './store/lock';
import { isDiskFullAt, StorageHealth } from './store/health';
import { quickCheckInBackground, type BackgroundCheck } from './store/integrity';
import { NewerDatabaseError } from './store/database';
import { Search } from './search';
import { Exchange } from './exchange/exchange';
import { MemorySettings, type SettingsBackend } from './settings';
import { MemoryKeyStore, ProviderRegistry, type KeyStore } from './providers/registry';
import { Attachments } from './store/attachments';

export { MemorySettings, providerFromEnv, type SettingsBackend } from './settings';

export interface CoreOptions {
  dataDir: string;
  provider: Provider;
  settings?: SettingsBackend;
  /** Where configured providers' keys live (default: memory, for this run only). */
  keys?: KeyStore;
  /** Where OPENAI_API_KEY / OPENAI_BASE_URL and the demo's pace are read (default: none). */
  env?: NodeJS.ProcessEnv;
  flushMs?: number;
  policy?: Partial<RetryPolicy>;
  defaultMaxTokens?: number;
  clock?: Clock;
  /** The generation's time (retry backoff, budget, watchdog); tests pass a faster one. */
  engineClock?: EngineClock;
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
  /**
   * When the full integrity check runs: `auto` (default) before anything is written after an unclean shutdown,
   * otherwise in the background, so start-up does not grow with the database; `full` always before.
   */
  integrityCheck?: 'auto' | 'full';
  /** Delay before the background check starts, so it does not compete with the first window's loading (default 1 s). */
  integrityCheckDelayMs?: number;
}

export const DEFAULT_POLICY: RetryPolicy = {
  budgetMs: 3 * 60_000,
  baseMs: 500,
  capMs: 15_000,
  watchdogMs: 30_000,
  progressMs: 5 * 60_000,
  maxInterruptions: 5,
};

export class Core {
  readonly db: Db;
  readonly store: Store;
  readonly journal: Journal;
  readonly engine: Engine;
  readonly sync: SyncHub;
  readonly conversations: Conversations;
  readonly settings: SettingsBackend;
  readonly providers: ProviderRegistry;
  readonly backups: Backups;
  readonly search: Search;
  readonly exchange: Exchange;
  readonly attachments: Attachments;

  readonly health: StorageHealth;
  /** The background integrity check, when start-up skipped the full one (a clean previous shutdown). */
  readonly integrity: Promise<'ok' | 'damaged' | 'unavailable' | 'cancelled' | 'checked at start'>;
  private readonly lock: DataDirLock;
  private backgroundCheck: BackgroundCheck | null = null;

  constructor(readonly options: CoreOptions) {
    // One process per data folder, before the database is touched: a second one refuses here (DataDirLockedError).
    this.lock = DataDirLock.acquire(options.dataDir);
    const file = path.join(options.dataDir, 'holdfast.db');
    const backupDir = path.join(options.dataDir, 'backups');
    const fullCheck = options.integrityCheck === 'full' || !this.lock.previousShutdownClean;
    let db: Db | null = null;
    try {
      removePartialBackups(backupDir);
      this.health = new StorageHealth();
      const openWith = (exclusive: boolean) =>
        openDatabase(file, {
          exclusive,
          check: fullCheck ? (d) => checkIntegrity(d, file, backupDir) : undefined,
          beforeMigrate: (d, from) => {
            if (from === 0) return; // a new, empty database: nothing to keep
            const backup = backupBeforeMigrate(d, backupDir, from); // not inside `log?.()`: that would skip it when nothing logs
            options.log?.(`backup before migration: ${backup}`);
          },
        });
      try {
        db = this.db = openWith(false);
      } catch (err) {
        if (!isDiskFullAt(err, options.dataDir)) throw err;
        // Start normally on a full disk: the shared WAL index cannot be created, so this process keeps it in memory.
        options.log?.('disk full: the database is opened for this process alone; its full check runs at the next start');
        db = this.db = openWith(true);
        this.exclusiveOpen = true;
      }
      this.backups = new Backups(this.db, backupDir, options.keepBackups ?? 7);
      this.store = new Store(this.db, options.clock ?? { now: () => Date.now() }, options.ids ?? { next: () => uuidv7() }, this.health);
      try {
        this.store.compactChanges(200_000);
      } catch (err) {
        if (!isDiskFullAt(err, options.dataDir)) throw err;
        options.log?.('disk full: the change log was not compacted'); // start normally on a full disk
      }
      this.providers = new ProviderRegistry({
        db: this.db,
        keys: options.keys ?? new MemoryKeyStore(),
        env: options.env ?? {},
        primary: options.provider,
        newId: () => this.store.newId(),
        now: () => this.store.now(),
        probeEveryMs: options.probeEveryMs,
        log: options.log,
      });
      this.attachments = new Attachments(this.store, options.dataDir, options.log);
      this.journal = new Journal(this.store, { flushMs: options.flushMs ?? 50, log: options.log });
      this.engine = new Engine({
        store: this.store,
        journal: this.journal,
        providers: this.providers,
        policy: { ...DEFAULT_POLICY, ...options.policy },
        defaultMaxTokens: options.defaultMaxTokens ?? 4096,
        random: options.random,
        clock: options.engineClock,
        log: options.log,
        probeEveryMs: options.probeEveryMs,
        autoTitle: options.autoTitle,
        attachments: this.attachments,
      });
      this.sync = new SyncHub(this.store, this.engine, this.journal);
      this.conversations = new Conversations(this.store, this.sync);
      this.settings = options.settings ?? new MemorySettings(options.provider);
      this.search = new Search(this.db, () => this.store.now());
      this.exchange = new Exchange({
        store: this.store,
        attachments: this.attachments,
        conversations: this.conversations,
        sync: this.sync,
        options: { dataDir: options.dataDir, log: options.log },
      });
    } catch (err) {
      if (db?.open) db.close();
      this.lock.release(false);
      throw asOpenFailure(err, file, backupDir, options.dataDir);
    }
    this.integrity = fullCheck
      ? Promise.resolve('checked at start' as const)
      : this.exclusiveOpen
        ? Promise.resolve('unavailable' as const)
        : this.checkInBackground(file);
    if (this.exclusiveOpen && !fullCheck) this.checkAtNextStart = true;
    this.collectAttachments();
    if (options.dailyBackups) this.backups.scheduleDaily(options.log);
    if (options.autoStart !== false) {
      this.engine.start();
      this.providers.readEnvironmentModels();
    }
  }

  /** Uploads never attached (past the grace period) and files a killed write left: removed at start, never fatal. */
  private collectAttachments(): void {
    try {
      const { rows, files } = this.attachments.collect();
      if (rows || files) this.options.log?.(`removed ${rows} unused attachment(s) and ${files} stray file(s)`);
    } catch (err) {
      this.options.log?.(`could not collect unused attachments: ${String(err)}`); // a full disk or read-only folder: next start
    }
  }

  /** The full check on its own read-only connection; damage found stops every write and is told to every window. */
  private async checkInBackground(file: string): Promise<'ok' | 'damaged' | 'unavailable' | 'cancelled'> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.integrityCheckDelayMs ?? 1000);
      timer.unref();
      this.stopCheckDelay = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    if (this.closed) return 'cancelled';
    this.backgroundCheck = quickCheckInBackground(file);
    const { status, detail } = await this.backgroundCheck.result;
    this.backgroundCheck = null;
    if (status === 'damaged') {
      this.options.log?.(`integrity check failed: ${detail}; writes stopped`);
      this.health.markDamaged(detail);
    } else if (status === 'unavailable') {
      this.options.log?.(`integrity check could not run (${detail}); it runs at the next start instead`);
      this.checkAtNextStart = true;
    }
    return status;
  }
  private checkAtNextStart = false;
  private stopCheckDelay: (() => void) | null = null;
  private closed = false;
  private exclusiveOpen = false;

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
    const { default_provider_id: defaultId, offline_fallback: fallback, ...rest } = patch;
    if (defaultId && !this.providers.has(defaultId)) throw new HoldfastError('not_found', `No provider with id ${defaultId}`);
    if (fallback && !this.providers.has(fallback.provider_id))
      throw new HoldfastError('not_found', `No provider with id ${fallback.provider_id} for the offline fallback`);
    this.settings.set(rest);
    if (patch.api_key !== undefined || patch.model !== undefined) this.engine.setProvider(this.settings.provider());
    if (defaultId !== undefined) this.providers.setSetting('default_provider_id', defaultId);
    if (fallback !== undefined) this.providers.setSetting('offline_fallback', fallback);
    return this.settingsView();
  }

  settingsView(): SettingsView {
    return {
      ...this.settings.get(),
      default_provider_id: this.providers.defaultId(),
      offline_fallback: (this.providers.setting('offline_fallback') as SettingsView['offline_fallback']) ?? null,
    };
  }

  emptyTrash(): { deleted: number } {
    const ids = this.store.listConversations(true).map((c) => c.id);
    for (const id of ids) {
      for (const m of this.store.messagesOf(id)) if (this.engine.isActive(m.id)) this.engine.stop(m.id);
    }
    const files = this.attachments.usedBy(ids);
    this.store.mutate(() => {
      this.store.deleteConversations(ids);
      for (const id of ids) this.store.touch('conversation', id);
    });
    this.attachments.release(files);
    return { deleted: ids.length };
  }

  async close(): Promise<void> {
    this.backups.stop();
    this.closed = true;
    this.stopCheckDelay?.();
    this.backgroundCheck?.cancel();
    let clean = false;
    try {
      await this.engine.close();
      this.sync.close();
      this.db.close();
      // Damage found, a check that never ran, or text that could not be saved: the next start checks in full first.
      clean = !this.health.damaged && !this.checkAtNextStart && !this.health.diskFull;
    } finally {
      this.lock.release(clean);
    }
  }
}

/** Any failure to open or read a database at start is damage (never written over), except the reasons that are not. */
function asOpenFailure(err: unknown, file: string, backupDir: string, dataDir: string): unknown {
  if (err instanceof DamagedDatabaseError || err instanceof NewerDatabaseError || isDiskFullAt(err, dataDir)) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY') return err;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err; // a bug of ours, not the file's
  return new DamagedDatabaseError(file, err instanceof Error ? err.message : String(err), latestGoodBackup(backupDir));
}
