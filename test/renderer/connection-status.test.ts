/** The status bar's choice of provider and model for the conversation in view. */
import { describe, expect, it } from 'vitest';
import { shownModel, shownProvider, waitingLabel } from '../../src/renderer/src/components/ConnectionStatus';
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
  it('counts the answers waiting for the shown provider, and names those of other providers apart', () => {
    const offline = {
      ...status,
      providers: [
        { id: 'anthropic', name: 'Anthropic', network: 'offline' },
        { id: 'ollama', name: 'Ollama', network: 'offline' },
      ],
      queued_message_ids: ['q1', 'q2', 'q3'],
      waiting_message_ids: ['w1'],
      waiting_by_provider: { anthropic: 1, ollama: 3 },
    } as AppStatus;
    expect(waitingLabel(offline, shownProvider(offline, on('anthropic', null)))).toBe(
      'Offline — 1 answer waiting (3 answers for other providers)',
    );
    expect(waitingLabel(offline, shownProvider(offline, on('ollama', null)))).toBe(
      'Offline — 3 answers waiting (1 answer for other providers)',
    );
    expect(waitingLabel({ ...offline, waiting_by_provider: { ollama: 4 } }, shownProvider(offline, on('ollama', null)))).toBe(
      'Offline — 4 answers waiting',
    );
    // A host that does not count by provider: all of them, as before.
    expect(waitingLabel({ ...offline, waiting_by_provider: undefined }, shownProvider(offline, on('ollama', null)))).toBe(
      'Offline — 4 answers waiting',
    );
  });

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
