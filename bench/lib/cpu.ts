import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system, ms) of the processes taking part in a measurement, from /proc (Linux only). */
export interface CpuSnapshot {
  app: number;
  postgres: number;
  redis: number;
  bench: number;
  /** Busy time of the whole machine (all CPUs, from /proc/stat). */
  machine: number;
}

const GROUPS = ['app', 'postgres', 'redis', 'bench', 'machine'] as const;

/** Busy (non-idle, non-iowait) CPU ms of the whole machine since boot. */
export function machineBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [, ...ticks] = line.trim().split(/\s+/).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
    return (user + nice + system + irq + softirq + steal) * TICK_MS;
  } catch {
    return 0;
  }
}

/**
 * Share of the machine's CPU (percent) that neither this process (with its exited children),
 * Postgres nor Redis used between two calls: another workload on the machine.
 */
export function otherLoadMeter(cpus: number): () => number {
  const ours = () => procCpuMs(process.pid, true) + postgresCpuMs() + pidsNamed('redis-server').reduce((s, p) => s + procCpuMs(p), 0);
  const t0 = performance.now();
  const machine0 = machineBusyMs();
  const ours0 = ours();
  return () => {
    const ms = performance.now() - t0;
    const other = machineBusyMs() - machine0 - (ours() - ours0);
    return Math.max(0, Math.round((other / (ms * cpus)) * 1000) / 10);
  };
}

/** How busy the machine is (percent of all CPUs) over the next `ms`. */
export async function machineBusyPercent(ms: number, cpus: number): Promise<number> {
  const before = machineBusyMs();
  await new Promise((r) => setTimeout(r, ms));
  return Math.round(((machineBusyMs() - before) / (ms * cpus)) * 1000) / 10;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

function procCpuMs(pid: number, withChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15,
    // cutime 16 and cstime 17 (children waited for).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    const own = fields[11]! + fields[12]!;
    return (withChildren ? own + fields[13]! + fields[14]! : own) * TICK_MS;
  } catch {
    return 0; // exited
  }
}

function pidsNamed(name: string): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/comm`, 'utf8').trim() === name) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

/** Every Postgres process, plus the backends that have exited (the postmaster reaps them: its children's time). */
function postgresCpuMs(): number {
  return pidsNamed('postgres').reduce((s, p) => s + procCpuMs(p, true), 0);
}

/**
 * Snapshot of CPU used so far. Postgres counts every `postgres` process (backends,
 * WAL writer, checkpointer…); another client of the same server adds noise.
 */
export function cpuSnapshot(appPid: number | undefined): CpuSnapshot {
  const self = process.cpuUsage();
  return {
    app: appPid ? procCpuMs(appPid) : 0,
    postgres: postgresCpuMs(),
    redis: pidsNamed('redis-server').reduce((s, p) => s + procCpuMs(p), 0),
    bench: (self.user + self.system) / 1000,
    machine: machineBusyMs(),
  };
}

const map = (f: (k: (typeof GROUPS)[number]) => number): CpuSnapshot =>
  Object.fromEntries(GROUPS.map((k) => [k, f(k)])) as unknown as CpuSnapshot;

/** CPU ms per operation for each group between two snapshots. */
export function cpuPerOp(before: CpuSnapshot, after: CpuSnapshot, ops: number): CpuSnapshot {
  return map((k) => (ops > 0 ? Math.round(((after[k] - before[k]) / ops) * 1000) / 1000 : Number.NaN));
}

/**
 * Share of the machine's CPU capacity used by each group over `seconds`; `other` is what
 * the rest of the machine used meanwhile (another workload skews the figures).
 */
export function cpuUtilisation(before: CpuSnapshot, after: CpuSnapshot, seconds: number, cpus: number): CpuSnapshot & { other: number } {
  const pct = map((k) => Math.round(((after[k] - before[k]) / (seconds * 1000 * cpus)) * 1000) / 10);
  return { ...pct, other: Math.round((pct.machine - pct.app - pct.postgres - pct.redis - pct.bench) * 10) / 10 };
}
