/** Test clocks for the engine: virtual time that runs faster than the real one. */
import { setTimeout as delay } from 'node:timers/promises';
import type { EngineClock } from '../../src/main/core/engine/clock';

/**
 * A clock that runs `factor` times faster than the real one: every wait is divided by it, and `now()` multiplies
 * the elapsed real time. The engine's policy (a 30-s watchdog, a 3-min budget) keeps its meaning in virtual time,
 * while a test of it takes a fraction of the time. `slept` records every wait asked for, in virtual milliseconds.
 */
export function acceleratedClock(factor: number): EngineClock & { slept: number[] } {
  const start = Date.now();
  const slept: number[] = [];
  return {
    slept,
    now: () => start + (Date.now() - start) * factor,
    sleep: (ms, signal) => {
      slept.push(ms);
      return delay(ms / factor, undefined, signal ? { signal } : undefined);
    },
  };
}
