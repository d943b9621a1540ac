/**
 * Undo what a test helper started (temp folders, cores, servers) without each test remembering to: helpers call
 * `cleanup(fn)`. Under vitest (test/support/vitest-setup.ts) it runs when the current test ends, or at the end of the
 * file for what beforeAll or module code made; anywhere else (Playwright, benchmarks) at process exit.
 */

type Undo = () => unknown;

const perTest: Undo[] = [];
const perFile: Undo[] = [];
let inTest = false;
let atExit = false;

export function cleanup(undo: Undo): void {
  if (process.env.VITEST) {
    (inTest ? perTest : perFile).push(undo);
    return;
  }
  perFile.push(undo);
  if (!atExit) {
    atExit = true;
    // Only synchronous work can run at exit: removing folders, killing processes.
    process.once('exit', () => void drain(perFile));
  }
}

/** Runs every undo, newest first (what was made last may depend on what was made before it); one failing stops none. */
async function drain(list: Undo[]): Promise<void> {
  const errors: unknown[] = [];
  for (const undo of list.splice(0).reverse()) {
    try {
      // Awaited only when it returns a promise, so at process exit the synchronous ones all run before it ends.
      const result = undo();
      if (result instanceof Promise) await result;
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length) throw new AggregateError(errors, 'cleanup failed');
}

/** Hooks for vitest-setup.ts. */
export const lifecycle = {
  testStarted(): void {
    inTest = true;
  },
  async testFinished(): Promise<void> {
    inTest = false;
    await drain(perTest);
  },
  fileFinished: () => drain(perFile),
};
