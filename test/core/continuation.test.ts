import { describe, expect, it } from 'vitest';
import { CONTINUE_PROMPT, continuationMessages, Seam } from '../../src/main/core/engine/continuation';

/** Feeds a continuation in pieces and returns the joined text, as the engine stores it. */
function join(stored: string, continuation: string, pieces: number[]): string {
  const seam = new Seam(stored);
  let out = stored;
  let at = 0;
  for (const n of [...pieces, continuation.length]) {
    out += seam.feed(continuation.slice(at, at + n));
    at += n;
    if (at >= continuation.length) break;
  }
  return out;
}

describe('continuing from stored text', () => {
  const history = [{ role: 'user' as const, content: 'q' }];

  it('prefills the stored text trimmed, since the API refuses a final assistant turn ending in whitespace', () => {
    expect(continuationMessages(history, 'Hello world \n\n', 'prefill')).toEqual([
      ...history,
      { role: 'assistant', content: 'Hello world' },
    ]);
    expect(continuationMessages(history, '', 'prefill')).toEqual(history);
    expect(continuationMessages(history, 'part', 'user_turn')).toEqual([
      ...history,
      { role: 'assistant', content: 'part' },
      { role: 'user', content: CONTINUE_PROMPT },
    ]);
    expect(continuationMessages(history, 'part', 'new_variant')).toEqual(history);
  });

  it.each([
    ['no trailing whitespace', 'Hello', ' world'],
    ['a trailing space the model repeats', 'Hello ', ' world'],
    ['a paragraph break the model repeats', 'Para one.\n\n', '\n\nPara two.'],
    ['a break repeated across deltas', 'Para one.\n\n', '\n\nPara two.'],
  ])('joins byte-exactly at the seam: %s', (_name, stored, continuation) => {
    const full = stored.trimEnd() + continuation;
    for (const pieces of [[], [1], [1, 1, 1], [3]]) expect(join(stored, continuation, pieces)).toBe(full);
  });

  it('keeps its own whitespace when the model starts with different whitespace, doubling nothing', () => {
    expect(join('Para one.\n\n', ' Para two.', [])).toBe('Para one.\n\nPara two.');
    expect(join('word ', 'next', [])).toBe('word next');
  });
});
