/** The offline demo provider: deterministic answers streamed at a realistic pace, no network, no key. */
import { DEMO_MODEL } from '../../../shared/model';
import { answerFor, splitIntoDeltas } from './demo-text';
import { setTimeout as delay } from 'node:timers/promises';
import { type Provider, type ProviderAttachment, type ProviderEvent, type ProviderRequest, type StreamOptions } from './provider';

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
    const asked = [...msgs].reverse().find((m) => m.role === 'user');
    const prompt = asked?.content ?? '';
    // It reads no file, but says which it was handed, so a person trying the app sees their files arrived.
    const full = filesNote(asked?.attachments ?? []) + answerFor(prompt);
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

/** The files of the turn answered, by name, type and size, as the start of the demo's answer ('' without files). */
export function filesNote(files: readonly ProviderAttachment[]): string {
  if (!files.length) return '';
  const list = files.map((f) => `- ${escapeMarkdown(f.name)} (${escapeMarkdown(f.mime)}, ${size(f.data.length)})`).join('\n');
  const count = files.length === 1 ? 'one file' : `${files.length} files`;
  return `I received ${count}:\n\n${list}\n\nThe demo provider does not read files; choose another provider in Settings to ask about them.\n\n`;
}

/** A file's name shown as written, whatever Markdown characters it holds. */
function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()<>#+\-.!|~]/g, '\\$&');
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
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
