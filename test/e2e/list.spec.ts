import { expect, openApp, test } from './fixtures';

test('the conversation list loads more as it scrolls, newest activity first', async ({ page, host, request }) => {
  const base = host.current.url;
  const headers = host.current.headers;
  for (let i = 0; i < 300; i++) {
    const res = await request.post(`${base}/api/sessions`, { data: { title: `list ${i}` }, headers });
    expect(res.ok()).toBe(true);
  }
  // The REST page: 50 of 300, pinned first then newest, with a cursor to the next.
  const first = (await (await request.get(`${base}/api/sessions?limit=50`, { headers })).json()) as {
    items: { title: string }[];
    next_cursor: string | null;
    total: number;
  };
  expect(first.items).toHaveLength(50);
  expect(first.total).toBe(300);
  expect(first.items[0]!.title).toBe('list 299');
  const second = (await (
    await request.get(`${base}/api/sessions?limit=50&cursor=${encodeURIComponent(first.next_cursor!)}`, { headers })
  ).json()) as {
    items: { title: string }[];
  };
  expect(second.items[0]!.title).toBe('list 249');
  // Without parameters: the whole list, as before.
  expect(((await (await request.get(`${base}/api/sessions`, { headers })).json()) as unknown[]).length).toBe(300);

  await openApp(page, base);
  const list = page.getByTestId('conversation-list');
  await expect(list).toHaveAttribute('data-loaded', '100');
  await expect(list).toHaveAttribute('data-more', 'true');
  await expect(page.getByTestId('conversation-item').first()).toContainText('list 299');
  await expect(async () => {
    await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect(list).toHaveAttribute('data-loaded', '300', { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(list).toHaveAttribute('data-more', 'false');
  await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(page.getByTestId('conversation-item').last()).toContainText('list 0');

  // New activity on the oldest moves it to the top, in this window, live.
  const oldest = await page.getByTestId('conversation-item').last().getAttribute('data-id');
  await request.patch(`${base}/api/sessions/${oldest}`, { data: { pinned: true }, headers });
  await list.evaluate((el) => el.scrollTo(0, 0));
  await expect(page.getByTestId('conversation-item').first()).toHaveAttribute('data-id', oldest!);
});
