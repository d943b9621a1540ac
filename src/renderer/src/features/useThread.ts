/** The current thread of a conversation, derived from its tree and current leaf; recomputed only when its shape changes. */
import { useMemo } from 'react';
import { MAX_TREES, useHoldfast } from '../state/store';
import { indexTree, latestLeaf, siblingIds, threadTo } from '../../../shared/tree';

export interface ThreadEntry {
  id: string;
  siblings: string[];
}

// Switching back to a conversation must fit in a frame: its thread is kept (as long as its tree is) rather than rebuilt
// from thousands of messages, until its shape or leaf changes.
const derived = new Map<string, { structure: number; leaf: string | null | undefined; thread: ThreadEntry[] }>();

export function useThread(conversationId: string | null): ThreadEntry[] | null {
  const structure = useHoldfast((s) => (conversationId ? s.trees[conversationId]?.structure : undefined));
  const leaf = useHoldfast((s) => (conversationId ? s.conversations[conversationId]?.current_leaf_id : undefined));
  return useMemo(() => {
    if (!conversationId || structure === undefined) return null;
    const kept = derived.get(conversationId);
    if (kept && kept.structure === structure && kept.leaf === leaf) return kept.thread;
    const tree = useHoldfast.getState().trees[conversationId];
    if (!tree) return null;
    const index = indexTree(Object.values(tree.messages));
    const target = leaf && index.byId.has(leaf) ? leaf : latestLeaf(index);
    const thread = threadTo(index, target).map((m) => ({ id: m.id, siblings: siblingIds(index, m) }));
    derived.delete(conversationId); // re-inserted last: the Map's order is least recently derived first
    derived.set(conversationId, { structure, leaf, thread });
    for (const id of derived.keys()) {
      if (derived.size <= MAX_TREES) break;
      derived.delete(id);
    }
    return thread;
  }, [conversationId, structure, leaf]);
}
