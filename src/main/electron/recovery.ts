/**
 * The desktop app's start-up decisions about its database, apart from Electron so they can be tested under Node: open
 * it; when it is damaged, offer the latest backup and open again; when anything fails, say so in an error window and
 * give up, so no windowless process is left holding the single-instance lock.
 */
import { DamagedDatabaseError, NativeModuleError } from '../core/platform';

/** The native dialogs the decisions need (Electron's `dialog` in the app, a recording fake in tests). */
export interface RecoveryUi {
  /** A damaged database with a backup to restore: true to restore it, false to quit. */
  offerRestore(err: DamagedDatabaseError): boolean;
  /** A damaged database and no backup: say so (the app quits after). */
  showDamaged(err: DamagedDatabaseError): void;
  showError(title: string, message: string): void;
}

export interface RecoverySteps<T> {
  open(): T;
  /** Puts the latest good backup in place of the damaged database (the damaged files are kept aside). */
  restore(err: DamagedDatabaseError): void;
  /** True in an installed app: the fix for a native module that does not load is a reinstall, not an npm script. */
  packaged: boolean;
}

/** Returns what `open` returned, or null when the app must quit (the user has been told why). */
export function openWithRecovery<T>(steps: RecoverySteps<T>, ui: RecoveryUi): T | null {
  let damaged: DamagedDatabaseError;
  try {
    return steps.open();
  } catch (err) {
    if (!(err instanceof DamagedDatabaseError)) return failed('Holdfast cannot open its database', err, steps, ui);
    if (!err.latestBackup) {
      ui.showDamaged(err);
      return null;
    }
    if (!ui.offerRestore(err)) return null;
    damaged = err;
  }
  try {
    steps.restore(damaged);
  } catch (err) {
    return failed('Holdfast could not restore the backup', err, steps, ui);
  }
  // One restore, one reopen: a restored copy that does not open either is reported, never retried in a loop.
  try {
    return steps.open();
  } catch (err) {
    return failed('Holdfast cannot open the restored backup', err, steps, ui);
  }
}

function failed(title: string, err: unknown, steps: { packaged: boolean }, ui: RecoveryUi): null {
  ui.showError(title, describe(err, steps.packaged));
  return null;
}

/** The text of an error window: the error's own message, which says what to do. */
export function describe(err: unknown, packaged: boolean): string {
  if (err instanceof NativeModuleError && packaged)
    return `SQLite's native module does not load (${err.reason}). This installation of Holdfast is incomplete: install it again.`;
  return err instanceof Error ? err.message : String(err);
}
