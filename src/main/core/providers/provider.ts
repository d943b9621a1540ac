/** One interface for every model provider: a request in, a stream of text events out, typed failures. */
import type { ThinkingSetting } from '../../../shared/model';

/**
 * A file sent with a user turn, as the engine hands it to every provider; each provider maps it to its own blocks
 * (Anthropic image/document blocks, OpenAI-compatible image_url parts) or refuses it with a clear reason.
 */
export interface ProviderAttachment {
  kind: 'image' | 'document' | 'text';
  name: string;
  mime: string;
  data: Buffer;
}

export interface ProviderMessage {
  role: 'user' | 'assistant';
  content: string;
  /** Files attached to this (user) turn, in the order the person attached them. */
  attachments?: ProviderAttachment[];
}

export interface ProviderRequest {
  model: string;
  system?: string;
  max_tokens: number;
  temperature?: number;
  /** Extended thinking for this request (never together with temperature; a budget below max_tokens). */
  thinking?: ThinkingSetting;
  messages: ProviderMessage[];
}

export type ProviderEvent =
  | { type: 'start'; input_tokens?: number }
  | { type: 'text'; text: string }
  /** A thinking block starts; its text follows as `thinking` events, then (usually) its `signature`. */
  | { type: 'thinking_start' }
  | { type: 'thinking'; text: string }
  | { type: 'signature'; signature: string }
  /** A whole thinking block the provider redacted: opaque data, kept and never shown. */
  | { type: 'redacted_thinking'; data: string }
  | { type: 'ping' }
  /** Only sent when the provider said the answer is finished (Anthropic: message_stop). */
  | { type: 'end'; stop_reason: string | null; input_tokens?: number; output_tokens?: number };

export type FailureKind =
  | 'network' // connection refused, reset, DNS, TLS: the network, not the provider
  | 'interrupted' // the stream ended (or went silent) before the provider said it was done
  | 'rate_limited'
  | 'overloaded'
  | 'server'
  | 'auth'
  | 'bad_request'
  | 'prefill_unsupported'
  | 'restarted' // the endpoint answered a continuation by starting over: the strategy does not work there
  | 'bad_response' // a stream with no event this client can read (a gateway speaking another dialect)
  | 'aborted';

const RETRYABLE: ReadonlySet<FailureKind> = new Set(['network', 'interrupted', 'rate_limited', 'overloaded', 'server']);

export class ProviderError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
    this.retryable = RETRYABLE.has(kind);
  }
}

export interface StreamOptions {
  signal: AbortSignal;
  /** Called whenever bytes arrive, `ping` included: what the engine's watchdog listens to. */
  onActivity?: () => void;
  /** A local server is still loading the model (nothing received yet): true while it does, false once bytes arrive. */
  onLoading?: (loading: boolean) => void;
}

export interface Provider {
  readonly name: string;
  readonly defaultModel: string;
  /** Where requests go (kind and base URL): what continuation strategies are remembered for, with the model. */
  readonly endpoint: string;
  stream(request: ProviderRequest, options: StreamOptions): AsyncIterable<ProviderEvent>;
  /** A cheap check that the provider's host answers at all (any HTTP answer counts). */
  probe(signal: AbortSignal): Promise<boolean>;
}

/** How long a provider asked to wait (`retry-after-ms`, or `retry-after` in seconds or as a date), in ms. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const s = headers?.get('retry-after');
  if (!s) return undefined;
  if (Number.isFinite(Number(s))) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
