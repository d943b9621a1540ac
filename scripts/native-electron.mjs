// `npm run native:electron`: builds better-sqlite3 for the installed Electron into native/electron/, beside (never over)
// the Node build in node_modules that the tests and the headless host load. The desktop shell names this file to
// better-sqlite3 (its `nativeBinding` option); electron-builder packages it (electron-builder.yml).
//
// First better-sqlite3's own prebuilt binary for Electron (prebuild-install, as `npm ci` does for Node), else a build
// from source with node-gyp against Electron's headers (needs Python 3 and a C++ toolchain). Both run in a copy of the
// package, so node_modules is never touched. Skips the work when the build on disk already fits.
// Options: --force (build again), --arch <arch> (default: this machine's), --if-electron-installed (do nothing where the
// Electron binary was not downloaded: `npm run dev` and the Electron tests cannot run there anyway).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const outDir = path.join(root, 'native', 'electron');
const outFile = path.join(outDir, 'better_sqlite3.node');
const stampFile = path.join(outDir, 'build.json');
const HEADERS_URL = 'https://www.electronjs.org/headers'; // Electron's own header downloads, as @electron/rebuild uses

const args = process.argv.slice(2);
const force = args.includes('--force');
const archAt = args.indexOf('--arch');
const arch = archAt >= 0 ? args[archAt + 1] : process.arch;

function fail(message) {
  console.error(`native:electron: ${message}`);
  process.exit(1);
}

/** The Electron binary's path, or null where it was never downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD). */
function electronBinary() {
  try {
    const p = require('electron'); // the package's main is the binary's path; it throws when the binary is missing
    return typeof p === 'string' && fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

if (args.includes('--if-electron-installed') && !electronBinary()) {
  console.log('native:electron: Electron binary not installed: nothing to build for');
  process.exit(0);
}

const sqliteDir = path.dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = JSON.parse(fs.readFileSync(path.join(sqliteDir, 'package.json'), 'utf8')).version;
let electronVersion;
try {
  electronVersion = JSON.parse(fs.readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
} catch {
  fail('the electron package is not installed (run npm ci first)');
}
const wanted = { electron: electronVersion, betterSqlite3: sqliteVersion, platform: process.platform, arch };

function readStamp() {
  try {
    return JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  } catch {
    return null; // no build yet
  }
}
const stamp = readStamp();
const fits = stamp && fs.existsSync(outFile) && Object.entries(wanted).every(([k, v]) => stamp[k] === v);
if (fits && !force) {
  console.log(`native:electron: better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.platform}-${arch}) is built`);
  process.exit(0);
}

/** A copy of the package without its build, so neither tool writes into node_modules. */
function workCopy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'holdfast-sqlite-electron-'));
  const copy = path.join(dir, 'better-sqlite3');
  fs.cpSync(sqliteDir, copy, { recursive: true, filter: (src) => path.relative(sqliteDir, src).split(path.sep)[0] !== 'build' });
  return { dir, copy };
}

function run(label, cmd, cmdArgs, cwd) {
  console.log(`native:electron: ${label}`);
  const r = spawnSync(cmd, cmdArgs, { cwd, stdio: 'inherit', env: process.env });
  return r.status === 0;
}

function tryPrebuilt(copy) {
  let bin;
  try {
    bin = createRequire(path.join(sqliteDir, 'package.json')).resolve('prebuild-install/bin.js');
  } catch {
    return false; // better-sqlite3 without prebuild-install: build from source
  }
  const ok = run(
    `downloading the prebuilt better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.platform}-${arch})`,
    process.execPath,
    [bin, '--runtime=electron', `--target=${electronVersion}`, `--arch=${arch}`, `--platform=${process.platform}`, '--tag-prefix=v'],
    copy,
  );
  return ok && fs.existsSync(path.join(copy, 'build', 'Release', 'better_sqlite3.node'));
}

function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp]; // npm names its own node-gyp to the scripts it runs
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed beside the project: try npm's own copy next
  }
  const npmDir = process.platform === 'win32' ? path.dirname(process.execPath) : path.join(path.dirname(process.execPath), '..', 'lib');
  candidates.push(path.join(npmDir, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => c && fs.existsSync(c)) ?? null;
}

function tryFromSource(copy) {
  const gyp = nodeGyp();
  if (!gyp) return false;
  const ok = run(
    `building better-sqlite3 ${sqliteVersion} from source against Electron ${electronVersion}'s headers`,
    process.execPath,
    [
      gyp,
      'rebuild',
      '--release',
      `--target=${electronVersion}`,
      `--arch=${arch}`,
      `--dist-url=${HEADERS_URL}`,
      `--devdir=${path.join(os.homedir(), '.electron-gyp')}`, // Electron's headers apart from Node's
    ],
    copy,
  );
  return ok && fs.existsSync(path.join(copy, 'build', 'Release', 'better_sqlite3.node'));
}

/** Where the Electron binary is installed, load the build in it (as Node, so no window opens) to prove it fits. */
function verify() {
  const electron = electronBinary();
  if (!electron) {
    console.log('native:electron: Electron binary not installed, so the build was not loaded to check it');
    return;
  }
  const probe = `const D = require(${JSON.stringify(path.join(sqliteDir, 'lib', 'index.js'))});
const db = new D(':memory:', { nativeBinding: ${JSON.stringify(outFile)} });
console.log('native:electron: loaded in Electron ' + process.versions.electron + ' (ABI ' + process.versions.modules + '), SQLite ' + db.prepare('select sqlite_version() v').get().v);`;
  const r = spawnSync(electron, ['-e', probe], { stdio: 'inherit', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
  if (r.status !== 0) fail(`the build at ${outFile} does not load in Electron ${electronVersion}; run npm run native:electron -- --force`);
}

const { dir, copy } = workCopy();
let via = null;
try {
  via = tryPrebuilt(copy) ? 'prebuild-install' : tryFromSource(copy) ? 'node-gyp' : null;
  if (via) {
    fs.mkdirSync(outDir, { recursive: true });
    fs.copyFileSync(path.join(copy, 'build', 'Release', 'better_sqlite3.node'), outFile);
    fs.writeFileSync(stampFile, JSON.stringify({ ...wanted, via }, null, 2) + '\n');
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
if (!via)
  fail(
    `could not get better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.platform}-${arch}): ` +
      'the prebuilt download failed and so did the build from source (it needs network access to Electron\u2019s headers, ' +
      'Python 3 and a C++ toolchain: Xcode command line tools, Visual Studio Build Tools, or build-essential). See the output above.',
  );
console.log(`native:electron: wrote ${path.relative(root, outFile)} (${via})`);
verify();
