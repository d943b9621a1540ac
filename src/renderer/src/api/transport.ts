/** One client interface, two transports: the Electron preload bridge, or a WebSocket to the headless host. */
import type {
  BridgeApi,
  BridgeReply,
  HoldfastApi,
  Input,
  Method,
  Output,
  RequestFrame,
  ResponseFrame,
  EventFrame,
} from '../../../shared/contract';
import { ErrorShape } from '../../../shared/errors';
import type { HoldfastEvent } from '../../../shared/sync';
import { Emitter } from '../../../shared/emitter';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface Transport extends HoldfastApi {
  onConnection(listener: (state: ConnectionState) => void): () => void;
  readonly kind: 'ipc' | 'websocket';
}

export class RpcError extends Error {
  constructor(readonly shape: ErrorShape) {
    super(shape.message);
  }
}

/** Electron: the bridge is always there; "connected" once, at start. Its replies are values: a failed one becomes the
 * typed error here, with the code, retryable flag and details the main process sent. */
export function ipcTransport(api: BridgeApi): Transport {
  return {
    kind: 'ipc',
    async invoke<M extends Method>(method: M, input: Input<M>): Promise<Output<M>> {
      const reply: unknown = await api.invoke(method, input);
      if (isReply(reply)) {
        if (reply.ok) return reply.result as Output<M>;
        const shape = ErrorShape.safeParse(reply.error);
        if (shape.success) throw new RpcError(shape.data);
      }
      // A bridge that answers outside the envelope is a bug in the shell: report it in the one shape, never as undefined.
      throw new RpcError({ code: 'internal', message: `The desktop bridge gave an unreadable reply to ${method}`, details: reply });
    },
    subscribe: (l) => api.subscribe(l),
    onConnection(listener) {
      queueMicrotask(() => listener('connected'));
      return () => undefined;
    },
  };
}

function isReply(value: unknown): value is BridgeReply {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

/** The part of the browser's WebSocket the transport uses (tests pass the `ws` package's client). */
export interface WebSocketLike {
  send(data: string): void;
  close(): void;
  onopen: (() => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
  onerror: (() => void) | null;
}

export interface WebSocketTransportOptions {
  createSocket?: (url: string) => WebSocketLike;
  /** Jitter source (0..1); a parameter so tests control it. */
  random?: () => number;
}

/** The wait before reconnect attempt `attempt` (0-based): doubling from 200 ms to 5 s, with jitter so windows spread out. */
export function reconnectDelay(attempt: number, random: () => number): number {
  return Math.min(5000, 200 * 2 ** attempt) * (0.5 + random() * 0.5);
}

/**
 * Browser on the headless host: reconnects with backoff; requests made while down wait and go out on reconnect;
 * requests in flight when it drops fail with `offline` (whether the host applied them is unknown, so never resent).
 * Hand-written rather than a reconnecting-socket library because that request bookkeeping is the hard part, and it
 * lives here either way.
 */
export class WebSocketTransport implements Transport {
  readonly kind = 'websocket';
  private ws: WebSocketLike | null = null;
  private state: ConnectionState = 'connecting';
  private nextId = 1;
  private attempt = 0;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private readonly queue: RequestFrame[] = [];
  private readonly events = new Emitter<HoldfastEvent>({ onListenerError: (err) => reportLater(err) });
  private readonly connection = new Emitter<ConnectionState>({ onListenerError: (err) => reportLater(err) });
  private readonly createSocket: (url: string) => WebSocketLike;
  private readonly random: () => number;

  constructor(
    private readonly url: string,
    options: WebSocketTransportOptions = {},
  ) {
    // A cast: the DOM types its handlers with `this` and event classes this transport does not use.
    this.createSocket = options.createSocket ?? ((u) => new WebSocket(u) as unknown as WebSocketLike);
    this.random = options.random ?? Math.random;
    this.open();
  }

  invoke<M extends Method>(method: M, input: Input<M>): Promise<Output<M>> {
    const frame: RequestFrame = { id: this.nextId++, method, input };
    if (this.closed) return Promise.reject(new RpcError({ code: 'offline', message: 'This window closed its connection to Holdfast' }));
    return new Promise((resolve, reject) => {
      this.pending.set(frame.id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.state === 'connected' && this.ws) this.ws.send(JSON.stringify(frame));
      else this.queue.push(frame);
    });
  }

  subscribe(listener: (e: HoldfastEvent) => void): () => void {
    return this.events.on(listener);
  }

  onConnection(listener: (s: ConnectionState) => void): () => void {
    listener(this.state);
    return this.connection.on(listener);
  }

  /** Stops reconnecting and closes the socket; what is still waiting fails with `offline`. */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = null;
    ws?.close();
    this.queue.length = 0;
    this.failPending();
    this.setState('disconnected');
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    this.connection.emit(s);
  }

  private failPending(): void {
    for (const [id, p] of this.pending) {
      if (this.queue.some((f) => f.id === id)) continue;
      p.reject(new RpcError({ code: 'offline', message: 'The connection to Holdfast dropped; try again', retryable: true }));
      this.pending.delete(id);
    }
  }

  private open(): void {
    if (this.closed) return;
    const ws = this.createSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setState('connected');
      for (const f of this.queue.splice(0)) ws.send(JSON.stringify(f));
    };
    ws.onmessage = (msg) => {
      const data = JSON.parse(String(msg.data)) as ResponseFrame | EventFrame;
      if ('event' in data) {
        this.events.emit(data.event);
        return;
      }
      const p = this.pending.get(data.id);
      if (!p) return;
      this.pending.delete(data.id);
      if (data.ok) p.resolve(data.result);
      else p.reject(new RpcError(data.error));
    };
    // A failed or broken socket always closes next: onclose does the work.
    ws.onerror = () => undefined;
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      // We cannot know whether a request in flight was applied: fail it rather than send it twice.
      this.failPending();
      this.setState('disconnected');
      this.retryTimer = setTimeout(() => this.open(), reconnectDelay(this.attempt++, this.random));
    };
  }
}

/** A listener that throws must not stop the socket's handler; the error still surfaces, as an uncaught one. */
function reportLater(err: unknown): void {
  setTimeout(() => {
    throw err;
  }, 0);
}

export function createTransport(): Transport {
  if (window.holdfast) return ipcTransport(window.holdfast);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return new WebSocketTransport(`${scheme}://${location.host}/ws`);
}
