/** The status bar's choice of provider and model for the conversation in view. */
import { describe, expect, it } from 'vitest';
import { shownModel, shownProvider } from '../../src/renderer/src/components/ConnectionStatus';
import type { Conversation } from '../../src/shared/model';
import type { AppStatus } from '../../src/shared/sync';

const status = {
  network: 'online',
  model: 'claude-sonnet-4-5',
  providers: [
    { id: 'demo', name: 'Demo (offline)', network: 'online' },
    { id: 'anthropic', name: 'Anthropic', network: 'online' },
  ],
  default_provider_id: 'anthropic',
} as AppStatus; // only what the bar reads
const on = (provider_id: string, model: string | null) => ({ id: 'c1', provider_id, model }) as Conversation;

describe('the status bar', () => {
  it('a conversation moved to the demo without a model says it answers from the demo, not nothing', () => {
    const conversation = on('demo', null);
    const provider = shownProvider(status, conversation);
    expect(provider?.id).toBe('demo');
    expect(shownModel(status, conversation, provider)).toBe('Demo (offline)');
  });

  it('names the conversation’s own model, else the default provider’s model', () => {
    expect(shownModel(status, on('anthropic', 'claude-opus-4-1'), shownProvider(status, on('anthropic', 'claude-opus-4-1')))).toBe(
      'claude-opus-4-1',
    );
    expect(shownModel(status, on('anthropic', null), shownProvider(status, on('anthropic', null)))).toBe('claude-sonnet-4-5');
    expect(shownModel(status, null, shownProvider(status, null))).toBe('claude-sonnet-4-5');
  });
});
