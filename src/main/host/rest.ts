/**
 * REST routes for scripts and testers: snake_case JSON in and out. Each route turns the URL and body into a contract
 * call, so every input is parsed by the contract's schema before the core sees it.
 */
import { z } from 'zod';
import { HoldfastError } from '../../shared/errors';
import type { Core } from '../core/core';

/** A route result sent as a file download rather than JSON. */
export class FileResponse {
  constructor(
    readonly filename: string,
    readonly mime: string,
    readonly body: string | Iterable<string>,
  ) {}
}

export interface RouteRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}
interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  run: (core: Core, req: RouteRequest) => Promise<unknown>;
}

const routes: Route[] = [];
function route(method: string, path: string, run: Route['run']): void {
  const keys: string[] = [];
  const pattern = new RegExp(
    `^${path.replace(/:(\w+)/g, (_m, k: string) => {
      keys.push(k);
      return '([^/]+)';
    })}$`,
  );
  routes.push({ method, pattern, keys, run });
}

const obj = (body: unknown): Record<string, unknown> => {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new HoldfastError('invalid_input', 'The request body must be a JSON object');
  return body as Record<string, unknown>;
};

route('GET', '/api/sessions', (core, { query }) =>
  // With `limit` or `cursor`: one page {items, next_cursor, total}; without: the whole list as an array, as before.
  query.has('limit') || query.has('cursor')
    ? core.call('conversations.page', {
        ...(query.has('limit') ? { limit: Number(query.get('limit')) } : {}),
        ...(query.has('cursor') ? { cursor: query.get('cursor') } : {}),
      })
    : core.call('conversations.list', { trashed: query.get('trashed') === '1' || query.get('trashed') === 'true' }),
);
route('POST', '/api/sessions', (core, { body }) => core.call('conversations.create', obj(body)));
route('GET', '/api/sessions/:id', (core, { params }) => core.call('conversations.get', { id: params.id }));
route('PATCH', '/api/sessions/:id', (core, { params, body }) => core.call('conversations.update', { ...obj(body), id: params.id }));
route('DELETE', '/api/sessions/:id', (core, { params }) => core.call('conversations.trash', { id: params.id }));
route('POST', '/api/sessions/:id/restore', (core, { params }) => core.call('conversations.restore', { id: params.id }));
route('POST', '/api/sessions/:id/messages', (core, { params, body }) =>
  core.call('messages.send', { ...obj(body), conversation_id: params.id }),
);
route('GET', '/api/sessions/:id/messages', async (core, { params }) => {
  const thread = (await core.call('messages.thread', { conversation_id: params.id })) as { messages: unknown[] };
  return thread.messages;
});
route('GET', '/api/sessions/:id/tree', (core, { params }) => core.call('messages.tree', { conversation_id: params.id }));
route('PUT', '/api/sessions/:id/leaf', (core, { params, body }) =>
  core.call('conversations.setLeaf', { ...obj(body), conversation_id: params.id }),
);
route('GET', '/api/sessions/:id/status', async (core, { params }) => {
  const id = z.string().min(1).parse(params.id);
  const conv = core.store.conversation(id);
  const activeId = core.store.busyIn(id)[0]; // scripts poll this: no full-thread read
  const live = activeId ? core.sync.message(activeId) : undefined;
  return {
    has_active_generation: Boolean(live),
    generating_message_id: live?.id ?? null,
    status: live?.status ?? null,
    last_updated: live?.last_updated ?? conv.updated_at,
    partial_content: live?.content ?? null,
  };
});
route('POST', '/api/messages/:id/stop', (core, { params }) => core.call('messages.stop', { message_id: params.id }));
route('POST', '/api/messages/:id/retry', (core, { params }) => core.call('messages.retry', { message_id: params.id }));
route('POST', '/api/messages/:id/continue', (core, { params }) => core.call('messages.continue', { message_id: params.id }));
route('POST', '/api/messages/:id/regenerate', (core, { params }) => core.call('messages.regenerate', { message_id: params.id }));
route('POST', '/api/messages/:id/edit', (core, { params, body }) => core.call('messages.edit', { ...obj(body), message_id: params.id }));
route('PUT', '/api/messages/:id/reaction', (core, { params, body }) =>
  core.call('messages.react', { ...obj(body), message_id: params.id }),
);
route('GET', '/api/status', (core) => core.call('app.status', {}));
route('GET', '/api/search', (core, { query }) =>
  core.call('search.query', {
    q: query.get('q') ?? '',
    ...(query.has('limit') ? { limit: Number(query.get('limit')) } : {}),
  }),
);
route('GET', '/api/sessions/:id/export', async (core, { params, query }) => {
  const out = (await core.call('exchange.export', { conversation_id: params.id, format: query.get('format') ?? 'md' })) as {
    filename: string;
    mime: string;
    content: string;
  };
  return new FileResponse(out.filename, out.mime, out.content);
});
route(
  'GET',
  '/api/export',
  async (core) =>
    new FileResponse(`holdfast-archive-${new Date().toISOString().slice(0, 10)}.json`, 'application/json', core.exchange.exportArchive()),
);
route('POST', '/api/backup', (core) => core.call('backup.create', {}));

export type RouteMatch = { run: () => Promise<unknown> } | { methodNotAllowed: true } | undefined;

export function matchRoute(
  core: Core,
  method: string,
  pathname: string,
  query: URLSearchParams,
  readBody: () => Promise<unknown>,
): RouteMatch {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => {
      params[k] = decodeURIComponent(m[i + 1]!);
    });
    return {
      run: async () => r.run(core, { params, query, body: method === 'GET' || method === 'DELETE' ? undefined : await readBody() }),
    };
  }
  return pathMatched ? { methodNotAllowed: true } : undefined;
}
