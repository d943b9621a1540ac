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

/** How many characters of a continuation are held back while they could still be the stored text's beginning. */
export const REPEAT_WINDOW = 64;
/**
 * The run that counts as stored text written out again from its middle: longer, because real answers do repeat
 * themselves (a line of code, a table row), and a false alarm would stop this endpoint being continued by prefill.
 */
export const REWRITE_WINDOW = 2 * REPEAT_WINDOW;
/** The shortest run at the seam that counts as the end of the stored text sent again. */
const MIN_SEAM_OVERLAP = 16;

/** What may be appended now (`dropped`: characters at its start that repeated the stored text's end), or a repeat. */
export type GuardResult = { text: string; dropped?: number; repeat?: undefined } | { text: ''; dropped?: undefined; repeat: string };

/**
 * Catches a continuation that starts over instead of continuing: a server that ignores the prefill (or the
 * user turn) and answers from the beginning, or one that writes out again what is already stored. The first
 * characters of a continuation are held back (at most REWRITE_WINDOW, usually a few: they are released as soon as
 * they can no longer be a repeat) and compared with the stored text. A repeat is never released: the caller
 * drops the attempt and falls back to the next strategy. A continuation that only says the stored text's last
 * words again before going on (models asked to continue often do) is kept without those words: it continued.
 */
export class RepeatGuard {
  private readonly stored: string;
  private head = '';
  private decided = false;
  /** After dropping the stored text's last words said again: the text that follows joins at a new seam. */
  private seam: Seam | null = null;

  constructor(private readonly original: string) {
    this.stored = original.trimEnd();
  }

  /** Feeds new text (after the seam); returns what may be appended now, or the repeat it found. */
  feed(text: string): GuardResult {
    if (this.decided) return { text: this.seam ? this.seam.feed(text) : text };
    this.head += text;
    const s = this.stored;
    const head = this.head;
    if (head.startsWith(s)) return this.repeat('it started over from the beginning of the stored text');
    if (head.length >= REPEAT_WINDOW && s.startsWith(head.slice(0, REPEAT_WINDOW))) {
      return this.repeat('it started over from the beginning of the stored text');
    }
    if (s.includes(head.slice(0, REWRITE_WINDOW))) {
      // Still inside the stored text: a repeat once it is long enough to be more than chance.
      return head.length < REWRITE_WINDOW ? { text: '' } : this.repeat('it wrote out again text that is already stored');
    }
    return this.release(seamOverlap(s, head));
  }

  /** The stream ended (finished or cut): decides on what is still held back. */
  end(): GuardResult {
    if (this.decided || !this.head) return { text: '' };
    const s = this.stored;
    // A short continuation that is exactly the stored text's beginning is a restart that ended early.
    if (this.head.trim().length >= 2 && s.startsWith(this.head))
      return this.repeat('it started over from the beginning of the stored text');
    return this.release(seamOverlap(s, this.head));
  }

  private repeat(reason: string): GuardResult {
    this.decided = true;
    this.head = '';
    return { text: '', repeat: reason };
  }

  private release(dropped = 0): GuardResult {
    this.decided = true;
    const rest = this.head.slice(dropped);
    this.head = '';
    if (!dropped) return { text: rest };
    // The words said again ended where the stored text's trailing whitespace begins: join what follows as a seam.
    this.seam = new Seam(this.original);
    return { text: this.seam.feed(rest), dropped };
  }
}

/** The longest run that ends `stored` and begins `head`, counted only when it holds enough word characters. */
function seamOverlap(stored: string, head: string): number {
  for (let k = Math.min(stored.length, head.length); k >= MIN_SEAM_OVERLAP; k--) {
    const run = head.slice(0, k);
    if (stored.endsWith(run)) return (run.match(/\w/g)?.length ?? 0) >= 8 ? k : 0;
  }
  return 0;
}
