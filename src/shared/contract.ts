/** The whole contract: every method any window or script may call, by name. */
import { conversations } from './conversations';
import { messages } from './messages';
import { sync } from './sync';
import { settings } from './settings';
import { exchange } from './exchange';
import { attachments } from './attachments';
import { providers } from './providers';
import type { InputOf, OutputOf } from './rpc';

export const contract = { ...conversations, ...messages, ...sync, ...settings, ...exchange, ...attachments, ...providers };
export type Contract = typeof contract;
export type Method = keyof Contract;
export type Input<M extends Method> = InputOf<Contract, M>;
export type Output<M extends Method> = OutputOf<Contract, M>;

export function isMethod(name: string): name is Method {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

/** What both transports offer a window: the preload bridge and the WebSocket client. */
export interface HoldfastApi {
  invoke<M extends Method>(method: M, input: Input<M>): Promise<Output<M>>;
  subscribe(listener: (event: import('./sync').HoldfastEvent) => void): () => void;
}

/** A reply as the preload bridge carries it: a value, never a rejection, because Electron keeps only the message of an
 * Error thrown across contextBridge (its code, retryable and details would be lost). */
export type BridgeReply = { ok: true; result: unknown } | { ok: false; error: import('./errors').ErrorShape };

/** What the preload exposes as window.holdfast; the renderer's transport turns a failed reply into its typed error. */
export interface BridgeApi {
  invoke(method: Method, input: unknown): Promise<BridgeReply>;
  subscribe(listener: (event: import('./sync').HoldfastEvent) => void): () => void;
}

/** Wire frames of the WebSocket transport (the IPC bridge carries the same payloads). */
export interface RequestFrame {
  id: number;
  method: string;
  input: unknown;
}
/** The WebSocket's reply: the bridge's reply envelope, tagged with its request's id. */
export type ResponseFrame = { id: number } & BridgeReply;
export interface EventFrame {
  event: import('./sync').HoldfastEvent;
}
