/**
 * One generation: streams an assistant message from the provider until the provider says it is done, surviving
 * drops, stalls and restarts by continuing from the stored text. Keyed by its assistant message id.
 */
import type { Message, ThinkingSetting } from '../../../shared/model';
import { ProviderError, type Provider, type ProviderMessage, type ProviderRequest } from '../providers/provider';
import { abortableSleep } from '../abortable';
import { continuationMessages, Seam, STRATEGY_ORDER, type Strategy } from './continuation';
import type { NetworkMonitor } from './network';
import { isThinkingEvent, limitsFor, Reasoning, type ReasoningSink } from './reasoning';

export interface GenerationSettings {
  model: string;
  system?: string;
  max_tokens: number;
  temperature?: number;
  thinking?: ThinkingSetting;
}

export interface RetryPolicy {
  /** Total time a generation may spend failing without progress (offline time not counted). */
  budgetMs: number;
  baseMs: number;
  capMs: number;
  /** No bytes at all for this long mid-stream (ping included) → abort and continue. */
  watchdogMs: number;
}

export type Outcome =
  | { status: 'completed'; stop_reason: string | null; input_tokens?: number; output_tokens?: number }
  | { status: 'cancelled' }
  | { status: 'error'; error: string }
  | { status: 'new_variant'; reason: string }
  | { status: 'suspended' }; // the process is shutting down: stays `generating`, resumed at next start

export interface GenerationDeps extends ReasoningSink {
  provider: Provider;
  network: NetworkMonitor;
  policy: RetryPolicy;
  strategyFor(model: string): Strategy;
  rememberStrategy(model: string, strategy: Strategy): void;
  /** New text for the message, already joined at the seam; offset is where it starts in the full text. */
  append(offset: number, text: string): void;
  random(): number;
  log(message: string): void;
  /** The generation started or stopped waiting (offline, or between retries): windows show it. */
  onWaiting(): void;
}

export class Generation {
  private readonly stopper = new AbortController();
  private stopKind: 'cancel' | 'suspend' | null = null;
  private outputTokens = 0;
  private waitingFor_: 'offline' | 'retry' | null = null;
  /** Text arrived since the last failure: the retry budget and backoff start over. */
  private progressed = false;
  readonly reasoning: Reasoning;

  constructor(
    readonly message: Message,
    /** Everything already stored for this message (content plus journal). */
    public text: string,
    private readonly history: ProviderMessage[],
    private readonly settings: GenerationSettings,
    private readonly deps: GenerationDeps,
  ) {
    this.reasoning = new Reasoning(message, deps);
  }

  get id(): string {
    return this.message.id;
  }

  /** What a failure is waiting for, for the UI: 'offline', 'retry', or null while streaming. */
  get waitingFor(): 'offline' | 'retry' | null {
    return this.waitingFor_;
  }
  private wait(state: 'offline' | 'retry' | null): void {
    if (state === this.waitingFor_) return;
    this.waitingFor_ = state;
    this.deps.onWaiting();
  }

  stop(kind: 'cancel' | 'suspend'): void {
    if (this.stopKind) return;
    this.stopKind = kind;
    this.stopper.abort(new ProviderError('aborted', kind));
  }

  async run(): Promise<Outcome> {
    const { network, policy } = this.deps;
    let failingSince: number | null = null;
    let attempt = 0;
    for (;;) {
      if (this.stopKind) return this.stoppedOutcome();
      try {
        if (network.state === 'offline') {
          this.wait('offline');
          await network.waitOnline(this.stopper.signal);
          failingSince = failingSince === null ? null : Date.now(); // offline time is not spent from the budget
        }
        this.wait(null);
        const before = this.text.length;
        const outcome = await this.attempt();
        if (outcome) return outcome;
        // The stream closed before message_stop: an interruption, continued like a drop.
        throw new ProviderError(
          'interrupted',
          `The stream ended before the answer was finished (${this.text.length - before} characters received in this attempt)`,
        );
      } catch (raw) {
        if (this.stopKind) return this.stoppedOutcome();
        const err = raw instanceof ProviderError ? raw : new ProviderError('network', String(raw));
        if (err.kind === 'prefill_unsupported') {
          const next = STRATEGY_ORDER[STRATEGY_ORDER.indexOf(this.deps.strategyFor(this.settings.model)) + 1] ?? 'new_variant';
          this.deps.rememberStrategy(this.settings.model, next);
          this.deps.log(`model ${this.settings.model} refuses prefills; continuing with strategy ${next}`);
          if (next === 'new_variant') return { status: 'new_variant', reason: err.message };
          continue;
        }
        if (!err.retryable) return { status: 'error', error: err.message };
        if (err.kind === 'network') network.reportFailure();
        if (this.progressed) {
          failingSince = null;
          attempt = 0;
          this.progressed = false;
        }
        failingSince ??= Date.now();
        if (Date.now() - failingSince > policy.budgetMs) {
          return { status: 'error', error: `Gave up after retrying for ${Math.round(policy.budgetMs / 1000)} s: ${err.message}` };
        }
        const backoff = Math.min(policy.capMs, policy.baseMs * 2 ** attempt) * (0.5 + this.deps.random() * 0.5);
        attempt++;
        const wait = Math.max(backoff, err.retryAfterMs ?? 0);
        this.deps.log(`${this.id}: ${err.kind} (${err.message}); retry ${attempt} in ${Math.round(wait)} ms`);
        this.wait('retry');
        await abortableSleep(wait, this.stopper.signal).catch(() => undefined);
      }
    }
  }

  /** One request: resolves with an outcome when the provider finished, or undefined when the stream ended early. */
  private async attempt(): Promise<Outcome | undefined> {
    const { provider, policy, network } = this.deps;
    const strategy: Strategy = this.text.trim() ? this.deps.strategyFor(this.settings.model) : 'prefill';
    if (strategy === 'new_variant' && this.text.trim())
      return { status: 'new_variant', reason: 'this model cannot continue an interrupted answer' };
    const request: ProviderRequest = {
      model: this.settings.model,
      messages: continuationMessages(this.history, this.text, strategy),
      ...(this.settings.system ? { system: this.settings.system } : {}),
      ...limitsFor(this.settings, Boolean(this.text.trim())),
    };
    const seam = new Seam(this.text);
    const controller = new AbortController();
    const onStop = () => controller.abort(this.stopper.signal.reason);
    this.stopper.signal.addEventListener('abort', onStop, { once: true });
    // The watchdog: activity only stamps a time (it comes per chunk); one timer checks it, re-armed for what is left.
    let stalled = false;
    let lastActivity = Date.now();
    const kick = () => {
      lastActivity = Date.now();
    };
    let timer: NodeJS.Timeout | null = null;
    const check = () => {
      const idle = Date.now() - lastActivity;
      if (idle < policy.watchdogMs) {
        timer = setTimeout(check, policy.watchdogMs - idle);
        return;
      }
      stalled = true;
      controller.abort(new ProviderError('interrupted', 'stalled'));
    };
    timer = setTimeout(check, policy.watchdogMs);
    try {
      for await (const ev of provider.stream(request, { signal: controller.signal, onActivity: kick })) {
        kick();
        if (ev.type === 'start') network.reportSuccess();
        else if (isThinkingEvent(ev)) {
          this.reasoning.feed(ev);
          this.progressed = true;
        } else if (ev.type === 'text') {
          this.reasoning.end();
          const fresh = seam.feed(ev.text);
          if (fresh) {
            const offset = this.text.length;
            this.text += fresh;
            this.progressed = true;
            this.deps.append(offset, fresh);
          }
        } else if (ev.type === 'end') {
          this.reasoning.end();
          this.outputTokens += ev.output_tokens ?? 0;
          return { status: 'completed', stop_reason: ev.stop_reason, input_tokens: ev.input_tokens, output_tokens: this.outputTokens };
        }
      }
      if (controller.signal.aborted) throw stalled ? stalledError(policy.watchdogMs) : new ProviderError('aborted', 'aborted');
      return undefined;
    } catch (err) {
      if (stalled && !this.stopKind) throw stalledError(policy.watchdogMs);
      throw err;
    } finally {
      this.reasoning.end();
      if (timer) clearTimeout(timer);
      this.stopper.signal.removeEventListener('abort', onStop);
    }
  }

  private stoppedOutcome(): Outcome {
    return this.stopKind === 'suspend' ? { status: 'suspended' } : { status: 'cancelled' };
  }
}

function stalledError(ms: number): ProviderError {
  return new ProviderError('interrupted', `No data from the provider for ${ms} ms`);
}
