/** JSON over HTTP for tests that drive the host's REST routes as a script would. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON bodies
export type Json = any;

export async function requestJson(url: string, init?: RequestInit): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init?.headers } });
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
