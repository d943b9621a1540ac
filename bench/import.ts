/** Import of a generated ~200 MB ChatGPT export: Holdfast's streaming import side by side with parsing it whole. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TARGET_MB = Number(process.env.BENCH_IMPORT_MB ?? 200);

/** Writes a ChatGPT-format conversations.json of about `mb` MB, one conversation at a time. */
export function generateChatGptExport(file: string, mb: number): number {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, '[');
  let bytes = 1;
  let n = 0;
  const para = 'Sourdough needs time, warmth and a well fed starter; hydration decides the crumb. '.repeat(12);
  while (bytes < mb * 1e6) {
    const mapping: Record<string, unknown> = { root: { id: 'root', message: null, parent: null, children: ['n0'] } };
    let parent = 'root';
    for (let i = 0; i < 12; i++) {
      const id = `n${i}`;
      mapping[id] = {
        id,
        parent,
        children: i < 11 ? [`n${i + 1}`] : [],
        message: {
          id,
          author: { role: i % 2 ? 'assistant' : 'user' },
          create_time: 1.7e9 + n * 100 + i,
          content: { content_type: 'text', parts: [`${i % 2 ? 'Answer' : 'Question'} ${n}.${i}: ${para}`] },
          metadata: {},
          recipient: 'all',
        },
      };
      parent = id;
    }
    const item = JSON.stringify({
      title: `Conversation ${n}`,
      create_time: 1.7e9 + n * 100,
      update_time: 1.7e9 + n * 100 + 50,
      conversation_id: `conv-${n}`,
      current_node: 'n11',
      mapping,
    });
    fs.writeSync(fd, (n ? ',' : '') + item);
    bytes += item.length + 1;
    n++;
  }
  fs.writeSync(fd, ']');
  fs.closeSync(fd);
  return n;
}

function fileOf(mb: number, log: (s: string) => void): string {
  const file = path.join(os.tmpdir(), `holdfast-bench-chatgpt-${mb}mb.json`);
  if (!fs.existsSync(file)) {
    log(`Generating ${file} …`);
    generateChatGptExport(file, mb);
  }
  return file;
}

export function runImportBench(log: (s: string) => void): string {
  const small = fileOf(TARGET_MB / 4, log);
  const large = fileOf(TARGET_MB, log);
  const run = (mode: string, file: string) => ({
    size: fs.statSync(file).size / 1e6,
    ...(JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, 'import-worker.ts'), mode, file], {
        encoding: 'utf8',
        maxBuffer: 1e6,
      })
        .trim()
        .split('\n')
        .pop()!,
    ) as { seconds: number; peakMb: number; conversations: number }),
  });
  const rows = [
    ['streaming import into SQLite (Holdfast)', run('streaming', small)],
    ['streaming import into SQLite (Holdfast)', run('streaming', large)],
    ['JSON.parse of the whole file (baseline, parse only)', run('naive', small)],
    ['JSON.parse of the whole file (baseline, parse only)', run('naive', large)],
  ] as const;
  const [s1, s4, n1, n4] = rows.map((r) => r[1]);
  return [
    '| approach | file MB | conversations | seconds | MB/s | peak RSS MB |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      ([name, r]) =>
        `| ${name} | ${r.size.toFixed(0)} | ${r.conversations} | ${r.seconds.toFixed(1)} | ${(r.size / r.seconds).toFixed(1)} | ${r.peakMb.toFixed(0)} |`,
    ),
    '',
    `Peak memory growth for a 4× larger file: streaming ${(s4!.peakMb / s1!.peakMb).toFixed(2)}×, whole-file parse ${(n4!.peakMb / n1!.peakMb).toFixed(2)}×. ` +
      `At ${TARGET_MB} MB the whole-file parse peaks ${(n4!.peakMb / s4!.peakMb).toFixed(1)}× higher than the streaming import.`,
  ].join('\n');
}
