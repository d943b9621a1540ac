/**
 * Guards the Markdown parser against hostile nesting before it runs: marked recurses once per nested blockquote,
 * list or emphasis run, so 2,500 `>` overflow the stack and a list nested 900 deep takes tens of seconds. Text over
 * these limits is shown as plain text instead (in the window and in the HTML export).
 */

/** Nesting deeper than this many blockquotes or list levels is not formatted; real answers stay far below it. */
export const MAX_NESTING = 32;
/** A run of more emphasis characters than this (`*`, `_`, `~`) outside code is not formatted. */
export const MAX_DELIMITER_RUN = 200;
/** More emphasis characters than this in one paragraph make marked's delimiter matching quadratic: not formatted. */
export const MAX_DELIMITERS_PER_PARAGRAPH = 600;

const CONTAINER = /^(?:>|[*+-](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]*/;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** Whether `text` nests deeper than the parser can take in time (or at all). Linear in the text's length. */
export function nestingTooDeep(text: string): boolean {
  let fence: string | null = null;
  let start = 0;
  let delimiters = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    const f = FENCE.exec(line);
    if (fence !== null) {
      // Inside a top-level fence nothing nests; it closes with a run of the same character at least as long.
      if (f && f[1]![0] === fence[0] && f[1]!.length >= fence.length && !f[2]!.trim()) fence = null;
      continue;
    }
    if (f && !(f[1]![0] === '`' && f[2]!.includes('`'))) {
      fence = f[1]!;
      continue;
    }
    if (lineDepth(line) > MAX_NESTING) return true;
    if (longestDelimiterRun(line) > MAX_DELIMITER_RUN) return true;
    delimiters = line.trim() ? delimiters + countDelimiters(line) : 0;
    if (delimiters > MAX_DELIMITERS_PER_PARAGRAPH) return true;
  }
  return false;
}

/** Blockquote and list markers opened on this line, plus the list levels its indentation implies. */
function lineDepth(line: string): number {
  let depth = 0;
  const indentation = /^[ \t]*/.exec(line)![0];
  const indent = indentation.replace(/\t/g, '    ').length;
  let rest = line.slice(indentation.length);
  for (let m = CONTAINER.exec(rest); m && m[0].length; m = CONTAINER.exec(rest)) {
    depth++;
    rest = rest.slice(m[0].length);
    if (depth > MAX_NESTING) return depth;
  }
  // An indented list marker sits one level deeper per two columns (the least a nested list needs).
  return depth > 0 ? depth + Math.floor(indent / 2) : 0;
}

function longestDelimiterRun(line: string): number {
  let longest = 0;
  let run = 0;
  let prev = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if ((c === '*' || c === '_' || c === '~') && (run === 0 || c === prev)) run++;
    else run = c === '*' || c === '_' || c === '~' ? 1 : 0;
    prev = c;
    if (run > longest) longest = run;
  }
  return longest;
}

function countDelimiters(line: string): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 42 || c === 95) n++; // * and _
  }
  return n;
}
