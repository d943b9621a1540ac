/**
 * A provider's row and its key go together: when the key store cannot write (a key file on a full or read-only disk),
 * creating or removing a provider fails whole, and a restart finds what the failed call reported.
 */
import { describe, expect, it } from 'vitest';
import { Core } from '../../../../src/main/core/core';
import { DemoProvider } from '../../../../src/main/core/providers/demo';
import type { KeyStore } from '../../../../src/main/core/providers/registry';
import type { ProviderInfo } from '../../../../src/shared/providers';
import { tempDir } from '../../../support/core';
import { cleanup } from '../../../support/cleanup';

/** A key store of our own whose writes fail on demand, as the key file's do when its folder cannot be written. */
class FlakyKeys implements KeyStore {
  failing = false;
  readonly keys = new Map<string, string>();
  get(id: string): string | null {
    return this.keys.get(id) ?? null;
  }
  set(id: string, key: string | null): void {
    if (this.failing) throw new Error('key file cannot be written: EROFS');
    if (key) this.keys.set(id, key);
    else this.keys.delete(id);
  }
}

function open(dataDir: string, keys: KeyStore): Core {
  const core = new Core({ dataDir, provider: new DemoProvider(1), keys, probeEveryMs: 100, autoTitle: false });
  cleanup(async () => {
    if (core.db.open) await core.close();
  });
  return core;
}

const names = async (core: Core) => ((await core.call('providers.list', {})) as { providers: ProviderInfo[] }).providers.map((p) => p.name);
const input = { kind: 'openai-compatible', name: 'Local', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-local-0123456789' };

describe('providers and their keys', () => {
  it('creates nothing when the key cannot be kept: not now, not after a restart', async () => {
    const dir = tempDir();
    const keys = new FlakyKeys();
    keys.failing = true;
    const core = open(dir, keys);
    await expect(core.call('providers.create', input)).rejects.toThrow(/EROFS/);
    expect(await names(core)).not.toContain('Local');
    await core.close();
    expect(await names(open(dir, keys))).not.toContain('Local');
  });

  it('removes nothing when the key cannot be forgotten: the provider and its key are both still there after a restart', async () => {
    const dir = tempDir();
    const keys = new FlakyKeys();
    const core = open(dir, keys);
    const p = (await core.call('providers.create', input)) as ProviderInfo;
    keys.failing = true;
    await expect(core.call('providers.delete', { id: p.id })).rejects.toThrow(/EROFS/);
    expect(await names(core)).toContain('Local');
    await core.close();
    keys.failing = false;
    expect(await names(open(dir, keys))).toContain('Local');
    expect(keys.get(p.id)).toBe('sk-local-0123456789');
  });
});
