/**
 * A local server that speaks the Anthropic Messages API's streaming wire format exactly, with deterministic answers
 * and faults scripted per request (drop, clean close, stall, error statuses, a mid-stream error event, offline),
 * the framings gateways use (data-only, CRLF), servers that restart instead of continuing, and recorded streams
 * replayed byte for byte.
 * With `thinking` in a request it streams a thinking block first (thinking_delta…, signature_delta), as the API does;
 * stop reasons: `max_tokens` when the answer has more deltas than max_tokens allows, or `[stop=REASON]` in the prompt.
 */
import http from 'node:http';
import { FakeNetworkServer, readJson, sleep } from './fake-network';
import { answerFor } from '../../src/main/core/providers/demo-text';
import { splitIntoDeltas } from '../../src/main/core/providers/demo-text';
import { CONTINUE_PROMPT } from '../../src/main/core/engine/continuation';
import { TITLE_PROMPT } from '../../src/main/core/engine/title';

export type FaultMoment = number | 'start' | 'middle' | 'before_stop';
export type Fault =
  | { kind: 'drop'; after: FaultMoment; match?: string } // TCP connection destroyed
  | { kind: 'close'; after: FaultMoment; match?: string } // stream ends cleanly, without message_stop
  | { kind: 'stall'; after: FaultMoment; ms: number; match?: string }
  /** Only keep-alive `ping` events (every `everyMs`, default 100) for `ms`: bytes flow, the answer does not. */
  | { kind: 'pings'; after: FaultMoment; ms: number; everyMs?: number; match?: string }
  | { kind: 'error_event'; after: FaultMoment; errorType?: string; message?: string; match?: string }
  | { kind: 'status'; status: number; retryAfter?: number; message?: string; match?: string };

export interface FakeConfig {
  /** Milliseconds between streamed events. */
  paceMs: number;
  /** Models that answer 400 to a prefilled assistant turn, as current Claude models do. */
  refusePrefill: string[];
  pingEvery: number;
  /** `data-only`: no `event:` lines, as some Anthropic-compatible gateways send. */
  framing: 'standard' | 'data-only';
  lineEnding: '\n' | '\r\n';
  /** Ignore a prefill or continue-turn and answer from the beginning: a server that restarts instead of continuing. */
  restartContinuations: boolean;
  /** Begin a continuation by saying this many characters of the text it was given again, as models sometimes do. */
  repeatTail: number;
  /** End every stream after message_delta, without message_stop. */
  omitMessageStop: boolean;
}

/** A recorded stream, answered byte for byte (after the chosen alterations) to matching requests. */
export interface Replay {
  /** The recording: SSE bytes exactly as a server sent them. */
  sse: string;
  /** Only requests whose prompt contains this (any request if unset). */
  match?: string;
  /**
   * How many requests it answers. Unset: every matching request, a continuation included, gets the same recording,
   * as a server that ignores the prefill and restarts would answer.
   */
  times?: number;
  /** Remove the blank line that ends the last event (SSE parsers then never dispatch that event). */
  stripFinalBlankLine?: boolean;
  dropMessageStop?: boolean;
  /** Remove every `event:` line. */
  dataOnly?: boolean;
}

export interface RecordedRequest {
  model: string;
  max_tokens?: number;
  temperature?: number;
  thinking?: unknown;
  messages: { role: string; content: string }[];
  /** The image and document blocks received, in order, with the index of the message that carried each. */
  files?: ReceivedFile[];
  /** Each message's block types as received (`text` for a plain string), so tests see what was sent and in what order. */
  blocks?: string[][];
  system?: string;
  at: number;
}

/** An `image` or `document` block as received: base64 sources decoded, so tests compare bytes. */
export interface ReceivedFile {
  message: number;
  type: 'image' | 'document';
  source: 'base64' | 'text';
  media_type: string;
  title?: string;
  data: Buffer;
}

const PREFILL_REFUSED = 'This model does not support assistant message prefill. The conversation must end with a user message.';

export class FakeAnthropic extends FakeNetworkServer {
  readonly requests: RecordedRequest[] = [];
  config: FakeConfig = {
    paceMs: 5,
    refusePrefill: [],
    pingEvery: 5,
    framing: 'standard',
    lineEnding: '\n',
    restartContinuations: false,
    repeatTail: 0,
    omitMessageStop: false,
  };
  /** Called after each text delta is written: the prompt and how many characters of the answer are out. */
  onDelta: ((prompt: string, sent: number) => void) | null = null;
  /** Called after each thinking delta is written: the prompt and how many characters of the thinking are out. */
  onThinkingDelta: ((prompt: string, sent: number) => void) | null = null;
  private faults: Fault[] = [];
  private replays: Replay[] = [];
  /** Scripted faults that have taken effect (a status answered, a stream dropped, closed, stalled or errored). */
  firedFaults = 0;
  /** The time requests are stamped with (`RecordedRequest.at`): a test may pass the engine's clock. */
  now: () => number = () => Date.now();

  constructor(config: Partial<FakeConfig> = {}) {
    super();
    Object.assign(this.config, config);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Queues faults; each is used by the next request whose prompt contains `match` (any request if unset). */
  script(...faults: Fault[]): void {
    this.faults.push(...faults);
  }
  pendingFaults(): number {
    return this.faults.length;
  }
  clearFaults(): void {
    this.faults = [];
  }

  /** Answers matching requests with a recorded stream (see Replay); replays are used in the order given. */
  replay(r: Replay): void {
    this.replays.push({ ...r });
  }
  clearReplays(): void {
    this.replays = [];
  }

  /** The full answer the server gives to `prompt`. */
  static answer(prompt: string): string {
    return answerFor(prompt);
  }

  /** The thinking the server streams for `prompt` when thinking is on (`[think=N]` sets its length, 400 by default). */
  static thinking(prompt: string): string {
    const m = /\[think=(\d+)\]/.exec(prompt);
    return answerFor(`Reasoning about ${prompt}`, m ? Number(m[1]) : 400);
  }

  /** The opaque signature the server sends for a thinking block (deterministic, base64-like as the API's). */
  static signature(prompt: string): string {
    return Buffer.from(`sig:${prompt.slice(0, 40)}`).toString('base64');
  }

  private takeFault(prompt: string): Fault | undefined {
    const i = this.faults.findIndex((f) => !f.match || prompt.includes(f.match));
    return i < 0 ? undefined : this.faults.splice(i, 1)[0];
  }

  protected async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/_control/')) return this.control(url.pathname.slice(10), req, res);
    if (req.method !== 'POST' || url.pathname !== '/v1/messages') {
      res.writeHead(url.pathname === '/' ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    const body = await readJson(req).catch(() => undefined);
    // An empty key is no key: the SDK given '' sends `authorization: Bearer` with nothing after it, which the API refuses.
    if (!req.headers['x-api-key'] && !/^Bearer \S/.test(req.headers.authorization ?? ''))
      return apiError(res, 401, 'authentication_error', 'x-api-key header is required');
    if (!body || typeof body !== 'object') return apiError(res, 400, 'invalid_request_error', 'Request body must be JSON');
    const b = body as {
      model?: string;
      max_tokens?: number;
      messages?: { role: string; content: unknown }[];
      system?: string;
      stream?: boolean;
      temperature?: number;
      thinking?: { type?: string; budget_tokens?: number };
    };
    if (!b.model) return apiError(res, 400, 'invalid_request_error', 'model: Field required');
    if (typeof b.max_tokens !== 'number') return apiError(res, 400, 'invalid_request_error', 'max_tokens: Field required');
    if (!Array.isArray(b.messages) || !b.messages.length)
      return apiError(res, 400, 'invalid_request_error', 'messages: at least one message is required');
    const messages = b.messages.map((m) => ({ role: m.role, content: textOf(m.content) }));
    const files = filesOf(b.messages);
    const blocks = b.messages.map((m) =>
      Array.isArray(m.content) ? (m.content as { type?: string }[]).map((c) => c.type ?? '') : ['text'],
    );
    this.requests.push({
      ...(files.length ? { files } : {}),
      blocks,
      model: b.model,
      max_tokens: b.max_tokens,
      ...(b.temperature !== undefined ? { temperature: b.temperature } : {}),
      ...(b.thinking !== undefined ? { thinking: b.thinking } : {}),
      messages,
      ...(b.system ? { system: b.system } : {}),
      at: this.now(),
    });
    // The real API takes at most 100 images per request (its documentation: vision); the wording here is the fake's own.
    const images = files.filter((f) => f.type === 'image').length;
    if (images > 100) return apiError(res, 400, 'invalid_request_error', `messages: at most 100 images per request (${images} given)`);
    // The real API refuses empty text, in a plain string or a text block, with these words.
    const empty = emptyTextOf(b.messages);
    if (empty) return apiError(res, 400, 'invalid_request_error', empty);
    // The real API's rules for thinking requests, with its wording.
    const thinkingOn = b.thinking?.type === 'enabled' || b.thinking?.type === 'adaptive';
    if (b.thinking?.type === 'enabled') {
      const budget = b.thinking.budget_tokens;
      if (typeof budget !== 'number' || budget < 1024)
        return apiError(res, 400, 'invalid_request_error', 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
      if (budget >= b.max_tokens)
        return apiError(res, 400, 'invalid_request_error', '`max_tokens` must be greater than `thinking.budget_tokens`');
    }
    if (thinkingOn && b.temperature !== undefined && b.temperature !== 1)
      return apiError(res, 400, 'invalid_request_error', '`temperature` may only be set to 1 when thinking is enabled');
    const finalTurn = b.messages[b.messages.length - 1]!;
    if (thinkingOn && finalTurn.role === 'assistant' && !startsWithThinking(finalTurn.content))
      return apiError(
        res,
        400,
        'invalid_request_error',
        'messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`. When `thinking` is enabled, a final `assistant` message must start with a thinking block.',
      );

    const last = messages[messages.length - 1]!;
    let prompt: string;
    let already = '';
    if (last.role === 'assistant') {
      if (this.config.refusePrefill.includes(b.model)) return apiError(res, 400, 'invalid_request_error', PREFILL_REFUSED);
      if (/\s$/.test(last.content))
        return apiError(res, 400, 'invalid_request_error', 'messages: final assistant content cannot end with trailing whitespace');
      already = last.content;
      prompt = messages[messages.length - 2]?.content ?? '';
    } else if (last.content === CONTINUE_PROMPT && messages.length >= 3) {
      already = messages[messages.length - 2]!.content;
      prompt = messages[messages.length - 3]!.content;
    } else {
      prompt = last.content;
    }
    // A title request gets a short title, as a model would give: the first words of the quoted prompt.
    const titled = prompt.startsWith(TITLE_PROMPT)
      ? (/<user>([\s\S]*?)<\/user>/.exec(prompt)?.[1] ?? '')
          .replace(/\[[a-z]+=\d+\]/g, '')
          .trim()
          .split(/\s+/)
          .slice(0, 4)
          .join(' ')
      : null;
    const full = titled ?? answerFor(prompt);
    // A continuation picks up right after the text it was given (which was sent trimmed).
    const continues = already && full.startsWith(already) && !this.config.restartContinuations;
    const rest = continues ? full.slice(Math.max(0, already.length - this.config.repeatTail)) : full;
    const replay = b.stream ? this.takeReplay(prompt) : undefined;
    if (replay) return this.replayStream(res, replay);
    const fault = this.takeFault(prompt);
    if (fault?.kind === 'status') {
      this.firedFaults++;
      const type =
        {
          429: 'rate_limit_error',
          529: 'overloaded_error',
          401: 'authentication_error',
          400: 'invalid_request_error',
          403: 'permission_error',
          404: 'not_found_error',
          413: 'request_too_large',
        }[fault.status] ?? 'api_error';
      return apiError(res, fault.status, type, fault.message ?? `Scripted ${fault.status}`, fault.retryAfter);
    }
    if (!b.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'msg_fake',
          type: 'message',
          role: 'assistant',
          model: b.model,
          content: [{ type: 'text', text: rest }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: 1, output_tokens: 1 },
        }),
      );
      return;
    }
    const stopMarker = /\[stop=([a-z_]+)\]/.exec(prompt)?.[1];
    await this.stream(
      res,
      b.model,
      stopMarker === 'refusal' ? '' : rest,
      Math.ceil(JSON.stringify(messages).length / 4),
      fault,
      prompt,
      full.length - rest.length,
      {
        thinking: thinkingOn && !titled ? FakeAnthropic.thinking(prompt) : null,
        redacted: thinkingOn && prompt.includes('[redacted]'),
        stopReason: stopMarker ?? 'end_turn',
        maxTokens: b.max_tokens,
      },
    );
  }

  private async stream(
    res: http.ServerResponse,
    model: string,
    text: string,
    inputTokens: number,
    fault: Fault | undefined,
    prompt: string,
    offset: number,
    shape: { thinking: string | null; redacted: boolean; stopReason: string; maxTokens: number } = {
      thinking: null,
      redacted: false,
      stopReason: 'end_turn',
      maxTokens: Infinity,
    },
  ): Promise<void> {
    let sent = offset;
    let thinkingSent = 0;
    const thinkingDeltas = shape.thinking ? splitIntoDeltas(shape.thinking, 11) : [];
    // One delta is one output token here: an answer with more deltas than max_tokens allows is cut, as the API cuts it.
    let deltas = splitIntoDeltas(text);
    let stopReason = shape.stopReason;
    const room = Math.max(0, shape.maxTokens - thinkingDeltas.length);
    if (deltas.length > room) {
      deltas = deltas.slice(0, room);
      stopReason = 'max_tokens';
    }
    const events: [string, unknown][] = [
      [
        'message_start',
        {
          type: 'message_start',
          message: {
            id: `msg_${Date.now().toString(36)}`,
            type: 'message',
            role: 'assistant',
            model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: inputTokens, output_tokens: 1 },
          },
        },
      ],
    ];
    // Block shapes as the API streams them: a redacted block arrives whole in its start event; a thinking block starts
    // empty, grows by thinking_delta and ends with one signature_delta; the text block follows at the next index.
    let index = 0;
    if (shape.redacted) {
      const data = Buffer.from(`redacted:${prompt.slice(0, 40)}`).toString('base64');
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'redacted_thinking', data } }]);
      events.push(['content_block_stop', { type: 'content_block_stop', index: index++ }]);
    }
    if (shape.thinking !== null) {
      events.push([
        'content_block_start',
        { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } },
      ]);
      thinkingDeltas.forEach((d, i) => {
        if (i % this.config.pingEvery === 0) events.push(['ping', { type: 'ping' }]);
        events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: d } }]);
      });
      events.push([
        'content_block_delta',
        { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: FakeAnthropic.signature(prompt) } },
      ]);
      events.push(['content_block_stop', { type: 'content_block_stop', index: index++ }]);
    }
    if (deltas.length || stopReason !== 'refusal') {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
      deltas.forEach((d, i) => {
        if (i % this.config.pingEvery === 0) events.push(['ping', { type: 'ping' }]);
        events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: d } }]);
      });
      events.push(['content_block_stop', { type: 'content_block_stop', index }]);
    }
    events.push([
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: deltas.length + thinkingDeltas.length },
      },
    ]);
    if (!this.config.omitMessageStop) events.push(['message_stop', { type: 'message_stop' }]);

    const faultAt = fault && fault.kind !== 'status' ? momentIndex(fault.after, events) : -1;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_fake' });
    res.flushHeaders();
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    for (let i = 0; i <= events.length; i++) {
      if (closed) return;
      if (i === faultAt && fault && fault.kind !== 'status') {
        this.firedFaults++;
        if (fault.kind === 'drop') {
          res.socket?.destroy();
          return;
        }
        if (fault.kind === 'close') {
          res.end();
          return;
        }
        if (fault.kind === 'error_event') {
          const type = fault.errorType ?? 'overloaded_error';
          const message = fault.message ?? (type === 'overloaded_error' ? 'Overloaded' : 'Internal server error');
          res.end(this.frame('error', { type: 'error', error: { type, message } }));
          return;
        }
        if (fault.kind === 'pings') {
          for (const end = Date.now() + fault.ms; Date.now() < end && !closed;) {
            res.write(this.frame('ping', { type: 'ping' }));
            await sleep(fault.everyMs ?? 100);
          }
        } else await sleep(fault.ms);
        if (closed) return;
      }
      if (i === events.length) break;
      const [name, data] = events[i]!;
      res.write(this.frame(name, data));
      if (name === 'content_block_delta') {
        const delta = (data as { delta: { type: string; text?: string; thinking?: string } }).delta;
        if (delta.type === 'text_delta') {
          sent += delta.text!.length;
          this.onDelta?.(prompt, sent);
        } else if (delta.type === 'thinking_delta') {
          thinkingSent += delta.thinking!.length;
          this.onThinkingDelta?.(prompt, thinkingSent);
        }
        if (this.config.paceMs > 0) await sleep(this.config.paceMs);
      }
    }
    res.end();
  }

  /** One event in the configured framing. */
  private frame(name: string, data: unknown): string {
    const nl = this.config.lineEnding;
    const head = this.config.framing === 'data-only' ? '' : `event: ${name}${nl}`;
    return `${head}data: ${JSON.stringify(data)}${nl}${nl}`;
  }

  private takeReplay(prompt: string): Replay | undefined {
    const i = this.replays.findIndex((r) => !r.match || prompt.includes(r.match));
    if (i < 0) return undefined;
    const r = this.replays[i]!;
    if (r.times !== undefined && --r.times <= 0) this.replays.splice(i, 1);
    return r;
  }

  /** Writes a recording event by event, pausing after each text delta as the live stream does. */
  private async replayStream(res: http.ServerResponse, r: Replay): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': 'req_replay' });
    res.flushHeaders();
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    for (const block of replayBlocks(r)) {
      if (closed) return;
      res.write(block);
      if (block.includes('content_block_delta') && this.config.paceMs > 0) await sleep(this.config.paceMs);
    }
    res.end();
  }

  private async control(action: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = (req.method === 'POST' ? await readJson(req).catch(() => ({})) : {}) as Record<string, unknown>;
    const ok = (data: unknown = { ok: true }): void =>
      void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(data));
    switch (action) {
      case 'faults':
        this.script(...((body.faults as Fault[]) ?? []));
        return ok();
      case 'offline':
        this.goOffline(Number(body.ms ?? 5000));
        return ok();
      case 'config':
        Object.assign(this.config, body);
        return ok(this.config);
      case 'requests':
        return ok(this.requests);
      case 'answer':
        return ok({ text: answerFor(new URL(req.url ?? '', 'http://x').searchParams.get('prompt') ?? '') });
      case 'reset':
        this.faults = [];
        this.replays = [];
        this.requests.length = 0;
        this.goOffline(0); // the network back (streams in flight are dropped, as a reset should)
        return ok();
      default:
        res.writeHead(404).end();
    }
  }
}

/**
 * Splits a recording into its events, each with the blank line that ends it, keeping every byte (line endings,
 * comments, padding), then applies the replay's alterations.
 */
export function replayBlocks(r: Replay): string[] {
  const blocks: string[] = [];
  let block = '';
  for (const line of r.sse.match(/[^\r\n]*(\r\n|\r|\n)|[^\r\n]+$/g) ?? []) {
    block += line;
    if (/^(\r\n|\r|\n)$/.test(line)) {
      blocks.push(block);
      block = '';
    }
  }
  if (block) blocks.push(block);
  let out = blocks;
  if (r.dropMessageStop) out = out.filter((b) => !/^(event: ?message_stop|data: ?\{\s*"type"\s*:\s*"message_stop")/m.test(b));
  if (r.dataOnly) out = out.map((b) => b.replace(/^event:[^\r\n]*(\r\n|\r|\n)/gm, ''));
  if (r.stripFinalBlankLine) {
    const last = out.length - 1;
    if (last >= 0) out[last] = out[last]!.replace(/(\r\n|\r|\n)(\r\n|\r|\n)$/, '$1'); // the event's own lines stay ended
  }
  return out.filter((b) => b.length > 0);
}

function momentIndex(m: FaultMoment, events: [string, unknown][]): number {
  if (typeof m === 'number') return m;
  if (m === 'start') return 0;
  if (m === 'before_stop') return events.length - 1;
  const deltaIdx = events.map(([n], i) => (n === 'content_block_delta' ? i : -1)).filter((i) => i >= 0);
  return (deltaIdx[Math.floor(deltaIdx.length / 2)] ?? 2) + 1;
}

function startsWithThinking(content: unknown): boolean {
  const first: unknown = Array.isArray(content) ? content[0] : undefined;
  const type = first && typeof first === 'object' ? (first as { type?: unknown }).type : undefined;
  return type === 'thinking' || type === 'redacted_thinking';
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c: { text?: string }) => c.text ?? '').join('');
  return '';
}

function emptyTextOf(messages: { role: string; content: unknown }[]): string | null {
  for (const [i, m] of messages.entries()) {
    const last = i === messages.length - 1 && m.role === 'assistant';
    if (typeof m.content === 'string' && !m.content && !last)
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    if (!Array.isArray(m.content)) continue;
    for (const [j, c] of (m.content as { type?: string; text?: string }[]).entries())
      if (c.type === 'text' && !c.text) return `messages.${i}.content.${j}.text: text content blocks must be non-empty`;
  }
  return null;
}

function filesOf(messages: { content: unknown }[]): ReceivedFile[] {
  const out: ReceivedFile[] = [];
  messages.forEach((m, message) => {
    if (!Array.isArray(m.content)) return;
    for (const c of m.content as { type?: string; title?: string; source?: { type?: string; media_type?: string; data?: string } }[]) {
      if ((c.type !== 'image' && c.type !== 'document') || !c.source) continue;
      const source = c.source.type === 'text' ? 'text' : 'base64';
      out.push({
        message,
        type: c.type,
        source,
        media_type: c.source.media_type ?? '',
        ...(c.title ? { title: c.title } : {}),
        data: Buffer.from(c.source.data ?? '', source === 'text' ? 'utf8' : 'base64'),
      });
    }
  });
  return out;
}

function apiError(res: http.ServerResponse, status: number, type: string, message: string, retryAfter?: number): void {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': 'req_fake' };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  if (status === 529) headers['x-should-retry'] = 'true';
  res.writeHead(status, headers).end(JSON.stringify({ type: 'error', error: { type, message } }));
}
