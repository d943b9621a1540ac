/** Settings: the API key (stored encrypted by the OS, never shown back), the model and the theme. */
import { useEffect, useState } from 'react';
import { actions } from '../api/client';
import { Modal } from '../components/Modal';
import type { SettingsView } from '../../../shared/settings';
import { Providers } from './Providers';

const PROTECTION: Record<SettingsView['key_protection'], string> = {
  os_keychain: 'Stored encrypted with the operating system keychain.',
  basic_text: 'Warning: this Linux desktop offers no keychain (basic_text backend), so the key is not protected by the OS.',
  environment: 'Read from the ANTHROPIC_API_KEY environment variable.',
  memory: 'Kept in memory only for this session; it is not saved to disk.',
  none: 'No key: Holdfast uses the offline demo provider.',
};

export function Settings({ onClose }: { onClose: () => void }) {
  const [view, setView] = useState<SettingsView | null>(null);
  const [key, setKey] = useState('');
  const [model, setModel] = useState('');
  useEffect(() => {
    void actions.getSettings().then((v) => {
      if (!v) return;
      setView(v);
      setModel(v.model === 'demo' ? '' : v.model);
    });
  }, []);
  const save = async () => {
    const next = await actions.setSettings({ ...(key ? { api_key: key } : {}), ...(model.trim() ? { model: model.trim() } : {}) });
    if (!next) return; // the banner says why; what was typed stays
    setView(next);
    setKey('');
  };
  return (
    <Modal onClose={onClose} aria-label="Settings" data-testid="settings">
      <div className="dialog">
        <h2>Settings</h2>
        {view && <p className="muted">Provider: {view.provider === 'demo' ? 'Demo (offline)' : view.provider}</p>}
        <label>
          Anthropic API key
          <input
            type="password"
            autoComplete="off"
            data-testid="settings-api-key"
            placeholder={view?.has_api_key ? '•••••••• (set)' : 'sk-ant-…'}
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
        </label>
        {view && (
          <p className={view.key_protection === 'basic_text' ? 'warning' : 'muted'} data-testid="key-protection">
            {PROTECTION[view.key_protection]}
          </p>
        )}
        <label>
          Model
          <input data-testid="settings-model" placeholder="claude-sonnet-4-5" value={model} onChange={(e) => setModel(e.target.value)} />
        </label>
        <Providers view={view} onView={setView} />
        <div className="dialog-actions">
          {view?.has_api_key && (
            <button type="button" onClick={() => void actions.setSettings({ api_key: null }).then((v) => v && setView(v))}>
              Remove key
            </button>
          )}
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="button" className="primary" data-testid="settings-save" onClick={() => void save()}>
            Save
          </button>
        </div>
      </div>
    </Modal>
  );
}
