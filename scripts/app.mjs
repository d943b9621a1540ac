// `npm run app`: the desktop app where the Electron binary is installed, the headless host otherwise.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
let electronPath = null;
try {
  electronPath = require('electron'); // the binary's path; throws when the download was skipped
  if (typeof electronPath !== 'string' || !fs.existsSync(electronPath)) electronPath = null;
} catch {
  electronPath = null; // no binary here (ELECTRON_SKIP_BINARY_DOWNLOAD): fall back to the headless host
}
const args = process.argv.slice(2);
if (electronPath) {
  // The desktop app loads better-sqlite3 built for Electron (native/electron/), never the Node build the host uses.
  const built = spawnSync(process.execPath, [fileURLToPath(new URL('./native-electron.mjs', import.meta.url))], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
const child = electronPath
  ? spawn(electronPath, ['.', ...args], { stdio: 'inherit' })
  : spawn(process.execPath, ['out/main/host.js', ...args], { stdio: 'inherit' });
if (!electronPath) console.log('Electron binary not installed: starting the headless host; open the URL below in a browser.');
child.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
