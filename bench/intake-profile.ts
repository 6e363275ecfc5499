import { randomUUID } from 'node:crypto';
import { drizzle } from 'drizzle-orm/postgres-js';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { createTicket, type CreateTicketInput } from '../src/app/create-ticket.js';
import type { UseCaseDeps } from '../src/app/deps.js';
import type { OutboxKicker, TicketStore, TimerScheduler } from '../src/app/ports.js';
import { Directory } from '../src/core/directory.js';
import * as schema from '../src/db/schema.js';
import { writeFacts } from '../src/db/facts-rows.js';
import { PgTicketStore } from '../src/db/ticket-store.js';
import { makeQueues } from '../src/jobs/queues.js';
import { BullOutboxKicker, BullTimerScheduler } from '../src/jobs/scheduler.js';
import { ticketBody } from '../tests/helpers/app.js';
import { wallClockConfig } from '../tests/helpers/config.js';
import { log, round, summarize } from './lib/common.js';
import type { BenchContext } from './lib/context.js';

export interface IntakeProfile {
  /** SQL statements sent per ticket creation, by leading keyword (begin, select, insert, commit…). */
  sqlPerTicket: Record<string, number>;
  sqlStatementsPerTicket: number;
  /** Redis commands per ticket creation, by name (evalsha = one BullMQ add script). */
  redisPerTicket: Record<string, number>;
  /** One request at a time: where the time goes. */
  sequentialMs: { total: Stage; transaction: Stage; scheduleTimers: Stage; kickOutbox: Stage };
  /**
   * The cost of the report facts: one ticket_facts row written again (the upsert a change to
   * the ticket makes, every index of the table updated) inside a transaction, timed without
   * the commit, for each ticket of the sequential run, one at a time; and its share of the
   * mean creation transaction.
   */
  factsWrite: { ms: Stage; shareOfTransactionPct: number };
  /** createTicket() called directly (no HTTP) from `concurrency` loops, app pool size. */
  inProcess: {
    concurrency: number;
    poolSize: number;
    withJobsPerSecond: number;
    transactionOnlyPerSecond: number;
    /** The same, every department on wall-clock time (no business-hours calendar arithmetic). */
    transactionOnlyWallClockPerSecond: number;
  };
}

type Stage = { mean: number; p50: number; p99: number };

const stage = (v: number[]): Stage => {
  const s = summarize(v);
  return { mean: round(s.mean, 3), p50: round(s.p50, 3), p99: round(s.p99, 3) };
};

function input(): CreateTicketInput {
  const b = ticketBody() as { customer: CreateTicketInput['customer']; product: string; orderNumber: string; description: string; severity: 'normal' };
  return { ...b, source: 'api', actor: { kind: 'api' } };
}

/**
 * Ticket creation without HTTP, instrumented: counts the SQL statements (postgres.js debug
 * hook) and Redis commands each creation sends, times the transaction and the two
 * after-commit steps one at a time, then measures createTicket() throughput with and
 * without the Redis work.
 */
export async function profileIntake(ctx: BenchContext, o: { sequential: number; concurrency: number; seconds: number }): Promise<IntakeProfile> {
  const sqlCounts = new Map<string, number>();
  let countSql = false;
  const poolSize = 10; // openDatabase's default, what the app runs with
  const sql = postgres(ctx.databaseUrl, {
    max: poolSize,
    onnotice: () => {},
    debug: (_conn, query) => {
      if (!countSql) return;
      const word = /^\s*(\w+)/.exec(query)?.[1]?.toLowerCase() ?? '?';
      sqlCounts.set(word, (sqlCounts.get(word) ?? 0) + 1);
    },
  });
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  const redisCounts = new Map<string, number>();
  let countRedis = false;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    if (countRedis) redisCounts.set(args[0].name, (redisCounts.get(args[0].name) ?? 0) + 1);
    return send(...args);
  });
  const queues = makeQueues({ prefix: ctx.prefix('profile'), connection: redis });
  try {
    await queues.timers.waitUntilReady();
    const store = new PgTicketStore(drizzle(sql, { schema }));
    const scheduler = new BullTimerScheduler(queues.timers, () => new Date());
    const kicker = new BullOutboxKicker(queues.outbox);
    const times = { total: [] as number[], transaction: [] as number[], scheduleTimers: [] as number[], kickOutbox: [] as number[] };
    const timedStore: TicketStore = {
      create: async (...a) => {
        const t = performance.now();
        try {
          return await store.create(...a);
        } finally {
          times.transaction.push(performance.now() - t);
        }
      },
      mutate: (...a) => store.mutate(...a),
      get: (...a) => store.get(...a),
      list: (...a) => store.list(...a),
      factsOf: (...a) => store.factsOf(...a),
    };
    const timedScheduler: TimerScheduler = {
      schedule: async (t) => {
        const t0 = performance.now();
        await scheduler.schedule(t);
        times.scheduleTimers.push(performance.now() - t0);
      },
      cancel: (ids) => scheduler.cancel(ids),
    };
    const timedKicker: OutboxKicker = {
      kick: async (rows) => {
        const t0 = performance.now();
        await kicker.kick(rows);
        times.kickOutbox.push(performance.now() - t0);
      },
    };
    const deps: UseCaseDeps = {
      store: timedStore,
      directory: new Directory(ctx.config),
      now: () => new Date(),
      newId: randomUUID,
      scheduler: timedScheduler,
      kicker: timedKicker,
    };
    for (let i = 0; i < 50; i++) await createTicket(deps, input()); // warm-up (connections, JIT)
    for (const k of Object.keys(times) as (keyof typeof times)[]) times[k] = [];

    countSql = true;
    countRedis = true;
    const created: string[] = [];
    for (let i = 0; i < o.sequential; i++) {
      const t = performance.now();
      created.push((await createTicket(deps, input())).state.ticket.id);
      times.total.push(performance.now() - t);
    }
    countSql = false;
    countRedis = false;
    const per = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(v / o.sequential, 2)]));
    const sqlPerTicket = per(sqlCounts);
    const sqlStatementsPerTicket = round([...sqlCounts.values()].reduce((s, v) => s + v, 0) / o.sequential, 2);
    const redisPerTicket = per(redisCounts);
    const sequentialMs = {
      total: stage(times.total),
      transaction: stage(times.transaction),
      scheduleTimers: stage(times.scheduleTimers),
      kickOutbox: stage(times.kickOutbox),
    };
    log(`intake profile: ${sqlStatementsPerTicket} SQL statements/ticket ${JSON.stringify(sqlPerTicket)}; Redis ${JSON.stringify(redisPerTicket)}`);
    log(`intake profile, sequential ms: ${JSON.stringify(sequentialMs)}`);
    const db = drizzle(sql, { schema });
    const factsMs: number[] = [];
    for (const id of created) {
      const facts = await store.factsOf(id);
      if (!facts) throw new Error(`no facts row for ticket ${id}`);
      // Timed inside a transaction, without its commit: what the statement adds to the ticket's own transaction.
      await db.transaction(async (tx) => {
        const t = performance.now();
        await writeFacts(tx, { ...facts, updatedAt: new Date() });
        factsMs.push(performance.now() - t);
      });
    }
    const factsWrite = { ms: stage(factsMs), shareOfTransactionPct: round((100 * summarize(factsMs).mean) / summarize(times.transaction).mean, 1) };
    log(`intake profile: writing a ticket_facts row ${JSON.stringify(factsWrite)}`);

    const throughput = async (d: UseCaseDeps) => {
      let stop = false;
      let n = 0;
      const t0 = performance.now();
      const loops = Array.from({ length: o.concurrency }, async () => {
        while (!stop) {
          await createTicket(d, input());
          n++;
        }
      });
      await new Promise((r) => setTimeout(r, o.seconds * 1000));
      stop = true;
      await Promise.all(loops);
      return round(n / ((performance.now() - t0) / 1000));
    };
    const withJobsPerSecond = await throughput({ ...deps, store, scheduler, kicker });
    const transactionOnly = { schedule: () => Promise.resolve(), cancel: () => Promise.resolve(), kick: () => Promise.resolve() };
    const transactionOnlyPerSecond = await throughput({ ...deps, store, scheduler: transactionOnly, kicker: transactionOnly });
    const transactionOnlyWallClockPerSecond = await throughput({ ...deps, store, scheduler: transactionOnly, kicker: transactionOnly, directory: new Directory(wallClockConfig()) });
    log(
      `intake profile, createTicket() in process at concurrency ${o.concurrency}: ${withJobsPerSecond}/s with jobs, ` +
        `${transactionOnlyPerSecond}/s transaction only, ${transactionOnlyWallClockPerSecond}/s transaction only on wall-clock time`,
    );
    return {
      sqlPerTicket,
      sqlStatementsPerTicket,
      redisPerTicket,
      sequentialMs,
      factsWrite,
      inProcess: { concurrency: o.concurrency, poolSize, withJobsPerSecond, transactionOnlyPerSecond, transactionOnlyWallClockPerSecond },
    };
  } finally {
    await queues.timers.close();
    await queues.outbox.close();
    redis.disconnect();
    await sql.end({ timeout: 5 });
  }
}
