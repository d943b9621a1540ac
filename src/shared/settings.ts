/** Settings methods: provider key and model, theme; where the key is kept is reported, never the key itself. */
import { z } from 'zod';
import type { ContractDomain } from './rpc';
import { Id } from './model';
import { OfflineFallback } from './providers';

export const Theme = z.enum(['system', 'light', 'dark']);
export const KeyProtection = z.enum(['os_keychain', 'basic_text', 'environment', 'memory', 'none']);

export const SettingsView = z.object({
  provider: z.string(),
  model: z.string(),
  has_api_key: z.boolean(),
  /** Where the key lives: the OS keychain, Linux's basic_text fallback (not protected), the environment, or memory only. */
  key_protection: KeyProtection,
  theme: Theme,
  /** The provider new conversations (and those that name none) use. Filled in by the core. */
  default_provider_id: z.string().optional(),
  /** "When the network is down, answer with": a provider and model, or null (queue until it returns). */
  offline_fallback: OfflineFallback.nullable().optional(),
});
export type SettingsView = z.infer<typeof SettingsView>;

export const SettingsPatch = z
  .object({
    api_key: z.string().trim().max(500).nullable().optional(),
    model: z.string().trim().min(1).max(200).optional(),
    theme: Theme.optional(),
    default_provider_id: Id.nullable().optional(),
    offline_fallback: OfflineFallback.nullable().optional(),
  })
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

export const settings = {
  'settings.get': { input: z.object({}).strict(), output: SettingsView, http: { method: 'GET', path: '/api/settings' } },
  'settings.set': { input: SettingsPatch, output: SettingsView, http: { method: 'PATCH', path: '/api/settings' } },
} satisfies ContractDomain;
