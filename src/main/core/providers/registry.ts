/**
 * Providers as data: the configured providers (the data folder's `providers` table, their keys in a key store), the
 * ones the environment names (stable ids), the demo, each with its own reachability; and the app-wide choices (the
 * default provider, the offline fallback).
 */
import type { Db } from '../store/database';
import { ProviderRows, type ProviderRow as Row } from '../store/providers';
import { HoldfastError } from '../../../shared/errors';
import {
  capabilitiesOf,
  isLoopback,
  presetById,
  PRESETS,
  type CreateProviderInput,
  type KeyStorage,
  type OfflineFallback,
  type ProviderInfo,
  type ProviderKind,
  type UpdateProviderInput,
} from '../../../shared/providers';
import { NetworkMonitor } from '../engine/network';
import type { NetworkState } from '../../../shared/model';
import type { Provider } from './provider';
import { AnthropicProvider } from './anthropic';
import { DemoProvider } from './demo';
import { OpenAICompatibleProvider } from './openai-compatible';

/** Where provider keys live: the OS key store on the desktop (safeStorage), memory in the headless host. */
export interface KeyStore {
  get(providerId: string): string | null;
  set(providerId: string, key: string | null): void;
  /** Where keys end up (shown on the providers page, so a key gone after a restart is no surprise); memory when absent. */
  storage?(): KeyStorage;
}

/** Keys for this run only: never written anywhere. */
export class MemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, string>();
  get(id: string): string | null {
    return this.keys.get(id) ?? null;
  }
  set(id: string, key: string | null): void {
    if (key) this.keys.set(id, key);
    else this.keys.delete(id);
  }
  storage(): KeyStorage {
    return 'memory';
  }
}

/** Stable ids of the providers that are not rows: the Anthropic key of the settings/environment, OPENAI_*, the demo. */
export const ANTHROPIC_ID = 'anthropic';
export const OPENAI_ENV_ID = 'openai';
export const DEMO_ID = 'demo';

/** The app setting that keeps an environment provider's model list (configured ones keep theirs in their row). */
const KEPT_MODELS = 'provider_models:';

export interface ProviderRoute {
  id: string;
  provider: Provider;
  network: NetworkMonitor;
}

interface Entry extends ProviderRoute {
  kind: ProviderKind;
  name: string;
  base_url: string | null;
  preset: string | null;
  models: string[];
  source: ProviderInfo['source'];
}

export interface RegistryOptions {
  db: Db;
  keys: KeyStore;
  env: NodeJS.ProcessEnv;
  /** The Anthropic-or-demo provider the settings call for (today's single provider). */
  primary: Provider;
  newId: () => string;
  now: () => number;
  probeEveryMs?: number;
  log?: (message: string) => void;
}

export class ProviderRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly networkListeners = new Set<(id: string, state: NetworkState) => void>();
  private readonly changeListeners = new Set<() => void>();
  private primaryId: string;
  private offline = false;
  private readonly rows: ProviderRows;
  private closed = false;
  /** Set once the constructor's entries are in: the engine probes those at start, the registry probes later ones. */
  private started = false;

  constructor(private readonly o: RegistryOptions) {
    this.rows = new ProviderRows(o.db);
    this.put(this.builtin(DEMO_ID, o.primary.name === 'demo' ? o.primary : new DemoProvider(Number(o.env.HOLDFAST_DEMO_PACE_MS ?? 30))));
    this.primaryId = DEMO_ID;
    this.setPrimary(o.primary);
    const openaiEnv = this.fromOpenAIEnv();
    if (openaiEnv) this.put(openaiEnv);
    for (const row of this.rows.all()) this.put(this.fromRow(row));
    this.started = true;
  }

  // ---- routes for the engine ----

  /** The provider for an id; an unknown or missing one (a removed provider, NULL) is the default. */
  route(id: string | null | undefined): ProviderRoute {
    return (id ? this.entries.get(id) : undefined) ?? this.defaultRoute();
  }
  has(id: string): boolean {
    return this.entries.has(id);
  }
  defaultRoute(): ProviderRoute {
    return this.entries.get(this.defaultId()) ?? this.entries.get(this.primaryId) ?? this.entries.get(DEMO_ID)!;
  }
  defaultId(): string {
    const chosen = this.setting('default_provider_id');
    return typeof chosen === 'string' && this.entries.has(chosen) ? chosen : this.primaryId;
  }
  routes(): ProviderRoute[] {
    return [...this.entries.values()];
  }
  /** Each provider's reachability by id and name, without touching the key store (the status goes out often). */
  reachability(): { id: string; name: string; network: NetworkState }[] {
    return [...this.entries.values()].map((e) => ({ id: e.id, name: e.name, network: e.network.state }));
  }

  /** Today's settings provider (the Anthropic key set in Settings, or the demo) replaces the built-in entry. */
  setPrimary(p: Provider): void {
    const id = p.name === 'demo' ? DEMO_ID : p.name === 'anthropic' ? ANTHROPIC_ID : OPENAI_ENV_ID;
    const e = this.builtin(id, p);
    if (id === ANTHROPIC_ID) e.source = 'environment';
    this.put(e);
    if (id !== ANTHROPIC_ID && this.entries.get(ANTHROPIC_ID)?.source === 'environment' && !this.o.env.ANTHROPIC_API_KEY)
      this.drop(ANTHROPIC_ID); // the key was removed in Settings
    this.primaryId = id;
  }

  /** A provider was added, changed or removed, or the default changed: what the status shows may differ. */
  onChange(l: () => void): () => void {
    this.changeListeners.add(l);
    return () => this.changeListeners.delete(l);
  }

  onNetworkChange(l: (id: string, state: NetworkState) => void): () => void {
    this.networkListeners.add(l);
    return () => this.networkListeners.delete(l);
  }

  /** A platform hint (the OS says offline or back): loopback endpoints do not depend on the internet. */
  hint(online: boolean): void {
    this.offline = !online;
    for (const e of this.entries.values()) if (!isLoopback(e.base_url) && e.kind !== 'demo') e.network.hint(online);
  }

  keyStorage(): KeyStorage {
    return this.o.keys.storage?.() ?? 'memory';
  }

  /** The offline fallback, when set and its provider exists. */
  fallback(): { route: ProviderRoute; model: string } | null {
    const f = this.setting('offline_fallback') as OfflineFallback | null;
    if (!f || !this.entries.has(f.provider_id)) return null;
    return { route: this.entries.get(f.provider_id)!, model: f.model };
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) e.network.close();
  }

  /**
   * Reads the environment endpoint's model list in the background (at start), kept for offline use as a configured
   * provider's is; an endpoint that does not answer leaves the kept list as it was.
   */
  readEnvironmentModels(): void {
    const e = this.entries.get(OPENAI_ENV_ID);
    if (!e || !(e.provider instanceof OpenAICompatibleProvider)) return;
    e.provider
      .models(AbortSignal.timeout(15_000))
      .then((models) => {
        if (models.length && !this.closed && this.entries.get(OPENAI_ENV_ID) === e) this.keepModels(OPENAI_ENV_ID, models);
      })
      .catch((err: unknown) => this.o.log?.(`models of ${OPENAI_ENV_ID} not read (the kept list stands): ${String(err)}`));
  }

  // ---- what people see and change ----

  list(): ProviderInfo[] {
    return [...this.entries.values()].map((e) => this.info(e));
  }
  get(id: string): ProviderInfo {
    const e = this.entries.get(id);
    if (!e) throw new HoldfastError('not_found', `No provider with id ${id}`);
    return this.info(e);
  }

  create(input: CreateProviderInput): ProviderInfo {
    const preset = presetById(input.preset) ?? PRESETS.find((p) => p.base_url === input.base_url);
    const baseUrl = input.base_url ?? preset?.base_url ?? (input.kind === 'anthropic' ? 'https://api.anthropic.com' : null);
    if (!baseUrl) throw new HoldfastError('invalid_input', 'An OpenAI-compatible provider needs a base_url (or a preset)');
    const id = this.o.newId();
    const row: Row = {
      id,
      kind: input.kind,
      name: input.name,
      base_url: baseUrl,
      preset: preset?.id ?? null,
      models: JSON.stringify(input.models ?? (preset ? [preset.model] : [])),
      created_at: this.o.now(),
    };
    // The key first: a key store that cannot write (a key file on a read-only disk) leaves no provider without its key.
    if (input.api_key) this.o.keys.set(id, input.api_key);
    this.rows.insert(row);
    this.put(this.fromRow(row));
    return this.get(id);
  }

  update(input: UpdateProviderInput): ProviderInfo {
    const row = this.row(input.id);
    if (input.api_key !== undefined) this.o.keys.set(row.id, input.api_key || null);
    const next: Row = {
      ...row,
      name: input.name ?? row.name,
      base_url: input.base_url === undefined ? row.base_url : input.base_url,
      models: input.models ? JSON.stringify(input.models) : row.models,
    };
    this.rows.update(next);
    this.drop(row.id);
    this.put(this.fromRow(next));
    return this.get(row.id);
  }

  /** Removes a configured provider; the caller has moved or refused its conversations. */
  remove(id: string): void {
    this.row(id);
    // The key first: if it cannot be forgotten, the provider stays, whole, rather than a key left with no provider.
    this.o.keys.set(id, null);
    this.rows.delete(id);
    this.drop(id);
    if (this.setting('default_provider_id') === id) this.setSetting('default_provider_id', null);
    const f = this.setting('offline_fallback') as OfflineFallback | null;
    if (f?.provider_id === id) this.setSetting('offline_fallback', null);
  }

  /** Keeps a model list read from the endpoint (for offline use). */
  keepModels(id: string, models: string[]): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.models = models;
    if (e.source === 'settings') this.rows.setModels(id, models);
    // The next start has it offline, as long as the environment names the same endpoint.
    else if (e.source === 'environment') this.setSetting(`${KEPT_MODELS}${id}`, { base_url: e.base_url, models });
  }

  setting(key: string): unknown {
    const value = this.rows.setting(key);
    if (value === undefined) return null;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return null;
    }
  }
  setSetting(key: string, value: unknown): void {
    this.rows.setSetting(key, value);
    this.changed();
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }

  // ---- internals ----

  private row(id: string): Row {
    const row = this.rows.find(id);
    if (!row) {
      if (this.entries.has(id))
        throw new HoldfastError('invalid_input', `Provider ${id} comes from the environment or is built in: change it there`);
      throw new HoldfastError('not_found', `No provider with id ${id}`);
    }
    return row;
  }

  private info(e: Entry): ProviderInfo {
    return {
      id: e.id,
      kind: e.kind,
      name: e.name,
      base_url: e.base_url,
      has_key: e.kind === 'demo' ? false : Boolean(this.keyOf(e)),
      models: e.models.length ? e.models : [e.provider.defaultModel],
      reachable: e.network.state === 'online',
      source: e.source,
      preset: e.preset,
      continuation: capabilitiesOf(e.kind, e.preset).continuation,
      default_model: e.provider.defaultModel,
    };
  }

  private keyOf(e: Entry): string | null {
    if (e.source === 'settings') return this.o.keys.get(e.id);
    if (e.id === OPENAI_ENV_ID) return this.o.env.OPENAI_API_KEY || null;
    if (e.id === ANTHROPIC_ID) return e.provider.name === 'anthropic' ? 'set' : null; // the settings provider exists only with a key
    return null;
  }

  private builtin(id: string, provider: Provider): Entry {
    const base = id === DEMO_ID ? null : (provider.endpoint.split(' ')[1] ?? null);
    return {
      id,
      kind: provider.name === 'demo' ? 'demo' : provider.name === 'anthropic' ? 'anthropic' : 'openai-compatible',
      name: id === DEMO_ID ? 'Demo (offline)' : id === ANTHROPIC_ID ? 'Anthropic' : 'OpenAI-compatible (environment)',
      base_url: base,
      preset: id === DEMO_ID ? null : (PRESETS.find((p) => p.base_url === base)?.id ?? null),
      models: [provider.defaultModel],
      source: id === DEMO_ID ? 'builtin' : 'environment',
      provider,
      network: this.monitor(id, provider),
    };
  }

  private fromOpenAIEnv(): Entry | null {
    const { OPENAI_API_KEY: key, OPENAI_BASE_URL: url } = this.o.env;
    if (!key && !url) return null;
    const baseURL = url || 'https://api.openai.com/v1';
    const preset = PRESETS.find((p) => p.base_url === baseURL);
    const provider = new OpenAICompatibleProvider({
      baseURL,
      apiKey: key || null,
      defaultModel: this.o.env.HOLDFAST_OPENAI_MODEL || preset?.model || 'gpt-4o-mini',
      continuation: capabilitiesOf('openai-compatible', preset?.id).continuation,
      loopback: isLoopback(baseURL),
      maxCompletionTokens: preset?.id === 'openai',
    });
    const e = this.builtin(OPENAI_ENV_ID, provider);
    e.name = preset ? `${preset.name} (environment)` : 'OpenAI-compatible (environment)';
    const kept = this.setting(`${KEPT_MODELS}${OPENAI_ENV_ID}`) as { base_url?: unknown; models?: unknown } | null;
    const models = kept?.base_url === baseURL && Array.isArray(kept.models) ? kept.models : [];
    if (models.length && models.every((m) => typeof m === 'string')) e.models = models as string[];
    return e;
  }

  private fromRow(row: Row): Entry {
    let models: string[] = [];
    try {
      const parsed = JSON.parse(row.models) as unknown;
      if (Array.isArray(parsed)) models = parsed.filter((m): m is string => typeof m === 'string');
    } catch {
      models = []; // a damaged list reads as empty: the endpoint's list is read again
    }
    const preset = presetById(row.preset);
    const defaultModel = models[0] ?? preset?.model ?? 'default';
    const key = this.o.keys.get(row.id);
    const provider: Provider =
      row.kind === 'anthropic'
        ? new AnthropicProvider({ apiKey: key ?? '', baseURL: row.base_url ?? undefined, defaultModel })
        : new OpenAICompatibleProvider({
            baseURL: row.base_url ?? '',
            apiKey: key,
            defaultModel,
            continuation: capabilitiesOf('openai-compatible', row.preset).continuation,
            loopback: isLoopback(row.base_url),
            maxCompletionTokens: row.preset === 'openai',
          });
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      base_url: row.base_url,
      preset: row.preset,
      models,
      source: 'settings',
      provider,
      network: this.monitor(row.id, provider),
    };
  }

  private monitor(id: string, provider: Provider): NetworkMonitor {
    const m = new NetworkMonitor({ probe: (s) => provider.probe(s), probeEveryMs: this.o.probeEveryMs });
    m.onChange((state) => {
      this.o.log?.(`network (${id}): ${state}`);
      for (const l of this.networkListeners) l(id, state);
    });
    return m;
  }

  private put(e: Entry): void {
    const old = this.entries.get(e.id);
    if (old) {
      // Keep what is known about reachability when only the key or model changed.
      e.network.close();
      e.network = old.network;
      e.network.setProbe((s) => e.provider.probe(s));
    }
    this.entries.set(e.id, e);
    this.changed();
    if (this.offline && !isLoopback(e.base_url) && e.kind !== 'demo') e.network.hint(false);
    // A provider added, or moved to another address, is probed now: a stopped local server shows unreachable at once
    // rather than when a message first fails on it.
    else if (this.started && (!old || old.base_url !== e.base_url)) void e.network.checkNow();
  }

  private drop(id: string): void {
    this.entries.get(id)?.network.close();
    this.entries.delete(id);
    this.changed();
  }
}
