/** Test helpers: a core on a temp data dir wired to the local Anthropic-compatible server through the real SDK. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Core, type CoreOptions } from '../../src/main/core/core';
import { AnthropicProvider } from '../../src/main/core/providers/anthropic';
import type { FakeAnthropic } from './fake-anthropic';
import type { Message } from '../../src/shared/model';
import { cleanup } from './cleanup';

/** A new temporary folder, removed when the test ends (see cleanup.ts). */
export function tempDir(prefix = 'holdfast-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function anthropicFor(fake: FakeAnthropic, model = 'claude-test'): AnthropicProvider {
  return new AnthropicProvider({ apiKey: 'test-key', baseURL: fake.url, defaultModel: model, connectTimeoutMs: 5000 });
}

/**
 * A core on its own temp folder; closed when the test ends unless the test closed it already. Without `fake`, the
 * options must name the provider.
 */
export function makeCore(fake: FakeAnthropic | undefined, opts: Partial<CoreOptions> & { model?: string } = {}): Core {
  const core = new Core({
    dataDir: opts.dataDir ?? tempDir(),
    provider: opts.provider ?? anthropicFor(fake ?? missing('makeCore needs the local server or a provider'), opts.model),
    policy: { budgetMs: 20_000, baseMs: 50, capMs: 400, watchdogMs: 2000, ...opts.policy },
    probeEveryMs: 100,
    autoTitle: false,
    ...opts,
  });
  cleanup(async () => {
    if (core.db.open) await core.close();
  });
  return core;
}

function missing(what: string): never {
  throw new Error(what);
}

export async function waitFor<T>(fn: () => T | undefined | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the message leaves `queued`/`generating` and returns it as stored. */
export async function settled(core: Core, id: string, timeoutMs = 20_000): Promise<Message> {
  return waitFor(
    () => {
      const m = core.store.findMessage(id);
      return m && m.status !== 'generating' && m.status !== 'queued' && !core.engine.isActive(id) ? m : undefined;
    },
    timeoutMs,
    `message ${id} to settle`,
  );
}
