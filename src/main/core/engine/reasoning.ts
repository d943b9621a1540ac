/**
 * The reasoning side of one generation: thinking text, breaks between blocks, signatures and redacted blocks as they
 * stream, how long each attempt thought, and the request fields that thinking decides.
 */
import type { Message } from '../../../shared/model';
import type { ProviderEvent, ProviderRequest } from '../providers/provider';
import type { GenerationSettings } from './generation';

/** A piece of reasoning for the journal: thinking text or a break between blocks (offset into the thinking), a signature, redacted data. */
export type ThinkingPart =
  { kind: 'thinking' | 'break'; offset: number; text: string } | { kind: 'signature'; text: string } | { kind: 'redacted'; text: string };

export type ThinkingEvent = Extract<ProviderEvent, { type: 'thinking_start' | 'thinking' | 'signature' | 'redacted_thinking' }>;

export function isThinkingEvent(ev: ProviderEvent): ev is ThinkingEvent {
  return ev.type === 'thinking_start' || ev.type === 'thinking' || ev.type === 'signature' || ev.type === 'redacted_thinking';
}

export interface ReasoningSink {
  /** Reasoning, journaled like text. */
  appendThinking(part: ThinkingPart): void;
  /** This attempt's thinking ended after `ms` (the answer text began, the stream ended, or it failed). */
  thinkingEnded(ms: number): void;
}

export class Reasoning {
  /** Everything stored and received of the thinking. */
  thinking: string;
  /** A redacted block is stored or arrived. */
  redacted: boolean;
  /** When this attempt's thinking began (null: not thinking now). */
  private since: number | null = null;

  constructor(
    stored: Message,
    private readonly sink: ReasoningSink,
    private readonly now: () => number = Date.now,
  ) {
    this.thinking = stored.thinking ?? '';
    this.redacted = stored.thinking_redacted ?? false;
  }

  feed(ev: ThinkingEvent): void {
    this.since ??= this.now();
    if (ev.type === 'thinking_start') {
      // A new block after stored thinking (a second block, or a restart after an interruption): keep them apart.
      if (this.thinking) this.add('break', '\n\n');
    } else if (ev.type === 'thinking') this.add('thinking', ev.text);
    else if (ev.type === 'signature') this.sink.appendThinking({ kind: 'signature', text: ev.signature });
    else {
      this.redacted = true;
      this.sink.appendThinking({ kind: 'redacted', text: ev.data });
    }
  }

  /** The attempt's thinking is over (text began, the stream ended or failed); its duration is reported once. */
  end(): void {
    if (this.since === null) return;
    const ms = this.now() - this.since;
    this.since = null;
    this.sink.thinkingEnded(ms);
  }

  private add(kind: 'thinking' | 'break', text: string): void {
    if (!text) return;
    const offset = this.thinking.length;
    this.thinking += text;
    this.sink.appendThinking({ kind, offset, text });
  }
}

/**
 * max_tokens, temperature and thinking for a request. Thinking only while there is no answer text yet: a
 * continuation extends the text with thinking off (the reasoning is done, and a prefill under thinking would need the
 * signed block first). Temperature is never sent with thinking; max_tokens stays above the budget (when a default is
 * below it, the answer still gets that default's room).
 */
export function limitsFor(
  settings: GenerationSettings,
  hasText: boolean,
): Pick<ProviderRequest, 'max_tokens' | 'temperature' | 'thinking'> {
  const thinking = hasText ? undefined : settings.thinking;
  const budget = thinking?.type === 'enabled' ? thinking.budget_tokens : 0;
  return {
    max_tokens: budget >= settings.max_tokens ? budget + settings.max_tokens : settings.max_tokens,
    ...(settings.temperature != null && !thinking ? { temperature: settings.temperature } : {}),
    ...(thinking ? { thinking } : {}),
  };
}
