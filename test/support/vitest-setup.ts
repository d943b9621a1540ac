/** Runs before every vitest file: what helpers registered with `cleanup` is undone when its test (or file) ends. */
import { afterAll, afterEach, beforeEach } from 'vitest';
import { lifecycle } from './cleanup';

// Registered before any file's own hooks, so (after-hooks running in reverse) these run after the file's own
// afterEach/afterAll: a test that closes its core itself has done so before the helper looks.
beforeEach(() => lifecycle.testStarted());
afterEach(() => lifecycle.testFinished());
afterAll(() => lifecycle.fileFinished());
