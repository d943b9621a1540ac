/**
 * Runs an import's staging (stage.ts) on a worker thread and speaks to it: the worker asks for ids and reports progress,
 * then its outcome or its error. Its whole heap, the parse's garbage included, goes away when it ends (BENCHMARKS.md, host
 * memory); the merge stays on the main thread's connection.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HoldfastError, type ErrorCode } from '../../../shared/errors';
import { nativeBindingFile } from '../store/sqlite';
import type { ImportProgress, StageOutcome, StageRequest } from './stage';

/** What the worker starts with: the request and the better-sqlite3 build this process loads (null: its own). */
export interface StageWorkerData extends StageRequest {
  binding: string | null;
}

/** An error as it crosses the thread: HoldfastError's shape, or another error's name, message and code. */
export interface CrossedError {
  name: string;
  message: string;
  code?: string;
  details?: unknown;
}

export type FromWorker =
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'ids'; count: number }
  | { type: 'done'; outcome: StageOutcome }
  | { type: 'failed'; error: CrossedError };
export type ToWorker = { type: 'ids'; ids: string[] };

export function crossError(err: unknown): CrossedError {
  if (err instanceof HoldfastError)
    return { name: err.name, code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) };
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

/** The error as the main thread throws it: a HoldfastError again, or an Error with the same name, message and code. */
export function rebuildError(e: CrossedError): Error {
  if (e.name === 'HoldfastError') return new HoldfastError(e.code as ErrorCode, e.message, e.details);
  const err = new Error(e.message) as NodeJS.ErrnoException;
  err.name = e.name;
  if (e.code !== undefined) err.code = e.code;
  return err;
}

export interface StageInWorkerOptions {
  /** Ids for staged rows: the store's own (`Store.newId`), sent to the worker in blocks as it asks. */
  newId: () => string;
  onProgress?: (p: ImportProgress) => void;
}

/**
 * Stages on a worker thread. Settles only once the thread has ended, so the staging file is closed when the caller merges
 * or removes it; a worker that ends without an outcome (it crashed, or was terminated because this side failed) fails
 * the import. `start` is for tests: a worker that misbehaves.
 */
export function stageInWorker(
  request: StageRequest,
  options: StageInWorkerOptions,
  start: (workerData: StageWorkerData) => Worker = startWorker,
): Promise<StageOutcome> {
  const worker = start({ ...request, binding: nativeBindingFile() });
  return new Promise<StageOutcome>((resolve, reject) => {
    let settled: { outcome: StageOutcome } | { error: Error } | null = null;
    const fail = (error: Error) => {
      settled ??= { error };
      void worker.terminate();
    };
    worker.on('message', (m: FromWorker) => {
      try {
        if (m.type === 'progress') options.onProgress?.(m.progress);
        else if (m.type === 'ids')
          worker.postMessage({ type: 'ids', ids: Array.from({ length: m.count }, () => options.newId()) } satisfies ToWorker);
        else if (m.type === 'done') settled ??= { outcome: m.outcome };
        else settled ??= { error: rebuildError(m.error) };
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
    worker.on('error', (err) => fail(stopped(err.message)));
    worker.on('exit', (code) => {
      const end = settled ?? { error: stopped(`its worker ended without a result, exit code ${code}`) };
      if ('outcome' in end) resolve(end.outcome);
      else reject(end.error);
    });
  });
}

const stopped = (why: string) => new HoldfastError('internal', `The import stopped before it finished (${why}); nothing was imported`);

/**
 * The worker's entry beside this module: the TypeScript source when the core runs from source (tests, benchmarks: loaded
 * through tsx), else the built `import-worker.js` in out/main (an entry of electron.vite.config.ts), which sits beside
 * this code or one folder up when the bundler put this code in a shared chunk (out/main/chunks/).
 */
function startWorker(workerData: StageWorkerData): Worker {
  const here = import.meta.url;
  if (new URL(here).pathname.endsWith('.ts')) {
    const entry = new URL('./import-worker.ts', here).href;
    // tsx's ESM build of its API (require() resolves to the CommonJS one, whose tsImport cannot find its ESM half).
    const tsx = pathToFileURL(
      createRequire(here)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
    const boot = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
    return new Worker(boot, { eval: true, workerData });
  }
  const entry = ['./import-worker.js', '../import-worker.js'].map((rel) => new URL(rel, here)).find((url) => fs.existsSync(url));
  if (!entry) throw new HoldfastError('internal', 'This build lacks the import worker (import-worker.js beside the main bundle)');
  return new Worker(entry, { workerData });
}
