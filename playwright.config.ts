import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './test/support/chromium';

export default defineConfig({
  testDir: 'test',
  // Screenshots rewrite tracked files, so they run only from `npm run screenshots`, never from `npm test`.
  testMatch: process.env.HOLDFAST_SCREENSHOTS ? ['screenshots/**/*.spec.ts'] : ['e2e/**/*.spec.ts', 'electron/**/*.spec.ts'],
  timeout: 90_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    headless: true,
    viewport: { width: 1200, height: 800 },
    launchOptions: chromiumLaunchOptions,
    trace: 'off',
  },
});
