/** Online/offline state: repeated connection failures mean offline; a cheap probe brings it back. */
import type { NetworkState } from '../../../shared/model';

export interface NetworkOptions {
  probe: (signal: AbortSignal) => Promise<boolean>;
  /** Consecutive connection failures before the engine calls itself offline. */
  failureThreshold?: number;
  probeEveryMs?: number;
  probeTimeoutMs?: number;
}

export class NetworkMonitor {
  private state_: NetworkState = 'online';
  private failures = 0;
  private waiters: (() => void)[] = [];
  private readonly listeners = new Set<(s: NetworkState) => void>();
  private probeTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: NetworkOptions) {}

  /** The provider behind this endpoint changed (a new key): probe it from now on. */
  setProbe(probe: NetworkOptions['probe']): void {
    this.options.probe = probe;
  }

  get state(): NetworkState {
    return this.state_;
  }

  onChange(listener: (s: NetworkState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  reportFailure(): void {
    this.failures++;
    if (this.failures >= (this.options.failureThreshold ?? 2)) this.set('offline');
  }

  reportSuccess(): void {
    this.failures = 0;
    this.set('online');
  }

  /** A platform hint (Electron's net.isOnline, resume after sleep): offline now, or probe now. */
  hint(online: boolean): void {
    if (!online) this.set('offline');
    else if (this.state_ === 'offline') void this.probeOnce();
  }

  /** Probes now: online if the provider answers, offline (and probing until it does) if not. */
  async checkNow(): Promise<boolean> {
    const ok = await this.options.probe(AbortSignal.timeout(this.options.probeTimeoutMs ?? 2000)).catch(() => false);
    if (this.closed) return false; // shut down while probing: nobody is left to tell
    this.set(ok ? 'online' : 'offline');
    return ok;
  }

  /** Resolves when online (at once if already); rejects if the signal aborts first. */
  waitOnline(signal: AbortSignal): Promise<void> {
    if (this.state_ === 'online') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(signal.reason);
      };
      this.waiters.push(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
  }

  private set(next: NetworkState): void {
    if (next === this.state_) return;
    this.state_ = next;
    if (next === 'online') {
      this.failures = 0;
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws) w();
    } else {
      this.scheduleProbe();
    }
    for (const l of this.listeners) l(next);
  }

  private scheduleProbe(): void {
    if (this.closed || this.probeTimer) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      void this.probeOnce();
    }, this.options.probeEveryMs ?? 1000);
    this.probeTimer.unref?.();
  }

  private async probeOnce(): Promise<void> {
    if (this.closed || this.state_ === 'online') return;
    const ok = await this.options.probe(AbortSignal.timeout(this.options.probeTimeoutMs ?? 2000)).catch(() => false);
    if (this.closed) return;
    if (ok) this.set('online');
    else this.scheduleProbe();
  }
}
