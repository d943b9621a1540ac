/**
 * The import worker's entry (a thread started by import-thread.ts): stages the files it is given into the staging
 * database, with ids asked of the main thread, and posts progress, then its outcome or its error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { useNativeBinding } from '../store/sqlite';
import { stageFiles, type IdPool } from './stage';
import { crossError, type FromWorker, type StageWorkerData, type ToWorker } from './import-thread';

const port = parentPort!;
const data = workerData as StageWorkerData;
const post = (m: FromWorker) => port.postMessage(m);

/** Ids come from the main thread's store, a block per batch: the worker never makes its own. */
class MainThreadIds implements IdPool {
  private pool: string[] = [];
  private at = 0;
  private waiting: ((ids: string[]) => void) | null = null;

  constructor() {
    port.on('message', (m: ToWorker) => {
      const waiting = this.waiting;
      this.waiting = null;
      waiting?.(m.ids);
    });
  }

  async reserve(n: number): Promise<void> {
    const missing = n - (this.pool.length - this.at);
    if (missing <= 0) return;
    const more = await new Promise<string[]>((resolve) => {
      this.waiting = resolve;
      post({ type: 'ids', count: missing });
    });
    this.pool = [...this.pool.slice(this.at), ...more];
    this.at = 0;
  }

  next(): string {
    if (this.at >= this.pool.length) throw new Error('The import worker ran out of reserved ids');
    return this.pool[this.at++]!;
  }
}

useNativeBinding(data.binding);
try {
  const outcome = await stageFiles(data, new MainThreadIds(), (progress) => post({ type: 'progress', progress }));
  post({ type: 'done', outcome });
} catch (err) {
  const error = crossError(err);
  try {
    post({ type: 'failed', error });
  } catch {
    post({ type: 'failed', error: { ...error, details: undefined } }); // details that cannot be cloned stay behind
  }
} finally {
  port.unref(); // nothing more to hear: the thread ends
}
