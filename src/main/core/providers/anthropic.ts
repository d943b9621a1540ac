/** The Anthropic provider: the real @anthropic-ai/sdk, streaming; SDK failures become typed ProviderErrors. */
import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { ProviderError, type Provider, type ProviderEvent, type ProviderRequest, type StreamOptions } from './provider';

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

  constructor(private readonly options: AnthropicOptions) {
    this.defaultModel = options.defaultModel;
  }

  private client(onActivity?: () => void): Anthropic {
    return new Anthropic({
      apiKey: this.options.apiKey,
      baseURL: this.options.baseURL ?? null,
      maxRetries: 0, // the engine owns retries: it knows about offline state, budgets and continuation
      timeout: this.options.connectTimeoutMs ?? 60_000,
      fetch: onActivity ? tappedFetch(onActivity) : undefined,
    });
  }

  async *stream(request: ProviderRequest, { signal, onActivity }: StreamOptions): AsyncIterable<ProviderEvent> {
    let stream;
    try {
      stream = await this.client(onActivity).messages.create(
        {
          model: request.model,
          max_tokens: request.max_tokens,
          messages: request.messages,
          ...(request.system ? { system: request.system } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.thinking ? { thinking: request.thinking } : {}),
          stream: true,
        },
        { signal },
      );
    } catch (err) {
      throw toProviderError(err);
    }
    let stopReason: string | null = null;
    let inputTokens: number | undefined;
    let outputTokens: number | undefined;
    try {
      for await (const ev of stream) {
        switch (ev.type) {
          case 'message_start':
            inputTokens = ev.message.usage.input_tokens;
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
            outputTokens = ev.usage.output_tokens ?? outputTokens;
            if (ev.usage.input_tokens != null) inputTokens = ev.usage.input_tokens;
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
    // The SDK ends quietly both when the stream closed early and when we aborted it: the engine tells them apart.
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

/** Wraps fetch so every received byte counts as activity (the SDK itself swallows `ping` events). */
function tappedFetch(onActivity: () => void): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    onActivity();
    if (!res.body) return res;
    const body = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          onActivity();
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const s = headers?.get('retry-after');
  if (!s) return undefined;
  if (Number.isFinite(Number(s))) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

export function toProviderError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (err instanceof APIUserAbortError) return new ProviderError('aborted', 'The request was aborted');
  if (err instanceof APIConnectionError) return new ProviderError('network', `Connection failed: ${err.message}`);
  if (err instanceof APIError) {
    const body = err.error as { error?: { type?: string; message?: string } } | undefined;
    const type = body?.error?.type ?? '';
    const detail = body?.error?.message ?? err.message;
    const status = err.status;
    if (status === undefined) {
      // An `event: error` in the middle of a stream.
      if (type === 'overloaded_error') return new ProviderError('overloaded', `Overloaded mid-answer: ${detail}`);
      if (type === 'rate_limit_error') return new ProviderError('rate_limited', `Rate limited mid-answer: ${detail}`);
      return new ProviderError('server', `Stream error (${type || 'unknown'}): ${detail}`);
    }
    const wait = retryAfterMs(err.headers);
    if (status === 429) return new ProviderError('rate_limited', `Rate limited (429): ${detail}`, status, wait);
    if (status === 529) return new ProviderError('overloaded', `Overloaded (529): ${detail}`, status, wait);
    if (status === 408 || status >= 500) return new ProviderError('server', `Provider error (${status}): ${detail}`, status, wait);
    if (status === 401 || status === 403) return new ProviderError('auth', `Not authorised (${status}): ${detail}`, status);
    if (status === 400 && /prefill/i.test(detail)) return new ProviderError('prefill_unsupported', detail, status);
    return new ProviderError('bad_request', `Request refused (${status}): ${detail}`, status);
  }
  if (err instanceof Error && err.name === 'AbortError') return new ProviderError('aborted', 'The request was aborted');
  // undici's "terminated", ECONNRESET and friends while reading the body.
  const msg = err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err);
  return new ProviderError('network', `Connection lost: ${msg}`);
}
