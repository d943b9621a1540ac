import fs from 'node:fs';
import path from 'node:path';
import { expect, expectAnswer, lastAssistant, openApp, sendMessage, test, newConversation } from './fixtures';
import { FakeAnthropic } from '../support/fake-anthropic';

test('rename, automatic title, pin, trash and restore a conversation', async ({ page, host }) => {
  await openApp(page, host.current.url);
  await sendMessage(page, 'Plan a weekend in Lisbon [len=300]');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('Plan a weekend in Lisbon [len=300]'));
  // The title comes from a short request to the model after the first answer.
  await expect(page.getByTestId('conversation-title')).toHaveText('Plan a weekend in');
  await page.getByTestId('conversation-title').click();
  await page.getByTestId('rename-input').fill('Lisbon trip');
  await page.getByTestId('rename-input').press('Enter');
  await expect(page.getByTestId('conversation-item').first()).toContainText('Lisbon trip');
  const id = await page.getByTestId('conversation-item').first().getAttribute('data-id');
  await newConversation(page); // waits until the new conversation is the one shown
  await expect(page.getByTestId('conversation-item')).toHaveCount(2);
  await page.locator(`[data-testid="conversation-item"][data-id="${id}"]`).click();
  await page.getByTestId('pin-button').click();
  await expect(page.getByTestId('pin-button')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('conversation-item').first()).toHaveAttribute('data-id', id!);
  await page.getByTestId('trash-button').click();
  await expect(page.locator(`[data-testid="conversation-item"][data-id="${id}"]`)).toHaveCount(0);
  await page.getByTestId('trash-toggle').click();
  await expect(page.getByTestId('trash-item')).toHaveCount(1);
  await page.getByTestId('restore-button').click();
  await expect(page.locator(`[data-testid="conversation-item"][data-id="${id}"]`)).toHaveCount(1);
  await page.reload();
  await expect(page.locator(`[data-testid="conversation-item"][data-id="${id}"]`)).toContainText('Lisbon trip');
});

test('dialogs stand above a long answer: every button is reachable, and Escape closes them', async ({ page, host }) => {
  await openApp(page, host.current.url);
  const prompt = 'Show me some code and a long answer [len=2500]';
  await sendMessage(page, prompt);
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  await expect(lastAssistant(page).locator('pre').first()).toBeVisible();
  for (const open of ['conversation-settings-button', 'settings-button']) {
    await page.getByTestId(open).click();
    const dialog = page.getByTestId(open === 'settings-button' ? 'settings' : 'conversation-settings');
    await expect(dialog).toBeVisible();
    // Playwright clicks only what receives the pointer: a message painted over the dialog would fail this.
    await dialog.getByRole('button').last().click({ trial: true });
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
  }
  await page.getByTestId('conversation-settings-button').click();
  await page.getByTestId('conversation-settings').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('conversation-settings')).toHaveCount(0);
});

test('a system prompt set in the conversation settings is sent to the model', async ({ page, host, fake }) => {
  await openApp(page, host.current.url);
  await newConversation(page); // waits until the new conversation is the one shown
  await page.getByTestId('conversation-settings-button').click();
  await page.getByTestId('system-prompt').fill('Answer like a pirate.');
  await page.getByTestId('conversation-max-tokens').fill('512');
  await page.getByTestId('conversation-settings-save').click();
  await sendMessage(page, 'Ahoy [len=200]');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('Ahoy [len=200]'));
  const req = fake.requests.find((r) => r.messages[0]?.content === 'Ahoy [len=200]');
  expect(req?.system).toBe('Answer like a pirate.');
});

test('a file dropped onto the window is imported', async ({ page, host }) => {
  await openApp(page, host.current.url);
  const text = fs.readFileSync(path.resolve('test/fixtures/claude-conversations.json'), 'utf8');
  await page.evaluate((content) => {
    const dt = new DataTransfer();
    dt.items.add(new File([content], 'conversations.json', { type: 'application/json' }));
    const target = document.querySelector('[data-testid="thread"]') ?? document.body;
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, text);
  await expect(page.getByTestId('notice')).toContainText('Imported 2 conversations (6 messages) from claude');
  await page.locator('[data-testid="conversation-item"]', { hasText: 'Rust lifetimes' }).click();
  const thinking = page.getByTestId('message-thinking');
  await page.locator('[data-testid="message"][data-role="assistant"]').first().getByTestId('variant-prev').click();
  await expect(thinking).toHaveCount(1);
  await thinking.locator('summary').click();
  await expect(thinking).toContainText('explain borrow relationships');
});
