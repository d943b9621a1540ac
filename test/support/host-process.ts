/** Starts the built headless host as a child process (as a person would), on a fixed or free port. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { rememberToken } from './http';

export interface HostProcess {
  url: string;
  port: number;
  /** The run's secret, read from the URL the host printed. */
  token: string;
  /** `Authorization: Bearer <token>`, for requests a test makes itself. */
  headers: { authorization: string };
  /** The address a browser opens: the secret in the query (traded for a cookie), then `hash` (e.g. `#/c/ID`). */
  appUrl(hash?: string): string;
  proc: ChildProcess;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export interface HostLaunch {
  dataDir: string;
  port?: number;
  env?: Record<string, string>;
  args?: string[];
  /** Run the TypeScript source with tsx instead of the built bundle (unit tests need no build). */
  fromSource?: boolean;
}

const root = path.resolve(import.meta.dirname, '../..');

export function startHostProcess(o: HostLaunch): Promise<HostProcess> {
  const entry = o.fromSource ? ['--import', 'tsx', path.join(root, 'src/main/host/main.ts')] : [path.join(root, 'out/main/host.js')];
  const proc = spawn(process.execPath, [...entry, '--port', String(o.port ?? 0), '--data-dir', o.dataDir, ...(o.args ?? [])], {
    cwd: root,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`host did not start:\n${out}`));
    }, 20_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))\/\?token=([\w.~+/=-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const [, url, port, token] = m as unknown as [string, string, string, string];
        rememberToken(url, token);
        resolve({
          url,
          port: Number(port),
          token,
          headers: { authorization: `Bearer ${token}` },
          appUrl: (hash = '') => `${url}/?token=${encodeURIComponent(token)}${hash}`,
          proc,
          output: () => out,
          kill: (signal) =>
            new Promise((res) => {
              if (proc.exitCode !== null || proc.signalCode !== null) return res(proc.exitCode);
              proc.once('exit', (code) => res(code));
              proc.kill(signal);
            }),
        });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (b: Buffer) => {
      out += b.toString();
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code}:\n${out}`));
    });
  });
}
