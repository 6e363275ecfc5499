/**
 * The timer storm phase on its own (no wait for a quiet machine), for profiling the worker:
 *   node --cpu-prof --cpu-prof-dir=<dir> --import tsx bench/experiments/storm-profile.ts [count] [concurrency] [batch]
 */
import { createContext } from '../lib/context.js';
import { log } from '../lib/common.js';
import { benchTimerLatenessReal } from '../timer-lateness.js';

const count = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 200);
const batchSize = Number(process.argv[4] ?? 50);
const ctx = await createContext();
try {
  const r = await benchTimerLatenessReal(ctx, { count, concurrency, batchSize, windowMs: 0 });
  log(JSON.stringify({ firedPerSecond: r.firedPerSecond, p99: r.doneLatenessMs.p99, sql: r.sqlStatementsPerFire, cpu: r.cpuMsPerFire }));
} finally {
  await ctx.cleanup();
}
setTimeout(() => process.exit(), 200).unref();
