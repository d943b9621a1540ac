import fs from 'node:fs';
import path from 'node:path';
import { expect, expectAnswer, lastAssistant, openApp, sendMessage, test } from '../e2e/fixtures';
import { FakeAnthropic } from '../support/fake-anthropic';

const dir = path.resolve('docs/screenshots');

test('saves screenshots of the main views', async ({ page, host }) => {
  fs.mkdirSync(dir, { recursive: true });
  await openApp(page, host.current.url);
  await page.screenshot({ path: path.join(dir, 'empty.png') });
  await sendMessage(page, 'How does Holdfast keep answers safe? [len=1400]');
  await expect.poll(async () => (await lastAssistant(page).textContent())?.length ?? 0).toBeGreaterThan(200);
  await page.screenshot({ path: path.join(dir, 'streaming.png') });
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('How does Holdfast keep answers safe? [len=1400]'));
  await page.screenshot({ path: path.join(dir, 'conversation.png') });
  await page.getByTestId('settings-button').click();
  await expect(page.getByTestId('settings')).toBeVisible();
  await expect(page.getByTestId('key-protection')).toContainText('environment');
  await page.screenshot({ path: path.join(dir, 'settings.png') });
  for (const f of ['empty.png', 'streaming.png', 'conversation.png', 'settings.png'])
    expect(fs.statSync(path.join(dir, f)).size).toBeGreaterThan(5000);
});
