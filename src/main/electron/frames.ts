/**
 * Which pages are the app's own (its built renderer on disk, or electron-vite's dev server in development) and what
 * they may do beyond the bridge: apart from Electron, so the rules are tested under Node.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The one permission granted: writing to the clipboard (the Copy buttons). Everything else is refused. */
export const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export interface FrameRules {
  isOwnFrame(url: string | undefined): boolean;
  allowsPermission(permission: string, url: string | undefined): boolean;
}

export function frameRules(rendererDir: string, devServerUrl?: string): FrameRules {
  const devOrigin = devServerUrl ? originOf(devServerUrl) : null;
  const isOwnFrame = (url: string | undefined): boolean => {
    if (!url) return false;
    // Same origin, not a string prefix: http://localhost:5173.example.org is not the dev server.
    if (devOrigin && originOf(url) === devOrigin) return true;
    if (!url.startsWith('file:')) return false;
    try {
      // fileURLToPath so Windows drive paths compare right; the URL parser has already resolved any `..`.
      return fileURLToPath(url).startsWith(path.resolve(rendererDir) + path.sep);
    } catch {
      return false; // not a valid file URL (a host name, say): not ours
    }
  };
  return {
    isOwnFrame,
    allowsPermission: (permission, url) => GRANTED_PERMISSIONS.has(permission) && isOwnFrame(url),
  };
}

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null; // unparsable: matches no origin
  }
}
