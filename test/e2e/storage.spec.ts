/** A real full disk under the running host, as a person sees it: "disk full" in the status and on the answer, nothing lost. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, expectAnswer, lastAssistant, openApp, renderedText, sendMessage, shownText, test } from './fixtures';
import { FakeAnthropic } from '../support/fake-anthropic';
import { startHostProcess } from '../support/host-process';
import { tempDir } from '../support/core';

/** Writes a file until the filesystem has not one more byte. */
function fill(file: string): void {
  for (const size of [64 * 1024, 512]) {
    const fd = fs.openSync(file, 'a');
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(size, 1));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    } finally {
      fs.closeSync(fd);
    }
  }
}

const canMount = process.getuid?.() === 0 && process.platform === 'linux';

test('the disk fills mid-answer: the window says disk full, keeps streaming, and the answer is stored exactly once space returns', async ({
  page,
  fake,
}) => {
  test.skip(!canMount, 'needs root on Linux to mount a small tmpfs; test/main/core/store/store.test.ts covers SQLITE_FULL everywhere');
  const mnt = tempDir('holdfast-e2e-tmpfs-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]);
  const filler = path.join(mnt, 'filler');
  const host = await startHostProcess({
    dataDir: path.join(mnt, 'data'),
    env: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url },
  });
  try {
    const prompt = 'The disk fills [len=6000]';
    await openApp(page, host.url);
    await sendMessage(page, prompt);
    const answer = lastAssistant(page);
    await expect.poll(async () => (await shownText(answer)).length).toBeGreaterThan(300);
    fill(filler);
    const status = page.getByTestId('connection-status');
    await expect(status).toHaveAttribute('data-storage', 'disk_full', { timeout: 15_000 });
    await expect(status).toContainText('Disk full');
    await expect(answer.getByTestId('message-status')).toContainText('disk full');
    // Still streaming into memory, shown live.
    await expect.poll(async () => shownText(answer), { timeout: 45_000 }).toBe(renderedText(FakeAnthropic.answer(prompt)));
    await expect(answer).toHaveAttribute('data-status', 'generating');
    fs.rmSync(filler);
    await expectAnswer(answer, FakeAnthropic.answer(prompt));
    await expect(status).toHaveAttribute('data-storage', 'ok');
    await page.reload(); // from the database now
    await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  } finally {
    await host.kill('SIGKILL');
    execFileSync('umount', [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  }
});
