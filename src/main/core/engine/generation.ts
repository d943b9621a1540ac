/**
 * One generation: streams an assistant message from the provider until the provider says it is done, surviving
 * drops, stalls and restarts by continuing from the stored text. Keyed by its assistant message id.
 */
import type { Message, ThinkingSetting } from '../../../shared/model';
import { ProviderError, type Provider, type ProviderMessage, type ProviderRequest } from '../providers/provider';
import type { EngineClock } from './clock';
import { continuationMessages, RepeatGuard, Seam, STRATEGY_ORDER, type GuardResult, type Strategy } from './continuation';
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
  /**
   * After the stream started, nothing but keep-alives (no text, no thinking, no end) for this long → abort and continue
   * like a stall, so a server that pings forever cannot hold an answer `generating` (default 5 minutes).
   */
  progressMs?: number;
  /**
   * Streams that may end without the provider finishing the answer before it ends `error`, whatever text they
   * brought: a server that never sends `message_stop` must not make the engine loop. Retry starts a fresh count.
   */
  maxInterruptions: number;
}

export type Outcome =
  | { status: 'completed'; stop_reason: string | null; input_tokens?: number; output_tokens?: number }
  | { status: 'cancelled' }
  | { status: 'error'; error: string }
  | { status: 'new_variant'; reason: string }
  | { status: 'suspended' } // the process is shutting down: stays `generating`, resumed at next start
  | { status: 'handed_off' }; // nothing received and the provider unreachable: the offline fallback answers instead

export interface GenerationDeps extends ReasoningSink {
  provider: Provider;
  network: NetworkMonitor;
  policy: RetryPolicy;
  clock: EngineClock;
  /** The continuation strategy remembered for this generation's endpoint and `model`. */
  strategyFor(model: string): Strategy;
  rememberStrategy(model: string, strategy: Strategy): void;
  /** New text for the message, already joined at the seam; offset is where it starts in the full text. */
  append(offset: number, text: string): void;
  random(): number;
  log(message: string): void;
  /** The generation started or stopped waiting (offline, or between retries): windows show it. */
  onWaiting(): void;
  /**
   * About to wait for this provider's network with nothing received: true when the offline fallback takes the answer
   * over instead (the engine restarts it there), so the person does not wait.
   */
  handOff?(): boolean;
}

/** Where a generation starts from when it is the new variant that replaces an answer no strategy could continue. */
export interface VariantOrigin {
  /** Interruptions the replaced answer had already used up: they count against this one's cap. */
  interruptions: number;
}

export class Generation {
  private readonly stopper = new AbortController();
  private stopKind: 'cancel' | 'suspend' | null = null;
  private outputTokens = 0;
  private waitingFor_: 'offline' | 'retry' | null = null;
  /** A local endpoint is loading the model: shown as such, not as an error or a wait. */
  loadingModel = false;
  /** Text arrived since the last failure: the retry budget and backoff start over. */
  private progressed = false;
  readonly reasoning: Reasoning;
  /** Streams that ended without the provider finishing (counted against policy.maxInterruptions). */
  interruptions: number;
  /** The current attempt got an answer under way (a billed request), so its failure is an interruption. */
  private attemptStarted = false;

  constructor(
    readonly message: Message,
    /** Everything already stored for this message (content plus journal). */
    public text: string,
    private readonly history: ProviderMessage[],
    private readonly settings: GenerationSettings,
    private readonly deps: GenerationDeps,
    /** Set when this generation is itself the last-resort new variant: it never starts another one. */
    private readonly variantOf?: VariantOrigin,
  ) {
    this.reasoning = new Reasoning(message, deps);
    this.interruptions = variantOf?.interruptions ?? 0;
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
    const { network, policy, clock } = this.deps;
    let failingSince: number | null = null;
    let attempt = 0;
    for (;;) {
      if (this.stopKind) return this.stoppedOutcome();
      let strategy: Strategy = 'prefill';
      try {
        if (network.state === 'offline') {
          if (!this.text && !this.reasoning.thinking && this.deps.handOff?.()) return { status: 'handed_off' };
          this.wait('offline');
          await network.waitOnline(this.stopper.signal);
          failingSince = failingSince === null ? null : clock.now(); // offline time is not spent from the budget
        }
        this.wait(null);
        strategy = this.strategyNow();
        const before = this.text.length;
        const outcome = await this.attempt(strategy);
        if (outcome) return outcome;
        // The stream closed before message_stop: an interruption, continued like a drop.
        throw new ProviderError(
          'interrupted',
          `The stream ended before the answer was finished (${this.text.length - before} characters received in this attempt)`,
        );
      } catch (raw) {
        if (this.stopKind) return this.stoppedOutcome();
        const err = raw instanceof ProviderError ? raw : new ProviderError('network', String(raw));
        if (err.kind === 'prefill_unsupported' || err.kind === 'restarted') {
          // This endpoint and model do not honour the strategy: remember it and fall back to the next one.
          const next = STRATEGY_ORDER[STRATEGY_ORDER.indexOf(strategy) + 1] ?? 'new_variant';
          this.deps.rememberStrategy(this.settings.model, next);
          this.deps.log(`${this.id}: ${this.settings.model} did not honour ${strategy} (${err.message}); continuing with ${next}`);
          if (next === 'new_variant') return this.newVariant(err.message);
          continue;
        }
        if (!err.retryable) return { status: 'error', error: err.message };
        // A last-resort variant that was cut off has nothing left to try: no point waiting for a retry.
        if (this.variantOf && this.strategyNow() === 'new_variant') return this.newVariant(err.message);
        if (this.attemptStarted && ++this.interruptions >= policy.maxInterruptions) {
          return {
            status: 'error',
            error: `The provider broke off this answer ${this.interruptions} times without finishing it (last: ${err.message}); Retry continues it`,
          };
        }
        if (err.kind === 'network') network.reportFailure();
        if (this.progressed) {
          failingSince = null;
          attempt = 0;
          this.progressed = false;
        }
        failingSince ??= clock.now();
        if (clock.now() - failingSince > policy.budgetMs) {
          return { status: 'error', error: `Gave up after retrying for ${Math.round(policy.budgetMs / 1000)} s: ${err.message}` };
        }
        const backoff = Math.min(policy.capMs, policy.baseMs * 2 ** attempt) * (0.5 + this.deps.random() * 0.5);
        attempt++;
        const wait = Math.max(backoff, err.retryAfterMs ?? 0);
        this.deps.log(`${this.id}: ${err.kind} (${err.message}); retry ${attempt} in ${Math.round(wait)} ms`);
        this.wait('retry');
        await clock.sleep(wait, this.stopper.signal).catch(() => undefined); // stopped: the loop's first line returns
      }
    }
  }

  /** The strategy the next attempt uses: a plain request while nothing is stored, else what the endpoint honours. */
  private strategyNow(): Strategy {
    return this.text.trim() ? this.deps.strategyFor(this.settings.model) : 'prefill';
  }

  /** The last resort, taken once per answer: a new variant that never starts another one itself. */
  private newVariant(reason: string): Outcome {
    if (!this.variantOf) return { status: 'new_variant', reason };
    return {
      status: 'error',
      error: `Interrupted, and neither this answer nor the one it replaced could be continued here (${reason}); Retry tries again`,
    };
  }

  /** One request: resolves with an outcome when the provider finished, or undefined when the stream ended early. */
  private async attempt(strategy: Strategy): Promise<Outcome | undefined> {
    const { provider, policy, network, clock } = this.deps;
    this.attemptStarted = false;
    if (strategy === 'new_variant' && this.text.trim()) return this.newVariant('this model cannot continue an interrupted answer');
    const request: ProviderRequest = {
      model: this.settings.model,
      messages: continuationMessages(this.history, this.text, strategy),
      ...(this.settings.system ? { system: this.settings.system } : {}),
      ...limitsFor(this.settings, Boolean(this.text.trim())),
    };
    const seam = new Seam(this.text);
    // A continuation is held back until it cannot be the stored text sent again (a server that restarted).
    const guard = this.text.trim() ? new RepeatGuard(this.text) : null;
    const controller = new AbortController();
    const onStop = () => controller.abort(this.stopper.signal.reason);
    this.stopper.signal.addEventListener('abort', onStop, { once: true });
    // The watchdog: activity only stamps a time (it comes per chunk); one sleep checks it, re-armed for what is left.
    let stalled: ProviderError | null = null;
    let lastActivity = clock.now();
    const kick = () => {
      lastActivity = clock.now();
    };
    // Content (text, thinking, the end) since the stream started; keep-alive pings only count as activity above.
    const progressMs = policy.progressMs ?? 5 * 60_000;
    let lastProgress: number | null = null;
    const watchdog = new AbortController();
    void (async () => {
      for (;;) {
        const now = clock.now();
        const idle = now - lastActivity;
        const quiet = lastProgress === null ? 0 : now - lastProgress;
        if (idle >= policy.watchdogMs || quiet >= progressMs) {
          stalled = idle >= policy.watchdogMs ? stalledError(policy.watchdogMs) : keepAliveError(progressMs);
          controller.abort(new ProviderError('interrupted', 'stalled'));
          return;
        }
        const left = Math.min(policy.watchdogMs - idle, lastProgress === null ? Infinity : progressMs - quiet);
        await clock.sleep(left, watchdog.signal);
      }
    })().catch(() => undefined); // the attempt ended first and cancelled its watchdog
    const take = (fresh: string) => {
      if (!fresh) return;
      const offset = this.text.length;
      this.text += fresh;
      this.progressed = true;
      this.deps.append(offset, fresh);
    };
    const settle = (result: GuardResult | null) => {
      if (result?.repeat) throw new ProviderError('restarted', `the ${strategy} continuation was not continued: ${result.repeat}`);
      if (result?.dropped)
        this.deps.log(`${this.id}: the continuation began with the stored text's last ${result.dropped} characters; dropped`);
      if (result) take(result.text);
    };
    try {
      const onLoading = (loading: boolean) => {
        this.loadingModel = loading;
        this.deps.onWaiting();
      };
      for await (const ev of provider.stream(request, { signal: controller.signal, onActivity: kick, onLoading })) {
        kick();
        if (ev.type !== 'ping') lastProgress = clock.now();
        if (ev.type === 'start') {
          this.attemptStarted = true;
          network.reportSuccess();
        } else if (isThinkingEvent(ev)) {
          this.attemptStarted = true;
          this.reasoning.feed(ev);
          this.progressed = true;
        } else if (ev.type === 'text') {
          this.attemptStarted = true;
          this.reasoning.end();
          const fresh = seam.feed(ev.text);
          if (guard) settle(guard.feed(fresh));
          else take(fresh);
        } else if (ev.type === 'end') {
          this.reasoning.end();
          settle(guard?.end() ?? null);
          this.outputTokens += ev.output_tokens ?? 0;
          return { status: 'completed', stop_reason: ev.stop_reason, input_tokens: ev.input_tokens, output_tokens: this.outputTokens };
        }
      }
      if (controller.signal.aborted) throw stalled ?? new ProviderError('aborted', 'aborted');
      settle(guard?.end() ?? null); // ended early: what was held back is either a repeat or real text
      return undefined;
    } catch (err) {
      if (!(err instanceof ProviderError && err.kind === 'restarted')) {
        // Cut off while text was held back: it is either a repeat (this attempt restarted) or real text, kept.
        try {
          settle(guard?.end() ?? null);
        } catch (repeat) {
          if (!this.stopKind) throw repeat;
        }
      }
      if (stalled && !this.stopKind) throw stalled;
      throw err;
    } finally {
      this.reasoning.end();
      watchdog.abort();
      controller.abort(); // a restart found mid-stream leaves the request open: close it
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

function keepAliveError(ms: number): ProviderError {
  return new ProviderError(
    'interrupted',
    `Only keep-alive pings from the provider for ${Math.round(ms / 1000)} s: the answer stopped coming`,
  );
}
