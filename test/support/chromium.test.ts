/** Playwright finds a browser on any system: CHROMIUM_PATH, then a system Chromium or Chrome, then its own. */
import { describe, expect, it } from 'vitest';
import { findChromium } from './chromium';

const only =
  (...files: string[]) =>
  (file: string) =>
    files.includes(file);

describe('finding Chromium', () => {
  it('CHROMIUM_PATH wins, and naming nothing is an error, not a silent fallback', () => {
    expect(findChromium({ CHROMIUM_PATH: '/opt/c/chrome' }, only('/opt/c/chrome', '/usr/bin/chromium'))).toBe('/opt/c/chrome');
    expect(() => findChromium({ CHROMIUM_PATH: '/nowhere' }, only('/usr/bin/chromium'))).toThrow('CHROMIUM_PATH=/nowhere is not a file');
  });

  it("Debian's chromium, then Ubuntu's chromium-browser, then Chrome", () => {
    expect(findChromium({}, only('/usr/bin/chromium', '/usr/bin/chromium-browser'))).toBe('/usr/bin/chromium');
    expect(findChromium({}, only('/usr/bin/chromium-browser', '/usr/bin/google-chrome'))).toBe('/usr/bin/chromium-browser');
    expect(findChromium({}, only('/usr/bin/google-chrome'))).toBe('/usr/bin/google-chrome');
  });

  it('a browser on the PATH elsewhere, else Playwright’s own download', () => {
    expect(findChromium({ PATH: '/home/me/bin:/snap/bin' }, only('/snap/bin/chromium'))).toBe('/snap/bin/chromium');
    expect(findChromium({ PATH: '/usr/local/bin' }, only())).toBeUndefined();
  });
});
