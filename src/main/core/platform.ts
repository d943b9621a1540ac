/**
 * The one door platform code (the desktop shell; the headless host may use it too) has into the core: contract calls,
 * parsed with the contract's schemas, and contract events, plus the few things a platform does that a window may not:
 * import or export a file by path (any size, streamed), pass on the OS's network hints, close. Before a core exists, the
 * platform names the native SQLite build and handles a damaged database with what is exported beside it here.
 */
import type { ImportResult } from '../../shared/exchange';
import type { HoldfastEvent } from '../../shared/sync';
import { Core, type CoreOptions } from './core';
import type { Caller, Subscription } from './sync/hub';
import type { ArchiveFile } from './exchange/exchange';

export type { ArchiveFile };

export { DamagedDatabaseError, restoreLatestBackup } from './store/backup';
export { NewerDatabaseError } from './store/database';
export { NativeModuleError, loadNativeBinding, useNativeBinding } from './store/sqlite';

export interface PlatformDoor {
  /** A contract method by name with unparsed input: the same door every window uses (a window passes its subscription). */
  call(method: string, input: unknown, caller?: Caller): Promise<unknown>;
  /** Every contract event (changes, chunks, status, import progress) as it happens; returns the unsubscribe. */
  subscribe(listener: (event: HoldfastEvent) => void): () => void;
  /** A window's events: all of them until it calls `sync.watch` (passing this as its caller), then only what it shows. */
  connect(listener: (event: HoldfastEvent) => void): Subscription;
  /** Imports a file the person picked in a native dialog (no window may name a path). */
  importFile(file: string): Promise<ImportResult>;
  /** Every conversation as one archive, piece by piece: a .zip with the files when any message carries one (as GET /api/export). */
  exportArchive(): ArchiveFile;
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
    importFile: (file) => core.exchange.importFile(file),
    exportArchive: () => core.exchange.archive(),
    hintNetwork: (online) => core.providers.hint(online),
    close: () => core.close(),
  };
}

/** Opens the core on a data folder (throws DamagedDatabaseError, NewerDatabaseError, NativeModuleError) behind its door. */
export function openPlatformDoor(options: CoreOptions): PlatformDoor {
  return platformDoor(new Core(options));
}
