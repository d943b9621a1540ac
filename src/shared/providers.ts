/** Providers as data: the kinds, their presets and capabilities, and the provider methods of the contract. */
import { z } from 'zod';
import { Id } from './model';
import type { ContractDomain } from './rpc';

/** `demo` is the built-in offline demo; people add `anthropic` and `openai-compatible` ones. */
export const ProviderKind = z.enum(['anthropic', 'openai-compatible', 'demo']);
export type ProviderKind = z.infer<typeof ProviderKind>;

/**
 * How an endpoint continues an interrupted answer: a trailing assistant message it continues (llama.cpp server,
 * Ollama, Anthropic's prefill), vLLM's `continue_final_message`, `prefix: true` on the last assistant message
 * (DeepSeek, Mistral), or only a user turn asking to continue (OpenAI). An endpoint without a preset is tried with a
 * trailing assistant message: one that starts over (restart detection) or refuses it (400) falls back to a user turn,
 * remembered per endpoint and model.
 */
export const ContinuationStyle = z.enum(['trailing_assistant', 'continue_final_message', 'prefix', 'user_turn']);
export type ContinuationStyle = z.infer<typeof ContinuationStyle>;

export interface Capabilities {
  continuation: ContinuationStyle;
  vision: boolean;
  thinking: boolean;
}

export interface Preset {
  id: string;
  name: string;
  kind: 'anthropic' | 'openai-compatible';
  base_url: string;
  needs_key: boolean;
  continuation: ContinuationStyle;
  /** A model to start with when the endpoint's list cannot be read. */
  model: string;
}

/** Where people's models live; an endpoint without a preset is `openai-compatible`, its style found by trying. */
export const PRESETS: readonly Preset[] = [
  {
    id: 'anthropic',
    name: 'Anthropic',
    kind: 'anthropic',
    base_url: 'https://api.anthropic.com',
    needs_key: true,
    continuation: 'trailing_assistant',
    model: 'claude-sonnet-4-5',
  },
  {
    id: 'openai',
    name: 'OpenAI',
    kind: 'openai-compatible',
    base_url: 'https://api.openai.com/v1',
    needs_key: true,
    continuation: 'user_turn',
    model: 'gpt-4o-mini',
  },
  {
    id: 'openrouter',
    name: 'OpenRouter',
    kind: 'openai-compatible',
    base_url: 'https://openrouter.ai/api/v1',
    needs_key: true,
    continuation: 'user_turn',
    model: 'openai/gpt-4o-mini',
  },
  {
    id: 'ollama',
    name: 'Ollama',
    kind: 'openai-compatible',
    base_url: 'http://127.0.0.1:11434/v1',
    needs_key: false,
    continuation: 'trailing_assistant',
    model: 'llama3.2',
  },
  {
    id: 'lmstudio',
    name: 'LM Studio',
    kind: 'openai-compatible',
    base_url: 'http://127.0.0.1:1234/v1',
    needs_key: false,
    continuation: 'user_turn',
    model: 'local-model',
  },
  {
    id: 'llamacpp',
    name: 'llama.cpp server',
    kind: 'openai-compatible',
    base_url: 'http://127.0.0.1:8080/v1',
    needs_key: false,
    continuation: 'trailing_assistant',
    model: 'default',
  },
  {
    id: 'vllm',
    name: 'vLLM',
    kind: 'openai-compatible',
    base_url: 'http://127.0.0.1:8000/v1',
    needs_key: false,
    continuation: 'continue_final_message',
    model: 'default',
  },
  {
    id: 'deepseek',
    name: 'DeepSeek',
    kind: 'openai-compatible',
    base_url: 'https://api.deepseek.com/beta',
    needs_key: true,
    continuation: 'prefix',
    model: 'deepseek-chat',
  },
  {
    id: 'mistral',
    name: 'Mistral',
    kind: 'openai-compatible',
    base_url: 'https://api.mistral.ai/v1',
    needs_key: true,
    continuation: 'prefix',
    model: 'mistral-small-latest',
  },
  {
    id: 'groq',
    name: 'Groq',
    kind: 'openai-compatible',
    base_url: 'https://api.groq.com/openai/v1',
    needs_key: true,
    continuation: 'user_turn',
    model: 'llama-3.1-8b-instant',
  },
  {
    id: 'gemini',
    name: 'Gemini (OpenAI-compatible)',
    kind: 'openai-compatible',
    base_url: 'https://generativelanguage.googleapis.com/v1beta/openai',
    needs_key: true,
    continuation: 'user_turn',
    model: 'gemini-2.0-flash',
  },
];

export function presetById(id: string | null | undefined): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}

/**
 * What a kind can do; an OpenAI-compatible endpoint's continuation comes from its preset. Without one, a trailing
 * assistant message is tried first (the engine falls back to a user turn where it restarts or is refused, and remembers).
 */
export function capabilitiesOf(kind: ProviderKind, preset?: string | null): Capabilities {
  if (kind === 'anthropic') return { continuation: 'trailing_assistant', vision: true, thinking: true };
  if (kind === 'demo') return { continuation: 'trailing_assistant', vision: false, thinking: false };
  return { continuation: presetById(preset)?.continuation ?? 'trailing_assistant', vision: true, thinking: false };
}

/** A loopback endpoint (a model on this machine): the internet being down does not make it unreachable. */
export function isLoopback(baseUrl: string | null | undefined): boolean {
  // The host part of an http(s) URL, without a URL parser: the shared code runs where no DOM or Node types exist.
  const m = /^https?:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(baseUrl ?? '');
  if (!m) return false;
  const host = m[1]!.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export const ProviderInfo = z.object({
  id: z.string(),
  kind: ProviderKind,
  name: z.string(),
  base_url: z.string().nullable(),
  /** Whether a key is held; the key itself never leaves the core. */
  has_key: z.boolean(),
  /** The endpoint's model list as last read (kept for offline use), or models typed in. */
  models: z.array(z.string()),
  reachable: z.boolean(),
  /** `environment`: from the ANTHROPIC_ and OPENAI_ variables; `builtin`: the demo; `settings`: added by a person. */
  source: z.enum(['environment', 'builtin', 'settings']),
  preset: z.string().nullable(),
  continuation: ContinuationStyle,
  default_model: z.string(),
});
export type ProviderInfo = z.infer<typeof ProviderInfo>;

const BaseUrl = z
  .string()
  .trim()
  .max(500)
  .refine((s) => /^https?:\/\//.test(s), 'base_url must start with http:// or https://')
  // A URL no client can parse ("http://", a space in the host, port 99999) would leave every answer queued as if the
  // endpoint were offline, since the request never leaves: refused here with the reason instead.
  .refine(
    (s) => !/^https?:\/\//.test(s) || z.url().safeParse(s).success,
    'base_url is not a valid URL: a host, an optional port up to 65535, no spaces',
  );
const Key = z.string().trim().max(500);

export const CreateProviderInput = z
  .object({
    kind: z.enum(['anthropic', 'openai-compatible']),
    name: z.string().trim().min(1).max(100),
    base_url: BaseUrl.optional(),
    api_key: Key.optional(),
    preset: z.string().max(40).optional(),
    models: z.array(z.string().trim().min(1).max(200)).max(500).optional(),
  })
  .strict();
export type CreateProviderInput = z.infer<typeof CreateProviderInput>;

export const UpdateProviderInput = z
  .object({
    id: Id,
    name: z.string().trim().min(1).max(100).optional(),
    base_url: BaseUrl.nullable().optional(),
    /** null or empty: forget the key. */
    api_key: Key.nullable().optional(),
    models: z.array(z.string().trim().min(1).max(200)).max(500).optional(),
  })
  .strict();
export type UpdateProviderInput = z.infer<typeof UpdateProviderInput>;

export const OfflineFallback = z.object({ provider_id: Id, model: z.string().trim().min(1).max(200) }).strict();
export type OfflineFallback = z.infer<typeof OfflineFallback>;

/**
 * Where configured providers' keys are kept: `os_keychain` (the desktop, encrypted by the OS), `key_file` (the headless
 * host's --key-file, encrypted), or for this run only: `memory` (the headless host without a key file), `basic_text`
 * (a desktop on Linux without a keyring, whose "encryption" is a password built into Chromium), `unavailable` (no
 * encryption at all).
 */
export const KeyStorage = z.enum(['os_keychain', 'key_file', 'memory', 'basic_text', 'unavailable']);
export type KeyStorage = z.infer<typeof KeyStorage>;

export const providers = {
  'providers.list': {
    input: z.object({}).strict(),
    output: z.object({ providers: z.array(ProviderInfo), presets: z.array(z.unknown()), key_storage: KeyStorage.optional() }),
    http: { method: 'GET', path: '/api/providers' },
  },
  'providers.create': { input: CreateProviderInput, output: ProviderInfo, http: { method: 'POST', path: '/api/providers' } },
  'providers.update': { input: UpdateProviderInput, output: ProviderInfo, http: { method: 'PATCH', path: '/api/providers/:id' } },
  'providers.delete': {
    /** `move_to`: the provider that takes over the conversations that use this one (else 409 while any does). */
    input: z.object({ id: Id, move_to: Id.optional() }).strict(),
    output: z.object({ deleted: z.boolean(), moved_conversations: z.number() }),
    http: { method: 'DELETE', path: '/api/providers/:id', query: { move_to: 'string' } },
  },
  /** Reads the endpoint's model list now (kept for offline use): the Settings page's "test the connection". */
  'providers.refreshModels': {
    input: z.object({ id: Id }).strict(),
    output: z.object({ ok: z.boolean(), models: z.array(z.string()), error: z.string().nullable() }),
    http: { method: 'POST', path: '/api/providers/:id/models', body: false },
  },
} satisfies ContractDomain;
