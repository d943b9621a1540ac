/**
 * The network side both local provider servers share: listening on 127.0.0.1, the sockets in use, and a cut network
 * (`goOffline`: streams in flight are dropped and new connections refused). Each server's wire format stays its own.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export abstract class FakeNetworkServer {
  port = 0;
  private offlineUntil = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: http.Server;

  constructor() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      if (Date.now() < this.offlineUntil) {
        s.destroy();
        return;
      }
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  protected abstract handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Cuts the network for `ms`: streams in flight are dropped and new connections refused. */
  goOffline(ms: number): void {
    this.offlineUntil = Date.now() + ms;
    for (const s of this.sockets) s.destroy();
  }
}

/** A request's JSON body (`null` when empty). */
export function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString('utf8') || 'null'));
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });
}

/** Waits `ms` (the servers pace their streams with it). */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
