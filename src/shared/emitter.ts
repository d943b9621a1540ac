/** A small typed event emitter: the one way a module lets others listen, in every process (no DOM or Node needed). */

export interface EmitterOptions {
  /**
   * Called when a listener throws; the remaining listeners still run. Without it the first error is thrown again
   * once every listener has run, so nothing is swallowed silently.
   */
  onListenerError?: (err: unknown) => void;
}

export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  constructor(private readonly options: EmitterOptions = {}) {}

  /** Adds a listener; the returned function removes it (calling it twice is harmless). */
  on(listener: (value: T) => void): () => void {
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions, each removed once.
    const entry = (value: T) => listener(value);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  emit(value: T): void {
    let failed = false;
    let first: unknown;
    // A copy: a listener may unsubscribe itself or others while the event is delivered.
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (err) {
        if (this.options.onListenerError) this.options.onListenerError(err);
        else if (!failed) {
          failed = true;
          first = err;
        }
      }
    }
    if (failed) throw first;
  }

  get size(): number {
    return this.listeners.size;
  }

  clear(): void {
    this.listeners.clear();
  }
}
