/**
 * LobeChat's export, both shapes: the older `{exportType, state: {sessions, topics, messages}, version}` and the newer
 * `{data: {sessions, agents, agentsToSessions, topics, messages, …}, mode, schemaHash}`. Each topic is a conversation;
 * messages without a topic form their session's default one. Messages link by `parentId`; where it is missing or
 * points nowhere, they follow the one before them by `createdAt`. Settings, key vaults and plugin settings are never read.
 * Shapes seen in LobeChat's `src/types/exportConfig.ts`, its deprecated importer, and its importer fixture
 * `src/database/repositories/dataImporter/__tests__/fixtures/with-client-id.json`.
 */
import { z } from 'zod';
import { isRecord, toMs, type ImportedConversation, type ImportedMessage } from './types';

const When = z.union([z.string(), z.number()]).nullish();
const LcMessage = z
  .object({
    id: z.string(),
    role: z.string(),
    content: z.string().nullish(),
    parentId: z.string().nullish(),
    topicId: z.string().nullish(),
    sessionId: z.string().nullish(),
    createdAt: When,
    model: z.string().nullish(),
    reasoning: z.object({ content: z.string().nullish() }).passthrough().nullish(),
    tools: z.array(z.object({ apiName: z.string().nullish(), identifier: z.string().nullish() }).passthrough()).nullish(),
    plugin: z.object({ apiName: z.string().nullish(), identifier: z.string().nullish() }).passthrough().nullish(),
    error: z.unknown().nullish(),
    extra: z.object({ fromModel: z.string().nullish() }).passthrough().nullish(),
  })
  .passthrough();
type LcMessage = z.infer<typeof LcMessage>;
const LcTopic = z
  .object({ id: z.string(), title: z.string().nullish(), sessionId: z.string().nullish(), createdAt: When, updatedAt: When })
  .passthrough();
const LcSession = z
  .object({
    id: z.string(),
    title: z.string().nullish(),
    meta: z.object({ title: z.string().nullish() }).passthrough().nullish(),
    config: z.object({ systemRole: z.string().nullish() }).passthrough().nullish(),
  })
  .passthrough();
const LcAgent = z.object({ id: z.string(), systemRole: z.string().nullish(), title: z.string().nullish() }).passthrough();
const Tables = z
  .object({
    sessions: z.array(LcSession).nullish(),
    topics: z.array(LcTopic).nullish(),
    messages: z.array(LcMessage).nullish(),
    agents: z.array(LcAgent).nullish(),
    agentsToSessions: z.array(z.object({ agentId: z.string(), sessionId: z.string() }).passthrough()).nullish(),
  })
  .passthrough();

const INBOX = 'inbox';

export function fromLobeChat(raw: unknown): ImportedConversation[] {
  const top = raw as Record<string, unknown>;
  const key = isRecord(top.state) ? 'state' : 'data';
  const parsed = Tables.safeParse(top[key]);
  if (!parsed.success) throw new z.ZodError(parsed.error.issues.map((i) => ({ ...i, path: [key, ...i.path] })));
  const t = parsed.data;
  const agents = new Map((t.agents ?? []).map((a) => [a.id, a]));
  const agentOf = new Map((t.agentsToSessions ?? []).map((x) => [x.sessionId, agents.get(x.agentId)]));
  const sessions = new Map(
    (t.sessions ?? []).map((s) => [
      s.id,
      {
        title: s.meta?.title ?? s.title ?? agentOf.get(s.id)?.title ?? '',
        system: s.config?.systemRole || agentOf.get(s.id)?.systemRole || null,
      },
    ]),
  );
  const topics = new Map((t.topics ?? []).map((x) => [x.id, x]));

  const groups = new Map<string, { topic: z.infer<typeof LcTopic> | null; session: string; messages: LcMessage[] }>();
  for (const m of t.messages ?? []) {
    const topic = m.topicId ? (topics.get(m.topicId) ?? null) : null;
    const session = m.sessionId ?? topic?.sessionId ?? INBOX;
    const id = m.topicId ?? `${session}:default`;
    const g = groups.get(id) ?? { topic, session, messages: [] };
    g.messages.push(m);
    groups.set(id, g);
  }

  const out: ImportedConversation[] = [];
  for (const [id, g] of groups) {
    const sorted = g.messages.map((m, i) => ({ m, i, at: toMs(m.createdAt) })).sort((a, b) => a.at - b.at || a.i - b.i);
    const ids = new Set(sorted.map((x) => x.m.id));
    const session = sessions.get(g.session);
    let system: string | null = session?.system ?? null;
    const messages: ImportedMessage[] = [];
    let previous: string | null = null;
    for (const { m, at } of sorted) {
      if (m.role === 'system') {
        system ??= m.content ?? null;
        continue;
      }
      if (m.role !== 'user' && m.role !== 'assistant') continue; // tool output: the call is noted on its answer
      const tools = [...(m.tools ?? []), ...(m.plugin ? [m.plugin] : [])].map((x) => `[tool: ${x.apiName || x.identifier || 'tool'}]`);
      const parent = m.parentId && ids.has(m.parentId) && m.parentId !== m.id ? m.parentId : previous;
      messages.push({
        source_id: m.id,
        parent_source_id: parent,
        role: m.role,
        content: [m.content ?? '', ...tools].filter((s) => s.trim()).join('\n\n'),
        thinking: m.reasoning?.content || null,
        created_at: at,
        model: m.model ?? m.extra?.fromModel ?? null,
        status: m.error ? 'error' : 'completed',
        error: m.error ? 'The answer ended with an error in LobeChat' : null,
      });
      previous = m.id;
    }
    const first = sorted[0]?.at ?? 0;
    const last = sorted[sorted.length - 1]?.at ?? first;
    out.push({
      source_id: id,
      title: g.topic?.title ?? session?.title ?? '',
      created_at: g.topic ? toMs(g.topic.createdAt, first) : first,
      updated_at: Math.max(last, g.topic ? toMs(g.topic.updatedAt, 0) : 0),
      current_leaf_source_id: previous, // the newest message: its branch is the one shown
      messages,
      keepIds: false,
      extra: { system_prompt: system },
    });
  }
  return out;
}

export const isLobeChat = (v: Record<string, unknown>) =>
  ('exportType' in v && isRecord(v.state)) || (isRecord(v.data) && ('schemaHash' in v || 'mode' in v));
