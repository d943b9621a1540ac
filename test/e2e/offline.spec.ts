import {
  expect,
  expectAnswer,
  lastAssistant,
  openApp,
  sendMessage,
  renderedText,
  shownLength,
  shownText,
  test,
  newConversation,
} from './fixtures';
import { FakeAnthropic } from '../support/fake-anthropic';

test('the network cut for 5 seconds mid-answer: the window shows offline, then the whole answer, once, with no gap', async ({
  page,
  host,
  fake,
}) => {
  const prompt = 'Network cut [len=5000]';
  await openApp(page, host.current.url);
  await sendMessage(page, prompt);
  const answer = lastAssistant(page);
  await expect.poll(async () => (await shownText(answer)).length).toBeGreaterThan(500);
  fake.goOffline(5000);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-network', 'offline', { timeout: 10_000 });
  await expect(page.getByTestId('connection-status')).toContainText('Offline — 1 answer waiting');
  await expect(answer).toHaveAttribute('data-status', 'generating');
  await expect(answer.getByTestId('message-status')).toContainText('paused, offline');
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-network', 'online', { timeout: 15_000 });
  await expectAnswer(answer, FakeAnthropic.answer(prompt));
});

test('a message sent while offline is shown queued and sent when the network returns', async ({ page, host, fake }) => {
  await openApp(page, host.current.url);
  const first = 'Before going offline [len=3000]';
  await sendMessage(page, first);
  await expect.poll(async () => (await shownText(lastAssistant(page))).length).toBeGreaterThan(200);
  fake.goOffline(6000);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-network', 'offline', { timeout: 10_000 });
  await newConversation(page); // waits until the new conversation is the one shown
  const queued = 'Written while offline [len=800]';
  await sendMessage(page, queued);
  const answer = lastAssistant(page);
  await expect(answer).toHaveAttribute('data-status', 'queued');
  await expect(answer.getByTestId('message-status')).toContainText('queued');
  await expectAnswer(answer, FakeAnthropic.answer(queued));
});

test('a provider error shows its reason and a Retry that continues the answer, keeping the text', async ({ page, host, fake }) => {
  const prompt = 'Error then retry [len=2000]';
  // A drop mid-answer, then the provider refuses every retry with 401: the answer ends `error`, its text kept.
  fake.script(
    { kind: 'drop', after: 'middle', match: prompt },
    { kind: 'status', status: 401, match: prompt, message: 'invalid x-api-key' },
  );
  await openApp(page, host.current.url);
  await sendMessage(page, prompt);
  const answer = lastAssistant(page);
  await expect(answer).toHaveAttribute('data-status', 'error');
  await expect(answer.getByTestId('message-error')).toContainText('Not authorised (401): invalid x-api-key');
  const kept = await shownText(answer);
  expect(kept.length).toBeGreaterThan(100);
  expect(kept).toBe(renderedText(FakeAnthropic.answer(prompt).slice(0, await shownLength(answer))));
  await answer.getByTestId('retry-button').click();
  await expectAnswer(answer, FakeAnthropic.answer(prompt));
});
