/**
 * The host's per-run secret: another local user cannot call the host (nor read the files it keeps: the data folder is
 * private, see core/store/datadir.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';

/** Scripts read the secret from this file in the data folder (mode 0600). */
export const TOKEN_FILE = 'host-token';

/** The run's secret: `HOLDFAST_TOKEN` when set, otherwise 32 random bytes. */
export function hostToken(env: NodeJS.ProcessEnv): string {
  const token = env.HOLDFAST_TOKEN?.trim() || crypto.randomBytes(32).toString('base64url');
  if (!/^[\w.~+/=-]{16,512}$/.test(token))
    throw new Error('HOLDFAST_TOKEN must be 16 to 512 characters of A-Z a-z 0-9 _ . ~ + / = - (it travels in headers and cookies)');
  return token;
}

/**
 * Writes the secret for scripts (mode 0600). Only once this process owns the data folder (after the database is open),
 * so a second process refused on the same folder never overwrites the running host's file.
 */
export function writeTokenFile(dataDir: string, token: string): string {
  const file = path.join(dataDir, TOKEN_FILE);
  fs.rmSync(file, { force: true }); // a file left with another owner or mode is replaced, not reused
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}

/** Checks a request's secret: `Authorization: Bearer …` or the cookie the page got in exchange for `?token=`. */
export class TokenCheck {
  private readonly digest: Buffer;

  /** `port` is read when needed: the host knows it only once it listens. */
  constructor(
    token: string,
    private readonly port: () => number,
  ) {
    this.digest = hash(token);
  }

  /** Cookies are shared by every port of 127.0.0.1, so each host names its own. */
  get cookieName(): string {
    return `holdfast_${this.port()}`;
  }

  matches(candidate: string | null | undefined): boolean {
    return typeof candidate === 'string' && crypto.timingSafeEqual(hash(candidate), this.digest);
  }

  allows(req: http.IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ') && this.matches(header.slice('Bearer '.length).trim())) return true;
    return this.matches(cookie(req.headers.cookie, this.cookieName));
  }

  /** The cookie the page keeps instead of the secret in its address: script-invisible, never sent by another site. */
  setCookie(token: string): string {
    return `${this.cookieName}=${token}; Path=/; HttpOnly; SameSite=Strict`;
  }
}

function hash(s: string): Buffer {
  return crypto.createHash('sha256').update(s).digest();
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
