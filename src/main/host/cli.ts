/** The host's command line: options parsed and checked up front, the usage text, and one-line errors with exit code 2. */
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface HostArgs {
  port: number;
  dataDir: string;
  rendererDir: string | undefined;
  flushMs: number | undefined;
  watchdogMs: number | undefined;
  retryBudgetMs: number | undefined;
  maxImportBytes: number;
  restoreBackup: string | undefined;
  /** Where configured providers' keys persist (encrypted); without it they live in memory for this run only. */
  keyFile: string | undefined;
}

export const USAGE = `Usage: npm run host -- [options]   (or: node out/main/host.js [options])

Serves Holdfast's window and API on 127.0.0.1 only, and prints the URL to open (it carries the run's secret).

Options:
  --port N              port to listen on; 0 picks a free one (default 5174)
  --data-dir DIR        where the database, backups and host-token live (default $HOLDFAST_DATA_DIR or ./.holdfast-data)
  --renderer-dir DIR    the built renderer to serve (default out/renderer)
  --flush-ms N          group commit interval for streamed text, in ms (default 50)
  --watchdog-ms N       a stream silent this long is an interruption, in ms (default 30000)
  --retry-budget-ms N   how long an answer keeps retrying before it ends in error, in ms (default 180000)
  --max-import-mb N     the largest file POST /api/import accepts, in MiB (default 1024)
  --restore-backup latest
                        put the latest good backup in place of a damaged database, then start
  --key-file FILE       keep configured providers' API keys in FILE across restarts, encrypted with
                        $HOLDFAST_KEY_FILE_SECRET (created 0600; refused if group or others may read it).
                        Default $HOLDFAST_KEY_FILE; without either, keys are kept in memory for this run only
  -h, --help            print this and exit

Environment:
  ANTHROPIC_API_KEY     Claude API key; without it the offline demo provider answers
  ANTHROPIC_BASE_URL    an Anthropic-compatible endpoint (gateway, proxy, local server)
  HOLDFAST_MODEL        the default model (default claude-sonnet-4-5)
  HOLDFAST_DEMO_PACE_MS the demo provider's delay between pieces, in ms (default 30)
  OPENAI_API_KEY        adds an OpenAI-compatible provider (id openai) with this key
  OPENAI_BASE_URL       its endpoint (default OpenAI's); set alone for a local server (Ollama, LM Studio…)
  HOLDFAST_OPENAI_MODEL its default model (default: the preset's for a known endpoint, else gpt-4o-mini)
  HOLDFAST_TOKEN        the secret every request must carry (default: random at each start); scripts read it from
                        <data-dir>/host-token and send Authorization: Bearer <secret>
  HOLDFAST_DATA_DIR     the data folder when --data-dir is not given (also used by the desktop app)
  HOLDFAST_KEY_FILE     the key file when --key-file is not given
  HOLDFAST_KEY_FILE_SECRET
                        the secret (16+ characters) the key file is encrypted with; required with a key file
`;

/** A command-line mistake: printed as one line and the usage, exit code 2. */
export class UsageError extends Error {}

/** Every option the host takes; `--help` must name each (a test checks). */
export const OPTIONS = {
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'renderer-dir': { type: 'string' },
  'flush-ms': { type: 'string' },
  'watchdog-ms': { type: 'string' },
  'retry-budget-ms': { type: 'string' },
  'max-import-mb': { type: 'string' },
  'restore-backup': { type: 'string' },
  'key-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Returns the arguments, or 'help'; throws UsageError for anything it cannot use. */
export function parseHostArgs(argv: string[], env: NodeJS.ProcessEnv): HostArgs | 'help' {
  const values = parseOptions(argv);
  if (values.help) return 'help';
  if (values['restore-backup'] !== undefined && values['restore-backup'] !== 'latest')
    throw new UsageError(`--restore-backup takes "latest", not "${values['restore-backup']}"`);
  const dataDir = values['data-dir'] ?? (env.HOLDFAST_DATA_DIR || '.holdfast-data');
  if (!dataDir.trim()) throw new UsageError('--data-dir must not be empty');
  const keyFile = values['key-file'] ?? (env.HOLDFAST_KEY_FILE || undefined);
  if (keyFile !== undefined && !keyFile.trim()) throw new UsageError('--key-file must not be empty');
  // An endpoint no client can parse would leave every answer queued as if offline: refused at start instead.
  for (const name of ['ANTHROPIC_BASE_URL', 'OPENAI_BASE_URL'] as const) {
    const url = env[name];
    if (url && !(/^https?:\/\//i.test(url) && URL.canParse(url)))
      throw new UsageError(
        `${name} must be an http:// or https:// URL with a host (and a port up to 65535); it is not (its value is not printed: it may hold credentials)`,
      );
  }
  return {
    port: int('--port', values.port, 0, 65_535) ?? 5174,
    dataDir: path.resolve(dataDir),
    rendererDir: values['renderer-dir'],
    flushMs: int('--flush-ms', values['flush-ms'], 1, 60_000),
    watchdogMs: int('--watchdog-ms', values['watchdog-ms'], 100, 3_600_000),
    retryBudgetMs: int('--retry-budget-ms', values['retry-budget-ms'], 0, 7 * 24 * 3_600_000),
    maxImportBytes: (int('--max-import-mb', values['max-import-mb'], 1, 1024 * 1024) ?? 1024) * 1024 * 1024,
    restoreBackup: values['restore-backup'],
    keyFile: keyFile === undefined ? undefined : path.resolve(keyFile),
  };
}

function parseOptions(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: false }).values;
  } catch (err) {
    // node:util's messages are clear ("Unknown option '--prot'"); its stack is not.
    throw new UsageError(err instanceof Error ? err.message.split('\n')[0]! : String(err));
  }
}

function int(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  return n;
}

/** Prints a command-line mistake the way a person can act on: one line, then the usage; exit code 2. */
export function exitWithUsage(message: string): never {
  process.stderr.write(`holdfast host: ${message}\n\n${USAGE}`);
  process.exit(2);
}
