/** Settings backends and the provider they call for: memory and the environment in the host (Electron has its own). */
import type { SettingsPatch, SettingsView } from '../../shared/settings';
import type { Provider } from './providers/provider';
import { AnthropicProvider } from './providers/anthropic';
import { DemoProvider } from './providers/demo';

/** Where settings live: electron-store + safeStorage on the desktop, memory and the environment in the host. */
export interface SettingsBackend {
  get(): SettingsView;
  set(patch: SettingsPatch): SettingsView;
  /** The provider these settings call for. */
  provider(): Provider;
}

/** Settings for the headless host: a key set at run time stays in memory only, never in a file. */
export class MemorySettings implements SettingsBackend {
  private key: string | null = null;
  private model: string | null = null;
  private theme: SettingsView['theme'] = 'system';
  constructor(
    private readonly initial: Provider,
    private readonly env: NodeJS.ProcessEnv = {},
  ) {}
  get(): SettingsView {
    const p = this.provider();
    return {
      provider: p.name,
      model: p.defaultModel,
      has_api_key: Boolean(this.key ?? this.env.ANTHROPIC_API_KEY),
      key_protection: this.key ? 'memory' : this.env.ANTHROPIC_API_KEY ? 'environment' : 'none',
      theme: this.theme,
    };
  }
  set(patch: SettingsPatch): SettingsView {
    if (patch.api_key !== undefined) this.key = patch.api_key || null;
    if (patch.model) this.model = patch.model;
    if (patch.theme) this.theme = patch.theme;
    return this.get();
  }
  provider(): Provider {
    if (!this.key && !this.model) return this.initial;
    return providerFromEnv({
      ...this.env,
      ...(this.key ? { ANTHROPIC_API_KEY: this.key } : {}),
      ...(this.model ? { HOLDFAST_MODEL: this.model } : {}),
    });
  }
}

/** The provider from the environment: Anthropic when a key is set, the offline demo otherwise. */
export function providerFromEnv(env: NodeJS.ProcessEnv = process.env): Provider {
  const key = env.ANTHROPIC_API_KEY;
  if (!key) return new DemoProvider(Number(env.HOLDFAST_DEMO_PACE_MS ?? 30));
  return new AnthropicProvider({
    apiKey: key,
    baseURL: env.ANTHROPIC_BASE_URL || undefined,
    defaultModel: env.HOLDFAST_MODEL || 'claude-sonnet-4-5',
  });
}
