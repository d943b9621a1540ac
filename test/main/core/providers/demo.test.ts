import { describe, expect, it } from 'vitest';
import { DemoProvider, filesNote } from '../../../../src/main/core/providers/demo';
import { answerFor } from '../../../../src/main/core/providers/demo-text';
import type { ProviderRequest } from '../../../../src/main/core/providers/provider';
import { makeCore, settled, waitFor } from '../../../support/core';
import { fakeAnthropic } from '../../../support/servers';
import { pdf, png } from '../../../support/files';

async function answer(provider: DemoProvider, request: ProviderRequest): Promise<string> {
  let text = '';
  for await (const ev of provider.stream(request, { signal: new AbortController().signal })) if (ev.type === 'text') text += ev.text;
  return text;
}

describe('the demo provider', () => {
  it('says which files the turn carried, by name and type, before its answer; without files the answer is unchanged', async () => {
    const demo = new DemoProvider(0);
    const files = [
      { kind: 'image' as const, name: 'screen_shot*1.png', mime: 'image/png', data: png(16) },
      { kind: 'document' as const, name: 'report.pdf', mime: 'application/pdf', data: pdf(1) },
      { kind: 'text' as const, name: 'notes.txt', mime: 'text/plain', data: Buffer.from('hello') },
    ];
    const text = await answer(demo, { model: 'demo', max_tokens: 100, messages: [{ role: 'user', content: 'look', attachments: files }] });
    expect(text.startsWith('I received 3 files:')).toBe(true);
    expect(text).toContain('- screen\\_shot\\*1\\.png (image/png, ');
    expect(text).toContain('- report\\.pdf (application/pdf, ');
    expect(text).toContain('- notes\\.txt (text/plain, 5 B)');
    expect(text.endsWith(answerFor('look'))).toBe(true);
    expect(text).toBe(filesNote(files) + answerFor('look'));
    // An earlier turn's files are not this turn's: only the files of the message answered are named.
    const later = await answer(demo, {
      model: 'demo',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'look', attachments: files },
        { role: 'assistant', content: text },
        { role: 'user', content: 'and now?' },
      ],
    });
    expect(later).toBe(answerFor('and now?'));
  });

  it("a fresh user's screenshot sent alone to the demo is answered naming it, and the conversation is titled from its name", async () => {
    const core = makeCore(await fakeAnthropic(), { provider: new DemoProvider(1), autoTitle: true });
    const id = core.attachments.add({ name: 'shot.png', mime: 'image/png', data: png(16) }).id;
    const conv = core.conversations.create({});
    const sent = core.engine.send({ conversation_id: conv.id, content: '', attachments: [id] });
    const m = await settled(core, sent.assistant_message_id);
    expect(m.status).toBe('completed');
    expect(m.content).toMatch(/^I received one file:\n\n- shot\\\.png \(image\/png, \d+ B\)\n/);
    expect(await waitFor(() => core.conversations.thread(conv.id).conversation.title, 10_000, 'a title')).toBe('Shot png');
  });
});
