/**
 * The one door platform code (the desktop shell and the headless host) has into the core: contract calls, parsed with
 * the contract's schemas, and contract events, plus the few things a platform does that a window may not: move bytes
 * that are no JSON (an import or an upload by file, the archive download, attachment bytes), start an event stream where
 * it left off, pass on the OS's network hints, close. Before a core exists, the platform opens one with the options,
 * errors and settings types re-exported here. `src/main/host` and `src/main/electron` may import nothing else of the
 * core (eslint.config.js).
 */
import path from 'node:path';
import type { AttachmentInfo } from '../../shared/attachments';
import type { ImportResult } from '../../shared/exchange';
import type { ChangeEvent, DeleteEvent, HoldfastEvent, PullOutput } from '../../shared/sync';
import { Core, type CoreOptions } from './core';
import type { Caller, Subscription } from './sync/hub';
import type { ArchiveFile } from './exchange/exchange';

export type { ArchiveFile };

export { DamagedDatabaseError, NoGoodBackupError, restoreLatestBackup } from './store/backup';
export { NewerDatabaseError } from './store/database';
export { DataDirLockedError } from './store/lock';
export { NativeModuleError, loadNativeBinding, useNativeBinding } from './store/sqlite';
export { privateDataDir, removeNewDataDir } from './store/datadir';
export { MemorySettings, providerFromEnv, type SettingsBackend } from './settings';
export type { KeyStore } from './providers/registry';
export type { Provider } from './providers/provider';
export type { CoreOptions } from './core';
export type { Caller, Subscription } from './sync/hub';

/** What an event stream that starts after `since` missed: each change as its event, or a reset (the log was compacted past it). */
export type CatchUp = { reset: PullOutput } | { events: (ChangeEvent | DeleteEvent)[] };

export interface PlatformDoor {
  /** A contract method by name with unparsed input: the same door every window uses (a window passes its subscription). */
  call(method: string, input: unknown, caller?: Caller): Promise<unknown>;
  /** Every contract event (changes, chunks, status, import progress) as it happens; returns the unsubscribe. */
  subscribe(listener: (event: HoldfastEvent) => void): () => void;
  /** A window's events: all of them until it calls `sync.watch` (passing this as its caller), then only what it shows. */
  connect(listener: (event: HoldfastEvent) => void): Subscription;
  /**
   * What a stream that last saw `since` missed, read at once: join the fan-out (`subscribe`) in the same tick and no
   * event falls between the two. Unlike `sync.pull` it gives the events themselves, each with its seq.
   */
  catchUp(since: number): CatchUp;
  /** Imports a file by path: one the person picked in a native dialog, or an upload spooled into `uploadDir`. */
  importFile(file: string): Promise<ImportResult>;
  /** Where a platform spools an upload before importing it; what a killed upload leaves (`upload-*`) goes at the next start. */
  readonly uploadDir: string;
  /** Every conversation as one archive, piece by piece: a .zip with the files when any message carries one (as GET /api/export). */
  exportArchive(): ArchiveFile;
  /** Keeps an uploaded file's bytes (at most MAX_ATTACHMENT_BYTES); the contract's `attachments.add` takes base64 instead. */
  addAttachment(file: { name: string; mime: string | undefined; data: Buffer }): AttachmentInfo;
  /** A kept file's bytes and what is known of it; `not_found` when there is no such file. */
  readAttachment(id: string): { info: AttachmentInfo; data: Buffer };
  /** The OS says the network went away (false) or may be back (true: probe now). */
  hintNetwork(online: boolean): void;
  /** Flushes what was received and closes the database. */
  close(): Promise<void>;
}

export function platformDoor(core: Core): PlatformDoor {
  return {
    call: (method, input, caller) => core.call(method, input, caller),
    subscribe: (listener) => core.sync.subscribe(listener),
    connect: (listener) => core.sync.connect(listener),
    catchUp: (since) => {
      const pulled = core.sync.pull(since);
      return pulled.reset ? { reset: pulled } : { events: core.sync.changesSince(since, pulled.seq) };
    },
    importFile: (file) => core.exchange.importFile(file),
    uploadDir: path.join(core.options.dataDir, 'tmp'),
    exportArchive: () => core.exchange.archive(),
    addAttachment: (file) => core.attachments.add(file),
    readAttachment: (id) => core.attachments.read(id),
    hintNetwork: (online) => core.providers.hint(online),
    close: () => core.close(),
  };
}

/** Opens the core on a data folder behind its door (throws DataDirLockedError, DamagedDatabaseError, NewerDatabaseError, NativeModuleError). */
export function openPlatformDoor(options: CoreOptions): PlatformDoor {
  return platformDoor(new Core(options));
}
