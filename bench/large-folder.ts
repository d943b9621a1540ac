/** The large data folder the host benchmarks start on: built once with plain SQL (bench/startup.ts), then closed cleanly. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Core } from '../src/main/core/core';
import { DemoProvider } from '../src/main/core/providers/demo';
import { CLEAN_MARKER } from '../src/main/core/store/lock';
import { buildFolder } from './startup';

/** How many messages the large folder holds (`BENCH_LARGE_MESSAGES`, default 1,000,000). */
export const LARGE_MESSAGES = Number(process.env.BENCH_LARGE_MESSAGES ?? 1_000_000);

/**
 * The folder (`BENCH_LARGE_DIR`, else one in the temp dir shared with the startup benchmark), ready for a start after a
 * clean shutdown: a folder written by SQL alone, or left by a killed run, would make the next start check the whole
 * database first (half a minute at 1,000,000 messages), which is the unclean start's cost, not the one measured here.
 */
export async function largeFolder(log: (s: string) => void): Promise<string> {
  const dir = process.env.BENCH_LARGE_DIR ?? path.join(os.tmpdir(), `holdfast-bench-startup-${LARGE_MESSAGES}`);
  log(`Building (or reusing) ${dir} …`);
  buildFolder(dir, LARGE_MESSAGES, log);
  if (!fs.existsSync(path.join(dir, CLEAN_MARKER))) {
    log('  checking it once (no clean-shutdown marker) …');
    const core = new Core({ dataDir: dir, provider: new DemoProvider(), autoTitle: false, autoStart: false });
    await core.close();
  }
  return dir;
}
