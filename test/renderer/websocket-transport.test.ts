/** The browser's WebSocket transport against a real WebSocket server: calls, events, drops and reconnects. */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { WebSocketTransport, reconnectDelay, type WebSocketLike } from '../../src/renderer/src/api/transport';
import type { RequestFrame } from '../../src/shared/contract';
import type { ConnectionState } from '../../src/renderer/src/api/transport';

/** A host stand-in: answers each request with its method name, unless told to hold requests unanswered. */
async function server(port = 0) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const received: RequestFrame[] = [];
  let holding = false;
  wss.on('connection', (socket) => {
    socket.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as RequestFrame;
      received.push(frame);
      if (!holding) socket.send(JSON.stringify({ id: frame.id, ok: true, result: { method: frame.method } }));
    });
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      wss.clients.forEach((c) => c.terminate());
      wss.close(() => resolve());
    });
  onTestFinished(stop);
  return {
    port: (wss.address() as AddressInfo).port,
    stop,
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    received,
    hold: (on: boolean) => (holding = on),
    /** Every socket the host has, as after a host restart. */
    dropAll: () => wss.clients.forEach((c) => c.terminate()),
    pushEvent: (event: unknown) => wss.clients.forEach((c) => c.send(JSON.stringify({ event }))),
    connections: () => wss.clients.size,
  };
}

const transports: WebSocketTransport[] = [];
afterEach(() => transports.splice(0).forEach((t) => t.close()));

function connect(url: string) {
  let sockets = 0;
  const t = new WebSocketTransport(url, {
    // A cast: `ws`'s client has the browser's handler properties with Node's event types.
    createSocket: (u) => {
      sockets++;
      return new WebSocket(u) as unknown as WebSocketLike;
    },
    random: () => 0,
  });
  transports.push(t);
  const states: ConnectionState[] = [];
  t.onConnection((s) => states.push(s));
  return { t, states, sockets: () => sockets };
}

describe('the WebSocket transport', () => {
  it('carries calls and events once connected', async () => {
    const host = await server();
    const { t, states } = connect(host.url);
    const heard: unknown[] = [];
    t.subscribe((e) => heard.push(e));
    // Made before the socket opened: waits, then goes out.
    await expect(t.invoke('app.status', {})).resolves.toEqual({ method: 'app.status' });
    expect(states).toEqual(['connecting', 'connected']);
    host.pushEvent({ type: 'app.didChangeStatus', seq: 1 });
    await vi.waitFor(() => expect(heard).toEqual([{ type: 'app.didChangeStatus', seq: 1 }]));
  });

  it('after a drop it fails what was in flight, reconnects, and sends what was asked while down', async () => {
    const host = await server();
    const { t, states } = connect(host.url);
    await t.invoke('app.status', {});
    host.hold(true);
    const inFlight = t.invoke('messages.stop', { message_id: 'm1' });
    await vi.waitFor(() => expect(host.received.map((f) => f.method)).toContain('messages.stop'));
    host.dropAll();
    // Whether the host applied it is unknown: refused with `offline`, never sent twice.
    await expect(inFlight).rejects.toMatchObject({ shape: { code: 'offline', retryable: true } });
    await vi.waitFor(() => expect(states).toContain('disconnected'));
    host.hold(false);
    const later = t.invoke('sync.pull', { since: 3 });
    await expect(later).resolves.toEqual({ method: 'sync.pull' });
    expect(states.slice(-2)).toEqual(['disconnected', 'connected']);
    expect(host.received.filter((f) => f.method === 'messages.stop')).toHaveLength(1);
  });

  it('keeps trying while the host is away, backing off, and connects when it is back', async () => {
    expect([0, 1, 2, 3, 10].map((a) => reconnectDelay(a, () => 1))).toEqual([200, 400, 800, 1600, 5000]);
    expect(reconnectDelay(2, () => 0)).toBe(400); // jitter takes at most half off
    const host = await server();
    const { t, states } = connect(host.url);
    await t.invoke('app.status', {});
    await host.stop();
    // Attempts at about 100, 200 and 400 ms (jitter 0 halves each delay) all fail while nobody listens.
    await vi.waitFor(() => expect(states.filter((s) => s === 'disconnected').length).toBeGreaterThanOrEqual(3), { timeout: 5000 });
    expect(states.filter((s) => s === 'connected')).toHaveLength(1);
    const back = await server(host.port);
    await expect(t.invoke('app.status', {})).resolves.toEqual({ method: 'app.status' });
    expect(states.at(-1)).toBe('connected');
    expect(back.connections()).toBe(1);
  });

  it('close stops reconnecting', async () => {
    const host = await server();
    const { t, states, sockets } = connect(host.url);
    await t.invoke('app.status', {});
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    host.dropAll();
    await vi.waitFor(() => expect(states.at(-1)).toBe('disconnected')); // a reconnect is now scheduled
    t.close();
    vi.advanceTimersByTime(60_000); // past any backoff
    expect(sockets()).toBe(1);
    await expect(t.invoke('app.status', {})).rejects.toMatchObject({ shape: { code: 'offline' } });
  });
});
