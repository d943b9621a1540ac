import { expect, expectAnswer, lastAssistant, newConversation, openApp, sendMessage, shownText, test } from './fixtures';
import { FakeAnthropic } from '../support/fake-anthropic';
import type { Page } from '@playwright/test';

const answers = (page: Page) => page.locator('[data-testid="message"][data-role="assistant"]');

test('regenerate twice and walk the variants; after a reload the chosen variant is still shown', async ({ page, host, fake }) => {
  const prompt = 'Variants [len=900]';
  await openApp(page, host.current.url);
  await sendMessage(page, prompt);
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  const firstId = await lastAssistant(page).getAttribute('data-id');
  await lastAssistant(page).getByTestId('regenerate-button').click();
  await expect(lastAssistant(page).getByTestId('variant-position')).toHaveText('2/2');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  await lastAssistant(page).getByTestId('regenerate-button').click();
  await expect(lastAssistant(page).getByTestId('variant-position')).toHaveText('3/3');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  const ids = new Set<string>();
  for (const pos of ['3/3', '2/3', '1/3']) {
    await expect(lastAssistant(page).getByTestId('variant-position')).toHaveText(pos);
    ids.add((await lastAssistant(page).getAttribute('data-id'))!);
    if (pos !== '1/3') await lastAssistant(page).getByTestId('variant-prev').click();
  }
  expect(ids.size).toBe(3);
  await expect(lastAssistant(page)).toHaveAttribute('data-id', firstId!);
  await lastAssistant(page).getByTestId('variant-next').click();
  await expect(lastAssistant(page).getByTestId('variant-position')).toHaveText('2/3');
  const chosen = await lastAssistant(page).getAttribute('data-id');
  await page.reload();
  await expect(lastAssistant(page)).toHaveAttribute('data-id', chosen!);
  await expect(lastAssistant(page).getByTestId('variant-position')).toHaveText('2/3');
  expect(fake.requests.filter((r) => r.messages[0]?.content === prompt)).toHaveLength(3);
});

test('edit the first message, then go back to the old branch', async ({ page, host }) => {
  await openApp(page, host.current.url);
  await sendMessage(page, 'Original question [len=400]');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('Original question [len=400]'));
  await sendMessage(page, 'Second question [len=300]');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('Second question [len=300]'));
  const firstUser = page.locator('[data-testid="message"][data-role="user"]').first();
  await firstUser.getByTestId('edit-button').click();
  await firstUser.getByTestId('edit-input').fill('Edited question [len=500]');
  await firstUser.getByTestId('edit-save').click();
  await expect(page.locator('[data-testid="message"]')).toHaveCount(2);
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('Edited question [len=500]'));
  const user = page.locator('[data-testid="message"][data-role="user"]').first();
  await expect(user.getByTestId('variant-position')).toHaveText('2/2');
  await user.getByTestId('variant-prev').click();
  // The old branch, with everything under it.
  await expect(page.locator('[data-testid="message"]')).toHaveCount(4);
  await expect(user.getByTestId('variant-position')).toHaveText('1/2');
  expect(await shownText(page.locator('[data-testid="message"][data-role="user"]').first())).toBe('Original question [len=400]');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('Second question [len=300]'));
});

test('a second tab follows a branch switch and a reaction live', async ({ page, context, host }) => {
  const prompt = 'Live branches [len=300]';
  await openApp(page, host.current.url);
  const id = await newConversation(page);
  await sendMessage(page, prompt);
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  await lastAssistant(page).getByTestId('regenerate-button').click();
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  const second = await context.newPage();
  await openApp(second, `${host.current.url}/#/c/${id}`);
  await expect(lastAssistant(second).getByTestId('variant-position')).toHaveText('2/2');
  await lastAssistant(page).getByTestId('variant-prev').click();
  await expect(lastAssistant(second).getByTestId('variant-position')).toHaveText('1/2');
  await lastAssistant(page).getByTestId('like-button').click();
  await expect(lastAssistant(page).getByTestId('like-button')).toHaveAttribute('aria-pressed', 'true');
  await expect(lastAssistant(second).getByTestId('like-button')).toHaveAttribute('aria-pressed', 'true');
  await lastAssistant(second).getByTestId('like-button').click(); // the same again clears it
  await expect(lastAssistant(page).getByTestId('like-button')).toHaveAttribute('aria-pressed', 'false');
  await lastAssistant(page).getByTestId('dislike-button').click();
  await lastAssistant(page).getByTestId('reaction-comment').fill('Too vague');
  await lastAssistant(page).getByRole('button', { name: 'Save' }).click();
  await expect(lastAssistant(second).getByTestId('dislike-button')).toHaveAttribute('aria-pressed', 'true');
  await expect(lastAssistant(second)).toContainText('Too vague');
});

test('a regenerate during a 5-second network cut completes exactly', async ({ page, host, fake }) => {
  const prompt = 'Regenerate offline [len=3000]';
  await openApp(page, host.current.url);
  await sendMessage(page, prompt);
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  await lastAssistant(page).getByTestId('regenerate-button').click();
  await expect.poll(async () => (await shownText(lastAssistant(page))).length).toBeGreaterThan(300);
  fake.goOffline(5000);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-network', 'offline', { timeout: 10_000 });
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  await expect(lastAssistant(page).getByTestId('variant-position')).toHaveText('2/2');
  await expect(answers(page)).toHaveCount(1);
});
