/** The time a generation lives by (retry backoff, retry budget, watchdog), passed in so tests can run it faster. */
import { setTimeout as delay } from 'node:timers/promises';

export interface EngineClock {
  now(): number;
  /** Resolves after `ms`; rejects as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: EngineClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined),
};
