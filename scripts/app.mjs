// `npm run app`: the desktop app where the Electron binary is installed, the headless host otherwise.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let electronPath = null;
try {
  electronPath = require('electron'); // the binary's path; throws when the download was skipped
  if (typeof electronPath !== 'string' || !fs.existsSync(electronPath)) electronPath = null;
} catch {
  electronPath = null; // no binary here (ELECTRON_SKIP_BINARY_DOWNLOAD): fall back to the headless host
}
const args = process.argv.slice(2);
const child = electronPath
  ? spawn(electronPath, ['.', ...args], { stdio: 'inherit' })
  : spawn(process.execPath, ['out/main/host.js', ...args], { stdio: 'inherit' });
if (!electronPath) console.log('Electron binary not installed: starting the headless host; open the URL below in a browser.');
child.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
