/**
 * How every test and benchmark launches Chromium: `CHROMIUM_PATH` if set, else a Chromium or Chrome installed on this
 * system, else Playwright's own download (`npx playwright install chromium`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LaunchOptions } from '@playwright/test';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const FIXED = [
  '/usr/bin/chromium', // Debian
  '/usr/bin/chromium-browser', // Ubuntu, Fedora
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** The browser to launch, or undefined for Playwright's own. Throws when `CHROMIUM_PATH` names nothing. */
export function findChromium(
  env: Record<string, string | undefined> = process.env,
  isFile: (file: string) => boolean = (file) => fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false,
): string | undefined {
  if (env.CHROMIUM_PATH) {
    if (!isFile(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not a file`);
    return env.CHROMIUM_PATH;
  }
  const onPath = (env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .flatMap((dir) => NAMES.map((name) => path.join(dir, name)));
  return [...FIXED, ...onPath].find(isFile);
}

const executablePath = findChromium();

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
