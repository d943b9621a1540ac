/** Import and export as the core offers them: files in (streamed, with progress for every window), files out. */
import fs from 'node:fs';
import path from 'node:path';
import type { ImportResult } from '../../../shared/exchange';
import type { Core } from '../core';
import { Importer } from './import';
import { removeImportLeftovers } from './zip';
import { EXPORT_VERSION, toHtml, toJson, toMarkdown } from './export';

export class Exchange {
  private readonly importer: Importer;

  constructor(private readonly core: Core) {
    const tmp = path.join(core.options.dataDir, 'tmp');
    // At start no import runs yet: whatever one left in tmp/ was interrupted or killed.
    const removed = removeImportLeftovers(tmp);
    if (removed.length) core.options.log?.(`removed ${removed.length} file(s) an interrupted import left in tmp/`);
    this.importer = new Importer(core.store, tmp, { log: core.options.log });
  }

  /** Imports a file (streamed), publishing progress to every window. */
  async importFile(file: string): Promise<ImportResult> {
    const progress = (p: { bytes: number; total: number; conversations: number }, done: boolean) =>
      this.core.sync.publish({ type: 'exchange.didProgress', seq: this.core.sync.seq(), ...p, done });
    const result = await this.importer.importFile(file, (p) => progress(p, false));
    progress({ bytes: 1, total: 1, conversations: result.conversations }, true);
    return result;
  }

  /** Imports text handed over the contract (files up to MAX_IMPORT_TEXT). */
  async importText(text: string): Promise<ImportResult> {
    const tmp = path.join(this.core.options.dataDir, 'tmp', `upload-${this.core.store.newId()}`);
    fs.mkdirSync(path.dirname(tmp), { recursive: true });
    fs.writeFileSync(tmp, text);
    try {
      return await this.importFile(tmp);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  exportConversation(id: string, format: 'md' | 'html' | 'json'): { filename: string; mime: string; content: string } {
    const conv = this.core.store.conversation(id);
    const base =
      (conv.title || 'conversation')
        .replace(/[^\p{L}\p{N} _-]+/gu, '')
        .trim()
        .slice(0, 60) || 'conversation';
    if (format === 'json')
      return {
        filename: `${base}.json`,
        mime: 'application/json',
        content: JSON.stringify(toJson(conv, this.core.store.messagesOf(id)), null, 2),
      };
    const thread = this.core.conversations.thread(id).messages;
    if (format === 'md') return { filename: `${base}.md`, mime: 'text/markdown; charset=utf-8', content: toMarkdown(conv, thread) };
    return { filename: `${base}.html`, mime: 'text/html; charset=utf-8', content: toHtml(conv, thread) };
  }

  /** Every conversation as one versioned archive, produced piece by piece (never one huge string). */
  *exportArchive(): Generator<string> {
    yield `{"format":"holdfast-archive","version":${EXPORT_VERSION},"exported_at":${this.core.store.now()},"conversations":[\n`;
    let first = true;
    for (const c of this.core.store.allConversations()) {
      yield `${first ? '' : ',\n'}${JSON.stringify({ conversation: c, messages: this.core.store.messagesOf(c.id) })}`;
      first = false;
    }
    yield '\n]}\n';
  }
}
