/** The offline demo provider: deterministic answers streamed at a realistic pace, no network, no key. */
import { DEMO_MODEL } from '../../../shared/model';
import { answerFor, splitIntoDeltas } from './demo-text';
import { setTimeout as delay } from 'node:timers/promises';
import { type Provider, type ProviderEvent, type ProviderRequest, type StreamOptions } from './provider';

export class DemoProvider implements Provider {
  readonly name = 'demo';
  readonly defaultModel = DEMO_MODEL;
  readonly endpoint = 'demo';

  constructor(private readonly paceMs = 30) {}

  async *stream(request: ProviderRequest, { signal, onActivity }: StreamOptions): AsyncIterable<ProviderEvent> {
    const msgs = request.messages;
    const last = msgs[msgs.length - 1];
    // A prefilled assistant turn is continued from where it stops, as the real API does.
    const prefill = last?.role === 'assistant' ? last.content : '';
    const prompt = [...msgs].reverse().find((m) => m.role === 'user')?.content ?? '';
    const full = answerFor(prompt);
    let rest = full.startsWith(prefill) ? full.slice(prefill.length) : full;
    if (!prefill && prompt.startsWith('Title this conversation')) rest = demoTitle(prompt);
    yield { type: 'start', input_tokens: Math.ceil(msgs.reduce((n, m) => n + m.content.length, 0) / 4) };
    let out = 0;
    for (const delta of splitIntoDeltas(rest)) {
      await delay(this.paceMs, undefined, { signal });
      onActivity?.();
      out += 1;
      yield { type: 'text', text: delta };
    }
    yield { type: 'end', stop_reason: 'end_turn', output_tokens: out };
  }

  async probe(): Promise<boolean> {
    return true;
  }
}

/** The demo's deterministic title: the first words of the user's prompt, capitalised. */
function demoTitle(prompt: string): string {
  const user = /<user>([\s\S]*?)<\/user>/.exec(prompt)?.[1] ?? '';
  const words = user
    .replace(/[^\p{L}\p{N} ]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 5)
    .join(' ');
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'New conversation';
}
