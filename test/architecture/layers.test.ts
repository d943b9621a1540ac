/**
 * The process layers hold: for each layer, a forbidden import fails the linter, a forbidden global fails the type
 * checker on that layer's own tsconfig, and what the layer may use passes both. Probes are written into the tree
 * (where the rules apply) and removed after each test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it, onTestFinished } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

interface LayerCase {
  layer: string;
  dir: string;
  project: string;
  ext: '.ts' | '.tsx';
  forbiddenImports: string[];
  /** Globals this layer's runtime does not have; empty where the layer's types legitimately bring them. */
  forbiddenGlobals: string[];
  permitted: string;
}

const cases: LayerCase[] = [
  {
    layer: 'src/shared',
    dir: 'src/shared',
    project: 'tsconfig.shared.json',
    ext: '.ts',
    forbiddenImports: [
      `import fs from 'fs';\nexport const f = fs;`,
      `import { join } from 'node:path';\nexport const j = join;`,
      `export type C = import('../main/core/core').Core;`,
      `import { create } from 'zustand';\nexport const c = create;`,
    ],
    forbiddenGlobals: [`export const t = document.title;`, `export const b = Buffer.from('x');`, `export const e = process.env;`],
    permitted: `import { z } from 'zod';\nimport type { ErrorCode } from './errors';\nexport const s = z.string();\nexport const c: ErrorCode = 'internal';`,
  },
  {
    layer: 'the core',
    dir: 'src/main/core',
    project: 'tsconfig.node.json',
    ext: '.ts',
    forbiddenImports: [
      `import Store from 'electron-store';\nexport const s = Store;`,
      `export const load = () => import('electron');`,
      `import { app } from 'electron';\nexport const a = app;`,
      `import { startServer } from '../host/server';\nexport const s = startServer;`,
      `import { useState } from 'react';\nexport const u = useState;`,
      `const ws = require('ws');\nexport const w = ws;`,
    ],
    forbiddenGlobals: [`export const t = document.title;`, `export const w = window.location;`],
    permitted: [
      `import fs from 'node:fs';`,
      `import { setTimeout as sleep } from 'node:timers/promises';`,
      `import Database from 'better-sqlite3';`,
      `import type Anthropic from '@anthropic-ai/sdk';`,
      `export const loadSdk = () => import('@anthropic-ai/sdk');`,
      `import { v7 } from 'uuid';`,
      `import { z } from 'zod';`,
      `import { HoldfastError } from '../../shared/errors';`,
      `import type { Store } from './store/store';`,
      `export const all = [fs, sleep, Database, v7, z, HoldfastError, Buffer.from('x')];`,
      `export type S = Store | Anthropic;`,
    ].join('\n'),
  },
  {
    layer: 'the headless host',
    dir: 'src/main/host',
    project: 'tsconfig.node.json',
    ext: '.ts',
    forbiddenImports: [
      `import { app } from 'electron';\nexport const a = app;`,
      `export type A = import('../../renderer/src/App').App;`,
      `import Store from 'electron-store';\nexport const s = Store;`,
      // Past the core's door: its assembly, its store, its engine.
      `import type { Core } from '../core/core';\nexport type C = Core;`,
      `import { Store } from '../core/store/store';\nexport const s = Store;`,
      `export type S = import('../core/sync/hub').SyncHub;`,
      `import { openDatabase } from '../core/store/database';\nexport const o = openDatabase;`,
    ],
    forbiddenGlobals: [`export const t = document.title;`],
    permitted: [
      `import http from 'node:http';`,
      `import { WebSocketServer } from 'ws';`,
      `import { z } from 'zod';`,
      `import { openPlatformDoor, DamagedDatabaseError, type PlatformDoor } from '../core/platform';`,
      `import { contract } from '../../shared/contract';`,
      `export const all = [http, z, WebSocketServer, contract, openPlatformDoor, DamagedDatabaseError];`,
      `export type D = PlatformDoor;`,
    ].join('\n'),
  },
  {
    layer: 'the desktop shell',
    dir: 'src/main/electron',
    project: 'tsconfig.node.json',
    ext: '.ts',
    forbiddenImports: [
      `import { startServer } from '../host/server';\nexport const s = startServer;`,
      `import { useState } from 'react';\nexport const u = useState;`,
      // Past the core's door: its assembly, its providers, its store.
      `import { Core } from '../core/core';\nexport const c = Core;`,
      `import type { KeyStore } from '../core/providers/registry';\nexport type K = KeyStore;`,
      `import { restoreLatestBackup } from '../core/store/backup';\nexport const r = restoreLatestBackup;`,
    ],
    forbiddenGlobals: [`export const t = document.title;`],
    permitted: [
      `import path from 'node:path';`,
      `import { app } from 'electron';`,
      `import Store from 'electron-store';`,
      `import { openPlatformDoor, type PlatformDoor, type KeyStore } from '../core/platform';`,
      `export const all = [path, app, Store, openPlatformDoor];`,
      `export type D = PlatformDoor;`,
      `export type K = KeyStore;`,
    ].join('\n'),
  },
  {
    layer: 'the preload',
    dir: 'src/preload',
    project: 'tsconfig.preload.json',
    ext: '.ts',
    forbiddenImports: [
      `import fs from 'fs';\nexport const f = fs;`,
      `import { Core } from '../main/core/core';\nexport const c = Core;`,
      `import { useState } from 'react';\nexport const u = useState;`,
    ],
    // Electron's types bring Node's globals, and the sandbox does polyfill Buffer and process: nothing to refuse.
    forbiddenGlobals: [],
    permitted: [
      `import { contextBridge } from 'electron';`,
      `import type { HoldfastApi } from '../shared/contract';`,
      `export const all = [contextBridge, document.title];`,
      `export type A = HoldfastApi;`,
    ].join('\n'),
  },
  {
    layer: 'the renderer',
    dir: 'src/renderer/src',
    project: 'tsconfig.web.json',
    ext: '.tsx',
    forbiddenImports: [
      `import fs from 'fs';\nexport const f = fs;`,
      `import { readFileSync } from 'node:fs';\nexport const r = readFileSync;`,
      `import { Core } from '../../main/core/core';\nexport const c = Core;`,
      `import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;`,
      `export type C = import('../../main/core/core').Core;`,
      `export const load = () => import('better-sqlite3');`,
    ],
    forbiddenGlobals: [`export const b = Buffer.from('x');`, `export const e = process.env;`, `export const r = require;`],
    permitted: [
      `import { useState } from 'react';`,
      `import { create } from 'zustand';`,
      `import { useVirtualizer } from '@tanstack/react-virtual';`,
      `import { Marked } from 'marked';`,
      `import DOMPurify from 'dompurify';`,
      `import hljs from 'highlight.js/lib/common';`,
      `import katex from 'katex';`,
      `import type { Message } from '../../shared/model';`,
      `export const all = [useState, create, useVirtualizer, Marked, DOMPurify, hljs, katex, document.title];`,
      `export const view = (m: Message) => <p>{m.content}</p>;`,
    ].join('\n'),
  },
];

/** Writes a probe file into the layer's folder; it is removed when the test ends, pass or fail. */
function probe(dir: string, ext: string, text: string): string {
  const file = path.join(root, dir, `layer-probe-${randomUUID().slice(0, 8)}${ext}`);
  fs.writeFileSync(file, `${text}\n`);
  onTestFinished(() => fs.rmSync(file, { force: true }));
  return file;
}

const eslint = new ESLint({ cwd: root });

async function lintErrors(files: string[]): Promise<Map<string, string[]>> {
  const results = await eslint.lintFiles(files);
  return new Map(results.map((r) => [r.filePath, r.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`)]));
}

/** Type-checks `file` with exactly the compiler options `npm run typecheck` uses for `project`; returns the errors. */
function typeErrors(project: string, file: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(root, project),
    { composite: false, noEmit: true },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${project}`);
  // The probe must belong to the project, or the check below would prove nothing about `npm run typecheck`.
  expect(parsed.fileNames.map((f) => path.resolve(f))).toContain(file);
  const program = ts.createProgram({ rootNames: [file], options: parsed.options });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName && path.resolve(d.file.fileName) === file)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('process layers', () => {
  for (const c of cases) {
    describe(c.layer, () => {
      it('the linter refuses each import outside its allowlist', async () => {
        const files = c.forbiddenImports.map((text) => probe(c.dir, c.ext, text));
        const errors = await lintErrors(files);
        files.forEach((file, i) => {
          const mine = errors.get(file) ?? [];
          expect(
            mine.some((e) => e.startsWith('holdfast/layer-imports:')),
            `${c.forbiddenImports[i]} → ${mine.join('; ')}`,
          ).toBe(true);
        });
      });

      if (c.forbiddenGlobals.length) {
        it('the type checker refuses globals its runtime does not have', () => {
          for (const text of c.forbiddenGlobals) {
            const errors = typeErrors(c.project, probe(c.dir, c.ext, text));
            expect(
              errors.some((e) => e.startsWith('Cannot find name')),
              `${text} → ${errors.join('; ') || 'no error'}`,
            ).toBe(true);
          }
        });
      }

      it('what it may use passes both', async () => {
        const file = probe(c.dir, c.ext, c.permitted);
        expect((await lintErrors([file])).get(file)).toEqual([]);
        expect(typeErrors(c.project, file)).toEqual([]);
      });
    });
  }

  it('the main process loads the provider SDKs on first use: a value import of one fails the linter', async () => {
    const refused = [
      `import OpenAI from 'openai';\nexport const o = OpenAI;`,
      `import { Stream } from '@anthropic-ai/sdk/streaming';\nexport const s = Stream;`,
    ].map((text) => probe('src/main/core/providers', '.ts', text));
    const errors = await lintErrors(refused);
    for (const file of refused) expect(errors.get(file)?.join('; ')).toMatch(/^@typescript-eslint\/no-restricted-imports: .*on first use/);
  });

  it('npm run typecheck builds every layer project, and every source file belongs to one', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.typecheck).toBe('tsc -b --noEmit');
    const solution = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8')) as { references: { path: string }[] };
    const referenced = solution.references.map((r) => path.basename(r.path)).sort();
    const projects = fs.readdirSync(root).filter((f) => /^tsconfig\..+\.json$/.test(f) && f !== 'tsconfig.base.json');
    expect(referenced).toEqual(projects.sort());
    const covered = new Set(
      projects.flatMap(
        (p) =>
          ts.getParsedCommandLineOfConfigFile(path.join(root, p), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!
            .fileNames,
      ),
    );
    const sources = fs
      .readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.tsx?$/.test(f))
      .map((f) => path.join(root, 'src', f));
    expect(sources.length).toBeGreaterThan(50);
    expect(sources.filter((f) => !covered.has(f))).toEqual([]);
  });

  it('a file under src/ in no layer is refused', async () => {
    fs.mkdirSync(path.join(root, 'src/main/elsewhere'), { recursive: true });
    onTestFinished(() => fs.rmSync(path.join(root, 'src/main/elsewhere'), { recursive: true, force: true }));
    const file = probe('src/main/elsewhere', '.ts', `export const x = 1;`);
    expect((await lintErrors([file])).get(file)?.join('\n')).toMatch(/is in no layer/);
  });
});
