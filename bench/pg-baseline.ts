import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import postgres from 'postgres';
import type { BenchContext } from './lib/context.js';
import { log, sleep } from './lib/common.js';
import { cpuPerOp, cpuSnapshot, cpuUtilisation, type CpuSnapshot } from './lib/cpu.js';

export interface PgBaselineResult {
  concurrency: number;
  poolSize: number;
  seconds: number;
  inserts: number;
  insertsPerSecond: number;
  /** CPU ms per insert: Postgres (all its processes) and this process (the client). */
  cpuMsPerInsert: Pick<CpuSnapshot, 'postgres' | 'bench'>;
  /** Percent of the machine's CPU used by everything else meanwhile. */
  otherCpuPercent: number;
}

/**
 * Plain single-row autocommit INSERTs into a scratch table of the same database, from
 * `concurrency` loops over a postgres.js pool of `poolSize`: what this Postgres does on this
 * machine with one commit (and WAL flush) per row, as a yardstick for ticket intake.
 */
export async function benchPgBaseline(
  ctx: BenchContext,
  o: { concurrency: number; poolSize: number; seconds: number },
): Promise<PgBaselineResult> {
  const sql = postgres(ctx.databaseUrl, { max: o.poolSize, onnotice: () => {} });
  try {
    await sql`create table if not exists bench_scratch (
      id bigserial primary key, ticket_id uuid not null, kind text not null, payload jsonb not null, created_at timestamptz not null default now())`;
    await sql`truncate bench_scratch`;
    const payload = { number: 'AC-000001', language: 'zh-CN', severity: 'normal', firstResponseBy: new Date().toISOString() };
    // Warm the pool (connections and prepared statement) before timing.
    await Promise.all(Array.from({ length: o.poolSize }, () => sql`insert into bench_scratch (ticket_id, kind, payload) values (${randomUUID()}, 'warm', ${sql.json(payload)})`));
    let stop = false;
    let inserts = 0;
    const before = cpuSnapshot(undefined);
    const t0 = performance.now();
    const loops = Array.from({ length: o.concurrency }, async () => {
      while (!stop) {
        await sql`insert into bench_scratch (ticket_id, kind, payload) values (${randomUUID()}, 'customer.acknowledgement', ${sql.json(payload)})`;
        inserts++;
      }
    });
    await sleep(o.seconds * 1000);
    stop = true;
    await Promise.all(loops);
    const seconds = (performance.now() - t0) / 1000;
    const after = cpuSnapshot(undefined);
    const { postgres: pg, bench } = cpuPerOp(before, after, inserts);
    const { other } = cpuUtilisation(before, after, seconds, cpus().length);
    const result = {
      concurrency: o.concurrency,
      poolSize: o.poolSize,
      seconds,
      inserts,
      insertsPerSecond: inserts / seconds,
      cpuMsPerInsert: { postgres: pg, bench },
      otherCpuPercent: other,
    };
    log(
      `pg baseline: ${Math.round(result.insertsPerSecond)} inserts/s (concurrency ${o.concurrency}, pool ${o.poolSize}); ` +
        `CPU ms/insert: Postgres ${pg}, client ${bench}; other load ${other} % of the machine`,
    );
    return result;
  } finally {
    await sql`drop table if exists bench_scratch`.catch(() => {});
    await sql.end({ timeout: 5 });
  }
}
