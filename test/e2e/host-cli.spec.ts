/** The built host's command line as a person meets it: mistakes get one line and the usage (exit 2), --help lists everything. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import { test, expect } from '@playwright/test';
import { tempDir } from '../support/core';
import { OPTIONS } from '../../src/main/host/cli';

const root = path.resolve(import.meta.dirname, '../..');

/** Runs the built host to its exit and returns its exit code and output. */
async function runHost(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [path.join(root, 'out/main/host.js'), ...args], {
    cwd: root,
    env: { ...process.env, ANTHROPIC_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000); // a host that starts instead of refusing fails the test
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

function expectUsageError(r: { code: number | null; stdout: string; stderr: string }, line: RegExp): void {
  expect(r.code).toBe(2);
  const [first] = r.stderr.split('\n');
  expect(first).toMatch(/^holdfast host: /);
  expect(first).toMatch(line);
  expect(r.stderr).toContain('Usage: npm run host');
  expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
  expect(r.stdout).not.toContain('listening');
}

test('an unknown option or a bad number prints one line and the usage, exit code 2', async () => {
  const dataDir = tempDir('holdfast-cli-');
  expectUsageError(await runHost(['--prot', '5174', '--data-dir', dataDir]), /Unknown option '--prot'/);
  expectUsageError(await runHost(['--port', 'abc', '--data-dir', dataDir]), /--port must be a whole number from 0 to 65535, not "abc"/);
  expectUsageError(await runHost(['--port', '70000', '--data-dir', dataDir]), /--port must be a whole number/);
  expectUsageError(await runHost(['--flush-ms', '-1', '--data-dir', dataDir]), /--flush-ms/);
  expectUsageError(await runHost(['--watchdog-ms', '1e3', '--data-dir', dataDir]), /--watchdog-ms must be a whole number/);
  expectUsageError(await runHost(['--retry-budget-ms', '', '--data-dir', dataDir]), /--retry-budget-ms/);
  expectUsageError(await runHost(['--max-import-mb', '0', '--data-dir', dataDir]), /--max-import-mb/);
  expectUsageError(await runHost(['--restore-backup', 'yesterday', '--data-dir', dataDir]), /--restore-backup takes "latest"/);
  expectUsageError(await runHost(['stray', '--data-dir', dataDir]), /positional argument/i);
  expectUsageError(await runHost(['--port', '0', '--data-dir', dataDir], { HOLDFAST_TOKEN: 'short' }), /HOLDFAST_TOKEN must be/);
  expectUsageError(
    await runHost(['--port', '0', '--data-dir', dataDir], { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'notaurl' }),
    /ANTHROPIC_BASE_URL must be an http:\/\/ or https:\/\/ URL with a host .*not printed/,
  );
  expectUsageError(
    await runHost(['--port', '0', '--data-dir', dataDir], { OPENAI_BASE_URL: 'http://127.0.0.1:99999/v1' }),
    /OPENAI_BASE_URL must be/,
  );
});

test('a busy port prints one line and the usage, exit code 2, and leaves no data folder it created behind', async () => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as net.AddressInfo).port;
  try {
    const existing = tempDir('holdfast-cli-');
    fs.writeFileSync(path.join(existing, 'notes.txt'), 'mine');
    const r = await runHost(['--port', String(port), '--data-dir', existing]);
    expectUsageError(r, new RegExp(`port ${port} is already in use \\(EADDRINUSE\\)`));
    // A folder that was there stays as it was: what the start wrote in it first (database, lock, token) goes again.
    expect(fs.readdirSync(existing)).toEqual(['notes.txt']);
    expect(fs.readFileSync(path.join(existing, 'notes.txt'), 'utf8')).toBe('mine');
    // A new folder (and the parents made for it) goes again: the start wrote a database, a lock and a token in it first.
    const parent = tempDir('holdfast-cli-');
    const fresh = path.join(parent, 'new', 'data');
    expectUsageError(await runHost(['--port', String(port), '--data-dir', fresh]), /already in use/);
    expect(fs.readdirSync(parent)).toEqual([]);
    // A mistake found before the folder is needed does not make it.
    expectUsageError(await runHost(['--port', '0', '--data-dir', fresh], { HOLDFAST_TOKEN: 'short' }), /HOLDFAST_TOKEN must be/);
    expect(fs.readdirSync(parent)).toEqual([]);
  } finally {
    busy.close();
  }
});

test('a --data-dir that is a file, or lies inside one, prints one line and the usage, exit code 2', async () => {
  const file = path.join(tempDir('holdfast-cli-'), 'notes.txt');
  fs.writeFileSync(file, 'mine');
  expectUsageError(await runHost(['--port', '0', '--data-dir', file]), /--data-dir .*notes\.txt is a file, or inside one \(EEXIST\)/);
  expectUsageError(await runHost(['--port', '0', '--data-dir', path.join(file, 'data')]), /is a file, or inside one \(ENOTDIR\)/);
  expect(fs.readFileSync(file, 'utf8')).toBe('mine');
});

test('--help lists every option and environment variable', async () => {
  const r = await runHost(['--help']);
  expect(r.code).toBe(0);
  expect(Object.keys(OPTIONS).length).toBeGreaterThan(8);
  for (const option of Object.keys(OPTIONS)) expect(r.stdout).toContain(`--${option} `);
  for (const env of [
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_BASE_URL',
    'HOLDFAST_MODEL',
    'HOLDFAST_DEMO_PACE_MS',
    'HOLDFAST_TOKEN',
    'HOLDFAST_DATA_DIR',
    'OPENAI_API_KEY',
    'OPENAI_BASE_URL',
    'HOLDFAST_OPENAI_MODEL',
  ])
    expect(r.stdout).toContain(env);
});
