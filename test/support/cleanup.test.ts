/** The shared helpers undo what they made when the test ends, whether or not the test remembered to. */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic } from './fake-anthropic';
import { makeCore, tempDir } from './core';
import { fakeAnthropic, hostProcess } from './servers';
import type { HostProcess } from './host-process';
import type { Core } from '../../src/main/core/core';

let fake: FakeAnthropic;
let fileDir: string;
beforeAll(async () => {
  fake = await new FakeAnthropic({ paceMs: 1 }).listen();
  fileDir = tempDir(); // made outside any test: kept for the whole file
});
afterAll(() => fake.close());

describe('helpers that clean up', () => {
  let dir: string;
  let core: Core;
  let coreDir: string;

  it('a temporary folder and a core exist during the test that made them', () => {
    dir = tempDir();
    coreDir = tempDir();
    core = makeCore(fake, { dataDir: coreDir });
    core.conversations.create({ title: 'kept until the test ends' });
    expect(fs.existsSync(dir)).toBe(true);
    expect(core.db.open).toBe(true);
  });

  it('are gone once that test has ended: the core closed before its folder was removed', () => {
    expect(fs.existsSync(dir)).toBe(false);
    expect(core.db.open).toBe(false);
    expect(fs.existsSync(coreDir)).toBe(false);
  });

  it('a folder made by beforeAll lasts for the whole file', () => {
    expect(fs.existsSync(fileDir)).toBe(true);
  });

  it('a core the test closed itself is left alone', async () => {
    const c = makeCore(fake);
    await c.close();
    expect(c.db.open).toBe(false);
  });

  let server: FakeAnthropic;
  let host: HostProcess;
  it('a local server and a host process run during the test that started them', async () => {
    server = await fakeAnthropic();
    host = await hostProcess({ dataDir: tempDir(), fromSource: true, env: { ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: server.url } });
    expect(host.proc.exitCode).toBeNull();
    expect(host.proc.signalCode).toBeNull();
    expect((await fetch(`${server.url}/v1/messages`, { method: 'POST', body: '{}' })).status).toBeGreaterThanOrEqual(200);
  });

  it('are stopped once it has ended', async () => {
    expect(host.proc.exitCode !== null || host.proc.signalCode !== null).toBe(true);
    await expect(fetch(`${server.url}/v1/messages`, { method: 'POST' })).rejects.toThrow();
  });
});
