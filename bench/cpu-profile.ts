/** A Chromium CPU profile (CDP `Profiler.stop`) as the profiling benchmarks read it: self time by function. */

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Milliseconds of sampled self time per function (`name file:line`); `(idle)` left out when `skipIdle`. */
export function selfTimeByFunction(profile: CpuProfile, skipIdle = false): Map<string, number> {
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((s, i) => {
    const n = byId.get(s)!;
    if (skipIdle && n.callFrame.functionName === '(idle)') return;
    const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
    self.set(k, (self.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return self;
}

/** The `top` functions with the most self time, one per line after `indent`. */
export function topFunctions(self: Map<string, number>, top: number, indent = '  '): string {
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${indent}${v.toFixed(1)} ${k}`)
    .join('\n');
}
