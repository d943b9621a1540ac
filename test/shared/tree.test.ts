import { describe, expect, it } from 'vitest';
import { indexTree, latestLeaf, latestLeafUnder, siblingIds, threadTo } from '../../src/shared/tree';
import type { Message } from '../../src/shared/model';
import { messageRow } from '../support/archive';

let t = 0;
function msg(id: string, parent: string | null, role: 'user' | 'assistant', lastUpdated?: number): Message {
  t += 1;
  return messageRow({ id, conversation_id: 'c', parent_id: parent, role, content: id, created_at: t, last_updated: lastUpdated ?? t });
}

//   u1 ─ a1 ─ u2 ─ a2
//      ├ a1b            (regenerated)
//   u1' ─ a1'           (edited first message: a second root)
const messages = [
  msg('u1', null, 'user'),
  msg('a1', 'u1', 'assistant'),
  msg('u2', 'a1', 'user'),
  msg('a2', 'u2', 'assistant', 100),
  msg('a1b', 'u1', 'assistant', 50),
  msg('u1e', null, 'user'),
  msg('a1e', 'u1e', 'assistant', 70),
];
const tree = indexTree([...messages].reverse()); // input order must not matter

describe('conversation trees', () => {
  it('builds the thread from the root to a leaf', () => {
    expect(threadTo(tree, 'a2').map((m) => m.id)).toEqual(['u1', 'a1', 'u2', 'a2']);
    expect(threadTo(tree, 'a1b').map((m) => m.id)).toEqual(['u1', 'a1b']);
    expect(threadTo(tree, null)).toEqual([]);
  });

  it('orders siblings by creation, itself included', () => {
    expect(siblingIds(tree, tree.byId.get('a1b')!)).toEqual(['a1', 'a1b']);
    expect(siblingIds(tree, tree.byId.get('u1e')!)).toEqual(['u1', 'u1e']);
    expect(siblingIds(tree, tree.byId.get('u2')!)).toEqual(['u2']);
  });

  it('a branch switch lands on the most recently active leaf below the chosen message', () => {
    expect(latestLeafUnder(tree, 'u1')).toBe('a2'); // a2 (100) is more recent than a1b (50)
    expect(latestLeafUnder(tree, 'a1')).toBe('a2');
    expect(latestLeafUnder(tree, 'a1b')).toBe('a1b');
    expect(latestLeafUnder(tree, 'u1e')).toBe('a1e');
    expect(latestLeaf(tree)).toBe('a2');
  });

  it('survives a cycle in corrupt data without looping', () => {
    const loop = indexTree([msg('x', 'y', 'user'), msg('y', 'x', 'assistant')]);
    expect(threadTo(loop, 'x').map((m) => m.id)).toEqual(['y', 'x']);
  });

  it("every walk visits a message once: two messages that are each other's parent, one that is its own, and what hangs below", () => {
    const hostile = indexTree([
      msg('x', 'y', 'user'),
      msg('y', 'x', 'assistant', 500),
      msg('self', 'self', 'user', 400),
      msg('below', 'y', 'user', 300),
    ]);
    expect(latestLeafUnder(hostile, 'x')).toBe('below'); // x → y → below; y → x is not walked again
    expect(latestLeafUnder(hostile, 'self')).toBe('self');
    expect(latestLeaf(hostile)).toBe('below'); // no root at all: the newest message stands in
    expect(threadTo(hostile, 'below').map((m) => m.id)).toEqual(['x', 'y', 'below']);
    expect(threadTo(hostile, 'self').map((m) => m.id)).toEqual(['self']);
    const mixed = indexTree([...messages, msg('p', 'q', 'user', 900), msg('q', 'p', 'assistant', 900)]);
    expect(latestLeaf(mixed)).toBe('a2'); // a real root wins over a cycle
  });
});

import { cleanTitle, fallbackTitle } from '../../src/main/core/engine/title';

describe('titles', () => {
  it('falls back to the first words of the prompt', () => {
    expect(fallbackTitle('How do I   bake sourdough bread at home quickly?')).toBe('How do I bake sourdough bread');
    expect(fallbackTitle('   ')).toBe('New conversation');
  });
  it('cleans what a model answers', () => {
    expect(cleanTitle('Title: "Lisbon Trip Plan".\nMore text')).toBe('Lisbon Trip Plan');
    expect(cleanTitle('x'.repeat(100))).toHaveLength(58);
  });
});
