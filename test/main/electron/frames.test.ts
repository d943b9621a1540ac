/** Which pages are the desktop app's own, and the one permission they get (clipboard writes for the Copy buttons). */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { frameRules } from '../../../src/main/electron/frames';

const rendererDir = path.resolve('/opt/Holdfast/resources/app.asar/out/renderer');
const own = pathToFileURL(path.join(rendererDir, 'index.html')).href;

describe('the desktop app’s own frames', () => {
  const rules = frameRules(rendererDir);

  it('are the built renderer’s files, nothing else on disk or on the web', () => {
    expect(rules.isOwnFrame(own)).toBe(true);
    expect(rules.isOwnFrame(`${own}#/conversation/1`)).toBe(true);
    expect(rules.isOwnFrame(pathToFileURL(path.resolve('/etc/passwd')).href)).toBe(false);
    expect(rules.isOwnFrame(pathToFileURL(`${rendererDir}-evil/index.html`).href)).toBe(false); // a sibling folder sharing the prefix
    expect(rules.isOwnFrame(new URL('../../evil.html', own).href)).toBe(false); // `..` resolved by the URL parser
    expect(rules.isOwnFrame('https://example.org/')).toBe(false);
    expect(rules.isOwnFrame('file://host/share/index.html')).toBe(false);
    expect(rules.isOwnFrame(undefined)).toBe(false);
    expect(rules.isOwnFrame('')).toBe(false);
  });

  it('in development include the dev server by origin, not by string prefix', () => {
    const dev = frameRules(rendererDir, 'http://localhost:5173');
    expect(dev.isOwnFrame('http://localhost:5173/')).toBe(true);
    expect(dev.isOwnFrame('http://localhost:5173/src/main.tsx')).toBe(true);
    expect(dev.isOwnFrame('http://localhost:5173.evil.example/')).toBe(false);
    expect(dev.isOwnFrame('http://localhost:5174/')).toBe(false);
    expect(rules.isOwnFrame('http://localhost:5173/')).toBe(false); // no dev server in a packaged app
  });

  it('may write to the clipboard, and get no other permission', () => {
    expect(rules.allowsPermission('clipboard-sanitized-write', own)).toBe(true);
    for (const p of ['clipboard-read', 'media', 'geolocation', 'notifications', 'openExternal', 'fullscreen', 'fileSystem']) {
      expect(rules.allowsPermission(p, own)).toBe(false);
    }
  });

  it('a foreign frame may not write to the clipboard', () => {
    expect(rules.allowsPermission('clipboard-sanitized-write', 'https://example.org/')).toBe(false);
    expect(rules.allowsPermission('clipboard-sanitized-write', undefined)).toBe(false);
  });
});
