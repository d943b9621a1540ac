/** The headless host's HTTP server: the built renderer, the REST routes, Server-Sent Events, and the WebSocket. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { HoldfastError, httpStatusFor, toErrorShape } from '../../shared/errors';
import type { RequestFrame, ResponseFrame } from '../../shared/contract';
import type { HoldfastEvent } from '../../shared/sync';
import type { PlatformDoor } from '../core/platform';
import { clipForMessage, matchRoute, readsBody, routeInput } from './rest';
import { MAX_IMPORT_TEXT } from '../../shared/exchange';
import { CSP } from '../../shared/csp';
import { MAX_ATTACHMENT_BYTES, isDisplayableImage, PDF_TYPE } from '../../shared/attachments';
import { TokenCheck } from './auth';

/** Limits, in bytes; each can be set per host (the command line sets the import limit). */
export const LIMITS = {
  /** A JSON request body (the largest legitimate one is a 1,000,000-character message, escaped). */
  json: 20 * 1024 * 1024,
  /** A file sent to `POST /api/import`. */
  import: 1024 * 1024 * 1024,
  /** A file sent to `POST /api/attachments` (the core's own limit, 25 MB: see MAX_ATTACHMENT_BYTES). */
  attachment: MAX_ATTACHMENT_BYTES,
  /**
   * Events that may wait in memory for one WebSocket or SSE subscriber; past it the subscriber is dropped. An answer to
   * the subscriber's own call (a large thread, say) is not counted while it drains; `queueHard` bounds everything.
   */
  queue: 256 * 1024,
  queueHard: 64 * 1024 * 1024,
};

/** The close code a subscriber gets when it fell too far behind: reconnect and catch up from the change log. */
export const CLOSE_TOO_SLOW = 4008;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

export interface HostOptions {
  /** The core, reached only through its door: contract calls and events, plus the byte routes below. */
  core: PlatformDoor;
  rendererDir: string | null;
  port: number;
  /** The run's secret: every request carries it (see auth.ts). */
  token: string;
  limits?: Partial<typeof LIMITS>;
  /** One line per refused or failed request; the default writes to stderr. */
  log?: (s: string) => void;
}

export interface Host {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Target {
  /** The path as sent (still percent-encoded): routes match on it. */
  rawPath: string;
  query: URLSearchParams;
}

export async function startHost(o: HostOptions): Promise<Host> {
  const { core } = o;
  const limits = { ...LIMITS, ...o.limits };
  const log = o.log ?? ((s: string) => console.error(s));
  let origin = '';
  let port = 0;
  const auth = new TokenCheck(o.token, () => port);
  const server = http.createServer((req, res) => serve(req, res));
  // Ask for a body only when the request will be read (an import over the limit is refused before it is sent).
  server.on('checkContinue', (req, res) => serve(req, res));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Requests Node cannot even parse: answer 400 when the socket still listens, log one line, never throw.
    // A client that hangs up mid-request (ECONNRESET, or EOF inside a body) is logged by its request, if it had one.
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    if (err.code !== 'ECONNRESET' && err.code !== 'HPE_INVALID_EOF_STATE')
      log(`[host] ${status} unparseable request: ${err.code ?? err.message}`);
    if ((socket as Socket).writable)
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });
  const sseClients = new Set<http.ServerResponse>();
  const sockets = new Set<WebSocket>();
  /**
   * Bytes of each socket's backlog that are answers to its own calls (and what was queued before them). The queue is
   * first in, first out, so as the backlog shrinks below it, so does this; what lies beyond it are events.
   */
  const excused = new WeakMap<object, number>();
  function tooFarBehind(subscriber: object, backlog: number): boolean {
    if (backlog > limits.queueHard) return true;
    const answers = Math.min(excused.get(subscriber) ?? 0, backlog);
    excused.set(subscriber, answers);
    return backlog - answers > limits.queue;
  }
  // SSE streams (scripts) hear every event: one subscription, each event serialised once, then fanned out.
  const unsubscribeAll = core.subscribe((event) => {
    if (!sseClients.size) return;
    const sse = sseFrame(event, JSON.stringify(event));
    for (const r of sseClients) sseWrite(r, sse);
  });
  // Each socket has its own subscription, filtered by the hub to what its window watches; the frame of an event is
  // built once however many sockets it goes to (the hub hands every subscriber the same event object, in turn).
  let framed: { event: HoldfastEvent; frame: string } | null = null;
  const frameOf = (event: HoldfastEvent): string => {
    if (framed?.event !== event) framed = { event, frame: `{"event":${JSON.stringify(event)}}` };
    return framed.frame;
  };

  function serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    handle(req, res).catch((err: unknown) => sendError(req, res, err));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const t = target(req.url);
    // DNS rebinding: a foreign name that resolves to 127.0.0.1 would be same-origin to its page, so check Host too.
    if (!isOwnHost(req.headers.host)) throw new HoldfastError('invalid_input', 'Unknown Host header');
    // A page from another site may not drive the local app (its fetches carry its own Origin).
    if (req.headers.origin && !isOwnOrigin(req.headers.origin))
      throw new HoldfastError('invalid_input', 'Cross-origin requests are not accepted');
    // HEAD is GET without the body (HTTP semantics): routed as GET; Node's response sends no body for a HEAD request.
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const isApi = t.rawPath.startsWith('/api/');
    if (method === 'GET' && !isApi && t.query.has('token')) return exchangeToken(res, t);
    if (!auth.allows(req)) throw unauthorized();
    if (t.rawPath === '/api/events' && method === 'GET') {
      if (req.method !== 'HEAD') return sse(req, res, t);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' }).end(); // a stream has no end to wait for
      return;
    }
    if (t.rawPath === '/api/import' && method === 'POST') return importUpload(req, res);
    if (t.rawPath === '/api/attachments' && method === 'POST') return attachmentUpload(req, res, t);
    const file = /^\/api\/attachments\/([^/]+)$/.exec(t.rawPath);
    if (file && method === 'GET') return serveAttachment(res, decodePath(file[1]!));
    if (t.rawPath === '/api/export' && method === 'GET') {
      // A .zip with the files when any message carries one; the JSON archive alone otherwise.
      const archive = core.exportArchive();
      return sendFile(res, archive.filename, archive.mime, archive.body);
    }
    if (isApi) {
      const match = matchRoute(method, t.rawPath, t.query);
      if (!match) throw new HoldfastError('not_found', `No route ${clipForMessage(method, 16)} ${clipForMessage(t.rawPath, 200)}`);
      if ('methodNotAllowed' in match) {
        const message = `${clipForMessage(method, 16)} is not allowed on ${clipForMessage(t.rawPath, 200)}; it takes ${withHead(match.allow).join(', ')}`;
        sendJson(res, 405, { error: { code: 'invalid_input', message } }, { allow: withHead(match.allow).join(', ') });
        return;
      }
      const { route } = match;
      const id = match.id === undefined ? undefined : decodePath(match.id);
      const body = readsBody(route.http) ? await readJson(req, res) : undefined;
      const result = await core.call(route.name, routeInput(route, id, t.query, body));
      if (route.http.download) {
        const file = result as { filename: string; mime: string; content: string; encoding?: 'base64' };
        return sendFile(res, file.filename, file.mime, file.encoding === 'base64' ? [Buffer.from(file.content, 'base64')] : file.content);
      }
      const out = route.http.field ? (result as Record<string, unknown>)[route.http.field] : result;
      sendJson(res, 200, out ?? { ok: true });
      return;
    }
    // The page and its assets are only read: any other method is told what the path takes.
    if (method !== 'GET') {
      const message = `${clipForMessage(method, 16)} is not allowed on ${clipForMessage(t.rawPath, 200)}; it takes GET, HEAD`;
      return sendJson(res, 405, { error: { code: 'invalid_input', message } }, { allow: 'GET, HEAD' });
    }
    serveStatic(t.rawPath, res);
  }

  /** `GET /?token=…`: the page trades the secret in its address for a cookie, and the address loses it. */
  function exchangeToken(res: http.ServerResponse, t: Target): void {
    const token = t.query.get('token');
    if (!auth.matches(token)) throw unauthorized();
    const rest = new URLSearchParams(t.query);
    rest.delete('token');
    const search = rest.size ? `?${rest}` : '';
    // Always to the app's one page (it routes by #hash): a path echoed back could be `/\evil.example`, an open redirect.
    res.writeHead(303, { location: `/${search}`, 'set-cookie': auth.setCookie(token!), 'cache-control': 'no-store' });
    res.end();
  }

  /** The request body is the file: streamed to a temp file (never held in memory), then imported. */
  async function importUpload(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const limit = limits.import;
    // Over the limit by its own account: refused before a byte is read (Node discards the body, or never asks for it).
    if (Number(req.headers['content-length']) > limit) throw tooLarge('An import file', limit);
    const dir = core.uploadDir;
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `upload-${crypto.randomUUID()}`);
    try {
      await receive(req, res, file, limit);
      if (fs.statSync(file).size === 0) throw new HoldfastError('invalid_input', 'The request body is empty: send the file as the body');
      sendJson(res, 200, await core.importFile(file));
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  /** The body is the file, held in memory up to the per-file limit (25 MB), then kept by the core. */
  async function attachmentUpload(req: http.IncomingMessage, res: http.ServerResponse, t: Target): Promise<void> {
    const limit = Math.min(limits.attachment, MAX_ATTACHMENT_BYTES);
    if (Number(req.headers['content-length']) > limit) throw tooLarge('A file', limit);
    const data = await readBytes(req, res, limit);
    if (data.length === 0) throw new HoldfastError('invalid_input', 'The request body is empty: send the file as the body');
    const name = t.query.get('name') ?? '';
    if (!name.trim()) throw new HoldfastError('invalid_input', 'Name the file: ?name=photo.png');
    sendJson(res, 200, core.addAttachment({ name, mime: req.headers['content-type'], data }));
  }

  /**
   * A file's bytes. Always a download (`content-disposition: attachment`), sandboxed and never sniffed; only raster
   * images and PDFs keep their type: an SVG or HTML file goes out as plain bytes, so it can never run as a page.
   */
  function serveAttachment(res: http.ServerResponse, id: string): void {
    const { info, data } = core.readAttachment(id);
    const type = isDisplayableImage(info.mime) || info.mime === PDF_TYPE ? info.mime : 'application/octet-stream';
    res.writeHead(200, {
      'content-type': type,
      'content-length': data.length,
      'content-disposition': disposition(info.name),
      'content-security-policy': "sandbox; default-src 'none'",
      'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'private, max-age=31536000, immutable', // content-addressed: the bytes behind an id never change
    });
    res.end(data);
  }

  /** Reads a body into memory up to `limit`; past it, the rest is read and dropped so the client gets its 413. */
  function readBytes(req: http.IncomingMessage, res: http.ServerResponse, limit: number, what = 'A file'): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let size = 0;
      let failed = false;
      askForBody(req, res);
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (failed) return;
        if (size > limit) {
          failed = true;
          parts.length = 0;
          reject(tooLarge(what, limit));
          return;
        }
        parts.push(c);
      });
      req.on('end', () => {
        if (!failed) resolve(Buffer.concat(parts));
      });
      req.on('error', () => reject(new ClientGone(size)));
      req.on('close', () => {
        if (!req.complete && !failed) reject(new ClientGone(size));
      });
    });
  }

  function isOwnHost(value: string | undefined): boolean {
    return value === `127.0.0.1:${port}` || value === `localhost:${port}`;
  }

  function isOwnOrigin(value: string): boolean {
    return value === origin || value === origin.replace('127.0.0.1', 'localhost');
  }

  function sse(req: http.IncomingMessage, res: http.ServerResponse, t: Target): void {
    const raw = t.query.get('since') ?? req.headers['last-event-id'];
    const since = raw === undefined || raw === null || raw === '' ? null : Number(raw);
    if (since !== null && (!Number.isInteger(since) || since < 0))
      throw new HoldfastError('invalid_input', 'since must be a non-negative integer');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    // Joining the fan-out and catching up happen in one tick, so no event falls between them. The catch-up is the
    // stream's start, so it is not a contract call: it needs the events themselves, each with its seq.
    if (since !== null) {
      const missed = core.catchUp(since);
      if ('reset' in missed) res.write(`id: ${missed.reset.seq}\nevent: sync.reset\ndata: ${JSON.stringify(missed.reset)}\n\n`);
      else for (const e of missed.events) res.write(sseFrame(e, JSON.stringify(e)));
    }
    sseClients.add(res);
    const ping = setInterval(() => sseWrite(res, ': ping\n\n'), 15_000);
    res.on('close', () => {
      clearInterval(ping);
      sseClients.delete(res);
    });
  }

  /** An SSE client that stopped reading is dropped; EventSource reconnects with Last-Event-ID and catches up. */
  function sseWrite(res: http.ServerResponse, text: string): void {
    if (tooFarBehind(res, res.writableLength)) {
      sseClients.delete(res);
      log(`[host] dropped an event stream ${res.writableLength} bytes behind; it catches up when it reconnects`);
      res.destroy();
      return;
    }
    res.write(text);
  }

  function serveStatic(rawPath: string, res: http.ServerResponse): void {
    const decoded = decodePath(rawPath);
    if (!o.rendererDir) throw new HoldfastError('not_found', 'This host serves no renderer (run npm run build first)');
    const root = path.resolve(o.rendererDir);
    let file = path.resolve(root, '.' + decoded);
    if (!file.startsWith(root + path.sep) && file !== root) throw new HoldfastError('not_found', 'Not found');
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
    if (!fs.existsSync(file)) throw new HoldfastError('not_found', 'The renderer is not built (run npm run build)');
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': file.endsWith('index.html') ? 'no-cache' : 'private, max-age=3600',
    });
    fs.createReadStream(file).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_IMPORT_TEXT + 1024 * 1024 }); // room for exchange.importText
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy()); // a client gone mid-handshake is its own business
    try {
      const t = target(req.url);
      if (!isOwnHost(req.headers.host) || (req.headers.origin && !isOwnOrigin(req.headers.origin)))
        return refuseUpgrade(req, socket, 403, 'This origin or Host may not open the socket');
      if (t.rawPath !== '/ws') return refuseUpgrade(req, socket, 404, 'The socket is at /ws');
      if (!auth.allows(req)) return refuseUpgrade(req, socket, 401, unauthorized().message);
      wss.handleUpgrade(req, socket, head, (ws) => attachSocket(ws));
    } catch (err) {
      const shape = toErrorShape(err);
      refuseUpgrade(req, socket, httpStatusFor[shape.code], shape.message);
    }
  });

  function refuseUpgrade(req: http.IncomingMessage, socket: Duplex, status: number, message: string): void {
    logLine(status, req, message);
    const body = JSON.stringify({ error: { code: codeFor(status), message } });
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  function attachSocket(ws: WebSocket): void {
    sockets.add(ws);
    const subscription = core.connect((event) => push(ws, frameOf(event)));
    const unsubscribe = () => {
      sockets.delete(ws);
      subscription.close();
    };
    ws.on('message', (data) => {
      let frame: RequestFrame;
      try {
        frame = JSON.parse(data.toString()) as RequestFrame;
        if (typeof frame !== 'object' || frame === null || typeof frame.id !== 'number' || typeof frame.method !== 'string')
          throw new Error('bad frame');
      } catch {
        // Not a request frame at all: nothing to answer to, so say so once and drop it.
        push(
          ws,
          JSON.stringify({ id: -1, ok: false, error: { code: 'invalid_input', message: 'Frames must be JSON {id, method, input}' } }),
        );
        return;
      }
      core.call(frame.method, frame.input, { subscription }).then(
        (result) => reply(ws, { id: frame.id, ok: true, result: result ?? null }),
        (err: unknown) => reply(ws, { id: frame.id, ok: false, error: toErrorShape(err) }),
      );
    });
    ws.on('close', unsubscribe);
    ws.on('error', unsubscribe);
  }

  function reply(ws: WebSocket, frame: ResponseFrame): void {
    push(ws, JSON.stringify(frame));
    excused.set(ws, ws.bufferedAmount);
  }

  /**
   * Sends unless the socket's queue is already over the limit: a client that does not read is closed with
   * CLOSE_TOO_SLOW (its window reconnects and pulls what it missed), so memory never grows with its backlog.
   */
  function push(ws: WebSocket, frame: string): void {
    if (ws.readyState !== ws.OPEN || !sockets.has(ws)) return;
    if (tooFarBehind(ws, ws.bufferedAmount)) {
      sockets.delete(ws);
      log(`[host] dropped a WebSocket client ${ws.bufferedAmount} bytes behind; it catches up when it reconnects`);
      ws.close(CLOSE_TOO_SLOW, 'too far behind: reconnect and catch up');
      // The close frame waits behind the backlog: a client that never reads would hold it for ws's 30 s.
      setTimeout(() => ws.terminate(), 2000).unref();
      return;
    }
    ws.send(frame);
  }

  /** Reads a JSON body up to the limit; past it, the rest is read and discarded so the client gets its 413. */
  /** A JSON body, read as bytes like any other (so a client gone mid-body is `ClientGone`, never a request left hanging). */
  async function readJson(req: http.IncomingMessage, res: http.ServerResponse): Promise<unknown> {
    const limit = limits.json;
    if (Number(req.headers['content-length']) > limit) throw tooLarge('A JSON body', limit);
    const text = (await readBytes(req, res, limit, 'A JSON body')).toString('utf8').trim();
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new HoldfastError('invalid_input', 'The request body is not valid JSON');
    }
  }

  /** Streams the body to `file`, counting: past the limit the file goes and the rest is discarded, not reset. */
  function receive(req: http.IncomingMessage, res: http.ServerResponse, file: string, limit: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const out = fs.createWriteStream(file);
      let size = 0;
      let failed = false;
      const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        req.unpipe(out);
        req.resume(); // unpipe paused it: the rest is read and dropped, so the client can finish and read the answer
        out.destroy();
        reject(err);
      };
      askForBody(req, res);
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) fail(tooLarge('An import file', limit));
      });
      req.on('error', () => fail(new ClientGone(size))); // a request only errs when its client went away
      req.on('close', () => {
        if (!req.complete) fail(new ClientGone(size));
      });
      out.on('error', fail);
      out.on('finish', () => (req.complete ? resolve() : fail(new ClientGone(size))));
      req.pipe(out);
    });
  }

  function sendError(req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void {
    if (err instanceof ClientGone || (req.destroyed && !req.complete)) {
      // The client hung up mid-request: nobody to answer, nothing broken here.
      log(`[host] ${req.method} ${safePath(req.url)} aborted by the client${err instanceof ClientGone ? ` after ${err.bytes} bytes` : ''}`);
      return;
    }
    const shape = toErrorShape(err);
    const status = httpStatusFor[shape.code];
    logLine(status, req, shape.message);
    if (shape.code === 'internal') console.error(err); // a bug: its stack is worth a look
    sendJson(res, status, { error: shape });
  }

  function logLine(status: number, req: http.IncomingMessage, message: string): void {
    log(`[host] ${status} ${String(req.method).slice(0, 10)} ${safePath(req.url)}: ${message.replace(/\s+/g, ' ').slice(0, 300)}`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    port,
    async close() {
      for (const c of wss.clients) c.terminate();
      for (const r of sseClients) r.end();
      unsubscribeAll();
      await new Promise<void>((resolve) => {
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The client went away before its request was complete. */
class ClientGone extends Error {
  constructor(readonly bytes: number) {
    super('The client closed the connection');
  }
}

/**
 * The request target as a path and a query, never as an address: `//a:99999/ws` is a path here, not a host with a bad
 * port. Anything but an origin-form target is a 400.
 */
function target(url: string | undefined): Target {
  if (!url || !url.startsWith('/') || url.startsWith('//')) throw new HoldfastError('invalid_input', 'The request target must be a path');
  let parsed: URL;
  try {
    parsed = new URL(`http://host${url}`);
  } catch {
    throw new HoldfastError('invalid_input', 'The request target is not a valid path');
  }
  return { rawPath: parsed.pathname, query: parsed.searchParams };
}

function decodePath(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HoldfastError('invalid_input', 'The path holds a malformed percent escape');
  }
}

/** The path for a log line: no query (it may carry the secret), no control characters, bounded. */
function safePath(url: string | undefined): string {
  return String(url ?? '')
    .split('?')[0]!
    .replace(/[^\x21-\x7e]/g, '?')
    .slice(0, 200);
}

function unauthorized(): HoldfastError {
  return new HoldfastError(
    'unauthorized',
    'This host needs its secret: open the URL it printed (with ?token=), or send Authorization: Bearer <the host-token file in its data folder>',
  );
}

function tooLarge(what: string, limit: number): HoldfastError {
  return new HoldfastError('too_large', `${what} may be at most ${limit} bytes`, { limit_bytes: limit });
}

function codeFor(status: number): string {
  const found = Object.entries(httpStatusFor).find(([, s]) => s === status);
  return found ? found[0] : 'invalid_input';
}

/** A client that sent `Expect: 100-continue` sends its body only once asked. */
function askForBody(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (/100-continue/i.test(req.headers.expect ?? '')) res.writeContinue();
}

function sseFrame(e: HoldfastEvent, json: string): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${json}\n\n`;
}

function sendFile(res: http.ServerResponse, filename: string, mime: string, body: string | Iterable<string | Buffer>): void {
  res.writeHead(200, {
    'content-type': mime,
    'content-disposition': disposition(filename),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  if (typeof body === 'string') {
    res.end(body);
    return;
  }
  // Streamed piece by piece with backpressure, so an archive of any size goes out in constant memory.
  Readable.from(body).pipe(res);
}

function disposition(filename: string): string {
  return `attachment; filename="${filename.replace(/[^\x20-\x7e]|"|\\/g, '_')}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** Where GET is taken, HEAD is too. */
function withHead(allow: string[]): string[] {
  return allow.includes('GET') && !allow.includes('HEAD') ? [...allow, 'HEAD'] : allow;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}
