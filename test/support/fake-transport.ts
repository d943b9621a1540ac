/**
 * A transport for renderer tests: what a window's client offers (invoke, subscribe, onConnection), with the test in
 * control of the connection, the events and every answer. Backed by a handler, which may be a real core.
 */
import { Emitter } from '../../src/shared/emitter';
import type { Input, Method, Output } from '../../src/shared/contract';
import type { ErrorShape } from '../../src/shared/errors';
import type { AppStatus, HoldfastEvent } from '../../src/shared/sync';
import type { Core } from '../../src/main/core/core';
import { toErrorShape } from '../../src/shared/errors';
import { RpcError, type ConnectionState, type Transport } from '../../src/renderer/src/api/transport';

export type Handler = (method: Method, input: unknown) => unknown;

export class FakeTransport implements Transport {
  readonly kind = 'websocket';
  /** Every call made, in order. */
  readonly calls: { method: Method; input: unknown }[] = [];
  private state: ConnectionState = 'connecting';
  private readonly events = new Emitter<HoldfastEvent>();
  private readonly connection = new Emitter<ConnectionState>();

  constructor(private handler: Handler) {}

  /** Answers every later call with `handler`; throw an ErrorShape-bearing RpcError (see `fail`) to refuse one. */
  setHandler(handler: Handler): void {
    this.handler = handler;
  }

  async invoke<M extends Method>(method: M, input: Input<M>): Promise<Output<M>> {
    this.calls.push({ method, input });
    if (this.state !== 'connected') throw new RpcError({ code: 'offline', message: 'not connected', retryable: true });
    try {
      return (await this.handler(method, input)) as Output<M>;
    } catch (err) {
      // What a real transport does: the far side's error arrives as the one error shape.
      throw err instanceof RpcError ? err : new RpcError(toErrorShape(err));
    }
  }

  subscribe(listener: (e: HoldfastEvent) => void): () => void {
    return this.events.on(listener);
  }

  onConnection(listener: (s: ConnectionState) => void): () => void {
    listener(this.state);
    return this.connection.on(listener);
  }

  setConnection(state: ConnectionState): void {
    this.state = state;
    this.connection.emit(state);
  }

  /** Delivers an event to the window, as if the host had pushed it (only while connected, as on a real socket). */
  emit(event: HoldfastEvent): void {
    if (this.state === 'connected') this.events.emit(event);
  }

  callsOf(method: Method): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.input);
  }
}

/** A handler that is a real core: the window talks to it through the contract, as over IPC or the WebSocket. */
export function coreHandler(core: Core): Handler {
  return (method, input) => core.call(method, input);
}

export function fail(shape: ErrorShape): never {
  throw new RpcError(shape);
}

/** What the core reports while online with nothing queued: the start of a window's replica in renderer tests. */
export const onlineStatus: AppStatus = {
  network: 'online',
  provider: 'anthropic',
  model: 'claude-test',
  demo: false,
  queued_message_ids: [],
  waiting_message_ids: [],
  generating_conversation_ids: [],
  storage: { disk_full: false, unsaved_message_ids: [], damaged: null },
};

/** Defined beside the archive builder, which benchmarks import without the renderer transport. */
export { conversationRow, messageRow } from './archive';
