/** The desktop CI workflow parses, covers the three desktop systems, and runs only npm scripts that exist. */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// js-yaml is electron-builder's own YAML parser (installed with it): the same one that reads electron-builder.yml.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
}
interface Workflow {
  on: unknown;
  jobs: Record<string, { 'runs-on': string; strategy?: { matrix?: { os?: string[] } }; steps: Step[] }>;
}

const workflow = yaml.load(fs.readFileSync('.github/workflows/desktop.yml', 'utf8')) as Workflow;
const scripts = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
const runs = steps.flatMap((s) => (s.run ? [s.run] : []));

describe('the desktop CI workflow', () => {
  it('runs on macOS, Windows and Linux', () => {
    const job = Object.values(workflow.jobs)[0]!;
    expect(job['runs-on']).toBe('${{ matrix.os }}');
    expect(job.strategy?.matrix?.os).toEqual(['macos-latest', 'windows-latest', 'ubuntu-latest']);
  });

  it('calls only npm scripts that exist, the same ones a person runs locally', () => {
    const called = runs.flatMap((r) => [...r.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!));
    expect(called).toEqual(expect.arrayContaining(['build', 'native:electron', 'test:unit', 'test:electron', 'dist']));
    for (const name of called) expect(scripts, `npm run ${name}`).toHaveProperty(name);
  });

  it('installs with the Electron binary, runs the Electron tests under xvfb on Linux, and keeps the installers', () => {
    expect(runs.join('\n')).not.toContain('ELECTRON_SKIP_BINARY_DOWNLOAD');
    expect(runs).toContain('npm ci');
    const linux = steps.find((s) => s.run?.includes('test:electron') && s.if?.includes("'Linux'") && s.if.includes('=='));
    expect(linux?.run).toMatch(/^xvfb-run /);
    expect(steps.some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
  });
});
