/** The open conversation's title bar: rename, pin, move to the trash, and its own settings (system prompt, model…). */
import { useState } from 'react';
import { useHoldfast } from '../state/store';
import { actions } from '../api/client';
import { Modal } from '../components/Modal';
import { useProviders } from './Providers';
import type { Conversation } from '../../../shared/model';
import { download } from './DataMenu';

export function ConversationHeader({ conversation }: { conversation: Conversation }) {
  const [renaming, setRenaming] = useState<string | null>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const c = conversation;
  return (
    <div className="conversation-header">
      {renaming !== null ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void actions.renameConversation(c.id, renaming.trim());
            setRenaming(null);
          }}
        >
          <input
            data-testid="rename-input"
            autoFocus
            value={renaming}
            onChange={(e) => setRenaming(e.target.value)}
            onBlur={() => setRenaming(null)}
          />
        </form>
      ) : (
        <h1 className="conversation-title" data-testid="conversation-title" title="Click to rename" onClick={() => setRenaming(c.title)}>
          {c.title || 'New conversation'}
        </h1>
      )}
      <button
        type="button"
        data-testid="pin-button"
        aria-pressed={c.pinned}
        title={c.pinned ? 'Unpin' : 'Pin'}
        onClick={() => void actions.setPinned(c.id, !c.pinned)}
      >
        {c.pinned ? 'Pinned' : 'Pin'}
      </button>
      <button type="button" data-testid="conversation-settings-button" title="Conversation settings" onClick={() => setSettingsOpen(true)}>
        ⚙︎
      </button>
      <select
        data-testid="export-select"
        aria-label="Export"
        value=""
        onChange={(e) => {
          const format = e.target.value as 'md' | 'html' | 'json';
          if (format) void actions.exportConversation(c.id, format).then((f) => f && download(f.filename, f.mime, f.content, f.encoding));
        }}
      >
        <option value="">Export…</option>
        <option value="md">Markdown</option>
        <option value="html">HTML</option>
        <option value="json">JSON (whole tree)</option>
      </select>
      <button
        type="button"
        data-testid="trash-button"
        title="Move to trash"
        onClick={() => {
          void actions.trashConversation(c.id);
          void actions.selectConversation(null);
        }}
      >
        Trash
      </button>
      {settingsOpen && <ConversationSettings conversation={c} onClose={() => setSettingsOpen(false)} />}
    </div>
  );
}

function ConversationSettings({ conversation: c, onClose }: { conversation: Conversation; onClose: () => void }) {
  const defaults = useHoldfast((s) => s.status);
  const [providers] = useProviders();
  const [providerId, setProviderId] = useState(c.provider_id ?? '');
  const provider = providers.find((p) => p.id === providerId);
  const [system, setSystem] = useState(c.system_prompt ?? '');
  const [model, setModel] = useState(c.model ?? '');
  const [maxTokens, setMaxTokens] = useState(c.max_tokens?.toString() ?? '');
  const [temperature, setTemperature] = useState(c.temperature?.toString() ?? '');
  const [thinkingMode, setThinkingMode] = useState<'off' | 'enabled' | 'adaptive'>(c.thinking?.type ?? 'off');
  const [budget, setBudget] = useState(c.thinking?.type === 'enabled' ? c.thinking.budget_tokens.toString() : '4000');
  const save = async () => {
    const saved = await actions.updateConversation({
      id: c.id,
      thinking:
        thinkingMode === 'off'
          ? null
          : thinkingMode === 'adaptive'
            ? { type: 'adaptive' }
            : { type: 'enabled', budget_tokens: Number(budget) },
      system_prompt: system.trim() ? system : null,
      model: model.trim() || null,
      provider_id: providerId || null,
      max_tokens: maxTokens.trim() ? Number(maxTokens) : null,
      temperature: temperature.trim() ? Number(temperature) : null,
    });
    if (saved) onClose(); // otherwise the banner says why, and the dialog keeps what was typed
  };
  return (
    <Modal onClose={onClose} aria-label="Conversation settings" data-testid="conversation-settings">
      <div className="dialog">
        <h2>This conversation</h2>
        <label>
          System prompt
          <textarea data-testid="system-prompt" rows={4} value={system} onChange={(e) => setSystem(e.target.value)} />
        </label>
        <label>
          Provider
          <select
            data-testid="conversation-provider"
            value={providerId}
            onChange={(e) => {
              setProviderId(e.target.value);
              // A model of the old provider means nothing to the new one: its default (the placeholder) unless it lists it.
              if (!providers.find((p) => p.id === e.target.value)?.models.includes(model)) setModel('');
            }}
          >
            <option value="">The default provider</option>
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
                {p.reachable ? '' : ' (unreachable)'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <input
            data-testid="conversation-model"
            list="conversation-models"
            placeholder={provider?.default_model ?? defaults?.model ?? ''}
            value={model}
            onChange={(e) => setModel(e.target.value)}
          />
          <datalist id="conversation-models">
            {(provider?.models ?? []).map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </label>
        <label>
          Max tokens
          <input
            data-testid="conversation-max-tokens"
            inputMode="numeric"
            placeholder="4096"
            value={maxTokens}
            onChange={(e) => setMaxTokens(e.target.value)}
          />
        </label>
        <label>
          Temperature (0–1)
          <input
            data-testid="conversation-temperature"
            inputMode="decimal"
            placeholder="model default"
            value={temperature}
            onChange={(e) => setTemperature(e.target.value)}
          />
        </label>
        <label>
          Thinking
          <select
            data-testid="conversation-thinking"
            value={thinkingMode}
            onChange={(e) => setThinkingMode(e.target.value as typeof thinkingMode)}
          >
            <option value="off">Off</option>
            <option value="enabled">On, with a token budget</option>
            <option value="adaptive">Adaptive (models that support it)</option>
          </select>
        </label>
        {thinkingMode === 'enabled' && (
          <label>
            Thinking budget (tokens, at least 1024, below max tokens)
            <input
              data-testid="conversation-thinking-budget"
              inputMode="numeric"
              value={budget}
              onChange={(e) => setBudget(e.target.value)}
            />
          </label>
        )}
        {thinkingMode !== 'off' && temperature.trim() && <p className="muted">Temperature is not sent while thinking is on.</p>}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" data-testid="conversation-settings-save" onClick={() => void save()}>
            Save
          </button>
        </div>
      </div>
    </Modal>
  );
}
