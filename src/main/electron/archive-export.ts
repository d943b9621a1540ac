/**
 * File ▸ Export all, apart from Electron so it is tested under Node: the save dialog's name and filter follow the
 * archive's kind (a .zip when messages carry files, else .json), and the archive is written to a temporary sibling and
 * renamed into place, so a failed export never leaves a half-written file under the chosen name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveFile } from '../core/platform';

/** The options of Electron's `dialog.showSaveDialog` this export sets (a structural subset, so no Electron import). */
export interface SaveOptions {
  title: string;
  defaultPath: string;
  filters: { name: string; extensions: string[] }[];
}

export function saveOptions(archive: Pick<ArchiveFile, 'zip' | 'filename'>, folder?: string): SaveOptions {
  return {
    title: 'Export every conversation',
    defaultPath: folder ? path.join(folder, archive.filename) : archive.filename,
    filters: archive.zip
      ? [{ name: 'Holdfast archive with files (.zip)', extensions: ['zip'] }]
      : [{ name: 'Holdfast archive (.json)', extensions: ['json'] }],
  };
}

/** The chosen path with the archive's extension: Linux dialogs do not add it, and a .zip named .json would not import by name. */
export function withExtension(file: string, archive: Pick<ArchiveFile, 'zip'>): string {
  const ext = archive.zip ? '.zip' : '.json';
  return path.extname(file).toLowerCase() === ext ? file : `${file}${ext}`;
}

/** Writes the archive to `file` (its extension fixed as above) and returns the path written. */
export async function writeArchive(archive: ArchiveFile, file: string): Promise<string> {
  const target = freeName(withExtension(file, archive), file);
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.partial`);
  try {
    await pipeline(Readable.from(archive.body), fs.createWriteStream(partial, { mode: 0o600 }));
    fs.renameSync(partial, target);
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  }
  return target;
}

/**
 * The dialog asked before replacing `chosen`, never the name with an extension added: a file already there under that
 * name (last week's archive) is kept, and the archive goes under `name (2).ext`, the next free one.
 */
function freeName(target: string, chosen: string): string {
  if (target === chosen || !fs.existsSync(target)) return target;
  const ext = path.extname(target);
  const stem = target.slice(0, target.length - ext.length);
  let n = 2;
  while (fs.existsSync(`${stem} (${n})${ext}`)) n++;
  return `${stem} (${n})${ext}`;
}
