/**
 * Opens better-sqlite3 with the native build that fits the running runtime: Node's own build (node_modules, used by the
 * tests and the headless host) or the Electron build the desktop shell names, since the two differ in ABI.
 */
import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The native module could not be loaded: built for another runtime, missing, or not a native module at all. */
export class NativeModuleError extends Error {
  constructor(
    readonly binding: string,
    readonly reason: string,
    readonly fix: string,
  ) {
    super(
      `Holdfast cannot load SQLite's native module (better-sqlite3) from ${binding}: ${reason}. ` +
        `It must be built for ${runtimeName()}. Run \`${fix}\` in the project folder, then start again.`,
    );
    this.name = 'NativeModuleError';
  }
}

/** What to run when the build does not fit: the Electron build is ours to make; Node's comes with npm. */
export function nativeModuleFix(): string {
  return process.versions.electron ? 'npm run native:electron' : 'npm rebuild better-sqlite3';
}

function runtimeName(): string {
  const abi = `ABI ${process.versions.modules}`;
  return process.versions.electron ? `Electron ${process.versions.electron} (${abi})` : `Node ${process.versions.node} (${abi})`;
}

// One runtime per process, so the build to load is a process-wide fact, named once by whoever starts the process.
let bindingFile: string | null = null;
let loaded = false;

/**
 * Names the better-sqlite3 build this process loads (a `better_sqlite3.node` file), or null for better-sqlite3's own
 * build in node_modules. The desktop shell calls it with its Electron build before the core opens.
 */
export function useNativeBinding(file: string | null): void {
  // better-sqlite3 appends `.node` the same way, so both load the same file (Node's module cache holds it once).
  bindingFile = file === null ? null : path.resolve(file).replace(/(\.node)?$/, '.node');
  loaded = false;
}

/** Loads the named build now, so a wrong one fails before anything else starts; throws NativeModuleError. */
export function loadNativeBinding(): void {
  if (bindingFile === null) {
    openSqlite(':memory:').close(); // better-sqlite3 finds and loads its own build on first use
    return;
  }
  if (loaded) return;
  try {
    // Loaded here first, so a load failure is told apart from an open failure (a damaged file, a missing folder).
    createRequire(import.meta.url)(bindingFile);
    loaded = true;
  } catch (err) {
    throw new NativeModuleError(bindingFile, firstLine(err), nativeModuleFix());
  }
}

/** The native build this process uses, or null for better-sqlite3's own (worker threads open theirs with it). */
export function nativeBindingFile(): string | null {
  return bindingFile;
}

/** `new Database(file)` with this process's native build; a build that does not load throws NativeModuleError. */
export function openSqlite(file: string, options: Database.Options = {}): Database.Database {
  if (bindingFile !== null) {
    loadNativeBinding();
    return new Database(file, { ...options, nativeBinding: bindingFile });
  }
  try {
    return new Database(file, options);
  } catch (err) {
    if (isLoadFailure(err)) throw new NativeModuleError(ownBuildPath(), firstLine(err), nativeModuleFix());
    throw err;
  }
}

/** better-sqlite3 loads its default build inside the constructor: tell a load failure from an open failure. */
function isLoadFailure(err: unknown): boolean {
  if (err instanceof Database.SqliteError || !(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ERR_DLOPEN_FAILED' || /NODE_MODULE_VERSION|Could not locate the bindings file|dlopen/.test(err.message);
}

function ownBuildPath(): string {
  try {
    const root = path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
    return path.join(root, 'build', 'Release', 'better_sqlite3.node');
  } catch {
    return 'node_modules/better-sqlite3'; // only names the place in the message; the load already failed
  }
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? text).replace(/\.$/, '');
}
