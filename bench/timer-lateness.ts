import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import { drizzle } from 'drizzle-orm/postgres-js';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import type { UseCaseDeps } from '../src/app/deps.js';
import type { TimerSpec } from '../src/app/ports.js';
import { slaTimerId } from '../src/app/timers.js';
import { Directory } from '../src/core/directory.js';
import * as schema from '../src/db/schema.js';
import { PgTicketStore } from '../src/db/ticket-store.js';
import { makeQueues, TIMERS_QUEUE } from '../src/jobs/queues.js';
import { BullOutboxKicker, BullTimerScheduler } from '../src/jobs/scheduler.js';
import { startTimerWorker } from '../src/jobs/timer-worker.js';
import { deleteKeys, log, round, roundSummary, sleep, summarize, type Summary, until } from './lib/common.js';
import { cpuPerOp, cpuSnapshot } from './lib/cpu.js';
import type { BenchContext } from './lib/context.js';
import { seedOpenTickets } from './lib/seed.js';

export interface LatenessResult {
  timers: number;
  windowMs: number;
  concurrency: number;
  processed: number;
  /** Processor start − the timer's due time. */
  latenessMs: Summary;
}

export interface RealLatenessResult {
  tickets: number;
  windowMs: number;
  concurrency: number;
  fired: number;
  stale: number;
  failed: number;
  failures: Record<string, number>;
  /** BullMQ processedOn − due time (the job was taken). */
  startLatenessMs: Summary;
  /** Completion (reminder committed, next timer scheduled) − due time. */
  doneLatenessMs: Summary;
  /** Timers completed per second from the first due time to the last completion (the capacity when all fall due at once). */
  firedPerSecond: number;
  /** SQL statements the worker sent per firing (postgres.js debug hook). */
  sqlStatementsPerFire: number;
  /** CPU ms per firing: the worker (this process), Postgres, Redis. */
  cpuMsPerFire: { worker: number; postgres: number; redis: number };
  reminderEvents: number;
}

/**
 * `count` timers due evenly over a few seconds, scheduled with the app's BullTimerScheduler
 * and taken by a BullMQ Worker with the app's timer concurrency whose processor only records
 * how late it runs: the queue's own firing precision.
 */
export async function benchTimerLateness(ctx: BenchContext, o: { count: number; concurrency: number }): Promise<LatenessResult> {
  const prefix = ctx.prefix('fire');
  const conn = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  const workerConn = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  const queues = makeQueues({ prefix, connection: conn });
  const dueAt = new Map<string, number>();
  const lateness: number[] = [];
  const worker = new Worker(
    TIMERS_QUEUE,
    (job: Job) => {
      const at = dueAt.get(job.id!);
      if (at !== undefined) lateness.push(Date.now() - at);
      return Promise.resolve('ok');
    },
    { connection: workerConn, prefix, concurrency: o.concurrency },
  );
  try {
    await Promise.all([queues.timers.waitUntilReady(), worker.waitUntilReady()]);
    const windowMs = 3000;
    const start = Date.now() + 2000;
    const timers: TimerSpec[] = Array.from({ length: o.count }, (_, i) => {
      const ticketId = randomUUID();
      const at = start + Math.floor((i * windowMs) / o.count);
      const id = slaTimerId(ticketId, 'first_response', 'remind', 1);
      dueAt.set(id, at);
      return { id, at: new Date(at), data: { type: 'sla', ticketId, clock: 'first_response', kind: 'remind', version: 1 } };
    });
    await new BullTimerScheduler(queues.timers, () => new Date()).schedule(timers);
    if (Date.now() > start) log(`lateness: scheduling took longer than the 2 s lead (${Date.now() - start + 2000} ms)`);
    await until(() => lateness.length >= o.count, 60_000 + windowMs, `${o.count} timers to fire`, 50);
    const result = { timers: o.count, windowMs, concurrency: o.concurrency, processed: lateness.length, latenessMs: roundSummary(summarize(lateness)) };
    log(`lateness (trivial processor): ${JSON.stringify(result.latenessMs)}`);
    return result;
  } finally {
    await worker.close();
    await queues.timers.close();
    await queues.outbox.close();
    await deleteKeys(conn, `${prefix}:*`);
    conn.disconnect();
    workerConn.disconnect();
  }
}

/**
 * The real timer worker (startTimerWorker → handleTimer) against real tickets: `count` open
 * tickets whose first-response reminders fall due evenly over `windowMs` (0: all at the same
 * moment, which measures the worker's capacity). Each firing is a row-locked ticket
 * transaction, a reminder to the department, the next (breach) timer and an outbox wake-up,
 * as in production; the SQL statements it sends are counted.
 */
export async function benchTimerLatenessReal(
  ctx: BenchContext,
  o: { count: number; concurrency: number; windowMs: number; poolSize?: number; batchSize?: number },
): Promise<RealLatenessResult> {
  const prefix = ctx.prefix(`firereal${o.windowMs}`);
  const conn = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  const queues = makeQueues({ prefix, connection: conn });
  const scheduler = new BullTimerScheduler(queues.timers, () => new Date());
  let statements = 0;
  // The app's pool size (openDatabase's default) unless told otherwise.
  const sql = postgres(ctx.databaseUrl, { max: o.poolSize ?? 10, onnotice: () => {}, debug: () => void statements++ });
  const deps: UseCaseDeps = {
    store: new PgTicketStore(drizzle(sql, { schema })),
    directory: new Directory(ctx.config),
    now: () => new Date(),
    newId: randomUUID,
    scheduler,
    kicker: new BullOutboxKicker(queues.outbox),
  };
  const leadMs = 4000;
  const start = Date.now() + leadMs;
  await seedOpenTickets(ctx.database.sql, {
    tag: `${ctx.runId}-late${o.windowMs}`,
    count: o.count,
    clocks: [{ kind: 'first_response', budgetMs: 2 * 3_600_000 }],
    remindAtSql: `to_timestamp(${start / 1000}) + (i - 1) * interval '${o.windowMs / o.count} milliseconds'`,
  });
  // drizzle's postgres.js driver makes the shared client return timestamps as text.
  const clocks = await ctx.database.sql<{ ticket_id: string; version: number; remind_at: string }[]>`
    select ticket_id, version, remind_at from sla_clocks where status = 'running' and reminded_at is null`;
  const dueAt = new Map<string, number>();
  const timers: TimerSpec[] = clocks.map((c) => {
    const id = slaTimerId(c.ticket_id, 'first_response', 'remind', c.version);
    const at = new Date(c.remind_at);
    dueAt.set(id, at.getTime());
    return { id, at, data: { type: 'sla', ticketId: c.ticket_id, clock: 'first_response', kind: 'remind', version: c.version } };
  });
  const worker = startTimerWorker(deps, conn, prefix, o.concurrency, undefined, o.batchSize);
  const startLateness: number[] = [];
  const doneLateness: number[] = [];
  const outcomes = { fired: 0, stale: 0, failed: 0 };
  let lastDone = 0;
  worker.on('completed', (job: Job, value: unknown) => {
    const at = dueAt.get(job.id!);
    if (at === undefined) return;
    lastDone = Date.now();
    doneLateness.push(lastDone - at);
    if (job.processedOn) startLateness.push(job.processedOn - at);
    if (value === 'fired') outcomes.fired++;
    else outcomes.stale++;
  });
  const failures: Record<string, number> = {};
  worker.on('failed', (job, err) => {
    if (!job || !dueAt.has(job.id!)) return;
    outcomes.failed++;
    const key = err.message.slice(0, 200);
    failures[key] = (failures[key] ?? 0) + 1;
  });
  try {
    await worker.waitUntilReady();
    await scheduler.schedule(timers);
    if (Date.now() > start) log(`lateness (real): seeding and scheduling took longer than the ${leadMs} ms lead`);
    const cpuBefore = cpuSnapshot(undefined);
    // A storm on a busy machine may take longer than two minutes: what matters is how long, not a cut-off.
    await until(() => doneLateness.length + outcomes.failed >= o.count, Math.max(120_000, o.count * 60) + o.windowMs, `${o.count} real timers to fire`, 50);
    const cpu = cpuPerOp(cpuBefore, cpuSnapshot(undefined), Math.max(1, outcomes.fired));
    await sleep(100);
    const [ev] = await ctx.database.sql<{ n: number }[]>`select count(*)::int as n from ticket_events where type = 'sla.reminder'`;
    const result: RealLatenessResult = {
      tickets: o.count,
      windowMs: o.windowMs,
      concurrency: o.concurrency,
      ...outcomes,
      failures,
      startLatenessMs: roundSummary(summarize(startLateness)),
      doneLatenessMs: roundSummary(summarize(doneLateness)),
      firedPerSecond: round(doneLateness.length / ((lastDone - start) / 1000)),
      sqlStatementsPerFire: round(statements / Math.max(1, outcomes.fired), 1),
      cpuMsPerFire: { worker: cpu.bench, postgres: cpu.postgres, redis: cpu.redis },
      reminderEvents: ev!.n,
    };
    log(
      `timers (real worker, ${o.count} due over ${o.windowMs} ms): fired ${result.fired}, stale ${result.stale}, failed ${result.failed} ${JSON.stringify(failures)}; ` +
        `start ${JSON.stringify(result.startLatenessMs)}; done ${JSON.stringify(result.doneLatenessMs)}; ${result.firedPerSecond} fired/s; ` +
        `${result.sqlStatementsPerFire} SQL statements and CPU ms ${JSON.stringify(result.cpuMsPerFire)} per firing`,
    );
    return result;
  } finally {
    await worker.close();
    await queues.timers.close();
    await queues.outbox.close();
    await deleteKeys(conn, `${prefix}:*`);
    conn.disconnect();
    await sql.end({ timeout: 5 });
  }
}
