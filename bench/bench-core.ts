/** A core on a temp dir with the offline demo provider, for benchmarks. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Core } from '../src/main/core/core';
import { DemoProvider } from '../src/main/core/providers/demo';

export function makeBenchCore(): Core {
  return new Core({
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'holdfast-bench-')),
    provider: new DemoProvider(0),
    autoTitle: false,
    autoStart: false,
  });
}
