/** JSON over HTTP for tests that drive the host's REST routes as a script would. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON bodies
export type Json = any;

const tokens = new Map<string, string>();

/** Hosts started by the launcher register their secret here, so every request to them carries it. */
export function rememberToken(origin: string, token: string): void {
  tokens.set(new URL(origin).origin, token);
}

/** The secret of `url`'s host, if it is one this test run started. */
export function tokenFor(url: string): string | undefined {
  return tokens.get(new URL(url).origin);
}

/** The `Authorization` header for `url`'s host, if it is one this test run started. */
export function authFor(url: string): Record<string, string> {
  const token = tokens.get(new URL(url).origin);
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function requestJson(url: string, init?: RequestInit): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...authFor(url), ...init?.headers } });
  return { status: res.status, body: await res.json() };
}

/** GETs `url` until `ok(body)` holds; fails with the last body after `timeoutMs`. */
export async function pollJson(url: string, ok: (body: Json) => boolean, timeoutMs = 20_000): Promise<Json> {
  const start = Date.now();
  for (;;) {
    const { body } = await requestJson(url);
    if (ok(body)) return body;
    if (Date.now() - start > timeoutMs) throw new Error(`${url} never became ready: ${JSON.stringify(body).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}
