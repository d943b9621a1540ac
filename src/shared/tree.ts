/**
 * Conversation trees: the thread from the root to a leaf, sibling order, and which leaf a branch switch lands on.
 * Stored data may be hostile (an import whose messages are each other's parent): every walk visits a message at most once.
 */
import type { Message } from './model';

export interface TreeIndex {
  byId: Map<string, Message>;
  children: Map<string | null, Message[]>;
}

/** Indexes a conversation's messages; children keep creation order (created_at, then id). */
export function indexTree(messages: readonly Message[]): TreeIndex {
  const byId = new Map<string, Message>();
  const children = new Map<string | null, Message[]>();
  const sorted = [...messages].sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const m of sorted) {
    byId.set(m.id, m);
    const key = m.parent_id;
    let list = children.get(key);
    if (!list) children.set(key, (list = []));
    list.push(m);
  }
  return { byId, children };
}

/** The path from the root to `leafId`, root first. */
export function threadTo(tree: TreeIndex, leafId: string | null): Message[] {
  const path: Message[] = [];
  const seen = new Set<string>();
  let cur = leafId ? tree.byId.get(leafId) : undefined;
  while (cur && !seen.has(cur.id)) {
    seen.add(cur.id);
    path.push(cur);
    cur = cur.parent_id ? tree.byId.get(cur.parent_id) : undefined;
  }
  return path.reverse();
}

/** Siblings of a message (itself included), in creation order. */
export function siblingIds(tree: TreeIndex, message: Message): string[] {
  return (tree.children.get(message.parent_id) ?? []).map((m) => m.id);
}

/** The most recently active leaf at or below `nodeId`: where the thread goes when a person picks that branch. */
export function latestLeafUnder(tree: TreeIndex, nodeId: string): string {
  let best: Message | undefined;
  const stack = [nodeId];
  const seen = new Set<string>();
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue; // a parent cycle: its members are walked once
    seen.add(id);
    const kids = tree.children.get(id)?.filter((k) => !seen.has(k.id));
    if (kids && kids.length) {
      for (const k of kids) stack.push(k.id);
      continue;
    }
    const m = tree.byId.get(id);
    if (m && (!best || m.last_updated > best.last_updated || (m.last_updated === best.last_updated && m.id > best.id))) best = m;
  }
  return best?.id ?? nodeId;
}

/**
 * The default leaf of a whole conversation: the latest leaf below its newest root. Messages in a parent cycle have
 * no root; when no root exists at all, the most recently updated message stands in, so their text still shows.
 */
export function latestLeaf(tree: TreeIndex): string | null {
  const roots = tree.children.get(null) ?? [];
  if (!roots.length) {
    let newest: Message | undefined;
    for (const m of tree.byId.values()) if (!newest || m.last_updated > newest.last_updated) newest = m;
    return newest ? latestLeafUnder(tree, newest.id) : null;
  }
  let best: string | null = null;
  let bestAt = -Infinity;
  for (const r of roots) {
    const leaf = latestLeafUnder(tree, r.id);
    const at = tree.byId.get(leaf)?.last_updated ?? 0;
    if (at >= bestAt) {
      best = leaf;
      bestAt = at;
    }
  }
  return best;
}
