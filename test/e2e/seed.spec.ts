import {
  expect,
  expectAnswer,
  lastAssistant,
  newConversation,
  openApp,
  sendMessage,
  renderedText,
  shownLength,
  shownText,
  test,
} from './fixtures';
import { FakeAnthropic } from '../support/fake-anthropic';

test('reload mid-answer: the partial text shows at once and the answer continues to the end', async ({ page, host }) => {
  const prompt = 'Reload test [len=4000]';
  await openApp(page, host.current.url);
  await sendMessage(page, prompt);
  const answer = lastAssistant(page);
  await expect(answer).toHaveAttribute('data-status', 'generating');
  await expect.poll(async () => (await shownText(answer)).length).toBeGreaterThan(400);
  await page.reload();
  const again = lastAssistant(page);
  // The partial text is there right after the reload, before the answer ends.
  await expect.poll(async () => (await shownText(again)).length, { timeout: 5000 }).toBeGreaterThan(400);
  await expect(again).toHaveAttribute('data-status', 'generating');
  await expectAnswer(again, FakeAnthropic.answer(prompt));
});

test('two tabs: send in the first, the second shows the answer appear live', async ({ page, context, host }) => {
  const prompt = 'Two tabs [len=3000]';
  await openApp(page, host.current.url);
  const id = await newConversation(page);
  const second = await context.newPage();
  await openApp(second, `${host.current.url}/#/c/${id}`);
  await sendMessage(page, prompt);
  const live = lastAssistant(second);
  await expect(live).toHaveAttribute('data-status', 'generating');
  await expect.poll(async () => (await shownText(live)).length).toBeGreaterThan(200);
  await expectAnswer(live, FakeAnthropic.answer(prompt));
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
});

test('start an answer in A, switch to B and send there, switch back to A: both complete', async ({ page, host }) => {
  const a = 'Conversation A [len=3500]';
  const b = 'Conversation B [len=1500]';
  await openApp(page, host.current.url);
  const idA = await newConversation(page);
  await sendMessage(page, a);
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'generating');
  const idB = await newConversation(page);
  await sendMessage(page, b);
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(b));
  await page.locator(`[data-testid="conversation-item"][data-id="${idA}"]`).click();
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(a));
  await page.locator(`[data-testid="conversation-item"][data-id="${idB}"]`).click();
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(b));
});

test('three conversations generating at once all complete, each marked while it generates', async ({ page, host }) => {
  const prompts = ['Three one [len=3000]', 'Three two [len=3000]', 'Three three [len=3000]'];
  await openApp(page, host.current.url);
  const ids: string[] = [];
  for (const p of prompts) {
    ids.push(await newConversation(page));
    await sendMessage(page, p);
    await expect(lastAssistant(page)).toHaveAttribute('data-status', /generating|completed/);
  }
  await expect(page.locator('[data-testid="conversation-item"][data-generating="true"]')).not.toHaveCount(0);
  for (let i = 0; i < 3; i++) {
    await page.locator(`[data-testid="conversation-item"][data-id="${ids[i]}"]`).click();
    await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompts[i]!));
  }
});

test('Stop mid-answer keeps the partial text, status cancelled, also after a reload', async ({ page, host }) => {
  const prompt = 'Stop test [len=6000]';
  await openApp(page, host.current.url);
  await sendMessage(page, prompt);
  const answer = lastAssistant(page);
  await expect.poll(async () => (await shownText(answer)).length).toBeGreaterThan(300);
  await page.getByTestId('stop-button').click();
  await expect(answer).toHaveAttribute('data-status', 'cancelled');
  const partial = await shownText(answer);
  expect(partial.length).toBeGreaterThan(300);
  expect(partial).toBe(renderedText(FakeAnthropic.answer(prompt).slice(0, await shownLength(answer))));
  await expect(page.getByTestId('stop-button')).toHaveCount(0);
  await page.reload();
  const after = lastAssistant(page);
  await expect(after).toHaveAttribute('data-status', 'cancelled');
  expect(await shownText(after)).toBe(partial);
});

test('the host killed with SIGKILL mid-answer and started again: the page reconnects and the answer completes', async ({ page, host }) => {
  const prompt = 'Crash test [len=5000]';
  await openApp(page, host.current.url);
  await sendMessage(page, prompt);
  const answer = lastAssistant(page);
  await expect.poll(async () => (await shownText(answer)).length).toBeGreaterThan(500);
  await host.restart('SIGKILL');
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'connected', { timeout: 20_000 });
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
});
