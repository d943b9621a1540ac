/**
 * REST routes for scripts and testers, generated from the contract: each method that names an `http` route gets one,
 * its input built from the path, query and JSON body and parsed by the method's own schema before the core sees it.
 */
import { contract, type Method } from '../../shared/contract';
import { HoldfastError } from '../../shared/errors';
import type { HttpRoute } from '../../shared/rpc';

/**
 * The routes that are not contract calls, because they stream: the host serves these itself. The README's route
 * table is checked against the contract's routes and these.
 */
export const STREAM_ROUTES = [
  { method: 'GET', path: '/api/export', does: 'the whole archive, streamed as it is read' },
  { method: 'POST', path: '/api/import', does: 'the file as the body, streamed to a temporary file' },
  { method: 'GET', path: '/api/events', does: 'Server-Sent Events' },
  { method: 'POST', path: '/api/attachments', does: 'the file as the body (`content-type`, `?name=`), kept for a message to come' },
  { method: 'GET', path: '/api/attachments/:id', does: "a file's bytes, as a download that cannot run script" },
] as const;

export interface Route {
  name: Method;
  http: HttpRoute;
  pattern: RegExp;
}

export const routes: Route[] = Object.entries(contract).flatMap(([name, spec]) => {
  const http = (spec as { http?: HttpRoute }).http;
  if (!http) return [];
  const pattern = new RegExp(`^${http.path.replace(':id', '([^/]+)')}$`);
  return [{ name: name as Method, http, pattern }];
});

/** A path some route serves but not with this method: `allow` lists the methods it takes (the `Allow` header of a 405). */
export type RouteMatch = { route: Route; id: string | undefined } | { methodNotAllowed: true; allow: string[] } | undefined;

const streamPatterns = STREAM_ROUTES.map((r) => ({ method: r.method, pattern: new RegExp(`^${r.path.replace(':id', '[^/]+')}$`) }));

/**
 * `pathname` is already percent-decoded segment by segment by the caller (a bad escape is a 400 there). A route with
 * `when` is taken only if the query names one of its parameters, and before one without. The host serves the stream
 * routes before it asks here, so one reached here was asked with another method: a 405, like a contract route's.
 */
export function matchRoute(method: string, pathname: string, query: URLSearchParams = new URLSearchParams()): RouteMatch {
  const allow = new Set<string>();
  let fallback: { route: Route; id: string | undefined } | undefined;
  for (const route of routes) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    allow.add(route.http.method);
    if (route.http.method !== method) continue;
    if (!route.http.when) fallback ??= { route, id: m[1] };
    else if (route.http.when.some((key) => query.has(key))) return { route, id: m[1] };
  }
  for (const r of streamPatterns) if (r.pattern.test(pathname)) allow.add(r.method);
  return fallback ?? (allow.size ? { methodNotAllowed: true, allow: [...allow].sort() } : undefined);
}

/** A path or id from the request, cut for an error message: a 10 KB id is not echoed back whole. */
export function clipForMessage(text: string, max = 64): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

const BOOLEAN_WORDS: Record<string, boolean> = { '1': true, true: true, '0': false, false: false };

/** The route's contract input: defaults, then the JSON body, then query parameters, then the path's id. */
export function routeInput(route: Route, id: string | undefined, query: URLSearchParams, body: unknown): Record<string, unknown> {
  const input: Record<string, unknown> = { ...route.http.defaults };
  if (readsBody(route.http) && body !== undefined && body !== null) {
    if (typeof body !== 'object' || Array.isArray(body)) throw new HoldfastError('invalid_input', 'The request body must be a JSON object');
    Object.assign(input, body);
  }
  for (const [key, type] of Object.entries(route.http.query ?? {})) {
    const raw = query.get(key);
    if (raw === null) continue;
    // A boolean is 1/true or 0/false; anything else goes to the schema as it came, which refuses it by name (`?trashed=yes`
    // quietly listing the live conversations would look like an empty trash).
    input[key] = type === 'number' ? Number(raw) : type === 'boolean' ? (BOOLEAN_WORDS[raw] ?? raw) : raw;
  }
  if (id !== undefined) input[route.http.id ?? 'id'] = id;
  return input;
}

export function readsBody(http: HttpRoute): boolean {
  return http.body !== false && (http.method === 'POST' || http.method === 'PUT' || http.method === 'PATCH');
}
