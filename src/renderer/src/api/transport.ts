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

/** Browser on the headless host: reconnects with backoff; requests in flight when it drops fail with `offline`. */
export class WebSocketTransport implements Transport {
  readonly kind = 'websocket';
  private ws: WebSocket | null = null;
  private state: ConnectionState = 'connecting';
  private nextId = 1;
  private attempt = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private readonly queue: RequestFrame[] = [];
  private readonly eventListeners = new Set<(e: HoldfastEvent) => void>();
  private readonly connectionListeners = new Set<(s: ConnectionState) => void>();

  constructor(private readonly url: string) {
    this.open();
  }

  invoke<M extends Method>(method: M, input: Input<M>): Promise<Output<M>> {
    const frame: RequestFrame = { id: this.nextId++, method, input };
    return new Promise((resolve, reject) => {
      this.pending.set(frame.id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.state === 'connected' && this.ws) this.ws.send(JSON.stringify(frame));
      else this.queue.push(frame);
    });
  }

  subscribe(listener: (e: HoldfastEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onConnection(listener: (s: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener);
    listener(this.state);
    return () => this.connectionListeners.delete(listener);
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    for (const l of this.connectionListeners) l(s);
  }

  private open(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setState('connected');
      for (const f of this.queue.splice(0)) ws.send(JSON.stringify(f));
    };
    ws.onmessage = (msg) => {
      const data = JSON.parse(String(msg.data)) as ResponseFrame | EventFrame;
      if ('event' in data) {
        for (const l of this.eventListeners) l(data.event);
        return;
      }
      const p = this.pending.get(data.id);
      if (!p) return;
      this.pending.delete(data.id);
      if (data.ok) p.resolve(data.result);
      else p.reject(new RpcError(data.error));
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      // We cannot know whether a request in flight was applied: fail it rather than send it twice.
      for (const [id, p] of this.pending) {
        if (this.queue.some((f) => f.id === id)) continue;
        p.reject(new RpcError({ code: 'offline', message: 'The connection to Holdfast dropped; try again', retryable: true }));
        this.pending.delete(id);
      }
      this.setState('disconnected');
      const delay = Math.min(5000, 200 * 2 ** this.attempt++) * (0.5 + Math.random() * 0.5);
      setTimeout(() => this.open(), delay);
    };
  }
}

export function createTransport(): Transport {
  if (window.holdfast) return ipcTransport(window.holdfast);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return new WebSocketTransport(`${scheme}://${location.host}/ws`);
}
