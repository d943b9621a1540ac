/**
 * The page bench/renderer-freeze.ts drives: streams a text into the window's Markdown component (or the baseline),
 * one longer slice per animation frame as the window's sync layer does, and reports the longest render and every
 * long task (over 50 ms) Chromium saw meanwhile.
 */
import { createElement, type FunctionComponent } from 'react';
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import '../../src/renderer/src/styles.css';
import { Markdown } from '../../src/renderer/src/components/Markdown';
import { cacheSize } from '../../src/renderer/src/components/markdown/render';
import { BaselineMarkdown, baselineCacheChars } from './baseline-markdown';

export interface StreamRun {
  frames: number;
  /** Characters of the text streamed before the run ended (all of it unless the time budget ran out). */
  streamed: number;
  longestRenderMs: number;
  longTasks: number[];
  /** For each long task: how much of the text had been rendered when it started. */
  longTasksAt: number[];
  /** Characters the rendered-Markdown cache holds once the answer is done. */
  cacheChars: number;
}

const WARM_UP = 'Some *text*, a [link](https://example.com) and a list:\n\n- one\n- two\n\n```\nplain code\n```\n\n> a quote\n';

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

async function stream(variant: 'holdfast' | 'baseline', text: string, frames: number, budgetMs: number): Promise<StreamRun> {
  const box = document.createElement('div');
  box.className = 'message-content';
  document.body.append(box);
  const root = createRoot(box);
  const component = (variant === 'baseline' ? BaselineMarkdown : Markdown) as FunctionComponent<{ text: string; streaming: boolean }>;
  // Warm up first (the window has rendered answers before this one): code compiled, styles computed.
  flushSync(() => root.render(createElement(component, { text: WARM_UP, streaming: false })));
  flushSync(() => root.render(createElement(component, { text: '', streaming: false })));
  await nextFrame();
  await nextFrame();
  const longTasks: number[] = [];
  const starts: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      longTasks.push(e.duration);
      starts.push(e.startTime);
    }
  });
  const progress: [number, number][] = [];
  observer.observe({ type: 'longtask' });
  const step = Math.ceil(text.length / frames);
  const start = performance.now();
  let longestRenderMs = 0;
  let n = 0;
  let end = 0;
  const render = (upTo: number, streaming: boolean) => {
    const t = performance.now();
    progress.push([t, upTo]);
    flushSync(() => root.render(createElement(component, { text: text.slice(0, upTo), streaming })));
    longestRenderMs = Math.max(longestRenderMs, performance.now() - t);
    n++;
  };
  do {
    end = Math.min(text.length, end + step);
    render(end, end < text.length);
    await nextFrame();
  } while (end < text.length && performance.now() - start < budgetMs);
  // The answer completes: rendered once more as a finished answer (highlighting, detection, caching).
  if (end === text.length) {
    render(end, false);
    await nextFrame();
  }
  await new Promise((resolve) => setTimeout(resolve, 200)); // the observer reports a little late
  observer.disconnect();
  const cacheChars = variant === 'baseline' ? baselineCacheChars() : cacheSize().chars;
  const longTasksAt = starts.map((s) => [...progress].reverse().find(([t]) => t <= s + 1)?.[1] ?? 0);
  return { frames: n, streamed: end, longestRenderMs, longTasks, longTasksAt, cacheChars };
}

(window as unknown as { __bench: unknown }).__bench = { stream };
