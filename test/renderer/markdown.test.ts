import { describe, expect, it } from 'vitest';
import { splitBlocks } from '../../src/renderer/src/components/Markdown';

describe('Markdown blocks', () => {
  it('partition the text exactly, never splitting inside a code fence', () => {
    const text = 'Intro.\n\n- a\n- b\n\n```ts\nconst x = 1;\n\nconst y = 2;\n```\n\n\nTail without newline';
    const blocks = splitBlocks(text);
    expect(blocks.join('')).toBe(text);
    expect(blocks.some((b) => b.includes('const x = 1;\n\nconst y = 2;'))).toBe(true);
    for (let cut = 0; cut <= text.length; cut++) expect(splitBlocks(text.slice(0, cut)).join('')).toBe(text.slice(0, cut));
  });
});
