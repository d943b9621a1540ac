/** Failures reach one banner that says what failed and what to do: a refused call, and a rejection nobody handled. */
import { test, expect, openApp, newConversation } from './fixtures';

test('an invalid rename shows the error banner with the reason and a way out, and Dismiss clears it', async ({ page, host }) => {
  await openApp(page, host.current.url);
  await newConversation(page);
  await page.getByTestId('conversation-title').click();
  await page.getByTestId('rename-input').fill('x'.repeat(600)); // the contract allows 500 characters
  await page.getByTestId('rename-input').press('Enter');
  const banner = page.getByTestId('error-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toHaveAttribute('data-code', 'invalid_input');
  await expect(banner).toContainText('Rename the conversation failed');
  await expect(banner.getByTestId('error-message')).toContainText('title');
  await expect(banner.getByTestId('error-hint')).toHaveText('Check what you entered and try again.');
  await banner.getByTestId('error-dismiss').click();
  await expect(banner).toHaveCount(0);
});

test('a rejection no code handled reaches the same banner', async ({ page, host }) => {
  await openApp(page, host.current.url);
  await page.evaluate(() => {
    void Promise.reject(new Error('lost in a callback'));
  });
  const banner = page.getByTestId('error-banner');
  await expect(banner).toContainText('Something failed');
  await expect(banner.getByTestId('error-message')).toHaveText('lost in a callback');
});
