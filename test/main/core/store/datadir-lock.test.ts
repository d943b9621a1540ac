/** One process per data folder: real host processes (the built bundle) racing for one folder, and a killed holder. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../../support/fake-anthropic';
import type { HostProcess } from '../../../support/host-process';
import { fakeAnthropic, hostFor } from '../../../support/servers';
import { anthropicFor, tempDir } from '../../../support/core';
import { pollJson, requestJson } from '../../../support/http';
import { Core } from '../../../../src/main/core/core';
import { DataDirLockedError } from '../../../../src/main/core/store/lock';

const root = path.resolve(import.meta.dirname, '../../../..');
const builtHost = path.join(root, 'out/main/host.js');
let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await fakeAnthropic({ paceMs: 8 });
});

const env = () => ({ ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url });
async function host(dataDir: string): Promise<HostProcess> {
  expect(fs.existsSync(builtHost), 'the built host (npm run build) is needed').toBe(true);
  return hostFor(fake, { dataDir, fromSource: false });
}

/** Runs a second built host on the folder and returns how it ended (it must not start). */
function secondHost(dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [builtHost, '--port', '0', '--data-dir', dataDir], {
    cwd: root,
    env: { ...process.env, ...env() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })));
}

type Msg = { id: string; status: string; content: string };
const thread = (url: string, id: string, ok: (t: Msg[]) => boolean, timeout = 30_000): Promise<Msg[]> =>
  pollJson(`${url}/api/sessions/${id}/messages`, ok, timeout);

describe('one process per data folder', () => {
  it('a second host on the folder refuses at once, naming the folder and the holder pid; the first finishes the exact answer', async () => {
    const dir = tempDir();
    const first = await host(dir);
    const { body: conv } = await requestJson(`${first.url}/api/sessions`, { method: 'POST', body: '{}' });
    const prompt = 'two hosts, one folder [len=4000]';
    await requestJson(`${first.url}/api/sessions/${conv.id}/messages`, { method: 'POST', body: JSON.stringify({ content: prompt }) });
    await pollJson(`${first.url}/api/sessions/${conv.id}/status`, (s) => (s.partial_content?.length ?? 0) > 300);

    const second = await secondHost(dir);
    expect(second.code).not.toBe(0);
    expect(second.code).not.toBeNull();
    expect(second.stdout).not.toMatch(/listening on/);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(dir);
    expect(lines[0]).toContain(`pid ${first.proc.pid}`);

    // Still streaming when the second one gave up, and it ends with exactly the provider's text.
    const status = await requestJson(`${first.url}/api/sessions/${conv.id}/status`);
    expect(status.body.has_active_generation).toBe(true);
    const done = await thread(first.url, conv.id, (t) => t[1]?.status === 'completed');
    expect(done[1]!.content).toBe(FakeAnthropic.answer(prompt));
  });

  it('a holder killed with SIGKILL never blocks the next start, and its answer resumes exactly', async () => {
    const dir = tempDir();
    const first = await host(dir);
    const { body: conv } = await requestJson(`${first.url}/api/sessions`, { method: 'POST', body: '{}' });
    const prompt = 'killed holder [len=3000]';
    await requestJson(`${first.url}/api/sessions/${conv.id}/messages`, { method: 'POST', body: JSON.stringify({ content: prompt }) });
    await pollJson(`${first.url}/api/sessions/${conv.id}/status`, (s) => (s.partial_content?.length ?? 0) > 300);
    await first.kill('SIGKILL');
    expect(fs.existsSync(path.join(dir, 'holdfast.lock'))).toBe(true); // left behind, as a crash leaves it
    const next = await host(dir);
    const done = await thread(next.url, conv.id, (t) => t[1]?.status === 'completed');
    expect(done[1]!.content).toBe(FakeAnthropic.answer(prompt));
  });

  it('refuses a second core in the same process too, and frees the folder on close', async () => {
    const dir = tempDir();
    const a = new Core({ dataDir: dir, provider: anthropicFor(fake), autoStart: false });
    let error: unknown;
    try {
      new Core({ dataDir: dir, provider: anthropicFor(fake), autoStart: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as DataDirLockedError).pid).toBe(process.pid);
    expect((error as Error).message).toContain(dir);
    await a.close();
    const b = new Core({ dataDir: dir, provider: anthropicFor(fake), autoStart: false });
    await b.close();
  });
});

describe('the host at start-up', () => {
  it('a damaged first page: one line naming the latest good backup, exit 2; --restore-backup latest skips a truncated backup and starts', async () => {
    const dir = tempDir();
    const first = await host(dir);
    const { body: conv } = await requestJson(`${first.url}/api/sessions`, { method: 'POST', body: JSON.stringify({ title: 'kept' }) });
    const { body: backup } = await requestJson(`${first.url}/api/backup`, { method: 'POST' });
    expect(fs.existsSync(backup.path)).toBe(true);
    expect(await first.kill('SIGTERM')).toBe(0);
    // A newer, truncated backup, as an older version killed mid-backup left it under a final name.
    const bytes = fs.readFileSync(backup.path);
    fs.writeFileSync(path.join(dir, 'backups', '2999-01-01T00-00-00-000Z-manual.db'), bytes.subarray(0, bytes.length - 4096));
    const db = path.join(dir, 'holdfast.db');
    const damaged = fs.readFileSync(db);
    damaged.fill(0x42, 0, 4096);
    fs.writeFileSync(db, damaged);

    const refused = await secondHost(dir);
    expect(refused.code).toBe(2);
    const lines = refused.stderr.trim().split('\n');
    expect(lines).toHaveLength(1); // no stack trace
    expect(lines[0]).toMatch(/damaged/);
    expect(lines[0]).toContain(`The latest good backup is ${backup.path}`); // checked: not the truncated newer file

    const restored = await hostFor(fake, { dataDir: dir, fromSource: false, args: ['--restore-backup', 'latest'] });
    expect(restored.output()).toContain(`restored ${backup.path}`);
    const { body: list } = await requestJson(`${restored.url}/api/sessions`);
    expect(list.map((c: { id: string }) => c.id)).toEqual([conv.id]);
  });
});
