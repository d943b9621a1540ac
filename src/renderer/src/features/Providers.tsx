/**
 * The providers page in Settings: every provider with its reachability, adding one from a preset, testing the
 * connection (which reads its model list), the default provider and the offline fallback. Keys are sent, never shown.
 */
import { useEffect, useState } from 'react';
import { actions } from '../api/client';
import { useHoldfast } from '../state/store';
import { PRESETS, type KeyStorage, type ProviderInfo } from '../../../shared/providers';
import type { SettingsView } from '../../../shared/settings';

export function useProviders(): [ProviderInfo[], () => void, KeyStorage | null] {
  const [providers, setProviders] = useState<ProviderInfo[]>([]);
  const [keyStorage, setKeyStorage] = useState<KeyStorage | null>(null);
  const reload = () =>
    void actions.listProviders().then((r) => {
      if (!r) return;
      setProviders(r.providers);
      setKeyStorage(r.key_storage ?? null);
    });
  useEffect(reload, []);
  return [providers, reload, keyStorage];
}

/** Where keys typed here end up, in words: a key gone after a restart must be no surprise. */
const KEY_STORAGE: Record<KeyStorage, string> = {
  os_keychain: 'Keys are encrypted by the system key store and kept.',
  key_file: "Keys are kept encrypted in the host's key file.",
  memory: 'Keys are kept in memory for this run only: after a restart, enter them again (start the host with --key-file to keep them).',
  basic_text:
    'Keys are kept in memory for this run only: this system has no keyring, and its fallback store is not encryption. Enter them again after a restart.',
  unavailable: 'Keys are kept in memory for this run only: this system offers no encryption. Enter them again after a restart.',
};

export function Providers({ view, onView }: { view: SettingsView | null; onView: (v: SettingsView) => void }) {
  const [providers, reload, keyStorage] = useProviders();
  const [presetId, setPresetId] = useState('ollama');
  const preset = PRESETS.find((p) => p.id === presetId);
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [key, setKey] = useState('');
  const [tests, setTests] = useState<Record<string, string>>({});
  const add = async () => {
    const created = await actions.createProvider({
      kind: preset?.kind ?? 'openai-compatible',
      name: name.trim() || preset?.name || 'OpenAI-compatible',
      ...(baseUrl.trim() || preset ? { base_url: baseUrl.trim() || preset!.base_url } : {}),
      ...(key ? { api_key: key } : {}),
      ...(preset ? { preset: preset.id } : {}),
    });
    if (!created) return; // the banner says why; what was typed stays
    setName('');
    setBaseUrl('');
    setKey('');
    reload();
  };
  const test = async (id: string) => {
    const r = await actions.testProvider(id);
    if (!r) return;
    setTests((t) => ({ ...t, [id]: r.ok ? `Connected: ${r.models.length} model(s)` : `Failed: ${r.error ?? 'no answer'}` }));
    reload();
  };
  const remove = async (p: ProviderInfo) => {
    if ((await actions.deleteProvider(p.id)) !== undefined) reload();
  };
  // Reachability as it changes (the status events), not only as it was when the page opened.
  const live = useHoldfast((s) => s.status?.providers);
  const reachable = (p: ProviderInfo) => {
    const state = live?.find((l) => l.id === p.id)?.network;
    return state === undefined ? p.reachable : state === 'online';
  };
  const fallback = view?.offline_fallback ?? null;
  const fallbackProvider = providers.find((p) => p.id === fallback?.provider_id);
  return (
    <section data-testid="providers-page">
      <h3>Providers</h3>
      <ul className="providers">
        {providers.map((p) => (
          <li key={p.id} data-testid="provider-row" data-provider-id={p.id} data-reachable={reachable(p) ? 'true' : 'false'}>
            <strong>{p.name}</strong> <span className="muted">{p.base_url ?? 'built in'}</span>{' '}
            <span className={reachable(p) ? 'muted' : 'warning'}>{reachable(p) ? 'reachable' : 'unreachable'}</span>
            {p.kind !== 'demo' && <span className="muted">{p.has_key ? ' · key set' : ' · no key'}</span>}
            <div className="muted">Models: {p.models.join(', ')}</div>
            {tests[p.id] && <div data-testid="provider-test-result">{tests[p.id]}</div>}
            {p.kind !== 'demo' && (
              <button type="button" data-testid="provider-test" onClick={() => void test(p.id)}>
                Test connection
              </button>
            )}
            {p.source === 'settings' && (
              <button type="button" data-testid="provider-remove" onClick={() => void remove(p)}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {keyStorage && (
        <p
          className={keyStorage === 'os_keychain' || keyStorage === 'key_file' ? 'muted' : 'warning'}
          data-testid="provider-key-storage"
          data-storage={keyStorage}
        >
          {KEY_STORAGE[keyStorage]}
        </p>
      )}
      <h4>Add a provider</h4>
      <label>
        Preset
        <select data-testid="provider-preset" value={presetId} onChange={(e) => setPresetId(e.target.value)}>
          {PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
          <option value="">Other OpenAI-compatible endpoint</option>
        </select>
      </label>
      <label>
        Name
        <input
          data-testid="provider-name"
          placeholder={preset?.name ?? 'My endpoint'}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <label>
        Base URL
        <input
          data-testid="provider-base-url"
          placeholder={preset?.base_url ?? 'http://127.0.0.1:8080/v1'}
          value={baseUrl}
          onChange={(e) => setBaseUrl(e.target.value)}
        />
      </label>
      <label>
        API key {preset && !preset.needs_key ? '(not needed)' : ''}
        <input type="password" autoComplete="off" data-testid="provider-api-key" value={key} onChange={(e) => setKey(e.target.value)} />
      </label>
      <button type="button" data-testid="provider-add" onClick={() => void add()}>
        Add provider
      </button>
      <h4>Defaults</h4>
      <label>
        New conversations use
        <select
          data-testid="default-provider"
          value={view?.default_provider_id ?? ''}
          onChange={(e) => void actions.setSettings({ default_provider_id: e.target.value }).then((v) => v && onView(v))}
        >
          {providers.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        When the network is down, answer with
        <select
          data-testid="offline-fallback-provider"
          value={fallback?.provider_id ?? ''}
          onChange={(e) => {
            const p = providers.find((x) => x.id === e.target.value);
            void actions
              .setSettings({ offline_fallback: p ? { provider_id: p.id, model: p.models[0] ?? p.default_model } : null })
              .then((v) => v && onView(v));
          }}
        >
          <option value="">Nothing: wait for the network</option>
          {providers.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      {fallback && fallbackProvider && (
        <label>
          Fallback model
          <select
            data-testid="offline-fallback-model"
            value={fallback.model}
            onChange={(e) =>
              void actions
                .setSettings({ offline_fallback: { provider_id: fallback.provider_id, model: e.target.value } })
                .then((v) => v && onView(v))
            }
          >
            {[...new Set([fallback.model, ...fallbackProvider.models])].map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
      )}
    </section>
  );
}
