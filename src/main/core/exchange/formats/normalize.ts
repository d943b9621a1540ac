/**
 * Makes any imported conversation safe to store, whatever the file held: lone surrogates become U+FFFD, a repeated
 * message id keeps its first message, parents that are missing, the message itself or part of a cycle are cut (the
 * message then starts a branch), empty messages are left out, and a conversation with no text is skipped. Everything
 * changed is counted for the import result.
 */
import type { ImportedConversation, ImportedMessage } from './types';

export interface ImportStats {
  /** Conversations skipped because they hold no user or assistant text. */
  empty: number;
  /** Conversations skipped because their id came earlier in the file or belongs to another conversation here. */
  duplicates: number;
  /** Messages left out because their id came earlier in the same conversation. */
  duplicateMessages: number;
  /** Parent links cut because they made a cycle (a message its own ancestor). */
  cyclesBroken: number;
  /** Lone UTF-16 surrogates replaced with U+FFFD. */
  replacedCharacters: number;
  /** The first few reasons, for the import result and the log. */
  notes: string[];
}

export const newStats = (): ImportStats => ({
  empty: 0,
  duplicates: 0,
  duplicateMessages: 0,
  cyclesBroken: 0,
  replacedCharacters: 0,
  notes: [],
});

const MAX_NOTES = 20;
export function note(stats: ImportStats, text: string): void {
  if (stats.notes.length < MAX_NOTES) stats.notes.push(text);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function normalize(input: ImportedConversation, stats: ImportStats): ImportedConversation | null {
  let replaced = 0;
  const fix = <T extends string | null | undefined>(s: T): T => {
    if (typeof s !== 'string' || !LONE_SURROGATE.test(s)) return s;
    LONE_SURROGATE.lastIndex = 0;
    return s.replace(LONE_SURROGATE, () => {
      replaced++;
      return '\uFFFD';
    }) as T;
  };
  // Ids too: SQLite would store two ids that differ only in a lone surrogate as the same text, a collision.
  const conv: ImportedConversation = {
    ...input,
    source_id: fix(input.source_id),
    current_leaf_source_id: fix(input.current_leaf_source_id),
    messages: input.messages.map((m) => ({ ...m, source_id: fix(m.source_id), parent_source_id: fix(m.parent_source_id) })),
  };
  const name = conv.title ? `"${conv.title.slice(0, 60)}"` : conv.source_id.slice(0, 60);

  if (conv.cyclesBroken) {
    stats.cyclesBroken += conv.cyclesBroken;
    note(stats, `Conversation ${name}: ${conv.cyclesBroken} cycle(s) in its message links were cut`);
  }

  // One message per id: the first one wins.
  const byId = new Map<string, ImportedMessage>();
  for (const m of conv.messages) {
    if (byId.has(m.source_id)) {
      stats.duplicateMessages++;
      note(stats, `Conversation ${name}: message id ${m.source_id.slice(0, 60)} appears twice; the second was left out`);
      continue;
    }
    byId.set(m.source_id, {
      ...m,
      content: fix(m.content) ?? '',
      thinking: fix(m.thinking),
      reaction_comment: fix(m.reaction_comment),
      error: fix(m.error),
    });
  }
  const parent = new Map<string, string | null>();
  for (const m of byId.values()) {
    const p = m.parent_source_id;
    if (p === m.source_id) {
      stats.cyclesBroken++;
      note(stats, `Conversation ${name}: message ${p.slice(0, 60)} was its own parent; it now starts a branch`);
    }
    parent.set(m.source_id, p && p !== m.source_id && byId.has(p) ? p : null);
  }

  // Cut cycles: follow each chain upward once (every message is finished at most once, so this is linear).
  const order = new Map([...byId.keys()].map((id, i) => [id, i]));
  const state = new Map<string, 1 | 2>(); // 1: on the chain being followed, 2: known to reach a root
  for (const start of byId.keys()) {
    const chain: string[] = [];
    let x: string | null = start;
    while (x !== null && state.get(x) !== 2) {
      if (state.get(x) === 1) {
        const cycle = chain.slice(chain.indexOf(x));
        const first = cycle.reduce((a, b) => (order.get(b)! < order.get(a)! ? b : a));
        parent.set(first, null); // the earliest message of the cycle starts a branch
        stats.cyclesBroken++;
        note(
          stats,
          `Conversation ${name}: messages ${cycle.map((id) => id.slice(0, 40)).join(', ')} were each other's ancestors; the cycle was cut`,
        );
        break;
      }
      state.set(x, 1);
      chain.push(x);
      x = parent.get(x) ?? null;
    }
    for (const id of chain) state.set(id, 2);
  }

  // Empty messages (a tool call with no text, an answer that never came) are left out; their children move up.
  const shown = (m: ImportedMessage) => conv.keepIds || m.content.trim() !== '' || !!m.thinking;
  const resolved = new Map<string, string | null>(); // message id → itself when shown, else its nearest shown ancestor
  const kept = (id: string | null): string | null => {
    const path: string[] = [];
    let x = id;
    while (x !== null && !resolved.has(x) && !shown(byId.get(x)!)) {
      path.push(x);
      x = parent.get(x) ?? null;
    }
    const found = x === null ? null : resolved.has(x) ? resolved.get(x)! : x;
    for (const p of path) resolved.set(p, found); // remembered, so a long run of empty messages is walked once
    return found;
  };
  const messages: ImportedMessage[] = [];
  for (const m of byId.values()) {
    if (!shown(m)) continue;
    messages.push({ ...m, parent_source_id: kept(parent.get(m.source_id) ?? null) });
  }
  const leaf = conv.current_leaf_source_id && byId.has(conv.current_leaf_source_id) ? kept(conv.current_leaf_source_id) : null;
  const title = fix(conv.title);
  const systemPrompt = fix(conv.extra?.system_prompt);
  stats.replacedCharacters += replaced;
  if (replaced) note(stats, `Conversation ${name}: ${replaced} lone surrogate(s) replaced with U+FFFD`);

  if (!conv.keepIds && !messages.some((m) => m.content.trim() !== '')) {
    stats.empty++;
    return null;
  }
  return {
    ...conv,
    title,
    current_leaf_source_id: leaf,
    messages,
    extra: conv.extra ? { ...conv.extra, system_prompt: systemPrompt ?? null } : conv.extra,
  };
}
