/**
 * A local server that speaks the OpenAI Chat Completions streaming wire format (`data:` lines of chat.completion.chunk,
 * `finish_reason`, a usage chunk, `data: [DONE]`, `GET /v1/models`), with deterministic answers, the same scripted
 * faults as the Anthropic one (reset, clean close without finish_reason, stall, error statuses with retry-after, an
 * error object mid-stream, offline), each way an endpoint continues an answer, and recorded streams replayed byte for
 * byte. One delta is one token: an answer longer than `max_tokens` deltas ends with `finish_reason: "length"`;
 * `[stop=content_filter]` in the prompt ends it blocked.
 */
import http from 'node:http';
import { FakeNetworkServer, readJson, sleep } from './fake-network';
import { answerFor, splitIntoDeltas } from '../../src/main/core/providers/demo-text';
import { CONTINUE_PROMPT } from '../../src/main/core/engine/continuation';
import type { ContinuationStyle } from '../../src/shared/providers';
import type { Fault, FaultMoment } from './fake-anthropic';

export interface FakeOpenAIConfig {
  paceMs: number;
  /**
   * How this server continues a trailing assistant message: `trailing_assistant` (llama.cpp, Ollama), `prefix` (only
   * with `prefix: true`: DeepSeek, Mistral), `continue_final_message` (vLLM), `user_turn` (OpenAI: it answers a
   * trailing assistant message from the beginning, as a fresh answer). A continue user turn works everywhere.
   */
  style: ContinuationStyle;
  /** Where reasoning goes when the prompt has `[think]`: DeepSeek, Groq/Ollama/OpenRouter, Mistral. */
  reasoning: 'reasoning_content' | 'reasoning' | 'thinking_parts';
  /** The finish_reason rides on the last content chunk (as some servers send) instead of an empty chunk of its own. */
  finishOnContent: boolean;
  /** Send `stream_options.include_usage`'s usage chunk (choices: []) after the finish. */
  usageChunk: boolean;
  done: boolean;
  /** Leave finish_reason out altogether (a broken server): every stream is an interruption. */
  omitFinish: boolean;
  models: string[];
  /** Send nothing, not even headers, for this long: a local server loading the model or reading a long prompt. */
  headerDelayMs: number;
  /** Answer a request that ends with an assistant message with 400, as servers that require a user turn last do. */
  refuseTrailingAssistant: boolean;
  /** When set, a completion request must carry `Authorization: Bearer <apiKey>` or gets OpenAI's 401. */
  apiKey: string | null;
}

export interface RecordedOpenAIRequest {
  model: string;
  max_tokens?: number;
  messages: { role: string; content: string; prefix?: boolean }[];
  /** Each message's content parts as sent, when it was an array (images, files, text). */
  parts: unknown[][];
  continue_final_message?: boolean;
  /** The limit came as `max_completion_tokens`. */
  max_completion_tokens?: boolean;
  stream_options?: unknown;
  authorization?: string;
  at: number;
}

export interface OpenAIReplay {
  sse: string;
  match?: string;
  times?: number;
}

export class FakeOpenAI extends FakeNetworkServer {
  readonly requests: RecordedOpenAIRequest[] = [];
  config: FakeOpenAIConfig = {
    paceMs: 2,
    style: 'trailing_assistant',
    reasoning: 'reasoning_content',
    finishOnContent: false,
    usageChunk: true,
    done: true,
    omitFinish: false,
    models: ['local-a', 'local-b'],
    headerDelayMs: 0,
    apiKey: null,
    refuseTrailingAssistant: false,
  };
  onDelta: ((prompt: string, sent: number) => void) | null = null;
  firedFaults = 0;
  private faults: Fault[] = [];
  private replays: OpenAIReplay[] = [];

  constructor(config: Partial<FakeOpenAIConfig> = {}) {
    super();
    Object.assign(this.config, config);
  }

  /** The base URL a client is given (`…/v1`). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  script(...faults: Fault[]): void {
    this.faults.push(...faults);
  }
  pendingFaults(): number {
    return this.faults.length;
  }
  replay(r: OpenAIReplay): void {
    this.replays.push({ ...r });
  }

  static answer(prompt: string): string {
    return answerFor(prompt);
  }
  static thinking(prompt: string): string {
    return answerFor(`Reasoning about ${prompt}`, 200);
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ object: 'list', data: this.config.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'local' })) }),
      );
      return;
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error' } }));
      return;
    }
    if (this.config.apiKey !== null && req.headers.authorization !== `Bearer ${this.config.apiKey}`)
      return apiError(res, 401, 'invalid_request_error', 'Incorrect API key provided. You can find your API key in your account settings.');
    const body = (await readJson(req).catch(() => undefined)) as
      | {
          model?: string;
          max_tokens?: number;
          /** OpenAI's newer name for the limit. */
          max_completion_tokens?: number;
          messages?: { role: string; content: unknown; prefix?: boolean }[];
          stream?: boolean;
          continue_final_message?: boolean;
          stream_options?: unknown;
        }
      | undefined;
    if (!body?.model || !Array.isArray(body.messages) || !body.messages.length)
      return apiError(res, 400, 'invalid_request_error', 'model and messages are required');
    const messages = body.messages.map((m) => ({ role: m.role, content: textOf(m.content), ...(m.prefix ? { prefix: true } : {}) }));
    this.requests.push({
      model: body.model,
      max_tokens: body.max_tokens ?? body.max_completion_tokens,
      ...(body.max_completion_tokens !== undefined ? { max_completion_tokens: true } : {}),
      messages,
      parts: body.messages.map((m) => (Array.isArray(m.content) ? (m.content as unknown[]) : [])),
      ...(body.continue_final_message ? { continue_final_message: true } : {}),
      stream_options: body.stream_options,
      authorization: req.headers.authorization,
      at: Date.now(),
    });
    const convo = messages.filter((m) => m.role !== 'system');
    const last = convo[convo.length - 1]!;
    let prompt: string;
    let already = '';
    if (last.role === 'assistant' && this.config.refuseTrailingAssistant)
      return apiError(
        res,
        400,
        'invalid_request_error',
        'Expected last role User or Tool (or Assistant with prefix True) but got assistant',
      );
    if (last.role === 'assistant') {
      prompt = convo[convo.length - 2]?.content ?? '';
      const honoured =
        (this.config.style === 'trailing_assistant' && !last.prefix && !body.continue_final_message) ||
        (this.config.style === 'prefix' && last.prefix === true) ||
        (this.config.style === 'continue_final_message' && body.continue_final_message === true);
      // A server that does not take this form answers as if asked afresh: the answer from its beginning.
      if (honoured) already = last.content;
    } else if (last.content === CONTINUE_PROMPT && convo.length >= 3) {
      already = convo[convo.length - 2]!.content;
      prompt = convo[convo.length - 3]!.content;
    } else prompt = last.content;
    const full = answerFor(prompt);
    const rest = already && full.startsWith(already) ? full.slice(already.length) : full;
    const replay = this.takeReplay(prompt);
    if (replay) return this.replayStream(res, replay);
    const fault = this.takeFault(prompt);
    if (fault?.kind === 'status') {
      this.firedFaults++;
      const type = fault.status === 429 ? 'rate_limit_exceeded' : fault.status >= 500 ? 'server_error' : 'invalid_request_error';
      return apiError(res, fault.status, type, fault.message ?? `Scripted ${fault.status}`, fault.retryAfter);
    }
    await this.stream(
      res,
      body.model,
      rest,
      prompt,
      body.max_tokens ?? body.max_completion_tokens ?? Infinity,
      fault,
      full.length - rest.length,
    );
  }

  private chunks(model: string, text: string, prompt: string, maxTokens: number): string[] {
    const id = `chatcmpl-${Date.now().toString(36)}`;
    const base = { id, object: 'chat.completion.chunk', created: 1_700_000_000, model, system_fingerprint: 'fp_fake' };
    const chunk = (delta: unknown, finish: string | null = null, extra: object = {}) =>
      JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra });
    const out = [chunk({ role: 'assistant', content: '' })];
    let used = 0;
    if (prompt.includes('[think]')) {
      for (const d of splitIntoDeltas(FakeOpenAI.thinking(prompt), 11)) {
        used++;
        if (this.config.reasoning === 'thinking_parts')
          out.push(chunk({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: d }] }] }));
        else out.push(chunk({ content: null, [this.config.reasoning]: d }));
      }
    }
    let deltas = splitIntoDeltas(text);
    let finish = /\[stop=([a-z_]+)\]/.exec(prompt)?.[1] ?? 'stop';
    if (finish === 'content_filter') deltas = deltas.slice(0, 2);
    const room = Math.max(0, maxTokens - used);
    if (deltas.length > room) {
      deltas = deltas.slice(0, room);
      finish = 'length';
    }
    deltas.forEach((d, i) => {
      const lastOne = i === deltas.length - 1;
      out.push(chunk({ content: d }, lastOne && this.config.finishOnContent && !this.config.omitFinish ? finish : null));
    });
    if ((!this.config.finishOnContent || !deltas.length) && !this.config.omitFinish) out.push(chunk({}, finish));
    if (this.config.usageChunk)
      out.push(
        JSON.stringify({
          ...base,
          choices: [],
          usage: { prompt_tokens: 10, completion_tokens: used + deltas.length, total_tokens: 10 + used + deltas.length },
        }),
      );
    return out;
  }

  private async stream(
    res: http.ServerResponse,
    model: string,
    text: string,
    prompt: string,
    maxTokens: number,
    fault: Fault | undefined,
    offset: number,
  ): Promise<void> {
    const chunks = this.chunks(model, text, prompt, maxTokens);
    if (this.config.headerDelayMs > 0) await sleep(this.config.headerDelayMs);
    const faultAt = fault && fault.kind !== 'status' ? momentIndex(fault.after, chunks) : -1;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    let sent = offset;
    for (let i = 0; i <= chunks.length; i++) {
      if (closed) return;
      if (i === faultAt && fault && fault.kind !== 'status') {
        this.firedFaults++;
        if (fault.kind === 'drop') return void res.socket?.destroy();
        if (fault.kind === 'close') return void res.end();
        if (fault.kind === 'error_event') {
          const type = fault.errorType ?? 'server_error';
          return void res.end(
            `data: ${JSON.stringify({ error: { message: fault.message ?? 'The server had an error', type, code: type === 'server_error' ? 502 : null } })}\n\n`,
          );
        }
        await sleep(fault.ms);
        if (closed) return;
      }
      if (i === chunks.length) break;
      res.write(`data: ${chunks[i]}\n\n`);
      const content = (JSON.parse(chunks[i]!) as { choices: { delta?: { content?: unknown } }[] }).choices[0]?.delta?.content;
      if (typeof content === 'string' && content) {
        sent += content.length;
        this.onDelta?.(prompt, sent);
        if (this.config.paceMs > 0) await sleep(this.config.paceMs);
      }
    }
    if (this.config.done) res.write('data: [DONE]\n\n');
    res.end();
  }

  private takeFault(prompt: string): Fault | undefined {
    const i = this.faults.findIndex((f) => !f.match || prompt.includes(f.match));
    return i < 0 ? undefined : this.faults.splice(i, 1)[0];
  }
  private takeReplay(prompt: string): OpenAIReplay | undefined {
    const i = this.replays.findIndex((r) => !r.match || prompt.includes(r.match));
    if (i < 0) return undefined;
    const r = this.replays[i]!;
    if (r.times !== undefined && --r.times <= 0) this.replays.splice(i, 1);
    return r;
  }

  /** Writes a recording as it was sent, one event (with its blank line) at a time. */
  private async replayStream(res: http.ServerResponse, r: OpenAIReplay): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    for (const block of r.sse.match(/[\s\S]*?(\r?\n\r?\n|$)/g) ?? []) {
      if (!block) continue;
      res.write(block);
      if (this.config.paceMs > 0) await sleep(this.config.paceMs);
    }
    res.end();
  }
}

function momentIndex(m: FaultMoment, chunks: string[]): number {
  if (typeof m === 'number') return m;
  if (m === 'start') return 0;
  const finishIdx = chunks.findIndex((c) => /"finish_reason":"[a-z_]+"/.test(c));
  if (m === 'before_stop') return finishIdx >= 0 ? finishIdx : chunks.length - 1;
  return Math.floor((finishIdx >= 0 ? finishIdx : chunks.length) / 2);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c: { text?: string }) => c.text ?? '').join('');
  return '';
}

function apiError(res: http.ServerResponse, status: number, type: string, message: string, retryAfter?: number): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  res.writeHead(status, headers).end(JSON.stringify({ error: { message, type, param: null, code: null } }));
}
