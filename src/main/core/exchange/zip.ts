/**
 * Reads the JSON files out of an export .zip into the data folder's tmp/, within limits: the total it expands to and
 * each entry's compression ratio are capped (a 2 MB zip must not fill the disk), and bytes are counted as they are
 * written, whatever the zip's headers claim.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { HoldfastError } from '../../../shared/errors';

export interface ZipLimits {
  /** Bytes all extracted entries may add up to. */
  maxBytes: number;
  /** How many times larger than its compressed size an entry over 1 MiB may expand. */
  maxRatio: number;
}
export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxBytes: 4 * 1024 ** 3, maxRatio: 100 };
const RATIO_FROM = 1024 * 1024;

const size = (n: number) => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GB` : `${Math.round(n / 1024 ** 2)} MB`);

function tooLarge(limits: ZipLimits): HoldfastError {
  return new HoldfastError(
    'invalid_input',
    `The zip expands to more than ${size(limits.maxBytes)} (the limit is ${limits.maxBytes} bytes)`,
    {
      limit_bytes: limits.maxBytes,
    },
  );
}

/** Extracts conversations.json if the zip has one, otherwise every .json file; returns the files written, in zip order. */
export function extractJsonFiles(
  zipFile: string,
  destDir: string,
  prefix: string,
  limits: ZipLimits,
): Promise<{ name: string; file: string }[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipFile, { lazyEntries: true, autoClose: false }, (err, zip) => {
      if (err || !zip)
        return reject(new HoldfastError('invalid_input', `The zip file could not be read: ${err?.message ?? 'unknown error'}`));
      const entries: yauzl.Entry[] = [];
      const fail = (e: unknown) => {
        zip.close();
        reject(
          e instanceof HoldfastError
            ? e
            : new HoldfastError('invalid_input', `The zip file is damaged: ${e instanceof Error ? e.message : String(e)}`),
        );
      };
      zip.on('error', fail);
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.push(entry);
        zip.readEntry();
      });
      zip.on('end', () => {
        const json = entries.filter((e) => /\.json$/i.test(e.fileName) && !/(^|\/)(__MACOSX\/|\.)/.test(e.fileName));
        const main = json.filter((e) => /(^|\/)conversations\.json$/.test(e.fileName));
        const chosen = main.length ? main.slice(0, 1) : json;
        if (!chosen.length) return fail(new HoldfastError('invalid_input', 'The zip holds no conversations.json and no other JSON file'));
        const declared = chosen.reduce((n, e) => n + e.uncompressedSize, 0);
        if (declared > limits.maxBytes) return fail(tooLarge(limits));
        for (const e of chosen) {
          const ratio = e.uncompressedSize / Math.max(1, e.compressedSize);
          if (e.uncompressedSize > RATIO_FROM && ratio > limits.maxRatio)
            return fail(
              new HoldfastError(
                'invalid_input',
                `${e.fileName} in the zip expands ${Math.round(ratio)} times its compressed size (the limit is ${limits.maxRatio} times)`,
                { limit_ratio: limits.maxRatio },
              ),
            );
        }
        void extract(chosen).then(
          (files) => {
            zip.close();
            resolve(files);
          },
          (e: unknown) => fail(e),
        );
      });

      let written = 0;
      const extract = async (chosen: yauzl.Entry[]) => {
        const out: { name: string; file: string }[] = [];
        for (const [i, entry] of chosen.entries()) {
          const file = path.join(destDir, `${prefix}-${i}.json`);
          out.push({ name: entry.fileName, file });
          const stream = await new Promise<NodeJS.ReadableStream>((res, rej) =>
            zip.openReadStream(entry, (e, s) => (e || !s ? rej(e ?? new Error('no stream')) : res(s))),
          );
          const count = new Transform({
            transform(chunk: Buffer, _enc, done) {
              written += chunk.length;
              done(written > limits.maxBytes ? tooLarge(limits) : null, chunk);
            },
          });
          await pipeline(stream, count, fs.createWriteStream(file));
        }
        return out;
      };
      zip.readEntry();
    });
  });
}

/** Files an import leaves in tmp/ while it runs; one killed mid-import leaves them behind. */
const LEFTOVER = /^(import|staging|upload)-/;

/** Deletes what an interrupted or killed import left in `tmpDir`; called once at start, before any import runs. */
export function removeImportLeftovers(tmpDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(tmpDir);
  } catch {
    return []; // no tmp/ yet: nothing was left
  }
  const removed = names.filter((n) => LEFTOVER.test(n));
  for (const n of removed) fs.rmSync(path.join(tmpDir, n), { force: true, recursive: true });
  return removed;
}
