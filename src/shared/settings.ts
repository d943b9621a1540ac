/** Settings methods: provider key and model, theme; where the key is kept is reported, never the key itself. */
import { z } from 'zod';
import type { ContractDomain } from './rpc';

export const Theme = z.enum(['system', 'light', 'dark']);
export const KeyProtection = z.enum(['os_keychain', 'basic_text', 'environment', 'memory', 'none']);

export const SettingsView = z.object({
  provider: z.string(),
  model: z.string(),
  has_api_key: z.boolean(),
  /** Where the key lives: the OS keychain, Linux's basic_text fallback (not protected), the environment, or memory only. */
  key_protection: KeyProtection,
  theme: Theme,
});
export type SettingsView = z.infer<typeof SettingsView>;

export const SettingsPatch = z
  .object({
    api_key: z.string().trim().max(500).nullable().optional(),
    model: z.string().trim().min(1).max(200).optional(),
    theme: Theme.optional(),
  })
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

export const settings = {
  'settings.get': { input: z.object({}).strict(), output: SettingsView },
  'settings.set': { input: SettingsPatch, output: SettingsView },
} satisfies ContractDomain;
