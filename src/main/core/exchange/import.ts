/**
 * Import, detected by content (see formats/index.ts): a .zip, a JSON array (streamed item by item, so memory does not
 * grow with the file), or one JSON object. Every conversation is converted, made safe (normalize.ts) and written to a
 * staging database on a worker thread (stage.ts, import-thread.ts), so the parse's garbage never grows this process's
 * heap; only then is everything copied into the main database in one transaction, so a bad file imports nothing. What
 * was skipped, cut or replaced is counted in the result and logged in one line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HoldfastError } from '../../../shared/errors';
import type { ImportResult } from '../../../shared/exchange';
import type { Store } from '../store/store';
import { mergeStaging, type StagedFile } from '../store/staging';
import type { ImportProgress } from './stage';
import { stageInWorker } from './import-thread';
import { DEFAULT_ZIP_LIMITS, extractJsonFiles, type ZipLimits } from './zip';

export type { ImportResult, ImportProgress };
export interface ImporterOptions {
  zip?: ZipLimits;
  /** After an import of at least this many messages the WAL is checkpointed (truncated), so it does not stay large. */
  checkpointAfterMessages?: number;
  /** Staged conversations are written once their text reaches this many characters (or 200 conversations). */
  stageBatchChars?: number;
  log?: (line: string) => void;
}

export type { StagedFile };

export class Importer {
  private readonly zipLimits: ZipLimits;
  private readonly checkpointAfter: number;
  private readonly stageBatchChars: number;

  constructor(
    private readonly store: Store,
    private readonly tmpDir: string,
    private readonly options: ImporterOptions = {},
  ) {
    this.zipLimits = options.zip ?? DEFAULT_ZIP_LIMITS;
    this.checkpointAfter = options.checkpointAfterMessages ?? 10_000;
    this.stageBatchChars = options.stageBatchChars ?? 1_000_000;
  }

  /** `onFiles`: the files the newly imported messages carried (by reference), once they are committed. */
  async importFile(file: string, onProgress?: (p: ImportProgress) => void, onFiles?: (files: StagedFile[]) => void): Promise<ImportResult> {
    fs.mkdirSync(this.tmpDir, { recursive: true });
    const tmp: string[] = [];
    try {
      const base = `import-${this.store.newId()}`;
      let files = [{ name: '', file }];
      if (isZip(file)) {
        files = await extractJsonFiles(file, this.tmpDir, base, this.zipLimits).catch((err: unknown) => {
          // Whatever was written before the limit or the damage was found goes too.
          for (const n of fs.readdirSync(this.tmpDir)) if (n.startsWith(base)) fs.rmSync(path.join(this.tmpDir, n), { force: true });
          throw err;
        });
        tmp.push(...files.map((f) => f.file));
        if (files.length === 1) files[0]!.name = ''; // one file: its reasons need no name
      }
      const stagingFile = path.join(this.tmpDir, `staging-${this.store.newId()}.db`);
      tmp.push(stagingFile, `${stagingFile}-wal`, `${stagingFile}-shm`);
      const s = await stageInWorker(
        { files, stagingFile, stageBatchChars: this.stageBatchChars },
        { newId: () => this.store.newId(), onProgress },
      );
      if (!s.format || s.items === 0) throw new HoldfastError('invalid_input', 'The file holds no conversations');
      const committed = mergeStaging(this.store, stagingFile, s.format === 'holdfast');
      if (committed.files.length) onFiles?.(committed.files);
      if (committed.messages >= this.checkpointAfter) this.store.checkpoint();
      const result: ImportResult = {
        format: s.format,
        conversations: committed.conversations,
        messages: committed.messages,
        skipped: committed.already,
        skipped_empty: s.stats.empty,
        skipped_duplicate: s.stats.duplicates + committed.collisions,
        dropped_messages: s.stats.duplicateMessages,
        cycles_broken: s.stats.cyclesBroken,
        replaced_characters: s.stats.replacedCharacters,
        notes: s.stats.notes,
      };
      if (committed.collisions)
        result.notes.push(`${committed.collisions} conversation(s) use message ids that already exist here; they were skipped`);
      this.logResult(result);
      return result;
    } finally {
      for (const f of tmp) fs.rmSync(f, { force: true });
    }
  }

  /** One line, counts only: no text from the file (it may hold secrets) reaches the log. */
  private logResult(r: ImportResult): void {
    const parts = [
      r.skipped && `${r.skipped} already here`,
      r.skipped_empty && `${r.skipped_empty} without text skipped`,
      r.skipped_duplicate && `${r.skipped_duplicate} with repeated or colliding ids skipped`,
      r.dropped_messages && `${r.dropped_messages} repeated message ids left out`,
      r.cycles_broken && `${r.cycles_broken} parent cycles cut`,
      r.replaced_characters && `${r.replaced_characters} lone surrogates replaced with U+FFFD`,
    ].filter(Boolean);
    if (parts.length)
      this.options.log?.(`import (${r.format}): ${r.conversations} conversations, ${r.messages} messages; ${parts.join(', ')}`);
  }
}

function isZip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    const n = fs.readSync(fd, b, 0, 4, 0);
    return n === 4 && b.readUInt32LE(0) === 0x04034b50;
  } finally {
    fs.closeSync(fd);
  }
}
