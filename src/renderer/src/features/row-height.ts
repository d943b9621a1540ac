/**
 * A message row's height before it is measured, from its text's shape: a first open lays its rows out where they will
 * be, instead of rendering rows for wrong places, measuring them and rendering again.
 */
import type { Message } from '../../../shared/model';

/**
 * Fitted in a 1200 × 800 window (text 792 px wide) against measured rows: a one-line message is 113 px (a question) or
 * 133 px (an answer: its Markdown blocks have margins); each further line of text adds a 25 px line, each further
 * Markdown block a 16 px gap; a code block adds its head and padding, and a 20 px line per line of code.
 */
const CHARS_PER_LINE = 88;
const LINE = 25;
const BLOCK_GAP = 16;
const CODE_HEAD = 40;
const CODE_LINE = 20;

export function estimateRowHeight(role: Message['role'], content: string): number {
  const wrapped = (line: string) => Math.max(1, Math.ceil(line.length / CHARS_PER_LINE));
  if (role === 'user') {
    // Shown as written (pre-wrap): every line, a blank one too, is a line.
    let lines = 0;
    for (const line of content.split('\n')) lines += wrapped(line);
    return 113 + (lines - 1) * LINE;
  }
  let lines = 0;
  let gaps = 0;
  let code = 0;
  let inCode = false;
  for (const line of content.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      if (!inCode) code += CODE_HEAD;
      inCode = !inCode;
    } else if (inCode) code += CODE_LINE;
    else if (line.trim()) lines += wrapped(line);
    else gaps++;
  }
  return 133 + (Math.max(lines, 1) - 1) * LINE + gaps * BLOCK_GAP + code;
}
