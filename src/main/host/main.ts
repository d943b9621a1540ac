/** Entry of the headless host: `npm run host -- --port P --data-dir D`; binds 127.0.0.1 only. */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Core, MemorySettings, providerFromEnv } from '../core/core';
import { startHost } from './server';
import { DamagedDatabaseError, NoGoodBackupError, restoreLatestBackup } from '../core/store/backup';
import { NewerDatabaseError } from '../core/store/database';
import { DataDirLockedError } from '../core/store/lock';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5174' },
    'data-dir': { type: 'string', default: path.resolve('.holdfast-data') },
    'renderer-dir': { type: 'string' },
    'flush-ms': { type: 'string' },
    'watchdog-ms': { type: 'string' },
    'retry-budget-ms': { type: 'string' },
    'restore-backup': { type: 'string' },
  },
});

function rendererDir(): string | null {
  const candidates = [values['renderer-dir'], path.resolve(import.meta.dirname, '../renderer'), path.resolve('out/renderer')];
  return candidates.find((d): d is string => Boolean(d && fs.existsSync(path.join(d, 'index.html')))) ?? null;
}

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const provider = providerFromEnv();
const dataDir = path.resolve(values['data-dir']);
const core = openCore();
function openCore(): Core {
  try {
    if (values['restore-backup'] === 'latest') {
      const used = restoreLatestBackup(path.join(dataDir, 'holdfast.db'), path.join(dataDir, 'backups'));
      console.log(`restored ${used}; the damaged database was kept beside it`);
    }
    return createCore();
  } catch (err) {
    // Another process owns the folder, or a damaged or newer database (never written over): one line, then stop.
    if (
      err instanceof DataDirLockedError ||
      err instanceof DamagedDatabaseError ||
      err instanceof NewerDatabaseError ||
      err instanceof NoGoodBackupError
    ) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
function createCore(): Core {
  return new Core({
    dataDir,
    provider,
    settings: new MemorySettings(provider, process.env),
    flushMs: num(values['flush-ms']),
    policy: {
      ...(values['watchdog-ms'] ? { watchdogMs: Number(values['watchdog-ms']) } : {}),
      ...(values['retry-budget-ms'] ? { budgetMs: Number(values['retry-budget-ms']) } : {}),
    },
    probeEveryMs: 500,
    dailyBackups: true,
    log: (s) => console.log(`[engine] ${s}`),
  });
}
const host = await startHost({ core, rendererDir: rendererDir(), port: Number(values.port) });
console.log(
  `Holdfast host listening on ${host.url} (data: ${path.resolve(values['data-dir'])}, provider: ${provider.name}${provider.name === 'demo' ? ', offline demo: set ANTHROPIC_API_KEY for Claude' : ''})`,
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
