import { describe, expect, it } from 'vitest';
import { CONTINUE_PROMPT, continuationMessages, REWRITE_WINDOW, RepeatGuard, Seam } from '../../../../src/main/core/engine/continuation';

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
    ['a paragraph break the model repeats (whole or across deltas)', 'Para one.\n\n', '\n\nPara two.'],
  ])('joins byte-exactly at the seam: %s', (_name, stored, continuation) => {
    const full = stored.trimEnd() + continuation;
    for (const pieces of [[], [1], [1, 1, 1], [3]]) expect(join(stored, continuation, pieces)).toBe(full);
  });

  it('keeps its own whitespace when the model starts with different whitespace, doubling nothing', () => {
    expect(join('Para one.\n\n', ' Para two.', [])).toBe('Para one.\n\nPara two.');
    expect(join('word ', 'next', [])).toBe('word next');
  });
});

/** Feeds a continuation to a guard in pieces; returns what it released and the repeat it found, if any. */
function guard(stored: string, pieces: string[], finished = true): { released: string; repeat?: string; heldAfter: number[] } {
  const g = new RepeatGuard(stored);
  let released = '';
  const heldAfter: number[] = [];
  let fed = 0;
  for (const p of pieces) {
    fed += p.length;
    const r = g.feed(p);
    if (r.repeat) return { released, repeat: r.repeat, heldAfter };
    released += r.text;
    heldAfter.push(fed - released.length);
  }
  if (!finished) return { released, heldAfter };
  const r = g.end();
  return r.repeat ? { released, repeat: r.repeat, heldAfter } : { released: released + r.text, heldAfter };
}

describe('a continuation that restarts instead of continuing', () => {
  const stored =
    'Group commits batch many small writes into one transaction. The journal appends each chunk as it arrives, and a crash loses at most the last window.';

  it('releases a real continuation as soon as it can no longer be a repeat', () => {
    const out = guard(stored, [' When', ' the answer', ' ends, the rows fold into the message.']);
    expect(out.repeat).toBeUndefined();
    expect(out.released).toBe(' When the answer ends, the rows fold into the message.');
    // " When" is not in the stored text: nothing is held back after the first piece.
    expect(out.heldAfter[0]).toBe(0);
  });

  it('holds back at most the window while the text could still be the stored text sent again', () => {
    const out = guard(stored, [' The', ' journal', ' keeps', ' going.'], false);
    expect(out.heldAfter).toEqual([4, 12, 0, 0]); // " The journal" occurs in the stored text; " keeps" does not
    expect(out.released).toBe(' The journal keeps going.');
  });

  it('finds a restart from the beginning, in small pieces or one large one, and releases none of it', () => {
    const pieces = stored.match(/.{1,7}/g)!;
    const small = guard(stored, pieces);
    expect(small.repeat).toMatch(/started over/);
    expect(small.released).toBe('');
    expect(guard(stored, [stored + ' More.']).repeat).toMatch(/started over/);
    // Short stored text: the restart repeats all of it.
    expect(guard('Hello there!', ['Hello', ' there!']).repeat).toMatch(/started over/);
    expect(guard('Hello there!', ['Hello there!'], false).repeat).toMatch(/started over/);
  });

  it('finds a restart that ended before the window filled', () => {
    expect(guard(stored, ['Group commits', ' batch']).repeat).toMatch(/started over/);
  });

  it('finds text already stored written out again from its middle', () => {
    const middle = stored.slice(5, 5 + REWRITE_WINDOW + 1);
    expect(guard(stored, [middle]).repeat).toMatch(/already stored/);
    // A shorter run from the middle (a repeated line of code, say) is real text: released when the stream ends.
    expect(guard(stored, [stored.slice(5, 5 + REWRITE_WINDOW - 10)]).released).toBe(stored.slice(5, 5 + REWRITE_WINDOW - 10));
  });

  it("keeps a continuation that says the stored text's last words again, without those words", () => {
    expect(guard(stored, ['the last window. And then', ' more.']).released).toBe(' And then more.');
    expect(guard(stored, ['at most the', ' last window.'])).toEqual({ released: '', heldAfter: [11, 24] });
    // Stored with trailing whitespace (sent trimmed): the whitespace after the repeated words is not doubled.
    expect(guard(stored + '\n\n', ['the last window.', '\n\n', 'Next paragraph.']).released).toBe('Next paragraph.');
    expect(guard('Some words that end here ', ['words that end here', ' and go on.']).released).toBe('and go on.');
    // Short runs at the seam are real text: a word may well follow itself.
    expect(guard('It was very', [' very good.']).released).toBe(' very good.');
  });

  it('appends a short real continuation that ends inside the window, even one that occurs in the stored text', () => {
    expect(guard(stored, [' the']).released).toBe(' the');
    expect(guard(stored, ['.']).released).toBe('.');
    expect(guard('Hello there', ['!']).released).toBe('!');
  });
});
