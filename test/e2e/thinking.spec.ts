import { expect, expectAnswer, lastAssistant, openApp, sendMessage, shownLength, shownText, test, newConversation } from './fixtures';
import { FakeAnthropic } from '../support/fake-anthropic';
import type { Page } from '@playwright/test';

/** Opens the current conversation's settings, lets `fill` change them, and saves. */
async function conversationSettings(page: Page, fill: () => Promise<void>): Promise<void> {
  await page.getByTestId('conversation-settings-button').click();
  await fill();
  await page.getByTestId('conversation-settings-save').click();
  await expect(page.getByTestId('conversation-settings')).toHaveCount(0);
}

async function startConversation(page: Page): Promise<void> {
  await newConversation(page); // waits until the new conversation is the one shown
  await expect(page.getByTestId('conversation-settings-button')).toBeVisible();
}

test('thinking streams collapsed above the answer, with its duration while and after it thinks, through a reload', async ({
  page,
  host,
  fake,
}) => {
  await openApp(page, host.current.url);
  await startConversation(page);
  await conversationSettings(page, async () => {
    await page.getByTestId('conversation-thinking').selectOption('enabled');
    await page.getByTestId('conversation-thinking-budget').fill('2048');
  });
  const prompt = 'Think it over [think=5000] [len=700]';
  await sendMessage(page, prompt);
  const answer = lastAssistant(page);
  const thinking = answer.getByTestId('message-thinking');
  // While it thinks: collapsed, counting seconds, no answer text yet — also in a window reloaded mid-thinking.
  await expect(thinking).toHaveAttribute('data-live', 'true');
  await expect(answer.getByTestId('thinking-summary')).toHaveText(/^Thinking… \d+ s$/);
  await page.reload();
  await expect(thinking).toHaveAttribute('data-live', 'true');
  await expect(answer.getByTestId('thinking-summary')).toHaveText(/^Thinking… \d+ s$/);
  await expect(thinking).not.toHaveAttribute('open', '');
  expect(await shownText(answer)).toBe('');
  await expectAnswer(answer, FakeAnthropic.answer(prompt));
  await expect(answer.getByTestId('thinking-summary')).toHaveText(/^Thought for \d+ s$/);
  await expect(thinking).not.toHaveAttribute('open', '');
  // Opened, it shows exactly the thinking; the answer holds none of it.
  await answer.getByTestId('thinking-summary').click();
  await expect(thinking.locator('.thinking-text')).toHaveText(FakeAnthropic.thinking(prompt), { useInnerText: false });
  expect(await shownText(answer)).not.toContain('Reasoning about');
  expect(fake.requests.find((r) => r.messages[0]?.content === prompt)!.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
  // After a reload it is still there, collapsed, with the same duration.
  const summary = await answer.getByTestId('thinking-summary').textContent();
  await page.reload();
  await expect(lastAssistant(page).getByTestId('thinking-summary')).toHaveText(summary!);
});

test('an answer cut at max_tokens says so, and Continue extends the same message to the full text', async ({ page, host }) => {
  await openApp(page, host.current.url);
  await startConversation(page);
  await conversationSettings(page, async () => {
    await page.getByTestId('conversation-max-tokens').fill('60');
  });
  const prompt = 'A long story [len=2000]';
  const full = FakeAnthropic.answer(prompt);
  await sendMessage(page, prompt);
  const answer = lastAssistant(page);
  await expect(answer).toHaveAttribute('data-status', 'completed', { timeout: 30_000 });
  const id = await answer.getAttribute('data-id');
  await expect(answer.getByTestId('stop-reason')).toHaveAttribute('data-reason', 'max_tokens');
  // How much of the answer's Markdown is shown: each Continue extends the same message; the end is compared exactly.
  let shown = await shownLength(answer);
  expect(shown).toBeLessThan(full.length);
  for (let round = 0; round < 10 && shown < full.length; round++) {
    await answer.getByTestId('continue-button').click();
    await expect.poll(() => shownLength(answer), { timeout: 20_000 }).toBeGreaterThan(shown);
    await expect(answer).toHaveAttribute('data-status', 'completed', { timeout: 30_000 });
    shown = await shownLength(answer);
  }
  await expectAnswer(answer, full);
  await expect(answer).toHaveAttribute('data-id', id!);
  await expect(answer.getByTestId('stop-reason')).toHaveCount(0);
  await expect(page.locator('[data-testid="message"][data-role="assistant"]')).toHaveCount(1);
});

test('a refusal and an unknown stop reason are named, never an empty bubble', async ({ page, host }) => {
  await openApp(page, host.current.url);
  await startConversation(page);
  await sendMessage(page, 'Something I will not answer [stop=refusal]');
  const refused = lastAssistant(page);
  await expect(refused).toHaveAttribute('data-status', 'completed');
  await expect(refused.getByTestId('stop-reason')).toHaveAttribute('data-reason', 'refusal');
  await expect(refused.getByTestId('stop-reason')).toContainText('declined');
  await startConversation(page);
  await sendMessage(page, 'Odd ending [stop=tea_break] [len=200]');
  const odd = lastAssistant(page);
  await expect(odd).toHaveAttribute('data-status', 'completed');
  await expect(odd.getByTestId('stop-reason')).toHaveAttribute('data-reason', 'tea_break');
  await expect(odd.getByTestId('stop-reason')).toContainText('"tea_break"');
  await expect(odd.getByTestId('continue-button')).toHaveCount(0);
});

test('redacted reasoning is shown as such', async ({ page, host }) => {
  await openApp(page, host.current.url);
  await startConversation(page);
  await conversationSettings(page, async () => {
    await page.getByTestId('conversation-thinking').selectOption('adaptive');
  });
  const prompt = 'Something delicate [redacted] [len=300]';
  await sendMessage(page, prompt);
  const answer = lastAssistant(page);
  await expectAnswer(answer, FakeAnthropic.answer(prompt));
  await answer.getByTestId('thinking-summary').click();
  await expect(answer.getByTestId('thinking-redacted')).toHaveText('Some reasoning was redacted by the provider.');
  await expect(answer.locator('.thinking-text')).toHaveText(FakeAnthropic.thinking(prompt), { useInnerText: false });
});
