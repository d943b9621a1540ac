import fs from 'node:fs';
import path from 'node:path';
import { expect, expectAnswer, lastAssistant, openApp, sendMessage, test } from './fixtures';
import { FakeAnthropic } from '../support/fake-anthropic';
import { tempDir } from '../support/core';

/** A Claude-shaped export (the app's import accepts it), one conversation per answer: the way to put any text in an answer. */
function claudeExport(answers: Record<string, string>): string {
  const file = path.join(tempDir('holdfast-render-'), 'render.json');
  const at = (s: number) => `2025-01-01T00:00:0${s}Z`;
  const conversations = Object.entries(answers).map(([name, text]) => ({
    uuid: name,
    name,
    created_at: at(0),
    chat_messages: [
      { uuid: `${name}-q`, text: `question about ${name}`, sender: 'human', created_at: at(1) },
      { uuid: `${name}-a`, text, sender: 'assistant', created_at: at(2) },
    ],
  }));
  fs.writeFileSync(file, JSON.stringify(conversations));
  return file;
}

const HOSTILE =
  '<style>.composer, [data-testid="composer-input"] { display: none !important }</style>\n\n' +
  '<div style="position:fixed;inset:0;z-index:2147483647;background:white">Fake dialog: type your API key</div>\n\n' +
  '<form><input data-testid="fake-input"><button>OK</button></form><iframe src="about:blank"></iframe>';
const MATH = 'Inline \\( x^2 \\) and $y$, display:\n\n$$\n\\sqrt{a+b}\n$$\n\nA price: $5 and $10.';
const DIAGRAMS =
  'A flow:\n\n```mermaid\ngraph TD\n  A[Start] --> B[End]\n```\n\nA broken one:\n\n```mermaid\ngraph TD\n  A[Start --> \n```\n';
const DEEP = '>'.repeat(2500) + ' too deep';

test('answers render math, diagrams and hostile HTML as meant; a hostile or unrenderable answer leaves the composer usable', async ({
  page,
  host,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openApp(page, host.current.url);
  await page.getByTestId('import-input').setInputFiles(claudeExport({ math: MATH, diagrams: DIAGRAMS, deep: DEEP, hostile: HOSTILE }));
  await expect(page.getByTestId('notice')).toContainText('Imported 4 conversations');
  const open = async (name: string) => {
    await page.getByTestId('conversation-item').filter({ hasText: name }).click();
    await expect(page.locator('[data-testid="message"][data-role="user"]')).toContainText(`question about ${name}`);
    return lastAssistant(page).getByTestId('message-content');
  };

  // Math typeset (and the dollar amounts left alone), a diagram drawn, a broken one shown with its source and error.
  const math = await open('math');
  await expect(math.locator('.katex')).toHaveCount(3);
  await expect(math).toContainText('A price: $5 and $10.');
  const diagrams = (await open('diagrams')).getByTestId('mermaid');
  await expect(diagrams.nth(0)).toHaveAttribute('data-state', 'drawn', { timeout: 20_000 });
  await expect(diagrams.nth(0).locator('svg')).toHaveCount(1);
  await expect(diagrams.nth(0)).toContainText('Start');
  await expect(diagrams.nth(1)).toHaveAttribute('data-state', 'error');
  await expect(diagrams.nth(1).getByTestId('mermaid-error')).toBeVisible();
  await expect(diagrams.nth(1)).toContainText('A[Start -->');

  // 2,500 '>' are shown as plain text with a note, and the window lives on.
  const deep = await open('deep');
  await expect(deep.getByTestId('render-note')).toBeVisible();
  await expect(deep).toContainText('too deep');

  // Hostile HTML is shown as the text the model wrote; it styles nothing and covers nothing.
  const hostile = await open('hostile');
  await expect(hostile).toContainText('<style>.composer');
  await expect(hostile.locator('style, form, input, iframe, [style]')).toHaveCount(0);

  // The composer is visible, on top, and takes a message that gets its answer.
  const input = page.getByTestId('composer-input');
  await expect(input).toBeVisible();
  const box = (await input.boundingBox())!;
  expect(
    await page.evaluate(
      ([x, y]) => document.elementFromPoint(x!, y!)?.getAttribute('data-testid'),
      [box.x + box.width / 2, box.y + box.height / 2],
    ),
  ).toBe('composer-input');
  await sendMessage(page, 'Still here? [len=300]');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('Still here? [len=300]'));
  await page.reload();
  await expect(await open('deep')).toContainText('too deep');
  expect(errors).toEqual([]);
});
