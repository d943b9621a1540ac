/**
 * The providers page and the per-conversation picker in the window: add a local OpenAI-compatible endpoint from the
 * Ollama preset, test its connection (its model list), answer a conversation with one of its models, labelled so.
 */
import { expect, expectAnswer, lastAssistant, openApp, sendMessage, test, newConversation } from './fixtures';
import { FakeOpenAI } from '../support/fake-openai';
import { requestJson } from '../support/http';

test('a provider added from a preset answers a conversation, and the answer names the model that wrote it', async ({ page, host }) => {
  const local = await new FakeOpenAI({ paceMs: 5, models: ['llama-test', 'qwen-test'] }).listen();
  try {
    await openApp(page, host.current.url);
    await page.getByTestId('settings-button').click();
    const providersPage = page.getByTestId('providers-page');
    // The headless host without --key-file: the page says keys last this run only.
    await expect(providersPage.getByTestId('provider-key-storage')).toHaveAttribute('data-storage', 'memory');
    await expect(providersPage.getByTestId('provider-key-storage')).toContainText('--key-file');
    await providersPage.getByTestId('provider-preset').selectOption('ollama');
    await providersPage.getByTestId('provider-name').fill('My Ollama');
    await providersPage.getByTestId('provider-base-url').fill(local.url);
    await providersPage.getByTestId('provider-add').click();
    const row = providersPage.getByTestId('provider-row').filter({ hasText: 'My Ollama' });
    await expect(row).toHaveAttribute('data-reachable', 'true');
    await row.getByTestId('provider-test').click();
    await expect(row.getByTestId('provider-test-result')).toHaveText('Connected: 2 model(s)');
    await expect(row).toContainText('llama-test, qwen-test');
    await page.getByRole('button', { name: 'Close' }).click();

    await newConversation(page); // waits until the new conversation is the one shown
    await page.getByTestId('conversation-settings-button').click();
    await page.getByTestId('conversation-provider').selectOption({ label: 'My Ollama' });
    await page.getByTestId('conversation-model').fill('qwen-test');
    await page.getByTestId('conversation-settings-save').click();
    await expect(page.getByTestId('conversation-settings')).toHaveCount(0);

    const prompt = 'Answer from my own machine [len=400]';
    await sendMessage(page, prompt);
    const answer = lastAssistant(page);
    await expectAnswer(answer, FakeOpenAI.answer(prompt));
    await expect(answer.locator('.who')).toHaveText('qwen-test');
    expect(local.requests.filter((r) => r.messages.some((m) => m.content === prompt)).map((r) => r.model)).toEqual(['qwen-test']);
  } finally {
    await local.close();
  }
});

test("the status bar shows the reachability of the viewed conversation's provider, each provider's in its tooltip", async ({
  page,
  host,
}) => {
  // A local server that has stopped: nothing listens on its port any more.
  const local = await new FakeOpenAI({ paceMs: 5 }).listen();
  const port = local.port;
  await local.close();
  const api = host.current.url;
  const post = (path: string, body: unknown) => requestJson(`${api}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const added = (await post('/api/providers', { kind: 'openai-compatible', name: 'Stopped Ollama', base_url: local.url, preset: 'ollama' }))
    .body;
  const onLocal = (await post('/api/sessions', { title: 'On the local model', provider_id: added.id, model: 'llama-test' })).body;
  const onAnthropic = (await post('/api/sessions', { title: 'On Claude' })).body;
  expect(onAnthropic.provider_id).toBe('anthropic');

  const bar = page.getByTestId('connection-status');
  await openApp(page, `${api}/#/c/${onLocal.id}`);
  await expect(bar).toHaveAttribute('data-provider-id', added.id);
  await expect(bar).toHaveAttribute('data-network', 'offline');
  await expect(bar.getByTestId('status-provider')).toHaveText('Stopped Ollama unreachable');
  await expect(bar).toHaveAttribute('title', /Anthropic: reachable/);
  await expect(bar).toHaveAttribute('title', /Stopped Ollama: unreachable/);

  await page
    .getByTestId('conversation-item')
    .and(page.locator(`[data-id="${onAnthropic.id}"]`))
    .click();
  await expect(bar).toHaveAttribute('data-provider-id', 'anthropic');
  await expect(bar).toHaveAttribute('data-network', 'online');
  await expect(bar).toContainText('Connected');
  await expect(bar.getByTestId('status-provider')).toHaveText('Anthropic');

  await page
    .getByTestId('conversation-item')
    .and(page.locator(`[data-id="${onLocal.id}"]`))
    .click();
  await expect(bar).toHaveAttribute('data-network', 'offline');
  await expect(bar).toHaveAttribute('data-provider-id', added.id);

  // A message there waits for its own provider, said so, though Anthropic (the default) is reachable.
  const prompt = 'Wait for my own machine [len=300]';
  await sendMessage(page, prompt);
  await expect(lastAssistant(page).getByTestId('message-status')).toHaveText('queued — waiting for the network');

  // The local server comes back on its port: the bar follows without a reload, and the waiting message is answered.
  const back = await new FakeOpenAI({ paceMs: 5 }).listen(port);
  try {
    await expect(bar).toHaveAttribute('data-network', 'online', { timeout: 15_000 });
    await expect(bar.getByTestId('status-provider')).toHaveText('Stopped Ollama');
    await expectAnswer(lastAssistant(page), FakeOpenAI.answer(prompt));
    await expect(lastAssistant(page).locator('.who')).toHaveText('llama-test');
  } finally {
    await back.close();
  }
});

test('an answer from a local server that is still loading its model says "loading model", then completes', async ({ page, host }) => {
  // Sends nothing, not even headers, for 4 s: the window says why instead of showing an error or a stall.
  const local = await new FakeOpenAI({ paceMs: 5, headerDelayMs: 4000 }).listen();
  try {
    const api = host.current.url;
    const post = (path: string, body: unknown) => requestJson(`${api}${path}`, { method: 'POST', body: JSON.stringify(body) });
    const added = (await post('/api/providers', { kind: 'openai-compatible', name: 'Slow Ollama', base_url: local.url, preset: 'ollama' }))
      .body;
    const conv = (await post('/api/sessions', { title: 'Loading', provider_id: added.id, model: 'llama-test' })).body;
    await openApp(page, `${api}/#/c/${conv.id}`);
    const prompt = 'Load first, then answer [len=200]';
    await sendMessage(page, prompt);
    const answer = lastAssistant(page);
    await expect(answer.getByTestId('loading-model')).toBeVisible({ timeout: 10_000 });
    await expect(answer.getByTestId('message-status')).toContainText('streaming — loading model');
    await expectAnswer(answer, FakeOpenAI.answer(prompt));
    await expect(answer.getByTestId('loading-model')).toHaveCount(0);
    await expect(answer.locator('.who')).toHaveText('llama-test');
  } finally {
    await local.close();
  }
});
