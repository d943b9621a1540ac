/** The line every benchmark table carries: which commit, on what machine, when, and how busy the machine was. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export function machineLine(): string {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    if (dirty) commit += ' (with uncommitted changes)';
  } catch {
    // Not a git checkout (a copied tree): the commit stays unknown, the rest still says where it ran.
  }
  const cpus = os.cpus();
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  return `_Commit ${commit} · ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'} · ${(os.totalmem() / 2 ** 30).toFixed(0)} GB · ${os.platform()} ${os.release()} · Node ${process.versions.node} · ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · load average at start (1/5/15 min) ${load}_`;
}
