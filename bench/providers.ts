/**
 * Streamed chunks persisted end to end, per provider: the same answer streamed as fast as the local server can send
 * it, through the real SDK, the engine and the journal, from the Anthropic server and from the OpenAI-compatible one.
 * Reports the cost per chunk and how the two compare (the journal is the same; only the wire and its parsing differ).
 */
import { Core } from '../src/main/core/core';
import { AnthropicProvider } from '../src/main/core/providers/anthropic';
import { DemoProvider } from '../src/main/core/providers/demo';
import { splitIntoDeltas } from '../src/main/core/providers/demo-text';
import { FakeAnthropic } from '../test/support/fake-anthropic';
import { FakeOpenAI } from '../test/support/fake-openai';
import { tempDir } from '../test/support/core';

const RUNS = 3;
/** Room for the whole answer: the local servers cut an answer at max_tokens deltas. */
const MAX_TOKENS = 1_000_000;

async function timeAnswer(core: Core, conversationId: string, prompt: string): Promise<number> {
  const start = performance.now();
  const { assistant_message_id: id } = core.engine.send({ conversation_id: conversationId, content: prompt });
  await core.engine.settledOf(id);
  for (;;) {
    const m = core.store.message(id);
    if (m.status !== 'generating' && m.status !== 'queued') {
      if (m.status !== 'completed' || m.stop_reason !== 'end_turn')
        throw new Error(`answer ended ${m.status} (${m.stop_reason}): ${m.error}`);
      return performance.now() - start;
    }
    await new Promise((r) => setTimeout(r, 5));
    await core.engine.settledOf(id);
  }
}

async function anthropicRun(prompt: string): Promise<number[]> {
  const fake = await new FakeAnthropic({ paceMs: 0, pingEvery: 1000 }).listen();
  const core = new Core({
    dataDir: tempDir('holdfast-bench-prov-'),
    provider: new AnthropicProvider({ apiKey: 'k', baseURL: fake.url, defaultModel: 'claude-bench' }),
    defaultMaxTokens: MAX_TOKENS,
    autoTitle: false,
  });
  try {
    const out: number[] = [];
    for (let i = 0; i < RUNS; i++) out.push(await timeAnswer(core, core.conversations.create({}).id, `${prompt} ${i}`));
    return out;
  } finally {
    await core.close();
    await fake.close();
  }
}

async function openaiRun(prompt: string): Promise<number[]> {
  const fake = await new FakeOpenAI({ paceMs: 0 }).listen();
  const core = new Core({
    dataDir: tempDir('holdfast-bench-prov-'),
    provider: new DemoProvider(0),
    defaultMaxTokens: MAX_TOKENS,
    autoTitle: false,
  });
  try {
    const p = await core.providers.create({ kind: 'openai-compatible', name: 'bench', base_url: fake.url, preset: 'ollama' });
    const out: number[] = [];
    for (let i = 0; i < RUNS; i++)
      out.push(await timeAnswer(core, core.conversations.create({ provider_id: p.id, model: 'local-a' }).id, `${prompt} ${i}`));
    return out;
  } finally {
    await core.close();
    await fake.close();
  }
}

export async function runProvidersBench(): Promise<string> {
  const rows = ['| provider | answer | chunks | best ms | µs/chunk |', '|---|---|---|---|---|'];
  const perChunk: number[] = [];
  for (const len of [10_000, 100_000]) {
    const prompt = `bench [len=${len}]`;
    const chunks = splitIntoDeltas(FakeAnthropic.answer(`${prompt} 0`)).length;
    for (const [name, run] of [
      ['Anthropic (@anthropic-ai/sdk)', anthropicRun],
      ['OpenAI-compatible (openai)', openaiRun],
    ] as const) {
      const best = Math.min(...(await run(prompt)));
      const us = (best * 1000) / chunks;
      if (len === 100_000) perChunk.push(us);
      rows.push(`| ${name} | ${len.toLocaleString('en')} chars | ${chunks} | ${best.toFixed(0)} | ${us.toFixed(1)} |`);
    }
  }
  rows.push('', `OpenAI-compatible ÷ Anthropic per chunk at 100k characters: ${(perChunk[1]! / perChunk[0]!).toFixed(2)}`);
  return rows.join('\n');
}
