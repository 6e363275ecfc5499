import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  /** Share of busy (non-idle) time spent in each module group, by self time. */
  selfByModule: { module: string; percent: number }[];
  /** Functions with the most self time. */
  selfByFunction: { fn: string; percent: number }[];
  /** Project functions (src/, adapters/) with the most time including callees. */
  inclusiveProject: { fn: string; percent: number }[];
}

function moduleOf(url: string, root: string): string {
  if (!url) return '(native/vm)';
  const path = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + 'node_modules/'.length).split('/');
    return `npm:${parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  if (path.startsWith('node:')) return 'node core';
  if (path.startsWith(root)) return relative(root, path);
  return path;
}

const pct = (v: number, total: number) => Math.round((v / total) * 1000) / 10;

/**
 * The newest main-thread .cpuprofile in `dir`, summarised (self and inclusive time). Node names
 * them CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main thread (tsx's
 * module loader runs on a thread of its own).
 */
export function summariseProfile(dir: string, root: string, top = 15): ProfileSummary {
  const files = readdirSync(dir)
    .filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const file = files[0];
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${moduleOf(n.callFrame.url, root)}:${n.callFrame.lineNumber + 1}`;

  const selfModule = new Map<string, number>();
  const selfFn = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let sampled = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    sampled += dt;
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    busy += dt;
    const mod = ['(garbage collector)', '(program)'].includes(node.callFrame.functionName) ? node.callFrame.functionName : moduleOf(node.callFrame.url, root);
    selfModule.set(mod, (selfModule.get(mod) ?? 0) + dt);
    const k = key(node);
    selfFn.set(k, (selfFn.get(k) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const m = moduleOf(n.callFrame.url, root);
      if (!m.startsWith('src/') && !m.startsWith('adapters/')) continue;
      const kk = key(n);
      if (seen.has(kk)) continue;
      seen.add(kk);
      inclusive.set(kk, (inclusive.get(kk) ?? 0) + dt);
    }
  });
  const topOf = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    file,
    sampledMs: Math.round(sampled),
    selfByModule: topOf(selfModule).map(([module, v]) => ({ module, percent: pct(v, busy) })),
    selfByFunction: topOf(selfFn).map(([fn, v]) => ({ fn, percent: pct(v, busy) })),
    inclusiveProject: topOf(inclusive).map(([fn, v]) => ({ fn, percent: pct(v, busy) })),
  };
}
