/** The current thread of a conversation, derived from its tree and current leaf; recomputed only when its shape changes. */
import { useMemo } from 'react';
import { useHoldfast } from '../state/store';
import { indexTree, latestLeaf, siblingIds, threadTo } from '../../../shared/tree';

export interface ThreadEntry {
  id: string;
  siblings: string[];
}

export function useThread(conversationId: string | null): ThreadEntry[] | null {
  const structure = useHoldfast((s) => (conversationId ? s.trees[conversationId]?.structure : undefined));
  const leaf = useHoldfast((s) => (conversationId ? s.conversations[conversationId]?.current_leaf_id : undefined));
  return useMemo(() => {
    if (!conversationId || structure === undefined) return null;
    const tree = useHoldfast.getState().trees[conversationId];
    if (!tree) return null;
    const index = indexTree(Object.values(tree.messages));
    const target = leaf && index.byId.has(leaf) ? leaf : latestLeaf(index);
    return threadTo(index, target).map((m) => ({ id: m.id, siblings: siblingIds(index, m) }));
  }, [conversationId, structure, leaf]);
}
