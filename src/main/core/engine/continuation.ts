/**
 * Continuing an interrupted answer from its stored text: the three strategies, the request each one sends,
 * and the seam where the continuation joins the stored text byte-exactly.
 */
import type { ProviderMessage } from '../providers/provider';

export type Strategy = 'prefill' | 'user_turn' | 'new_variant';
export const STRATEGY_ORDER: readonly Strategy[] = ['prefill', 'user_turn', 'new_variant'];

/** The user turn for models that refuse prefills, as Anthropic's migration guide advises. */
export const CONTINUE_PROMPT =
  'Your previous reply (the assistant turn above) was cut off by a network interruption. ' +
  'Continue it exactly from where it stopped: do not repeat any of it, do not add a preamble, start with the very next characters.';

/** Builds the messages for a request that continues `partial` (empty partial: a plain request). */
export function continuationMessages(history: ProviderMessage[], partial: string, strategy: Strategy): ProviderMessage[] {
  const trimmed = partial.trimEnd(); // the API rejects a final assistant turn that ends in whitespace
  if (!trimmed || strategy === 'new_variant') return history;
  if (strategy === 'prefill') return [...history, { role: 'assistant', content: trimmed }];
  return [...history, { role: 'assistant', content: trimmed }, { role: 'user', content: CONTINUE_PROMPT }];
}

/**
 * Joins a continuation to stored text that was sent trimmed. The model continues after the trimmed text, so its
 * first characters usually repeat the whitespace we already stored; they are consumed here instead of doubled.
 */
export class Seam {
  private pendingWs: string;
  private readonly hadWs: boolean;
  private done: boolean;

  constructor(stored: string) {
    this.pendingWs = stored.slice(stored.trimEnd().length);
    this.hadWs = this.pendingWs.length > 0;
    this.done = !this.hadWs;
  }

  /** Returns the part of `delta` that is new text. */
  feed(delta: string): string {
    if (this.done) return delta;
    let i = 0;
    while (i < delta.length && this.pendingWs.length && delta[i] === this.pendingWs[0]) {
      i++;
      this.pendingWs = this.pendingWs.slice(1);
    }
    if (i === delta.length && this.pendingWs.length) return ''; // still inside the stored whitespace
    this.done = true;
    if (this.pendingWs.length && this.hadWs) {
      // The model chose other whitespace than we stored: ours stands, skip its leading whitespace.
      while (i < delta.length && /\s/.test(delta[i]!)) i++;
    }
    return delta.slice(i);
  }
}
