/** The headless host's HTTP server: the built renderer, the REST routes, Server-Sent Events, and the WebSocket. */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { HoldfastError, httpStatusFor, toErrorShape } from '../../shared/errors';
import type { RequestFrame, ResponseFrame } from '../../shared/contract';
import type { HoldfastEvent } from '../../shared/sync';
import type { Core } from '../core/core';
import { FileResponse, matchRoute } from './rest';
import { MAX_IMPORT_TEXT } from '../../shared/exchange';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { CSP } from '../../shared/csp';

const MAX_BODY = 20 * 1024 * 1024;
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
  core: Core;
  rendererDir: string | null;
  port: number;
  log?: (s: string) => void;
}

export interface Host {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startHost(o: HostOptions): Promise<Host> {
  const { core } = o;
  let origin = '';
  let port = 0;
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => sendError(res, err));
  });
  const sseClients = new Set<http.ServerResponse>();
  const sockets = new Set<WebSocket>();
  // SSE streams (scripts) hear every event: one subscription, each event serialised once, then fanned out.
  const unsubscribeAll = core.sync.subscribe((event) => {
    if (!sseClients.size) return;
    const sse = sseFrame(event, JSON.stringify(event));
    for (const r of sseClients) r.write(sse);
  });
  // Each socket has its own subscription, filtered by the hub to what its window watches; the frame of an event is
  // built once however many sockets it goes to (the hub hands every subscriber the same event object, in turn).
  let framed: { event: HoldfastEvent; frame: string } | null = null;
  const frameOf = (event: HoldfastEvent): string => {
    if (framed?.event !== event) framed = { event, frame: `{"event":${JSON.stringify(event)}}` };
    return framed.frame;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    // DNS rebinding: a foreign name that resolves to 127.0.0.1 would be same-origin to its page, so check Host too.
    if (!isOwnHost(req.headers.host)) throw new HoldfastError('invalid_input', 'Unknown Host header');
    // A page from another site may not drive the local app (its fetches carry its own Origin).
    if (req.headers.origin && !isOwnOrigin(req.headers.origin))
      throw new HoldfastError('invalid_input', 'Cross-origin requests are not accepted');
    if (url.pathname === '/api/events' && req.method === 'GET') return sse(req, res, url);
    if (url.pathname === '/api/import' && req.method === 'POST') return importUpload(req, res);
    if (url.pathname.startsWith('/api/')) {
      const match = matchRoute(core, req.method ?? 'GET', url.pathname, url.searchParams, () => readJson(req));
      if (!match) throw new HoldfastError('not_found', `No route ${req.method} ${url.pathname}`);
      if ('methodNotAllowed' in match) {
        sendJson(res, 405, { error: { code: 'invalid_input', message: `${req.method} is not allowed on ${url.pathname}` } });
        return;
      }
      const result = await match.run();
      if (result instanceof FileResponse) return sendFile(res, result);
      sendJson(res, 200, result ?? { ok: true });
      return;
    }
    serveStatic(url.pathname, res);
  }

  /** The request body is the file: streamed to a temp file (never held in memory), then imported. */
  async function importUpload(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const dir = path.join(core.options.dataDir, 'tmp');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `upload-${core.store.newId()}`);
    try {
      await pipeline(req, fs.createWriteStream(file));
      if (fs.statSync(file).size === 0) throw new HoldfastError('invalid_input', 'The request body is empty: send the file as the body');
      sendJson(res, 200, await core.exchange.importFile(file));
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  function isOwnHost(value: string | undefined): boolean {
    return value === `127.0.0.1:${port}` || value === `localhost:${port}`;
  }

  function isOwnOrigin(value: string): boolean {
    return value === origin || value === origin.replace('127.0.0.1', 'localhost');
  }

  function sse(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const raw = url.searchParams.get('since') ?? req.headers['last-event-id'];
    const since = raw === undefined || raw === null || raw === '' ? null : Number(raw);
    if (since !== null && (!Number.isInteger(since) || since < 0))
      throw new HoldfastError('invalid_input', 'since must be a non-negative integer');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    const write = (e: HoldfastEvent) => res.write(sseFrame(e, JSON.stringify(e)));
    // Joining the fan-out and catching up happen in one tick, so no event falls between them.
    if (since !== null) {
      const pulled = core.sync.pull(since);
      if (pulled.reset) res.write(`id: ${pulled.seq}\nevent: sync.reset\ndata: ${JSON.stringify(pulled)}\n\n`);
      else for (const e of core.sync.changesSince(since, pulled.seq)) write(e);
    }
    sseClients.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    res.on('close', () => {
      clearInterval(ping);
      sseClients.delete(res);
    });
  }

  function serveStatic(pathname: string, res: http.ServerResponse): void {
    if (!o.rendererDir) throw new HoldfastError('not_found', 'This host serves no renderer (run npm run build first)');
    const root = path.resolve(o.rendererDir);
    let file = path.resolve(root, '.' + decodeURIComponent(pathname));
    if (!file.startsWith(root + path.sep) && file !== root) throw new HoldfastError('not_found', 'Not found');
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
    if (!fs.existsSync(file)) throw new HoldfastError('not_found', 'The renderer is not built (run npm run build)');
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': file.endsWith('index.html') ? 'no-cache' : 'public, max-age=3600',
    });
    fs.createReadStream(file).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_IMPORT_TEXT + 1024 * 1024 }); // room for exchange.importText
  server.on('upgrade', (req, socket, head) => {
    const ok =
      new URL(req.url ?? '/', origin).pathname === '/ws' &&
      isOwnHost(req.headers.host) &&
      (!req.headers.origin || isOwnOrigin(req.headers.origin));
    if (!ok) {
      socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attachSocket(ws));
  });

  function attachSocket(ws: WebSocket): void {
    sockets.add(ws);
    const subscription = core.sync.connect((event) => {
      if (ws.readyState === ws.OPEN) ws.send(frameOf(event));
    });
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
        ws.send(
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

function sseFrame(e: HoldfastEvent, json: string): string {
  return `id: ${e.seq}\nevent: ${e.type}\ndata: ${json}\n\n`;
}

function reply(ws: WebSocket, frame: ResponseFrame): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
}

function sendFile(res: http.ServerResponse, file: FileResponse): void {
  res.writeHead(200, {
    'content-type': file.mime,
    'content-disposition': `attachment; filename="${file.filename.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  if (typeof file.body === 'string') {
    res.end(file.body);
    return;
  }
  // Streamed piece by piece with backpressure, so an archive of any size goes out in constant memory.
  Readable.from(file.body).pipe(res);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendError(res: http.ServerResponse, err: unknown): void {
  const shape = toErrorShape(err);
  if (shape.code === 'internal') console.error('request failed', err);
  sendJson(res, httpStatusFor[shape.code], { error: shape });
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HoldfastError('invalid_input', 'The request body is too large'));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8').trim();
      if (!text) return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HoldfastError('invalid_input', 'The request body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}
