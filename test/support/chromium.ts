/** How every test and benchmark launches Chromium: Debian's build where installed, Playwright's own elsewhere. */
import fs from 'node:fs';
import type { LaunchOptions } from '@playwright/test';

const executablePath = process.env.CHROMIUM_PATH ?? (fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

export const chromiumLaunchOptions: LaunchOptions = {
  ...(executablePath ? { executablePath } : {}),
  // The background-networking flags keep Chromium from reaching for hosts this machine cannot reach.
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};
