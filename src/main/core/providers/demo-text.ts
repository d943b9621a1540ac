/** Deterministic answers for a prompt: the offline demo provider and the local test server both speak them. */

const WORDS = (
  'holdfast keeps every answer on disk as it arrives so a reload a crash or a dropped network never loses ' +
  'text the main process owns generation and each window only watches the database is the truth and the change log ' +
  'lets windows catch up streaming chunks are appended to a journal in group commits offline messages wait in a ' +
  'queue and continue when the network returns branches keep every variant you regenerate'
).split(' ');

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function rng(seed: number): () => number {
  let a = seed || 1;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reads `[len=N]` from a prompt: how many characters the answer should have (tests use it). */
export function requestedLength(prompt: string, fallback: number): number {
  const m = /\[len=(\d+)\]/.exec(prompt);
  return m ? Math.min(Number(m[1]), 2_000_000) : fallback;
}

/**
 * A Markdown answer for `prompt`, the same every time: a paragraph, a list, a code block, more paragraphs.
 * It contains double spaces-free prose, newlines and a trailing-space-prone seam so continuations are tested well.
 */
export function answerFor(prompt: string, length = requestedLength(prompt, 900)): string {
  const rand = rng(hash(prompt));
  const word = () => WORDS[Math.floor(rand() * WORDS.length)]!;
  const sentence = () => {
    const n = 6 + Math.floor(rand() * 10);
    const ws = Array.from({ length: n }, word);
    ws[0] = ws[0]!.charAt(0).toUpperCase() + ws[0]!.slice(1);
    return ws.join(' ') + '.';
  };
  const topic =
    prompt
      .replace(/\[[a-z]+=\d+\]/g, '')
      .trim()
      .slice(0, 60) || 'your question';
  const parts: string[] = [`Here is what I can say about “${topic}”.\n\n`];
  let size = parts[0]!.length;
  let block = 0;
  while (size < length) {
    let part: string;
    if (block % 4 === 1) part = `- ${sentence()}\n- ${sentence()}\n- ${sentence()}\n\n`;
    else if (block % 4 === 3)
      part = '```ts\nconst answer = ' + JSON.stringify(word()) + `;\nconsole.log(answer.length * ${block});\n` + '```\n\n';
    else part = `${sentence()} ${sentence()} ${sentence()}\n\n`;
    parts.push(part);
    size += part.length;
    block++;
  }
  return parts.join('').slice(0, length).trimEnd() + '.';
}

/** Splits an answer into streaming pieces of one to three words, as a model would. */
export function splitIntoDeltas(text: string, seed = 7): string[] {
  const rand = rng(seed);
  const out: string[] = [];
  const tokens = text.match(/\s*\S+/g) ?? [];
  let i = 0;
  while (i < tokens.length) {
    const n = 1 + Math.floor(rand() * 3);
    out.push(tokens.slice(i, i + n).join(''));
    i += n;
  }
  const rest = text.slice(out.join('').length);
  if (rest) out.push(rest);
  return out;
}
