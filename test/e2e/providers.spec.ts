/**
 * The providers page and the per-conversation picker in the window: add a local OpenAI-compatible endpoint from the
 * Ollama preset, test its connection (its model list), answer a conversation with one of its models, labelled so.
 */
import { expect, expectAnswer, lastAssistant, openApp, sendMessage, test } from './fixtures';
import { FakeOpenAI } from '../support/fake-openai';
import { requestJson } from '../support/http';

test('a provider added from a preset answers a conversation, and the answer names the model that wrote it', async ({ page, host }) => {
  const local = await new FakeOpenAI({ paceMs: 5, models: ['llama-test', 'qwen-test'] }).listen();
  try {
    await openApp(page, host.current.url);
    await page.getByTestId('settings-button').click();
    const providersPage = page.getByTestId('providers-page');
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

    await page.getByTestId('new-conversation').click();
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

  // The local server comes back on its port: the bar follows without a reload.
  const back = await new FakeOpenAI({ paceMs: 5 }).listen(port);
  try {
    await expect(bar).toHaveAttribute('data-network', 'online', { timeout: 15_000 });
    await expect(bar.getByTestId('status-provider')).toHaveText('Stopped Ollama');
  } finally {
    await back.close();
  }
});
