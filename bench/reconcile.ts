import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { PgOutboxStore } from '../src/db/outbox-store.js';
import { makeQueues } from '../src/jobs/queues.js';
import { reconcile, type ReconcileReport } from '../src/jobs/reconcile.js';
import { BullTimerScheduler } from '../src/jobs/scheduler.js';
import { deleteKeys, log, redisUsedMemory, round, timed } from './lib/common.js';
import type { BenchContext } from './lib/context.js';
import { cpuPerOp, cpuSnapshot } from './lib/cpu.js';
import { seedOpenTickets } from './lib/seed.js';

export interface ReconcileResult {
  tickets: number;
  runningClocks: number;
  seedSeconds: number;
  /** Redis had none of the prefix's keys (FLUSHALL, a new Redis): every timer is re-added. */
  emptyRedis: { seconds: number; report: ReconcileReport; timersPerSecond: number; cpuSeconds: { redis: number; client: number; postgres: number } };
  /** Every job already there: only the existence checks. */
  steady: { seconds: number; report: ReconcileReport };
  /** The keyset-paginated SELECT over the running clocks alone (no Redis), same batches as reconcile. */
  sqlScanSeconds: number;
  delayedJobs: number;
  redisBytesPerJob: number;
}

/**
 * `tickets` open tickets bulk-inserted with SQL (first-response and resolution clocks running,
 * reminders 1–21 h ahead), then reconcile() from src/jobs/reconcile.ts with the prefix's
 * keys deleted, then again with every job in place.
 */
export async function benchReconcile(ctx: BenchContext, o: { tickets: number }): Promise<ReconcileResult> {
  const prefix = ctx.prefix('reconcile');
  const seeded = await timed(() =>
    seedOpenTickets(ctx.database.sql, {
      tag: `${ctx.runId}-rc`,
      count: o.tickets,
      clocks: [
        { kind: 'first_response', budgetMs: 2 * 3_600_000 },
        { kind: 'resolution', budgetMs: 24 * 3_600_000 },
      ],
      remindAtSql: `now() + interval '1 hour' + random() * interval '20 hours'`,
    }),
  );
  const [count] = await ctx.database.sql<{ n: number }[]>`select count(*)::int as n from sla_clocks where status = 'running'`;
  const runningClocks = count!.n;
  log(`reconcile: seeded ${o.tickets} open tickets (${runningClocks} running clocks) in ${round(seeded.seconds, 1)} s`);

  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  const queues = makeQueues({ prefix, connection: redis });
  try {
    await queues.timers.waitUntilReady();
    const opts = {
      db: ctx.database.db,
      redis,
      prefix,
      scheduler: new BullTimerScheduler(queues.timers, () => new Date()),
      outboxQueue: queues.outbox,
      outbox: new PgOutboxStore(ctx.database.db),
    };
    await deleteKeys(redis, `${prefix}:*`);
    const memBefore = await redisUsedMemory(redis);
    const cpu0 = cpuSnapshot(undefined);
    const empty = await timed(() => reconcile(opts));
    const cpu = cpuPerOp(cpu0, cpuSnapshot(undefined), 1000); // ms / 1000 = s
    const memAfter = await redisUsedMemory(redis);
    const delayedJobs = await queues.timers.getDelayedCount();
    log(
      `reconcile, empty Redis: ${round(empty.seconds, 2)} s ${JSON.stringify(empty.result)}; ${delayedJobs} delayed jobs; ` +
        `CPU s: Redis ${round(cpu.redis, 2)}, reconciler ${round(cpu.bench, 2)}, Postgres ${round(cpu.postgres, 2)}`,
    );
    const steady = await timed(() => reconcile(opts));
    log(`reconcile, steady state: ${round(steady.seconds, 2)} s ${JSON.stringify(steady.result)}`);

    const scan = await timed(async () => {
      let after = { ticketId: '00000000-0000-0000-0000-000000000000', kind: '' };
      for (;;) {
        const rows = (await ctx.database.db.execute(sql`
          select ticket_id, kind, version, remind_at, deadline, reminded_at, breached_at from sla_clocks
          where status = 'running' and deadline is not null and (ticket_id, kind) > (${after.ticketId}::uuid, ${after.kind})
          order by ticket_id, kind limit 5000`)) as unknown as { ticket_id: string; kind: string }[];
        const last = rows[rows.length - 1];
        if (!last) break;
        after = { ticketId: last.ticket_id, kind: last.kind };
      }
    });
    log(`reconcile: the SQL scan alone takes ${round(scan.seconds, 2)} s`);
    return {
      tickets: o.tickets,
      runningClocks,
      seedSeconds: round(seeded.seconds, 2),
      emptyRedis: {
        seconds: round(empty.seconds, 2),
        report: empty.result,
        timersPerSecond: round(empty.result.timersAdded / empty.seconds),
        cpuSeconds: { redis: round(cpu.redis, 2), client: round(cpu.bench, 2), postgres: round(cpu.postgres, 2) },
      },
      steady: { seconds: round(steady.seconds, 2), report: steady.result },
      sqlScanSeconds: round(scan.seconds, 2),
      delayedJobs,
      redisBytesPerJob: round((memAfter - memBefore) / Math.max(1, delayedJobs)),
    };
  } finally {
    await queues.timers.close();
    await queues.outbox.close();
    await deleteKeys(redis, `${prefix}:*`);
    redis.disconnect();
  }
}
