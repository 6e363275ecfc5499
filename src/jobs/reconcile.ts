import type { Queue } from 'bullmq';
import { inArray, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { TimerScheduler, TimerSpec } from '../app/ports.js';
import type { UseCaseDeps } from '../app/deps.js';
import { startLifecycleTimers } from '../app/start-lifecycle-timers.js';
import { nextClockTimer, timerSpec } from '../app/timers.js';
import type { Db } from '../db/client.js';
import type { PgOutboxStore } from '../db/outbox-store.js';
import type { LifecycleTimerKind } from '../core/lifecycle-timers.js';
import { tickets } from '../db/schema.js';
import type { ClockKind } from '../core/types.js';
import { outboxJobId, outboxJobName, TIMERS_QUEUE } from './queues.js';

const BATCH = 5000;

/**
 * Tickets resolved or waiting on the customer with no lifecycle timer row at all — opened
 * before lifecycle timers existed — get theirs (started now). Only kinds the policy turns
 * on, and not while a verification callback is still due (it comes first), so a ticket is
 * never picked again once done.
 */
async function startMissingLifecycleTimers(db: Db, deps: UseCaseDeps): Promise<number> {
  const policy = deps.directory.config.lifecycle;
  const closeOn = policy.closeAfterMs !== null;
  const waitOn = policy.waitingReminderAfterMs !== null || policy.waitingCloseAfterMs !== null;
  if (!closeOn && !waitOn) return 0;
  let started = 0;
  for (;;) {
    const rows = (await db.execute(sql`
      select t.id from tickets t
      where ((t.status = 'resolved' and ${closeOn}) or (t.status = 'waiting_customer' and ${waitOn}))
        and not exists (select 1 from sla_clocks c where c.ticket_id = t.id and c.kind in ('auto_close', 'waiting_reminder', 'waiting_close'))
        and not (t.status = 'resolved' and exists (
          select 1 from sla_clocks v where v.ticket_id = t.id and v.kind = 'verification_callback' and v.status = 'running'))
      order by t.id limit 500`)) as unknown as { id: string }[];
    for (const r of rows) await startLifecycleTimers(deps, r.id);
    started += rows.length;
    if (rows.length < 500) return started;
  }
}

export interface ReconcileReport {
  /** Resolved or waiting tickets that had no lifecycle timers yet (opened before they existed). */
  lifecycleStarted: number;
  clocks: number;
  escalations: number;
  timersAdded: number;
  destinations: number;
}

/**
 * Makes Redis agree with Postgres: every running clock, lifecycle timer and open escalation has its
 * delayed job, every destination with due outbox rows a delivery job. Safe to run at
 * any time and from several processes (job ids are deterministic).
 */
export async function reconcile(opts: {
  db: Db;
  redis: Redis;
  prefix: string;
  scheduler: TimerScheduler;
  outboxQueue: Queue;
  outbox: PgOutboxStore;
  /** With it, tickets that should have lifecycle timers and have none get them first. */
  deps?: UseCaseDeps;
}): Promise<ReconcileReport> {
  const report: ReconcileReport = { lifecycleStarted: 0, clocks: 0, escalations: 0, timersAdded: 0, destinations: 0 };
  if (opts.deps) report.lifecycleStarted = await startMissingLifecycleTimers(opts.db, opts.deps);
  const q = `${opts.prefix}:${TIMERS_QUEUE}`;
  const [delayed, waiting, active, prioritized] = await Promise.all([
    opts.redis.zcard(`${q}:delayed`),
    opts.redis.llen(`${q}:wait`),
    opts.redis.llen(`${q}:active`),
    opts.redis.zcard(`${q}:prioritized`),
  ]);
  // Nothing queued at all (Redis was flushed, or lost its lists): any job hash left over
  // is an orphan that would make BullMQ ignore the re-add, so it is cleared first.
  const queueEmpty = delayed + waiting + active + prioritized === 0;
  // Job names show ticket numbers: looked up only for the timers actually added.
  const named = async (timers: TimerSpec[]): Promise<TimerSpec[]> => {
    const ids = [...new Set(timers.map((t) => t.data.ticketId))];
    if (ids.length === 0) return timers;
    const rows = await opts.db.select({ id: tickets.id, number: tickets.number }).from(tickets).where(inArray(tickets.id, ids));
    const numbers = new Map(rows.map((r) => [r.id, r.number]));
    return timers.map((t) => ({ ...t, ticketNumber: numbers.get(t.data.ticketId) }));
  };
  const missing = async (timers: TimerSpec[]) => {
    if (timers.length === 0) return;
    const pipe = opts.redis.pipeline();
    if (queueEmpty) {
      for (const t of timers) pipe.del(`${q}:${t.id}`);
      await pipe.exec();
      await opts.scheduler.schedule(await named(timers));
      report.timersAdded += timers.length;
      return;
    }
    // Look before adding (much cheaper than a redundant add). A future timer whose hash
    // exists but which is not in the delayed set is an orphan (partial key loss): re-add it.
    for (const t of timers) {
      pipe.exists(`${q}:${t.id}`);
      pipe.zscore(`${q}:delayed`, t.id);
    }
    const res = (await pipe.exec()) ?? [];
    const now = Date.now();
    const orphans: string[] = [];
    const add = timers.filter((t, i) => {
      const exists = res[2 * i]?.[1] === 1;
      const inDelayed = res[2 * i + 1]?.[1] !== null;
      if (!exists) return true;
      if (!inDelayed && t.at.getTime() > now + 1000) {
        orphans.push(`${q}:${t.id}`);
        return true;
      }
      return false;
    });
    if (orphans.length) await opts.redis.del(...orphans);
    await opts.scheduler.schedule(await named(add));
    report.timersAdded += add.length;
  };

  // Raw rows carry timestamps as text (drizzle's postgres.js mapping), hence new Date(...).
  let after = { ticketId: '00000000-0000-0000-0000-000000000000', kind: '' };
  for (;;) {
    const rows = (await opts.db.execute(sql`
      select ticket_id, kind, version, remind_at, deadline, reminded_at, breached_at from sla_clocks
      where status = 'running' and deadline is not null and (ticket_id, kind) > (${after.ticketId}::uuid, ${after.kind})
      order by ticket_id, kind limit ${BATCH}`)) as unknown as {
      ticket_id: string;
      kind: ClockKind | LifecycleTimerKind;
      version: number;
      remind_at: string | null;
      deadline: string;
      reminded_at: string | null;
      breached_at: string | null;
    }[];
    if (rows.length === 0) break;
    report.clocks += rows.length;
    const timers: TimerSpec[] = [];
    const date = (v: string | null) => (v === null ? null : new Date(v));
    for (const r of rows) {
      const t = nextClockTimer(r.ticket_id, {
        kind: r.kind,
        status: 'running',
        version: r.version,
        deadline: date(r.deadline),
        remindAt: date(r.remind_at),
        remindedAt: date(r.reminded_at),
        breachedAt: date(r.breached_at),
      });
      if (t) timers.push(t);
    }
    await missing(timers);
    const last = rows[rows.length - 1]!;
    after = { ticketId: last.ticket_id, kind: last.kind };
  }

  const escs = (await opts.db.execute(sql`
    select id, ticket_id, level, next_step_at from escalations where status = 'open' and next_step_at is not null`)) as unknown as {
    id: string;
    ticket_id: string;
    level: number;
    next_step_at: string;
  }[];
  report.escalations = escs.length;
  await missing(escs.map((e) => timerSpec({ type: 'escalation', ticketId: e.ticket_id, escalationId: e.id, level: e.level }, new Date(e.next_step_at))));

  report.destinations = await sweepOutbox(opts.outbox, opts.outboxQueue);
  return report;
}

/** Queues a delivery job for each destination whose oldest open row is due. */
export async function sweepOutbox(outbox: PgOutboxStore, queue: Queue): Promise<number> {
  const due = await outbox.dueDestinations();
  for (let i = 0; i < due.length; i += 1000) {
    await queue.addBulk(
      due.slice(i, i + 1000).map((d) => ({ name: outboxJobName(d.destination), data: { destination: d.destination }, opts: { jobId: outboxJobId(d.destination, d.headId, d.attempts) } })),
    );
  }
  return due.length;
}
