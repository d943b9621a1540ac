/** Entry of the headless host: `npm run host -- --port P --data-dir D`; binds 127.0.0.1 only. */
import fs from 'node:fs';
import path from 'node:path';
import {
  DamagedDatabaseError,
  DataDirLockedError,
  MemorySettings,
  NativeModuleError,
  NewerDatabaseError,
  NoGoodBackupError,
  openPlatformDoor,
  privateDataDir,
  providerFromEnv,
  removeNewDataDir,
  restoreLatestBackup,
  type PlatformDoor,
} from '../core/platform';
import { startHost } from './server';
import { USAGE, UsageError, exitWithUsage, parseHostArgs, type HostArgs } from './cli';
import { TOKEN_FILE, hostToken, writeTokenFile } from './auth';
import { FileKeyStore, KEY_FILE_SECRET_ENV, KeyFileError } from './key-file';

const values = parseCommandLine();
function parseCommandLine(): HostArgs {
  try {
    const parsed = parseHostArgs(process.argv.slice(2), process.env);
    if (parsed !== 'help') return parsed;
    process.stdout.write(USAGE);
    process.exit(0);
  } catch (err) {
    if (err instanceof UsageError) exitWithUsage(err.message);
    throw err;
  }
}

function rendererDir(): string | null {
  const candidates = [values.rendererDir, path.resolve(import.meta.dirname, '../renderer'), path.resolve('out/renderer')];
  return candidates.find((d): d is string => Boolean(d && fs.existsSync(path.join(d, 'index.html')))) ?? null;
}

const provider = providerFromEnv();
const dataDir = values.dataDir;
// First, before the data folder is made or tightened: a key file in it that others could read is refused, not silently fixed.
const keys = openKeyFile();
function openKeyFile(): FileKeyStore | undefined {
  const secret = process.env[KEY_FILE_SECRET_ENV];
  delete process.env[KEY_FILE_SECRET_ENV]; // read once; nothing started later inherits it
  if (!values.keyFile) return undefined;
  try {
    return FileKeyStore.open(values.keyFile, secret);
  } catch (err) {
    if (!(err instanceof KeyFileError)) throw err;
    console.error(`holdfast host: ${err.message}`);
    process.exit(2);
  }
}
const token = readToken(); // a mistake in it is found before the data folder is touched
function readToken(): string {
  try {
    return hostToken(process.env);
  } catch (err) {
    exitWithUsage(err instanceof Error ? err.message : String(err));
  }
}
// Before anything is written: the folder and every file in it are for this user only.
const folder = dataFolder();
function dataFolder(): ReturnType<typeof privateDataDir> {
  try {
    return privateDataDir(dataDir);
  } catch (err) {
    // A path that names a file, or lies under one, or that this user may not make: a mistake on the command line.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR')
      exitWithUsage(`--data-dir ${dataDir} is a file, or inside one (${code}): give a folder (made if it is missing)`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      exitWithUsage(`--data-dir ${dataDir} cannot be made or used by this user (${code}): give a folder you may write`);
    throw err;
  }
}
const core = openCore();
function openCore(): PlatformDoor {
  try {
    if (values.restoreBackup === 'latest') {
      const used = restoreLatestBackup(path.join(dataDir, 'holdfast.db'), path.join(dataDir, 'backups'));
      console.log(`restored ${used}; the damaged database was kept beside it`);
    }
    return createCore();
  } catch (err) {
    // Another process owns the folder, a damaged or newer database (never written over), or a native build that does not
    // load: one line, then stop.
    if (
      err instanceof DataDirLockedError ||
      err instanceof DamagedDatabaseError ||
      err instanceof NewerDatabaseError ||
      err instanceof NoGoodBackupError ||
      err instanceof NativeModuleError
    ) {
      console.error(err.message);
      // A folder this start made goes again (a locked one was there before: it is another process's).
      if (!(err instanceof DataDirLockedError)) removeNewDataDir(folder);
      process.exit(2);
    }
    throw err;
  }
}
function createCore(): PlatformDoor {
  return openPlatformDoor({
    dataDir,
    provider,
    settings: new MemorySettings(provider, process.env),
    env: process.env,
    ...(keys ? { keys } : {}),
    flushMs: values.flushMs,
    policy: {
      ...(values.watchdogMs !== undefined ? { watchdogMs: values.watchdogMs } : {}),
      ...(values.retryBudgetMs !== undefined ? { budgetMs: values.retryBudgetMs } : {}),
    },
    probeEveryMs: 500,
    dailyBackups: true,
    log: (s) => console.log(`[engine] ${s}`),
  });
}
const tokenFile = writeTokenFile(dataDir, token);
const host = await listen();
async function listen(): Promise<Awaited<ReturnType<typeof startHost>>> {
  try {
    return await startHost({ core, rendererDir: rendererDir(), port: values.port, token, limits: { import: values.maxImportBytes } });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
    await core.close();
    removeNewDataDir(folder, [TOKEN_FILE]); // nobody could reach it yet: a folder this start made holds no one's data
    exitWithUsage(
      code === 'EADDRINUSE'
        ? `port ${values.port} is already in use (EADDRINUSE): choose another with --port, or --port 0 for a free one`
        : `port ${values.port} may not be opened by this user (EACCES): choose one above 1023`,
    );
  }
}
// The secret rides in the URL once: the page trades it for a cookie and drops it from the address bar.
console.log(
  `Holdfast host listening on ${host.url}/?token=${token} (data: ${dataDir}, token file: ${tokenFile}, provider keys: ${keys ? keys.file : 'memory only (see --key-file)'}, provider: ${provider.name}${provider.name === 'demo' ? ', offline demo: set ANTHROPIC_API_KEY for Claude' : ''})`,
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: flushing and closing`);
  await host.close();
  await core.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
