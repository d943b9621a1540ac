/**
 * The conversation list at size: the window's first page (`conversations.page`, what a snapshot pull carries) side by
 * side with the whole list (`conversations.list`, what `GET /api/sessions` and the old snapshot sent), at 1,000, 10,000
 * and 50,000 conversations, as the JSON a window receives.
 */
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import { makeBenchCore } from './bench-core';
import { percentile } from './stats';

const SIZES = [1_000, 10_000, 50_000];

export async function runListBench(log: (s: string) => void): Promise<string> {
  const rows: string[] = [];
  const firstP50: number[] = [];
  for (const n of SIZES) {
    const core = makeBenchCore();
    try {
      const base = Date.now() - n * 1000;
      core.store.mutate(() => {
        for (let i = 0; i < n; i++)
          core.store.insertConversation({
            title: `Conversation ${i} about something`,
            updated_at: base + i * 1000,
            created_at: base + i * 1000,
          });
      });
      // A few pinned, as people have.
      for (const c of core.conversations.page(5, undefined).items) core.conversations.update(c.id, { pinned: true });
      log(`  list: ${n} conversations seeded`);
      const call = async (m: string, input: unknown) => JSON.stringify(await core.call(m, input));
      // Warm the statements (the app prepares them once).
      await call('conversations.page', { limit: 100 });
      const page = await timedAsync(200, () => call('conversations.page', { limit: 100 }));
      const cursor = core.conversations.page(100).next_cursor!;
      const deep = await timedAsync(200, () => call('conversations.page', { limit: 100, cursor }));
      const whole = await timedAsync(n >= 50_000 ? 5 : 10, () => call('conversations.list', {}));
      firstP50.push(page.p50);
      rows.push(
        `| ${n.toLocaleString('en')} | ${page.p50.toFixed(2)} / ${page.p95.toFixed(2)} | ${(page.bytes / 1024).toFixed(0)} KB | ${deep.p95.toFixed(2)} | ${whole.p50.toFixed(1)} / ${whole.p95.toFixed(1)} | ${(whole.bytes / 1024 / 1024).toFixed(2)} MB | ${(whole.p50 / page.p50).toFixed(0)}× |`,
      );
    } finally {
      await core.close();
      fs.rmSync(core.options.dataDir, { recursive: true, force: true });
    }
  }
  return [
    '| conversations | first page of 100, p50 / p95 ms | its JSON | second page p95 ms | whole list (baseline), p50 / p95 ms | its JSON | whole ÷ page (p50) |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `First page p50 at ${SIZES.at(-1)!.toLocaleString('en')} ÷ at ${SIZES[0]!.toLocaleString('en')}: ${(firstP50.at(-1)! / firstP50[0]!).toFixed(1)}× (flat is 1×; p95 on a shared machine is mostly other processes). Budget: ≤ 20 ms and flat in the number of conversations. Times include the contract's zod parsing and JSON.stringify (what a window's request costs the core), not the socket.`,
  ].join('\n');

  async function timedAsync(reps: number, fn: () => Promise<string>) {
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      bytes = Buffer.byteLength(await fn());
      ms.push(performance.now() - t);
    }
    return { p50: percentile(ms, 50), p95: percentile(ms, 95), bytes };
  }
}
