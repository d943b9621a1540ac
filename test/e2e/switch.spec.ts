import { expect, openApp, sendMessage, test } from './fixtures';
import { chainConversation } from '../support/archive';

/** A conversation of `n` completed messages in one chain (message ids `${id}-${i}`). */
const chain = (id: string, n: number) =>
  chainConversation({
    id,
    messages: n,
    prefix: `${id}-`,
    content: (i) => (i % 2 ? `Answer ${i}.\n\n${'A paragraph that wraps over a few lines. '.repeat(12)}` : `Question ${i}`),
  });

test('switching back shows the kept thread where it was left, and the page holds only the shown conversation', async ({
  page,
  host,
  request,
}) => {
  const archive = { format: 'holdfast-archive', version: 1, conversations: [chain('alpha', 200), chain('beta', 6), chain('gamma', 300)] };
  const res = await request.post(`${host.current.url}/api/import`, { data: JSON.stringify(archive), headers: host.current.headers });
  expect(res.ok()).toBe(true);
  await openApp(page, host.current.url);

  await page.locator('[data-testid="conversation-item"][data-id="alpha"]').click();
  await expect(page.locator('[data-testid="message"][data-id="alpha-199"]')).toBeVisible();
  // Scroll up a way, and mark a message element to tell whether switching back renders it again.
  await page.getByTestId('thread').hover();
  await page.mouse.wheel(0, -1500);
  await expect
    .poll(() => page.getByTestId('thread').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight))
    .toBeGreaterThan(1000);
  const left = await page.getByTestId('thread').evaluate((el) => el.scrollTop);
  const marked = await page.evaluate(() => {
    const el = document.querySelectorAll('[data-testid="message"]')[1] as HTMLElement & { kept?: boolean };
    el.kept = true;
    return el.dataset.id;
  });

  await page.locator('[data-testid="conversation-item"][data-id="beta"]').click();
  await expect(page.locator('[data-testid="message"][data-id="beta-5"]')).toBeVisible();
  // The hidden thread is out of the page: every message there is the shown conversation's.
  const ids = await page.locator('[data-testid="message"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  expect(ids).toEqual(['beta-0', 'beta-1', 'beta-2', 'beta-3', 'beta-4', 'beta-5']);
  await expect(page.getByTestId('thread')).toHaveCount(1);

  await page.locator('[data-testid="conversation-item"][data-id="alpha"]').click();
  await expect(page.locator(`[data-testid="message"][data-id="${marked}"]`)).toBeVisible();
  // The same element (not rendered again), at the same scroll position.
  expect(
    await page.locator(`[data-testid="message"][data-id="${marked}"]`).evaluate((el) => (el as HTMLElement & { kept?: boolean }).kept),
  ).toBe(true);
  expect(await page.getByTestId('thread').evaluate((el) => el.scrollTop)).toBe(left);
  expect(await page.locator('[data-testid="message"][data-id^="beta-"]').count()).toBe(0);
  await expect(page.getByTestId('thread')).toHaveCount(1);

  // Left before its whole tree arrived (it grows from the tail to 300 messages while hidden): shown again at the bottom.
  await page.locator('[data-testid="conversation-item"][data-id="gamma"]').click();
  await expect(page.locator('[data-testid="message"][data-id="gamma-299"]')).toBeVisible();
  await page.locator('[data-testid="conversation-item"][data-id="beta"]').click();
  await expect(page.locator('[data-testid="message"][data-id="beta-5"]')).toBeVisible();
  await page.locator('[data-testid="conversation-item"][data-id="gamma"]').click();
  await expect(page.locator('[data-testid="message"][data-id="gamma-299"]')).toBeVisible();
  await expect.poll(() => page.getByTestId('thread').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(80);
});

test('a streaming answer is followed to its end, and one scrolled away from is not pulled back', async ({ page, host }) => {
  await openApp(page, host.current.url);
  await sendMessage(page, 'Follow me [len=6000]');
  const thread = page.getByTestId('thread');
  const fromEnd = () => thread.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
  // Taller than the window while it streams, and the view stays at its end.
  await expect.poll(() => thread.evaluate((el) => el.scrollHeight - el.clientHeight)).toBeGreaterThan(400);
  await expect.poll(fromEnd).toBeLessThan(80);
  await expect(page.locator('[data-testid="message"][data-role="assistant"][data-status="completed"]')).toBeVisible({ timeout: 60_000 });
  await expect.poll(fromEnd).toBeLessThan(80);

  // Scrolled up to read, a second answer streaming below does not move the view.
  await sendMessage(page, 'And again [len=6000]');
  await expect(page.locator('[data-testid="message"][data-role="assistant"]')).toHaveCount(2);
  await thread.hover();
  await page.mouse.wheel(0, -100_000);
  await expect.poll(() => thread.evaluate((el) => el.scrollTop)).toBe(0);
  await expect(page.locator('[data-testid="message"][data-role="assistant"]').last()).toHaveAttribute('data-status', 'completed', {
    timeout: 60_000,
  });
  expect(await thread.evaluate((el) => el.scrollTop)).toBe(0);
});

test('a first open renders its rows above the screen after its first paint: a scroll up then shows no blank rows', async ({
  page,
  host,
  request,
}) => {
  const archive = { format: 'holdfast-archive', version: 1, conversations: [chain('alpha', 200)] };
  const res = await request.post(`${host.current.url}/api/import`, { data: JSON.stringify(archive), headers: host.current.headers });
  expect(res.ok()).toBe(true);
  await openApp(page, host.current.url);
  await page.locator('[data-testid="conversation-item"][data-id="alpha"]').click();
  await expect(page.locator('[data-testid="message"][data-id="alpha-199"]')).toBeVisible();
  // Rows wholly above the thread's visible top: the full margin of four once the first paint is done.
  const above = () =>
    page.getByTestId('thread').evaluate((thread) => {
      const top = thread.getBoundingClientRect().top;
      return [...thread.querySelectorAll('[data-testid="message"]')].filter((m) => m.getBoundingClientRect().bottom <= top).length;
    });
  await expect.poll(above).toBe(4);
  // A small scroll up lands on rendered rows, not on blank space.
  await page.getByTestId('thread').evaluate((el) => el.scrollBy(0, -300));
  const visibleTop = await page.getByTestId('thread').evaluate((thread) => {
    const top = thread.getBoundingClientRect().top;
    return [...thread.querySelectorAll('[data-testid="message"]')].some((m) => {
      const r = m.getBoundingClientRect();
      return r.top <= top + 1 && r.bottom > top;
    });
  });
  expect(visibleTop).toBe(true);
});
