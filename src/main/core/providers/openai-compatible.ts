/**
 * The OpenAI-compatible provider (OpenAI, OpenRouter, Ollama, LM Studio, llama.cpp, vLLM, DeepSeek, Mistral, Groq,
 * Gemini): the real `openai` SDK sends the request, its SSE reader reads the stream, and this module reads the chunks
 * as real servers send them; SDK failures become typed ProviderErrors.
 */
import type OpenAI from 'openai';
import type { ContinuationStyle } from '../../../shared/providers';
import {
  ProviderError,
  type Provider,
  type ProviderEvent,
  type ProviderMessage,
  type ProviderRequest,
  type StreamOptions,
  retryAfterMs,
} from './provider';

export interface OpenAICompatibleOptions {
  baseURL: string;
  /** Optional: local servers need none. */
  apiKey?: string | null;
  defaultModel: string;
  /** How this endpoint continues a trailing assistant message (user_turn: it cannot; the engine asks in a user turn). */
  continuation: ContinuationStyle;
  /** Time allowed until response headers arrive (a remote endpoint). */
  connectTimeoutMs?: number;
  /**
   * For a loopback endpoint: how long it may send nothing while it loads a model or reads a long prompt before the
   * first byte; the engine's watchdog is kept fed meanwhile.
   */
  firstByteMs?: number;
  loopback?: boolean;
  /**
   * Send the limit as `max_completion_tokens` (OpenAI itself: its reasoning models refuse `max_tokens`); other
   * servers know only `max_tokens`.
   */
  maxCompletionTokens?: boolean;
}

type Sdk = typeof import('openai') & { iterSSEMessages: typeof import('openai/core/streaming')._iterSSEMessages };
let loading: Promise<Sdk> | undefined;
/** Set once the SDK is loaded: until then no error can be one of its classes. */
let loaded: Sdk | undefined;

/** The SDK is loaded with the first request, not with the process (as the Anthropic provider's: start-up, issue 14). */
function sdk(): Promise<Sdk> {
  return (loading ??= Promise.all([import('openai'), import('openai/core/streaming')]).then(
    ([main, streaming]) => (loaded = { ...main, iterSSEMessages: streaming._iterSSEMessages }),
  ));
}

/**
 * How servers word a request over the model's context: OpenAI ("maximum context length", `context_length_exceeded`),
 * vLLM and llama.cpp ("exceeds the available context size", "too many tokens"), Ollama, LM Studio, Mistral
 * ("prompt is too long", "too large for model").
 */
const CONTEXT_LIMIT =
  /context[ _-]?(length|window|size)|too many tokens|(prompt|input) is too long|too large for (the )?model|maximum .*tokens/i;

/** Seconds without an answer from a loopback endpoint after which it is shown as loading the model. */
const LOADING_AFTER_S = 2;

/** Finish reasons in the words the rest of Holdfast uses (Anthropic's stop reasons); others are kept as sent. */
const FINISH: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  content_filter: 'content_filter',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
};

export class OpenAICompatibleProvider implements Provider {
  readonly name = 'openai-compatible';
  readonly defaultModel: string;
  readonly endpoint: string;

  constructor(private readonly options: OpenAICompatibleOptions) {
    this.defaultModel = options.defaultModel;
    this.endpoint = `openai-compatible ${options.baseURL}`;
  }

  private client({ default: OpenAI }: Sdk, timeout: number): OpenAI {
    return new OpenAI({
      // The SDK insists on a key; local servers ignore the header.
      apiKey: this.options.apiKey || 'no-key',
      baseURL: this.options.baseURL,
      maxRetries: 0, // the engine owns retries: it knows about offline state, budgets and continuation
      timeout,
    });
  }

  async *stream(request: ProviderRequest, { signal, onActivity, onLoading }: StreamOptions): AsyncIterable<ProviderEvent> {
    const body = this.body(request);
    const firstByteMs = this.options.loopback ? (this.options.firstByteMs ?? 10 * 60_000) : (this.options.connectTimeoutMs ?? 60_000);
    // A local server may say nothing for minutes while it loads the model: the watchdog is fed until headers arrive.
    let waited = 0;
    const feeder = this.options.loopback
      ? setInterval(() => {
          onActivity?.();
          if (++waited === LOADING_AFTER_S) onLoading?.(true); // shown as "loading model", not as an error
        }, 1000)
      : null;
    let response: Response;
    let lib: Sdk;
    try {
      lib = await sdk();
      response = await this.client(lib, firstByteMs)
        .chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsStreaming, { signal })
        .asResponse();
    } catch (err) {
      const e = toProviderError(err);
      // A server that will not take a trailing assistant message says so with a 400 or 422 ("last message must be
      // from the user"): the engine then continues with a user turn and remembers it for this endpoint and model.
      // A refusal that names the context or token limit is about the request's size, not its last message: it is not
      // taken (and remembered) as "cannot continue".
      if (
        e.kind === 'bad_request' &&
        (e.status === 400 || e.status === 422) &&
        request.messages.at(-1)?.role === 'assistant' &&
        !CONTEXT_LIMIT.test(e.message)
      )
        throw new ProviderError('prefill_unsupported', `The endpoint refused a trailing assistant message: ${e.message}`, e.status);
      throw e;
    } finally {
      if (feeder) clearInterval(feeder);
      if (waited >= LOADING_AFTER_S) onLoading?.(false);
    }
    onActivity?.();
    yield* readChunks(response, signal, onActivity);
  }

  /** The request body, continuing a trailing assistant message the way this endpoint understands. */
  private body(request: ProviderRequest): Record<string, unknown> {
    const messages: Record<string, unknown>[] = [];
    if (request.system) messages.push({ role: 'system', content: request.system });
    for (const m of request.messages) messages.push(toWire(m));
    const extra: Record<string, unknown> = {};
    const last = request.messages[request.messages.length - 1];
    if (last?.role === 'assistant') {
      switch (this.options.continuation) {
        case 'user_turn':
          // The engine falls back to a user turn and remembers it for this endpoint and model.
          throw new ProviderError('prefill_unsupported', 'This endpoint does not continue a trailing assistant message');
        case 'prefix':
          messages[messages.length - 1] = { ...messages[messages.length - 1], prefix: true };
          break;
        case 'continue_final_message':
          extra.continue_final_message = true;
          extra.add_generation_prompt = false;
          break;
        case 'trailing_assistant':
          break;
      }
    }
    return {
      model: request.model,
      messages,
      ...(this.options.maxCompletionTokens ? { max_completion_tokens: request.max_tokens } : { max_tokens: request.max_tokens }),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      stream: true,
      stream_options: { include_usage: true },
      ...extra,
    };
  }

  async probe(signal: AbortSignal): Promise<boolean> {
    try {
      await fetch(`${this.options.baseURL.replace(/\/$/, '')}/models`, { method: 'GET', signal });
      return true; // any HTTP answer means the endpoint is reachable
    } catch {
      return false;
    }
  }

  /** The endpoint's model list (`GET /models`), sorted. */
  async models(signal?: AbortSignal): Promise<string[]> {
    try {
      const page = await this.client(await sdk(), this.options.connectTimeoutMs ?? 15_000).models.list({ signal });
      return page.data
        .map((m) => m.id)
        .filter(Boolean)
        .sort();
    } catch (err) {
      throw toProviderError(err);
    }
  }
}

function toWire(m: ProviderMessage): Record<string, unknown> {
  if (!m.attachments?.length || m.role !== 'user') return { role: m.role, content: m.content };
  const parts: Record<string, unknown>[] = [];
  for (const a of m.attachments) {
    const data = `data:${a.mime};base64,${a.data.toString('base64')}`;
    if (a.kind === 'image') parts.push({ type: 'image_url', image_url: { url: data } });
    else if (a.kind === 'text') parts.push({ type: 'text', text: `${a.name}:\n${a.data.toString('utf8')}` });
    else parts.push({ type: 'file', file: { filename: a.name, file_data: data } });
  }
  if (m.content) parts.push({ type: 'text', text: m.content });
  return { role: 'user', content: parts };
}

interface Chunk {
  choices?: { delta?: Delta | null; finish_reason?: string | null }[] | null;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  citations?: unknown;
  error?: { message?: unknown; type?: unknown; code?: unknown } | string;
}
interface Delta {
  content?: string | Part[] | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  annotations?: { type?: string; url_citation?: { url?: string; title?: string } }[] | null;
}
interface Part {
  type?: string;
  text?: string;
  thinking?: string | Part[];
}

/**
 * Reads a chat.completion.chunk stream as servers really send it. The answer is complete only once a chunk carries a
 * `finish_reason` (with content or usage on it, or not); `[DONE]` and a usage chunk may follow or not. A stream that
 * ends (or breaks) without one is an interruption. Reasoning (`reasoning_content`, `reasoning`, or `thinking` parts)
 * goes out as thinking; unknown fields, empty `choices`, `content: null` and repeated roles are ignored.
 */
export async function* readChunks(response: Response, signal: AbortSignal, onActivity?: () => void): AsyncGenerator<ProviderEvent> {
  let finish: string | null = null;
  let readable = 0;
  let firstUnreadable: string | null = null;
  let inThinking = false;
  let inputTokens: number | undefined;
  let outputTokens: number | undefined;
  const citations: string[] = [];
  const end = (): ProviderEvent[] => {
    const out: ProviderEvent[] = [];
    if (citations.length) out.push({ type: 'text', text: `\n\nSources:\n${citations.map((c, i) => `${i + 1}. ${c}`).join('\n')}` });
    out.push({ type: 'end', stop_reason: FINISH[finish!] ?? finish, input_tokens: inputTokens, output_tokens: outputTokens });
    return out;
  };
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let started = false;
  try {
    const { iterSSEMessages } = await sdk();
    for await (const sse of iterSSEMessages(response, controller)) {
      onActivity?.();
      const data = sse.data.trim();
      if (!data) continue;
      if (data === '[DONE]') break;
      let chunk: Chunk;
      try {
        chunk = JSON.parse(data) as Chunk;
      } catch {
        if (!readable) {
          firstUnreadable ??= data.slice(0, 120);
          continue;
        }
        throw new ProviderError('interrupted', `The stream carried an unreadable chunk: ${data.slice(0, 80)}`);
      }
      if (!chunk || typeof chunk !== 'object') continue;
      if (chunk.error !== undefined) throw streamError(chunk.error);
      if (sse.event === 'error') throw streamError(data);
      readable++;
      if (!started) {
        started = true;
        yield { type: 'start' };
      }
      if (chunk.usage) {
        inputTokens = chunk.usage.prompt_tokens ?? inputTokens;
        outputTokens = chunk.usage.completion_tokens ?? outputTokens;
      }
      if (Array.isArray(chunk.citations))
        for (const c of chunk.citations) if (typeof c === 'string' && !citations.includes(c)) citations.push(c);
      for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
        const delta = choice?.delta;
        if (delta && typeof delta === 'object') {
          const reasoning =
            typeof delta.reasoning_content === 'string'
              ? delta.reasoning_content
              : typeof delta.reasoning === 'string'
                ? delta.reasoning
                : '';
          if (reasoning) {
            if (!inThinking) yield { type: 'thinking_start' };
            inThinking = true;
            yield { type: 'thinking', text: reasoning };
          }
          for (const part of contentParts(delta.content)) {
            if (part.kind === 'thinking') {
              if (!inThinking) yield { type: 'thinking_start' };
              inThinking = true;
              yield { type: 'thinking', text: part.text };
            } else {
              inThinking = false;
              yield { type: 'text', text: part.text };
            }
          }
          for (const a of Array.isArray(delta.annotations) ? delta.annotations : []) {
            const url = a?.url_citation?.url;
            if (typeof url === 'string' && !citations.includes(url)) citations.push(url);
          }
        }
        if (typeof choice?.finish_reason === 'string' && choice.finish_reason) finish = choice.finish_reason;
      }
    }
  } catch (err) {
    // Cut off after the server said the answer was finished (before `[DONE]` or the usage chunk): it is complete.
    if (finish !== null) {
      yield* end();
      return;
    }
    throw toProviderError(err);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (signal.aborted) throw new ProviderError('aborted', 'The request was aborted');
  if (finish !== null) {
    yield* end();
    return;
  }
  if (!readable && firstUnreadable !== null)
    throw new ProviderError('bad_response', `The endpoint's stream has no chat.completion chunks (it sent: ${firstUnreadable})`);
  // No finish_reason: the engine treats the end of the stream as an interruption.
}

function contentParts(content: Delta['content']): { kind: 'text' | 'thinking'; text: string }[] {
  if (typeof content === 'string') return content ? [{ kind: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [];
  const out: { kind: 'text' | 'thinking'; text: string }[] = [];
  for (const p of content) {
    if (!p || typeof p !== 'object') continue;
    if (p.type === 'thinking') {
      // Mistral's reasoning models: {type: 'thinking', thinking: [{type: 'text', text}]}.
      const t =
        typeof p.thinking === 'string' ? p.thinking : Array.isArray(p.thinking) ? p.thinking.map((x) => x?.text ?? '').join('') : '';
      if (t) out.push({ kind: 'thinking', text: t });
    } else if (typeof p.text === 'string' && p.text && (p.type === 'text' || p.type === undefined))
      out.push({ kind: 'text', text: p.text });
  }
  return out;
}

export function toProviderError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (loaded && err instanceof loaded.APIUserAbortError) return new ProviderError('aborted', 'The request was aborted');
  if (loaded && err instanceof loaded.APIConnectionError) return new ProviderError('network', `Connection failed: ${err.message}`);
  if (loaded && err instanceof loaded.APIError) {
    const status = err.status;
    const detail = err.message;
    if (status === undefined) return streamError(err.error as Chunk['error']);
    const wait = retryAfterMs(err.headers);
    if (status === 429) return new ProviderError('rate_limited', `Rate limited (429): ${detail}`, status, wait);
    if (status === 408 || status >= 500) return new ProviderError('server', `Provider error (${status}): ${detail}`, status, wait);
    if (status === 401 || status === 403)
      return new ProviderError('auth', `Not authorised (${status}): ${detail}; check the provider's API key`, status);
    return new ProviderError('bad_request', `Request refused (${status}): ${detail}`, status);
  }
  if (err instanceof Error && err.name === 'AbortError') return new ProviderError('aborted', 'The request was aborted');
  const msg = err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err);
  return new ProviderError('network', `Connection lost: ${msg}`);
}

/**
 * An error object inside the stream. OpenAI-compatible servers differ in its shape (`{error: {message, type, code}}`,
 * a numeric code, a bare string); a request the server refused ends the answer at once, anything else is retried
 * (the engine's cap on interruptions bounds it).
 */
function streamError(error: Chunk['error']): ProviderError {
  const e = typeof error === 'object' && error ? error : { message: error };
  const message = String(e.message ?? 'unknown error');
  const type = String(e.type ?? '');
  const code = Number(e.code);
  const label = `${type || (Number.isFinite(code) ? code : 'error')}`;
  if (code === 401 || code === 403 || /auth|permission/i.test(type))
    return new ProviderError('auth', `Not authorised mid-answer (${label}): ${message}`);
  if (code === 400 || code === 404 || code === 413 || /invalid_request|not_found/i.test(type))
    return new ProviderError('bad_request', `Request refused mid-answer (${label}): ${message}`);
  if (code === 429 || /rate/i.test(type)) return new ProviderError('rate_limited', `Rate limited mid-answer (${label}): ${message}`);
  return new ProviderError('server', `Stream error (${label}): ${message}`);
}
