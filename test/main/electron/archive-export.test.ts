/** File ▸ Export all without the Electron binary: the dialog's name and filter, and the bytes written, follow the archive's kind. */
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../../support/fake-anthropic';
import { fakeAnthropic } from '../../support/servers';
import { makeCore, settled, tempDir } from '../../support/core';
import { cleanup } from '../../support/cleanup';
import { png, sha256 as sha } from '../../support/files';
import { platformDoor } from '../../../src/main/core/platform';
import { startHost } from '../../../src/main/host/server';
import { saveOptions, withExtension, writeArchive } from '../../../src/main/electron/archive-export';

let fake: FakeAnthropic;
beforeEach(async () => {
  fake = await fakeAnthropic({ paceMs: 1 });
});

const TOKEN = 'archive-export-test-token-0123456789';

describe('File ▸ Export all (the desktop menu)', () => {
  it('writes the .zip with the files, the same bytes GET /api/export serves, when a message carries a file; the JSON alone otherwise', async () => {
    let frozen: number | null = null; // the archive records when it was made: both exports below see the same moment
    const core = makeCore(fake, { clock: { now: () => frozen ?? Date.now() } });
    const door = platformDoor(core);
    const host = await startHost({ core: door, rendererDir: null, port: 0, token: TOKEN, log: () => undefined });
    cleanup(() => host.close());
    const dir = tempDir();

    const conv = core.conversations.create({ title: 'no files yet' });
    await settled(core, core.engine.send({ conversation_id: conv.id, content: 'hello [len=10]' }).assistant_message_id);
    const plain = door.exportArchive();
    expect(saveOptions(plain)).toMatchObject({
      defaultPath: expect.stringMatching(/^holdfast-archive-\d{4}-\d{2}-\d{2}\.json$/),
      filters: [{ extensions: ['json'] }],
    });
    const json = await writeArchive(plain, path.join(dir, 'mine'));
    expect(json).toBe(path.join(dir, 'mine.json')); // the extension the dialog may not have added
    expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toMatchObject({ format: 'holdfast-archive', version: 1 });

    const image = png(2048);
    const id = core.attachments.add({ name: 'shot.png', mime: 'image/png', data: image }).id;
    await settled(core, core.engine.send({ conversation_id: conv.id, content: 'see [len=10]', attachments: [id] }).assistant_message_id);
    frozen = Date.now();
    const archive = door.exportArchive();
    const options = saveOptions(archive);
    expect(options.defaultPath).toMatch(/^holdfast-archive-\d{4}-\d{2}-\d{2}\.zip$/);
    expect(options.filters).toEqual([{ name: 'Holdfast archive with files (.zip)', extensions: ['zip'] }]);
    const written = await writeArchive(archive, path.join(dir, options.defaultPath));
    expect(path.basename(written)).toBe(options.defaultPath);
    expect(fs.readdirSync(dir).sort()).toEqual([options.defaultPath, 'mine.json'].sort()); // no partial file left

    const served = await fetch(`${host.url}/api/export`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(served.headers.get('content-type')).toBe('application/zip');
    const bytes = fs.readFileSync(written);
    expect(sha(Buffer.from(await served.arrayBuffer()))).toBe(sha(bytes));
    expect(bytes.includes(image)).toBe(true); // the file itself is in the zip (stored entries)

    // Imported into an empty database, the written .zip brings the file back byte for byte.
    const other = makeCore(fake);
    await other.exchange.importFile(written);
    expect(sha(other.attachments.read(id).data)).toBe(sha(image));
  });

  it('a failed write leaves nothing under the chosen name', async () => {
    const dir = tempDir();
    const failing: Iterable<string> = (function* () {
      yield '{"format":"holdfast-archive"';
      throw new Error('disk full');
    })();
    await expect(
      writeArchive({ zip: false, filename: 'a.json', mime: 'application/json', body: failing }, path.join(dir, 'a.json')),
    ).rejects.toThrow('disk full');
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(withExtension('/x/archive.ZIP', { zip: true })).toBe('/x/archive.ZIP');
    expect(withExtension('/x/archive.json', { zip: true })).toBe('/x/archive.json.zip');
  });

  it('never replaces a file the dialog did not ask about: with the extension added, an existing file keeps its bytes', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'mine.json'), 'last week');
    const body = ['{"format":"holdfast-archive","version":1}'];
    const archive = { zip: false, filename: 'a.json', mime: 'application/json', body };
    // The dialog confirmed "mine" (no such file); "mine.json" was never shown to the person.
    const written = await writeArchive(archive, path.join(dir, 'mine'));
    expect(written).toBe(path.join(dir, 'mine (2).json'));
    expect(fs.readFileSync(path.join(dir, 'mine.json'), 'utf8')).toBe('last week');
    expect(fs.readFileSync(written, 'utf8')).toBe(body[0]);
    // The name the dialog confirmed is replaced, as the person agreed.
    expect(await writeArchive(archive, path.join(dir, 'mine.json'))).toBe(path.join(dir, 'mine.json'));
    expect(fs.readFileSync(path.join(dir, 'mine.json'), 'utf8')).toBe(body[0]);
  });
});
