/**
 * Draws Mermaid code blocks as diagrams once they are in the page. Mermaid (large) is imported the first time a
 * diagram appears; it runs at its strict security level, with HTML labels off (no foreignObject), and message
 * directives cannot change its security or styling settings. A diagram that does not parse keeps its source on
 * screen with the error under it, never a blank.
 */
import type { Mermaid } from 'mermaid';

let loading: Promise<Mermaid> | null = null;
let queue: Promise<void> = Promise.resolve();
let ids = 0;

function load(): Promise<Mermaid> {
  loading ??= import('mermaid').then((m) => {
    const mermaid = m.default;
    const dark = window.matchMedia?.('(prefers-color-scheme: dark)').matches;
    mermaid.initialize({
      startOnLoad: false,
      securityLevel: 'strict',
      htmlLabels: false,
      suppressErrorRendering: true,
      theme: dark ? 'dark' : 'default',
      secure: [
        'secure',
        'securityLevel',
        'startOnLoad',
        'maxTextSize',
        'suppressErrorRendering',
        'maxEdges',
        'htmlLabels',
        'themeCSS',
        'fontFamily',
        'altFontFamily',
        'themeVariables',
        'theme',
      ],
      maxTextSize: 50_000,
    });
    return mermaid;
  });
  return loading;
}

/** Rendered diagrams by source, so a block rendered again (a reopened conversation) does not lay out again. */
const drawn = new Map<string, { svg: string } | { error: string }>();
const MAX_DRAWN = 100;

async function draw(source: string): Promise<{ svg: string } | { error: string }> {
  const hit = drawn.get(source);
  if (hit) return hit;
  const mermaid = await load();
  const id = `holdfast-mermaid-${++ids}`;
  let result: { svg: string } | { error: string };
  try {
    await mermaid.parse(source);
    result = { svg: (await mermaid.render(id, source)).svg };
  } catch (e) {
    result = { error: e instanceof Error ? e.message : String(e) };
  } finally {
    // A failed render can leave its scratch element in the page.
    document.getElementById(id)?.remove();
    document.getElementById(`d${id}`)?.remove();
  }
  if (drawn.size >= MAX_DRAWN) drawn.delete(drawn.keys().next().value!);
  drawn.set(source, result);
  return result;
}

/** Draws every Mermaid block not yet drawn under `root` (one at a time: Mermaid's renders do not overlap well). */
export function drawDiagrams(root: HTMLElement): Promise<void> {
  const blocks = [...root.querySelectorAll<HTMLElement>('.mermaid-block:not([data-state])')];
  for (const el of blocks) el.dataset.state = 'drawing';
  queue = queue.then(async () => {
    for (const el of blocks) {
      const source = el.querySelector('code')?.textContent ?? '';
      const result = await draw(source).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
      if (!el.isConnected) continue;
      if ('svg' in result) {
        const figure = document.createElement('div');
        figure.className = 'mermaid-diagram';
        figure.innerHTML = result.svg;
        el.replaceChildren(figure);
        el.dataset.state = 'drawn';
      } else {
        const note = document.createElement('p');
        note.className = 'mermaid-error';
        note.dataset.testid = 'mermaid-error';
        note.textContent = `This diagram could not be drawn: ${result.error}`;
        el.append(note);
        el.dataset.state = 'error';
      }
    }
  });
  return queue;
}
