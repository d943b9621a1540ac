/** A row's height before it is measured (src/renderer/src/features/row-height.ts), against rows measured in a window. */
import { describe, expect, it } from 'vitest';
import { estimateRowHeight } from '../../src/renderer/src/features/row-height';
import { answerFor } from '../../src/main/core/providers/demo-text';

const paragraph = 'A paragraph that wraps over a few lines. ';

// Heights measured in a 1200 × 800 Chromium window of the built app (text 792 px wide), rounded to the pixel.
const MEASURED: [string, 'user' | 'assistant', string, number][] = [
  ['a one-line question', 'user', 'Question 4', 113],
  ['a one-line answer', 'assistant', 'Question 4', 133],
  ['a question of two paragraphs', 'user', `Answer 3.\n\n${paragraph.repeat(12)}`, 286],
  ['an answer of two paragraphs', 'assistant', `Answer 3.\n\n${paragraph.repeat(12)}`, 298],
  ['an answer with a list and a code block', 'assistant', answerFor('msg 5 [len=600]'), 536],
  ['a long answer', 'assistant', answerFor('x [len=2000]'), 1351],
];

describe('a row height before measuring', () => {
  it.each(MEASURED)('%s is estimated within 10%% of its measured height', (_name, role, content, measured) => {
    expect(Math.abs(estimateRowHeight(role, content) - measured) / measured).toBeLessThan(0.1);
  });

  it('grows with the lines a text wraps to, its blocks and its code', () => {
    const one = estimateRowHeight('assistant', paragraph);
    expect(estimateRowHeight('assistant', paragraph.repeat(10))).toBeGreaterThan(one);
    expect(estimateRowHeight('assistant', `${paragraph}\n\n${paragraph}`)).toBeGreaterThan(2 * one - 133);
    expect(estimateRowHeight('assistant', `${paragraph}\n\n\`\`\`\nx\ny\n\`\`\``)).toBeGreaterThan(one + 40);
  });
});
