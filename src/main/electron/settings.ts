/** Desktop settings: preferences in electron-store; the API key encrypted with safeStorage, never in plain text. */
import { safeStorage } from 'electron';
import Store from 'electron-store';
import { providerFromEnv, type Provider, type SettingsBackend } from '../core/platform';
import type { SettingsPatch, SettingsView } from '../../shared/settings';

interface Prefs {
  model: string | null;
  theme: SettingsView['theme'];
  encryptedKey: string | null;
  /** Configured providers' keys, each encrypted with safeStorage (base64), by provider id. */
  providerKeys: Record<string, string>;
  bounds: { x?: number; y?: number; width: number; height: number } | null;
}

export class DesktopSettings implements SettingsBackend {
  readonly prefs = new Store<Prefs>({
    name: 'preferences',
    defaults: { model: null, theme: 'system', encryptedKey: null, providerKeys: {}, bounds: null },
  });
  private sessionKey: string | null = null; // used when the OS offers no encryption at all: kept in memory only

  private keyProtection(): SettingsView['key_protection'] {
    if (!this.apiKey()) return process.env.ANTHROPIC_API_KEY ? 'environment' : 'none';
    if (this.sessionKey) return 'memory';
    return process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text' ? 'basic_text' : 'os_keychain';
  }

  private apiKey(): string | null {
    if (this.sessionKey) return this.sessionKey;
    const enc = this.prefs.get('encryptedKey');
    if (!enc || !safeStorage.isEncryptionAvailable()) return null;
    try {
      return safeStorage.decryptString(Buffer.from(enc, 'base64'));
    } catch {
      return null; // a key encrypted under another OS user or keychain cannot be read: ask for it again
    }
  }

  get(): SettingsView {
    const p = this.provider();
    return {
      provider: p.name,
      model: p.defaultModel,
      has_api_key: Boolean(this.apiKey() ?? process.env.ANTHROPIC_API_KEY),
      key_protection: this.keyProtection(),
      theme: this.prefs.get('theme'),
    };
  }

  set(patch: SettingsPatch): SettingsView {
    if (patch.api_key !== undefined) {
      this.sessionKey = null;
      this.prefs.set('encryptedKey', null);
      if (patch.api_key) {
        if (safeStorage.isEncryptionAvailable())
          this.prefs.set('encryptedKey', safeStorage.encryptString(patch.api_key).toString('base64'));
        else this.sessionKey = patch.api_key;
      }
    }
    if (patch.model) this.prefs.set('model', patch.model);
    if (patch.theme) this.prefs.set('theme', patch.theme);
    return this.get();
  }

  provider(): Provider {
    const key = this.apiKey();
    const model = this.prefs.get('model');
    return providerFromEnv({ ...process.env, ...(key ? { ANTHROPIC_API_KEY: key } : {}), ...(model ? { HOLDFAST_MODEL: model } : {}) });
  }
}
