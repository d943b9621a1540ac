/** Attachments in the window: picked, sent byte for byte, shown as thumbnails after a reload; hostile files run nothing. */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test, expect, openApp, sendMessage, lastAssistant, expectAnswer, newConversation } from './fixtures';
import { FakeAnthropic } from '../support/fake-anthropic';
import { tempDir } from '../support/core';
import type { HostProcess } from '../support/host-process';
import { readZip } from '../support/zip';
import { gifOf, pdf, png, pngOf, sha256 } from '../support/files';
import { imageSize } from '../../src/shared/image-size';

test('an image attached by the picker reaches the provider byte for byte and its thumbnail shows after a reload', async ({
  page,
  fake,
  host,
}) => {
  const dir = tempDir('holdfast-att-');
  const image = png(2048);
  const file = path.join(dir, 'screenshot.png');
  fs.writeFileSync(file, image);
  await openApp(page, host.current.url);
  await page.getByTestId('attachment-input').setInputFiles(file);
  const chip = page.getByTestId('composer-attachment');
  await expect(chip).toHaveAttribute('data-name', 'screenshot.png');
  await expect(chip.getByTestId('attachment-thumbnail')).toBeVisible();
  const prompt = 'what is on it? [len=200]';
  await sendMessage(page, prompt);
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  await expect(page.getByTestId('composer-attachment')).toHaveCount(0); // sent with the message
  // The answer's request (a title request may follow it, text only).
  const received = fake.requests.find((r) => r.messages.at(-1)?.content === prompt)!.files!;
  expect(received.map((f) => [f.type, f.media_type])).toEqual([['image', 'image/png']]);
  expect(sha256(received[0]!.data)).toBe(sha256(image));

  await page.reload();
  const shown = page.getByTestId('message-attachment');
  await expect(shown).toHaveAttribute('data-name', 'screenshot.png');
  const thumb = shown.getByTestId('attachment-thumbnail');
  await expect(thumb).toBeVisible();
  // The thumbnail is the exact bytes (a data URL: the page's CSP allows no other image source).
  const src = await thumb.getAttribute('src');
  expect(sha256(Buffer.from(src!.split(',')[1]!, 'base64'))).toBe(sha256(image));
  await thumb.click();
  await expect(page.getByTestId('attachment-viewer')).toBeVisible();
  // The viewer saves the image under its name, byte for byte, to open with the system's viewer.
  const [saved] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('attachment-viewer').getByTestId('attachment-download').click(),
  ]);
  expect(saved.suggestedFilename()).toBe('screenshot.png');
  expect(sha256(fs.readFileSync((await saved.path())!))).toBe(sha256(image));
  await expect(page.getByTestId('attachment-viewer')).toBeVisible(); // saving does not close it
  await page.keyboard.press('Escape');

  // Exported as Markdown, the thread comes as a .zip: the .md links to the image written beside it, byte for byte.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-select').selectOption('md')]);
  expect(download.suggestedFilename()).toMatch(/\.zip$/);
  const entries = await readZip(fs.readFileSync((await download.path())!));
  const md = [...entries].find(([name]) => name.endsWith('.md'))![1].toString('utf8');
  const link = /!\[[^\]]*\]\(<([^>]+)>\)/.exec(md)![1]!;
  expect(decodeURIComponent(link)).toBe('attachments/screenshot.png');
  expect(sha256(entries.get('attachments/screenshot.png')!)).toBe(sha256(image));
});

test('an image over the provider limit is downscaled in the composer, which says so, and reaches the provider at its new size', async ({
  page,
  fake,
  host,
}) => {
  const dir = tempDir('holdfast-att-');
  const wide = pngOf(9000, 100); // Anthropic refuses images over 8000 px on the long edge
  const file = path.join(dir, 'panorama.png');
  fs.writeFileSync(file, wide);
  await openApp(page, host.current.url);
  await page.getByTestId('attachment-input').setInputFiles(file);
  const chip = page.getByTestId('composer-attachment');
  await expect(chip).toHaveAttribute('data-name', 'panorama.png');
  await expect(chip).toHaveAttribute('data-mime', 'image/png'); // the type is kept
  await expect(chip.getByTestId('attachment-notice')).toHaveText(
    "Resized from 9000×100 to 8000×89 to fit Anthropic's limit of 8000 px on the long edge and 5 MB (base64)",
  );
  const prompt = 'what is this panorama? [len=100]';
  await sendMessage(page, prompt);
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  const received = fake.requests.find((r) => r.messages.at(-1)?.content === prompt)!.files!;
  expect(received.map((f) => [f.type, f.media_type])).toEqual([['image', 'image/png']]);
  expect(imageSize(received[0]!.data, 'image/png')).toEqual({ width: 8000, height: 89 });

  // The original sent by a script is refused with the limit named, and nothing is stored.
  const upload = await page.request.post(`${host.current.url}/api/attachments?name=panorama.png`, {
    headers: { 'content-type': 'image/png' },
    data: wide,
  });
  expect(upload.status()).toBe(200);
  const conversations = (await (await page.request.get(`${host.current.url}/api/sessions`)).json()) as { id: string }[];
  const send = await page.request.post(`${host.current.url}/api/sessions/${conversations[0]!.id}/messages`, {
    data: { content: 'and the original?', attachments: [((await upload.json()) as { id: string }).id] },
  });
  expect(send.status()).toBe(400);
  expect(((await send.json()) as { error: { message: string } }).error.message).toBe(
    'panorama.png is 9000×100 px; Anthropic takes images of at most 8000 px on the long edge',
  );
  await expect(page.getByTestId('message')).toHaveCount(2);
});

test('a GIF over the provider limit becomes a PNG of its first frame, and the chip says so', async ({ page, fake, host }) => {
  const file = path.join(tempDir('holdfast-att-'), 'banner.gif');
  fs.writeFileSync(file, gifOf(9000, 10));
  await openApp(page, host.current.url);
  await page.getByTestId('attachment-input').setInputFiles(file);
  const chip = page.getByTestId('composer-attachment');
  await expect(chip).toHaveAttribute('data-name', 'banner.png');
  await expect(chip).toHaveAttribute('data-mime', 'image/png');
  await expect(chip.getByTestId('attachment-notice')).toHaveText(
    "Resized from 9000×10 to 8000×9 (as a PNG of its first frame) to fit Anthropic's limit of 8000 px on the long edge and 5 MB (base64)",
  );
  const prompt = 'read the banner [len=40]';
  await sendMessage(page, prompt);
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  const [sent] = fake.requests.find((r) => r.messages.at(-1)?.content === prompt)!.files!;
  expect(sent!.media_type).toBe('image/png');
  expect(imageSize(sent!.data, 'image/png')).toEqual({ width: 8000, height: 9 });
});

test('a photo over the provider byte limit is made smaller until it fits, keeps its type, and the chip says how', async ({
  page,
  fake,
  host,
}) => {
  await openApp(page, host.current.url);
  // A 2400×1600 JPEG of noise at full quality: about 10 MB, far past Anthropic's 5 MB of base64, under its pixel limit.
  const dataUrl = (await page.evaluate(`(async () => {
    const c = new OffscreenCanvas(2400, 1600);
    const px = new ImageData(2400, 1600);
    for (let i = 0; i < px.data.length; i++) px.data[i] = i % 4 === 3 ? 255 : Math.random() * 256;
    c.getContext('2d').putImageData(px, 0, 0);
    const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 1 });
    return await new Promise((resolve) => { const r = new FileReader(); r.onload = () => resolve(r.result); r.readAsDataURL(blob); });
  })()`)) as string;
  const jpeg = Buffer.from(dataUrl.split(',')[1]!, 'base64');
  expect(Math.ceil(jpeg.length / 3) * 4).toBeGreaterThan(5 * 1024 * 1024);
  const file = path.join(tempDir('holdfast-att-'), 'photo.jpg');
  fs.writeFileSync(file, jpeg);
  await page.getByTestId('attachment-input').setInputFiles(file);
  const chip = page.getByTestId('composer-attachment');
  await expect(chip).toHaveAttribute('data-mime', 'image/jpeg', { timeout: 30_000 });
  const notice = chip.getByTestId('attachment-notice');
  const says = /^(?:Resized from 2400×1600 to (\d+)×(\d+)|Re-encoded at (2400)×(1600), 90% quality,) to fit Anthropic's limit of 8000 px/;
  await expect(notice).toHaveText(says);
  const [w, h] = says
    .exec((await notice.textContent())!)!
    .slice(1)
    .filter(Boolean);
  const prompt = 'describe the photo [len=60]';
  await sendMessage(page, prompt);
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(prompt));
  const [sent] = fake.requests.find((r) => r.messages.at(-1)?.content === prompt)!.files!;
  expect(sent!.media_type).toBe('image/jpeg');
  expect(Math.ceil(sent!.data.length / 3) * 4).toBeLessThanOrEqual(5 * 1024 * 1024);
  expect(imageSize(sent!.data, 'image/jpeg')).toEqual({ width: Number(w), height: Number(h) });
});

test('a hostile SVG or HTML file attached and sent runs no script in the app', async ({ page, host }) => {
  const dir = tempDir('holdfast-att-');
  const svg = path.join(dir, 'evil.svg');
  fs.writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg" onload="window.top.pwned=1"><script>window.top.pwned=2</script></svg>');
  const html = path.join(dir, 'evil.html');
  fs.writeFileSync(html, '<img src=x onerror="window.top.pwned=3"><script>window.top.pwned=4</script>');
  await openApp(page, host.current.url);
  await page.getByTestId('attachment-input').setInputFiles([svg, html]);
  await expect(page.getByTestId('composer-attachment')).toHaveCount(2);
  await sendMessage(page, 'look at these [len=50]');
  await expect(page.getByTestId('message-attachment')).toHaveCount(2);
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'completed', { timeout: 45_000 });
  await page.reload();
  await expect(page.getByTestId('message-attachment')).toHaveCount(2);
  // Neither is shown as an image or a page: both are named files, and no handler ran.
  await expect(page.getByTestId('message-attachment').getByTestId('attachment-thumbnail')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  // Opened directly, the host serves them as sandboxed downloads, never as a document.
  const ids = await page.evaluate(async () => {
    const r = await fetch(`/api/sessions`);
    const [conv] = (await r.json()) as { id: string }[];
    const t = (await (await fetch(`/api/sessions/${conv!.id}/messages`)).json()) as { attachments: { id: string }[] }[];
    return t.flatMap((m) => m.attachments.map((a) => a.id));
  });
  expect(ids).toHaveLength(2);
  for (const id of ids) {
    const res = await page.request.get(`${host.current.url}/api/attachments/${id}`);
    expect(res.headers()['content-type']).toBe('application/octet-stream');
    expect(res.headers()['content-security-policy']).toMatch(/^sandbox/);
  }
});

test('a file dropped on the composer is attached, not imported; a pasted image is attached too', async ({ page, host }) => {
  await openApp(page, host.current.url);
  const json = JSON.stringify([{ uuid: 'x', name: 'not an import', chat_messages: [] }]);
  await page.evaluate((content) => {
    const dt = new DataTransfer();
    dt.items.add(new File([content], 'conversations.json', { type: 'application/json' }));
    const target = document.querySelector('[data-testid="composer-input"]')!;
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, json);
  await expect(page.getByTestId('composer-attachment')).toHaveAttribute('data-name', 'conversations.json');
  const image = png(32).toString('base64');
  await page.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
    const target = document.querySelector('[data-testid="composer-input"]')!;
    target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, image);
  await expect(page.getByTestId('composer-attachment')).toHaveCount(2);
  await expect(page.getByTestId('composer-attachment').nth(1).getByTestId('attachment-thumbnail')).toBeVisible();
  await expect(page.getByTestId('notice')).toHaveCount(0); // nothing was imported
  expect(await page.getByTestId('conversation-item').count()).toBe(0);
});

test('files past what a message carries, a file over 25 MB and an image dropped beside the composer each say why in the banner', async ({
  page,
  host,
}) => {
  await openApp(page, host.current.url);
  const banner = page.getByTestId('error-banner');
  // Over the size limit: refused before it is read, as too large, with the file's size and the limit.
  await page
    .getByTestId('attachment-input')
    .setInputFiles({ name: 'huge.txt', mimeType: 'text/plain', buffer: Buffer.alloc(26 * 1024 * 1024, 97) });
  await expect(banner).toHaveAttribute('data-code', 'too_large');
  await expect(banner.getByTestId('error-message')).toHaveText('huge.txt is 26.0 MB; a file may be at most 25 MB');
  await banner.getByTestId('error-dismiss').click();
  // A screenshot dropped on the thread instead of the composer: not posted as an import, and the banner says where to drop it.
  const imports: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/import')) imports.push(r.url());
  });
  await page.evaluate((b64) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'screenshot.png', { type: 'image/png' }));
    document.body.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, png().toString('base64'));
  await expect(banner.getByTestId('error-hint')).toHaveText('To attach it to a message, drop it on the message box (or use Attach).');
  await banner.getByTestId('error-dismiss').click();
  expect(imports).toEqual([]);
  // 25 files picked at once: the first 20 attach, and the banner names the 5 left out.
  await page
    .getByTestId('attachment-input')
    .setInputFiles(
      Array.from({ length: 25 }, (_, i) => ({ name: `f${i + 1}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`file ${i + 1}\n`) })),
    );
  await expect(banner.getByTestId('error-message')).toHaveText(
    'A message may carry at most 20 files: f21.txt, f22.txt, f23.txt, f24.txt, f25.txt were not attached',
  );
  await expect(page.getByTestId('composer-attachment')).toHaveCount(20);
  await expect(page.getByTestId('composer-attachment').last()).toHaveAttribute('data-name', 'f20.txt');
});

test('editing a message can take a file off it: the new branch carries only the files kept', async ({ page, fake, host }) => {
  await openApp(page, host.current.url);
  await page.getByTestId('attachment-input').setInputFiles([
    { name: 'keep.txt', mimeType: 'text/plain', buffer: Buffer.from('kept words\n') },
    { name: 'drop.txt', mimeType: 'text/plain', buffer: Buffer.from('dropped words\n') },
  ]);
  await expect(page.getByTestId('composer-attachment')).toHaveCount(2);
  await sendMessage(page, 'read both [len=20]');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('read both [len=20]'));
  const user = page.locator('[data-testid="message"][data-role="user"]');
  await user.getByTestId('edit-button').click();
  const chips = user.getByTestId('edit-attachment');
  await expect(chips).toHaveCount(2);
  await chips.filter({ hasText: 'drop.txt' }).getByRole('button', { name: 'Remove drop.txt' }).click();
  await user.getByTestId('edit-input').fill('read the one [len=20]');
  await user.getByTestId('edit-save').click();
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('read the one [len=20]'));
  await expect(user.getByTestId('message-attachment')).toHaveCount(1);
  await expect(user.getByTestId('message-attachment')).toHaveAttribute('data-name', 'keep.txt');
  const sent = fake.requests.find((r) => r.messages.at(-1)?.content === 'read the one [len=20]')!.files!;
  expect(sent.map((f) => f.data.toString('utf8'))).toEqual(['kept words\n']);
  // The first branch keeps both files.
  await user.getByTestId('variant-prev').click();
  await expect(user.getByTestId('message-attachment')).toHaveCount(2);
});

/** Streams `data` as an upload, `upTo` bytes of it (all: the body ends), with backpressure; never throws. */
function streamUpload(h: HostProcess, name: string, data: Buffer, upTo: number) {
  let answered = false;
  const req = http.request(`${h.url}/api/attachments?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { ...h.headers, 'content-type': 'image/png', 'content-length': data.length },
  });
  const response = new Promise<number | null>((resolve) => {
    req.on('response', (res) => {
      answered = true;
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? null));
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null)); // the host was killed: the socket resets
  });
  const sent = (async () => {
    for (let at = 0; at < upTo; at += 1024 * 1024) {
      if (!req.write(data.subarray(at, Math.min(upTo, at + 1024 * 1024))))
        await Promise.race([new Promise((r) => req.once('drain', r)), response]);
    }
    if (upTo >= data.length) req.end();
  })();
  return { sent, response, answered: () => answered };
}

/** Resolves true as soon as a temporary file exists in `folder` (the core is writing), false once `stop()` says so. */
function tempFileAppears(folder: string, stop: () => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const tick = () => {
      const names = fs.existsSync(folder) ? fs.readdirSync(folder) : [];
      if (names.some((n) => n.startsWith('tmp-'))) return resolve(true);
      if (stop()) return resolve(false);
      setImmediate(tick); // lets the upload's own I/O run between looks
    };
    tick();
  });
}

/** Every file kept under `<data>/attachments`: none temporary, each whole (its bytes hash to its name). */
function keptFiles(dataDir: string): { temp: string[]; damaged: string[]; whole: string[] } {
  const root = path.join(dataDir, 'attachments');
  const out = { temp: [] as string[], damaged: [] as string[], whole: [] as string[] };
  for (const dir of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    if (!fs.statSync(path.join(root, dir)).isDirectory()) continue;
    for (const name of fs.readdirSync(path.join(root, dir))) {
      if (name.startsWith('tmp-')) out.temp.push(name);
      else if (sha256(fs.readFileSync(path.join(root, dir, name))) === name) out.whole.push(name);
      else out.damaged.push(name);
    }
  }
  return out;
}

test('a host killed with SIGKILL mid-upload or while it writes the file leaves no partial file and no message without its file, and still sends', async ({
  page,
  fake,
  host,
}) => {
  test.setTimeout(150_000);
  const dir = tempDir('holdfast-att-');
  const before = png(4096);
  fs.writeFileSync(path.join(dir, 'before.png'), before);
  await openApp(page, host.current.url);
  await page.getByTestId('attachment-input').setInputFiles(path.join(dir, 'before.png'));
  await expect(page.getByTestId('composer-attachment')).toHaveCount(1);
  await sendMessage(page, 'first [len=50]');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('first [len=50]'));

  const moments: string[] = [];
  for (const plan of ['mid-body', 'in the write', 'in the write', 'in the write']) {
    const big = png(24 * 1024 * 1024); // near the 25 MB limit, so the write and its fsync take a while
    const upload = streamUpload(host.current, 'big.png', big, plan === 'mid-body' ? big.length / 2 : big.length);
    if (plan === 'mid-body') {
      await upload.sent;
      moments.push('mid-body');
    } else {
      const writing = await tempFileAppears(path.join(host.dataDir, 'attachments', sha256(big).slice(0, 2)), upload.answered);
      moments.push(writing ? 'in the write' : 'after the write');
    }
    await host.current.kill('SIGKILL');
    await upload.response;
    await host.restart();
    // At every start: no temporary file left, and every kept file is whole.
    const files = keptFiles(host.dataDir);
    expect(files.temp).toEqual([]);
    expect(files.damaged).toEqual([]);
    expect(files.whole).toContain(sha256(before));
  }
  test.info().annotations.push({ type: 'kills', description: moments.join(', ') });
  expect(moments).toContain('in the write'); // at least one kill landed while the file was being written

  // No message points at a missing or partial file: each listed file is served whole, at its size.
  const conversations = (await (await page.request.get(`${host.current.url}/api/sessions`)).json()) as { id: string }[];
  let served = 0;
  for (const c of conversations) {
    const tree = (await (await page.request.get(`${host.current.url}/api/sessions/${c.id}/tree`)).json()) as {
      messages: { attachments: { id: string; size: number }[] }[];
    };
    for (const a of tree.messages.flatMap((m) => m.attachments)) {
      const res = await page.request.get(`${host.current.url}/api/attachments/${a.id}`);
      expect(res.status()).toBe(200);
      expect((await res.body()).length).toBe(a.size);
      served++;
    }
  }
  expect(served).toBeGreaterThanOrEqual(1); // the first message's file at least: the loop above checked something

  // The app still attaches and sends.
  await page.reload();
  await expect(page.getByTestId('message-attachment').getByTestId('attachment-thumbnail')).toBeVisible();
  const after = png(1024);
  fs.writeFileSync(path.join(dir, 'after.png'), after);
  await page.getByTestId('attachment-input').setInputFiles(path.join(dir, 'after.png'));
  await expect(page.getByTestId('composer-attachment')).toHaveCount(1);
  await sendMessage(page, 'second [len=50]');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('second [len=50]'));
  const received = fake.requests.find((r) => r.messages.at(-1)?.content === 'second [len=50]')!.files!;
  expect(received.map((f) => sha256(f.data))).toEqual([sha256(before), sha256(after)]); // the history's file, then the new one
});

test('a screenshot sent alone, with no text, is answered; the request carries its image block and no empty text', async ({
  page,
  fake,
  host,
}) => {
  const dir = tempDir('holdfast-att-');
  const image = png(256);
  fs.writeFileSync(path.join(dir, 'alone.png'), image);
  await openApp(page, host.current.url);
  await expect(page.getByTestId('send-button')).toBeDisabled(); // nothing to send yet
  await page.getByTestId('attachment-input').setInputFiles(path.join(dir, 'alone.png'));
  await expect(page.getByTestId('composer-attachment').getByTestId('attachment-thumbnail')).toBeVisible();
  await expect(page.getByTestId('send-button')).toBeEnabled();
  await page.getByTestId('send-button').click();
  await expect(page.getByTestId('message-attachment')).toHaveAttribute('data-name', 'alone.png');
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer(''));
  await expect(page.getByTestId('composer-attachment')).toHaveCount(0);
  const request = fake.requests.find((r) => r.files?.length)!;
  expect(request.blocks).toEqual([['image']]);
  expect(sha256(request.files![0]!.data)).toBe(sha256(image));

  // Through REST: empty text is taken with files and refused without them.
  const [conv] = (await (await page.request.get(`${host.current.url}/api/sessions`)).json()) as { id: string }[];
  const upload = await page.request.post(`${host.current.url}/api/attachments?name=again.png`, {
    headers: { 'content-type': 'image/png' },
    data: image,
  });
  const id = ((await upload.json()) as { id: string }).id;
  const url = `${host.current.url}/api/sessions/${conv!.id}/messages`;
  expect((await page.request.post(url, { data: { content: '' } })).status()).toBe(400);
  expect((await page.request.post(url, { data: { content: '', attachments: [id] } })).status()).toBe(200);
});

test('a PDF, a text file and an SVG in the thread download under their names, byte for byte, and nothing runs', async ({ page, host }) => {
  const dir = tempDir('holdfast-att-');
  const files = {
    'report.pdf': pdf(2),
    'notes.txt': Buffer.from('line one\nα β γ\n'),
    'evil.svg': Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" onload="window.top.pwned=1"><script>window.top.pwned=2</script></svg>',
    ),
  };
  for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), data);
  await openApp(page, host.current.url);
  await page.getByTestId('attachment-input').setInputFiles(Object.keys(files).map((n) => path.join(dir, n)));
  await expect(page.getByTestId('composer-attachment')).toHaveCount(3);
  await sendMessage(page, 'read these [len=40]');
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'completed', { timeout: 45_000 });
  for (const [name, data] of Object.entries(files)) {
    const chip = page.getByTestId('message-attachment').and(page.locator(`[data-name="${name}"]`));
    const [saved] = await Promise.all([page.waitForEvent('download'), chip.getByTestId('attachment-download').click()]);
    expect(saved.suggestedFilename()).toBe(name);
    expect(sha256(fs.readFileSync((await saved.path())!))).toBe(sha256(data));
  }
  // Still the thread, and no script from the SVG ran.
  await expect(page.getByTestId('message-attachment')).toHaveCount(3);
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
});

test('each conversation keeps its own draft, text and files: switching away and back restores it, and a file is sent only where it was attached', async ({
  page,
  fake,
  host,
}) => {
  const dir = tempDir('holdfast-att-');
  fs.writeFileSync(path.join(dir, 'for-a.txt'), 'only for A\n');
  fs.writeFileSync(path.join(dir, 'for-b.txt'), 'only for B\n');
  await openApp(page, host.current.url);
  const input = page.getByTestId('composer-input');
  const chips = page.getByTestId('composer-attachment');
  const open = (id: string) => page.locator(`[data-testid="conversation-item"][data-id="${id}"]`).click();

  const a = await newConversation(page);
  await input.fill('draft for A [len=30]');
  await page.getByTestId('attachment-input').setInputFiles(path.join(dir, 'for-a.txt'));
  await expect(chips).toHaveAttribute('data-name', 'for-a.txt');

  const b = await newConversation(page);
  await expect(input).toHaveValue(''); // nothing carried over from A
  await expect(chips).toHaveCount(0);
  await input.fill('draft for B [len=30]');
  await page.getByTestId('attachment-input').setInputFiles(path.join(dir, 'for-b.txt'));
  await expect(chips).toHaveAttribute('data-name', 'for-b.txt');

  await open(a);
  await expect(input).toHaveValue('draft for A [len=30]');
  await expect(chips).toHaveCount(1);
  await expect(chips).toHaveAttribute('data-name', 'for-a.txt');
  await page.getByTestId('send-button').click();
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('draft for A [len=30]'));
  await expect(input).toHaveValue('');
  const toA = fake.requests.find((r) => r.messages.at(-1)?.content === 'draft for A [len=30]')!;
  expect(toA.files!.map((f) => f.data.toString())).toEqual(['only for A\n']);

  await open(b);
  await expect(input).toHaveValue('draft for B [len=30]');
  await expect(chips).toHaveAttribute('data-name', 'for-b.txt');
  await page.getByTestId('send-button').click();
  await expectAnswer(lastAssistant(page), FakeAnthropic.answer('draft for B [len=30]'));
  const toB = fake.requests.find((r) => r.messages.at(-1)?.content === 'draft for B [len=30]')!;
  expect(toB.files!.map((f) => f.data.toString())).toEqual(['only for B\n']);

  await open(a); // A's draft was sent: its composer is empty
  await expect(input).toHaveValue('');
  await expect(chips).toHaveCount(0);
});
