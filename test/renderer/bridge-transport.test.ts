/** The renderer's bridge transport: replies from a fake window.holdfast become results or typed errors, fields intact. */
import { describe, expect, it } from 'vitest';
import { RpcError, ipcTransport } from '../../src/renderer/src/api/transport';
import type { BridgeApi, BridgeReply } from '../../src/shared/contract';
import type { HoldfastEvent } from '../../src/shared/sync';

/** A stand-in for the preload bridge: answers each call with the reply the test gives, and records the calls. */
function fakeBridge(answer: (method: string, input: unknown) => unknown) {
  const calls: { method: string; input: unknown }[] = [];
  const listeners = new Set<(e: HoldfastEvent) => void>();
  const bridge: BridgeApi = {
    invoke: async (method, input) => {
      calls.push({ method, input });
      return answer(method, input) as BridgeReply;
    },
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return { bridge, calls, listeners };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('the Electron bridge transport', () => {
  it('resolves an ok reply with its result and passes method and input through', async () => {
    const { bridge, calls } = fakeBridge(() => ({ ok: true, result: { stopped: true } }));
    const t = ipcTransport(bridge);
    await expect(t.invoke('messages.stop', { message_id: 'm1' })).resolves.toEqual({ stopped: true });
    expect(calls).toEqual([{ method: 'messages.stop', input: { message_id: 'm1' } }]);
  });

  it('turns a failed reply into an RpcError keeping code, message, retryable and details', async () => {
    const error = { code: 'offline', message: 'The provider cannot be reached', retryable: true, details: { after_ms: 1500 } } as const;
    const t = ipcTransport(fakeBridge(() => ({ ok: false, error })).bridge);
    const err = await rejection(t.invoke('messages.retry', { message_id: 'm1' }));
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).shape).toEqual(error);
    expect((err as RpcError).message).toBe('The provider cannot be reached');
  });

  it('keeps the details of an invalid_input reply (the schema issues)', async () => {
    const issues = [{ path: ['title'], message: 'Too long' }];
    const t = ipcTransport(
      fakeBridge(() => ({ ok: false, error: { code: 'invalid_input', message: 'title: Too long', details: issues } })).bridge,
    );
    const err = (await rejection(t.invoke('conversations.create', { title: 'x' }))) as RpcError;
    expect(err.shape.code).toBe('invalid_input');
    expect(err.shape.details).toEqual(issues);
    expect(err.shape.retryable).toBeUndefined();
  });

  it('reports a reply outside the envelope as an internal RpcError, never as a result', async () => {
    for (const bad of [undefined, null, 'oops', { result: 1 }, { ok: false, error: { code: 'no_such_code', message: 'x' } }]) {
      const t = ipcTransport(fakeBridge(() => bad).bridge);
      const err = (await rejection(t.invoke('app.status', {}))) as RpcError;
      expect(err).toBeInstanceOf(RpcError);
      expect(err.shape.code).toBe('internal');
      expect(err.shape.message).toContain('app.status');
    }
  });

  it('passes events through and unsubscribes', () => {
    const { bridge, listeners } = fakeBridge(() => ({ ok: true, result: null }));
    const t = ipcTransport(bridge);
    const got: HoldfastEvent[] = [];
    const off = t.subscribe((e) => got.push(e));
    const event: HoldfastEvent = { type: 'messages.didAppendChunk', seq: 3, message_id: 'm', conversation_id: 'c', offset: 0, text: 'Hi' };
    for (const l of listeners) l(event);
    expect(got).toEqual([event]);
    off();
    expect(listeners.size).toBe(0);
  });

  it('reports connected once, at start', async () => {
    const t = ipcTransport(fakeBridge(() => ({ ok: true, result: null })).bridge);
    const states: string[] = [];
    t.onConnection((s) => states.push(s));
    await expect.poll(() => states).toEqual(['connected']);
  });
});
