/** The Anthropic provider: the real @anthropic-ai/sdk, streaming; SDK failures become typed ProviderErrors. */
import type Anthropic from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { toAnthropicMessages } from './anthropic-content';
import { ProviderError, retryAfterMs, type Provider, type ProviderEvent, type ProviderRequest, type StreamOptions } from './provider';

const DEFAULT_BASE_URL = 'https://api.anthropic.com';

type Sdk = typeof import('@anthropic-ai/sdk') & { Stream: typeof import('@anthropic-ai/sdk/streaming').Stream };
let loading: Promise<Sdk> | undefined;
/** Set once the SDK is loaded: until then no error can be one of its classes. */
let loaded: Sdk | undefined;

/**
 * The SDK is loaded with the first request, not with the process: loading it takes about 150 ms of a start that
 * streams nothing yet (issue 14: start-up), and a person may never use this provider at all.
 */
function sdk(): Promise<Sdk> {
  return (loading ??= Promise.all([import('@anthropic-ai/sdk'), import('@anthropic-ai/sdk/streaming')]).then(
    ([main, streaming]) => (loaded = { ...main, Stream: streaming.Stream }),
  ));
}

export interface AnthropicOptions {
  apiKey: string;
  baseURL?: string;
  defaultModel: string;
  /** Time allowed until response headers arrive; the body is watched by the engine's own watchdog. */
  connectTimeoutMs?: number;
}

export class AnthropicProvider implements Provider {
  readonly name = 'anthropic';
  readonly defaultModel: string;
  readonly endpoint: string;

  constructor(private readonly options: AnthropicOptions) {
    this.defaultModel = options.defaultModel;
    this.endpoint = `anthropic ${options.baseURL ?? DEFAULT_BASE_URL}`;
  }

  private client({ default: Anthropic }: Sdk, onActivity?: () => void): Anthropic {
    return new Anthropic({
      apiKey: this.options.apiKey,
      baseURL: this.options.baseURL ?? null,
      maxRetries: 0, // the engine owns retries: it knows about offline state, budgets and continuation
      timeout: this.options.connectTimeoutMs ?? 60_000,
      fetch: streamFetch(onActivity),
    });
  }

  async *stream(request: ProviderRequest, { signal, onActivity }: StreamOptions): AsyncIterable<ProviderEvent> {
    // Files are checked against the API's limits before anything is sent: a broken limit fails at once, with its reason.
    const messages = toAnthropicMessages(request.messages, request.model);
    let response;
    let lib: Sdk;
    try {
      lib = await sdk();
      // The raw response, read below with the SDK's own SSE parser: the SDK's event stream drops data-only frames.
      response = await this.client(lib, onActivity)
        .messages.create(
          {
            model: request.model,
            max_tokens: request.max_tokens,
            messages,
            ...(request.system ? { system: request.system } : {}),
            ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
            ...(request.thinking ? { thinking: request.thinking } : {}),
            stream: true,
          },
          { signal },
        )
        .asResponse();
    } catch (err) {
      throw toProviderError(err);
    }
    const stream = streamEvents(response, lib.Stream);
    let stopReason: string | null = null;
    let inputTokens: number | undefined;
    let outputTokens: number | undefined;
    try {
      for await (const ev of stream) {
        switch (ev.type) {
          case 'message_start':
            inputTokens = ev.message.usage?.input_tokens; // optional: not every gateway sends usage
            yield { type: 'start', input_tokens: inputTokens };
            break;
          case 'content_block_start':
            if (ev.content_block.type === 'thinking') {
              yield { type: 'thinking_start' };
              if (ev.content_block.thinking) yield { type: 'thinking', text: ev.content_block.thinking };
            } else if (ev.content_block.type === 'redacted_thinking') yield { type: 'redacted_thinking', data: ev.content_block.data };
            break;
          case 'content_block_delta':
            if (ev.delta.type === 'text_delta') yield { type: 'text', text: ev.delta.text };
            else if (ev.delta.type === 'thinking_delta') yield { type: 'thinking', text: ev.delta.thinking };
            else if (ev.delta.type === 'signature_delta') yield { type: 'signature', signature: ev.delta.signature };
            break;
          case 'message_delta':
            stopReason = ev.delta.stop_reason ?? stopReason;
            // Optional: some Anthropic-compatible gateways leave `usage` out of message_delta.
            outputTokens = ev.usage?.output_tokens ?? outputTokens;
            if (ev.usage?.input_tokens != null) inputTokens = ev.usage.input_tokens;
            break;
          case 'message_stop':
            yield { type: 'end', stop_reason: stopReason, input_tokens: inputTokens, output_tokens: outputTokens };
            return;
          default:
            break; // content_block_stop carries nothing we store
        }
      }
    } catch (err) {
      throw toProviderError(err);
    }
    // The stream ended without message_stop: the engine treats it as an interruption.
  }

  async probe(signal: AbortSignal): Promise<boolean> {
    const base = this.options.baseURL ?? 'https://api.anthropic.com';
    try {
      await fetch(base, { method: 'HEAD', signal });
      return true; // any HTTP answer means the host is reachable
    } catch {
      return false; // refused, reset, DNS or timeout: not reachable right now
    }
  }
}

/**
 * Reads a streamed response's events with the SDK's own SSE parser, tolerating what Anthropic-compatible gateways
 * send: frames without an `event:` line are named by their JSON `type` (the SDK's event stream drops them), and an
 * `error` event becomes a typed failure. A stream in which no Anthropic event at all can be read fails at once
 * instead of being retried as an interruption.
 */
async function* streamEvents(response: Response, Stream: Sdk['Stream']): AsyncGenerator<RawMessageStreamEvent> {
  let known = 0;
  let firstUnknown: string | null = null;
  for await (const sse of Stream.rawEvents(response)) {
    if (!sse.data || sse.event === 'ping') continue;
    let body: { type?: unknown; error?: { type?: unknown; message?: unknown } };
    try {
      body = JSON.parse(sse.data) as typeof body;
    } catch {
      // Before any Anthropic event, another dialect (`data: [DONE]`); after one, an event cut off mid-line.
      if (!known) {
        firstUnknown ??= sse.raw.join(' ').slice(0, 120);
        continue;
      }
      throw new ProviderError('interrupted', `The stream carried an unreadable event: ${sse.data.slice(0, 80)}`);
    }
    const type = sse.event ?? (typeof body.type === 'string' ? body.type : null);
    if (type === 'ping') continue;
    if (type === 'error') throw streamError(String(body.error?.type ?? ''), String(body.error?.message ?? sse.data));
    if (type && STREAM_EVENTS.has(type)) known++;
    else firstUnknown ??= sse.raw.join(' ').slice(0, 120);
    yield body as RawMessageStreamEvent;
  }
  if (!known && firstUnknown !== null) {
    throw new ProviderError('bad_response', `The endpoint's stream has no Anthropic Messages events (it sent: ${firstUnknown})`);
  }
}

const STREAM_EVENTS: ReadonlySet<string> = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
]);

/**
 * Wraps fetch so that every received byte counts as activity (the SDK swallows `ping` events), and so that a stream
 * which ends cleanly without the blank line after its last event still delivers that event. SSE parsers (the SDK's
 * included) discard an unterminated final event, and some gateways and recordings end `message_stop` that way;
 * a line cut off mid-way cannot parse as JSON and still fails as an interruption.
 */
function streamFetch(onActivity?: () => void): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    onActivity?.();
    // Every request here streams; an error answers JSON (a gateway may label its stream otherwise, so no more is asked).
    if (!res.body || !res.ok || res.headers.get('content-type')?.includes('application/json')) return res;
    let tail = '';
    const body = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          onActivity?.();
          if (chunk.length) tail = (tail + String.fromCharCode(...chunk.subarray(-4))).slice(-4);
          controller.enqueue(chunk);
        },
        flush(controller) {
          // Only a clean end reaches here; a reset errors the stream instead.
          if (!tail || /(\r\n\r\n|\n\n|\r\r)$/.test(tail)) return;
          controller.enqueue(new TextEncoder().encode(/[\r\n]$/.test(tail) ? '\n' : '\n\n'));
        },
      }),
    );
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

export function toProviderError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (loaded && err instanceof loaded.APIUserAbortError) return new ProviderError('aborted', 'The request was aborted');
  if (loaded && err instanceof loaded.APIConnectionError) return new ProviderError('network', `Connection failed: ${err.message}`);
  if (loaded && err instanceof loaded.APIError) {
    const body = err.error as { error?: { type?: string; message?: string } } | undefined;
    const type = body?.error?.type ?? '';
    const detail = body?.error?.message ?? err.message;
    const status = err.status;
    if (status === undefined) return streamError(type, detail); // an `event: error` in the middle of a stream
    const wait = retryAfterMs(err.headers);
    if (status === 429) return new ProviderError('rate_limited', `Rate limited (429): ${detail}`, status, wait);
    if (status === 529) return new ProviderError('overloaded', `Overloaded (529): ${detail}`, status, wait);
    if (status === 408 || status >= 500) return new ProviderError('server', `Provider error (${status}): ${detail}`, status, wait);
    if (status === 401 || status === 403)
      return new ProviderError('auth', `Not authorised (${status}): ${detail}; check the provider's API key`, status);
    if (status === 400 && /prefill/i.test(detail)) return new ProviderError('prefill_unsupported', detail, status);
    return new ProviderError('bad_request', `Request refused (${status}): ${detail}`, status);
  }
  if (err instanceof Error && err.name === 'AbortError') return new ProviderError('aborted', 'The request was aborted');
  // undici's "terminated", ECONNRESET and friends while reading the body.
  const msg = err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err);
  return new ProviderError('network', `Connection lost: ${msg}`);
}

/**
 * An `error` event in the middle of a stream. Only the provider's transient conditions are retried; a request the
 * provider refused (invalid, unauthorised, forbidden, unknown model, too large) or an error type we do not know
 * would fail the same way again, so it ends the answer at once with the provider's message.
 */
function streamError(type: string, detail: string): ProviderError {
  switch (type) {
    case 'overloaded_error':
      return new ProviderError('overloaded', `Overloaded mid-answer: ${detail}`);
    case 'rate_limit_error':
      return new ProviderError('rate_limited', `Rate limited mid-answer: ${detail}`);
    case 'api_error':
    case 'timeout_error':
      return new ProviderError('server', `Stream error (${type}): ${detail}`);
    case 'authentication_error':
    case 'permission_error':
      return new ProviderError('auth', `Not authorised (${type}): ${detail}`);
    default:
      if (type === 'invalid_request_error' && /prefill/i.test(detail)) return new ProviderError('prefill_unsupported', detail);
      return new ProviderError('bad_request', `Request refused (${type || 'unknown error'}): ${detail}`);
  }
}
