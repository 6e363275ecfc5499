import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleTimers } from '../../../src/app/handle-timer.js';
import type { QueuedOutboxRow, TimerData, TimerSpec } from '../../../src/app/ports.js';
import { escalationTimerId, slaTimerId } from '../../../src/app/timers.js';
import { verifyAllChains } from '../../../src/db/verify-audit.js';
import { makeQueues } from '../../../src/jobs/queues.js';
import { BullTimerScheduler } from '../../../src/jobs/scheduler.js';
import { startTimerWorker } from '../../../src/jobs/timer-worker.js';
import { deleteRedisKeys, startTestApp, ticketBody, type TestApp } from '../../helpers/app.js';
import { REDIS_URL } from '../../helpers/db.js';

/**
 * Timers that fall due together are handled in one ticket-store transaction
 * (handleTimers → PgTicketStore.mutateMany). Each clock still fires once, at its current
 * version only, however the batches are cut and however many workers run them at once.
 */

let app: TestApp;
// The app's clock: moved on by a month below, so every reminder is due (the Redis jobs, scheduled against
// the real time, stay hours away and do not interfere).
let offsetMs = 0;

beforeAll(async () => {
  app = await startTestApp({ now: () => new Date(Date.now() + offsetMs) });
});
afterAll(async () => {
  await app?.stop();
});

async function createTickets(n: number): Promise<{ id: string; number: string; version: number }[]> {
  const out: { id: string; number: string; version: number }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ category: 'fault' }) });
    expect(res.status).toBe(201);
    const t = (await res.json()) as { id: string; number: string };
    const [clock] = await app.database.sql<[{ version: number }]>`
      select version from sla_clocks where ticket_id = ${t.id} and kind = 'first_response'`;
    out.push({ ...t, version: clock.version });
  }
  return out;
}

const remind = (ticketId: string, version: number): TimerData => ({ type: 'sla', ticketId, clock: 'first_response', kind: 'remind', version });

async function reminders(ids: string[]): Promise<Map<string, number>> {
  const rows = await app.database.sql<{ ticket_id: string; n: number }[]>`
    select ticket_id, count(*)::int as n from ticket_events
    where type = 'sla.reminder' and data->>'clock' = 'first_response' and ticket_id in ${app.database.sql(ids)} group by ticket_id`;
  return new Map(rows.map((r) => [r.ticket_id, r.n]));
}

describe('batched timer fires', { timeout: 60_000 }, () => {
  it('fires each clock once at its version; stale versions and repeats in the same batch do nothing', async () => {
    const tickets = await createTickets(12);
    offsetMs = 31 * 24 * 3600_000;
    const batch: TimerData[] = [];
    for (const t of tickets) {
      batch.push(remind(t.id, t.version + 1)); // a version the clock never had (moved on, or not yet)
      batch.push(remind(t.id, t.version)); // the current one
      batch.push(remind(t.id, t.version)); // the same job delivered twice
    }
    const outcomes = await handleTimers(app.deps, batch);
    expect(outcomes.map((o) => o.outcome)).toEqual(tickets.flatMap(() => ['stale', 'fired', 'stale']));

    const counts = await reminders(tickets.map((t) => t.id));
    expect(tickets.map((t) => counts.get(t.id) ?? 0)).toEqual(tickets.map(() => 1));
    const clocks = await app.database.sql<{ ticket_id: string; version: number; reminded_at: Date | null }[]>`
      select ticket_id, version, reminded_at from sla_clocks where kind = 'first_response' and ticket_id in ${app.database.sql(tickets.map((t) => t.id))}`;
    for (const c of clocks) {
      expect(c.reminded_at).not.toBeNull();
      expect(c.version).toBe(tickets.find((t) => t.id === c.ticket_id)!.version);
    }
    // Every firing left its reminder and card refresh in the outbox, and the events chain stays intact.
    const [rows] = await app.database.sql<[{ n: number }]>`
      select count(*)::int as n from outbox where kind = 'sla.reminder' and ticket_id in ${app.database.sql(tickets.map((t) => t.id))}`;
    expect(rows.n).toBe(tickets.length);
    for (const t of tickets.slice(0, 3)) {
      const res = await app.api(`/api/tickets/${t.number}`);
      const detail = (await res.json()) as { events: { seq: number; type: string }[] };
      expect(detail.events.map((e) => e.seq)).toEqual(detail.events.map((_, i) => i + 1));
    }
  });

  it('two workers batching the same due timers in a different order fire each clock once, without a deadlock', async () => {
    offsetMs = 0;
    const tickets = await createTickets(16);
    offsetMs = 31 * 24 * 3600_000;
    const timers = tickets.map((t) => remind(t.id, t.version));
    const reversed = [...timers].reverse();
    const [a, b, c] = await Promise.all([
      handleTimers(app.deps, timers.slice(0, 10)),
      handleTimers(app.deps, reversed.slice(0, 10)),
      handleTimers(app.deps, timers.slice(5)),
    ]);
    const fired = [...a, ...b, ...c].filter((o) => o.outcome === 'fired').length;
    expect(fired).toBe(tickets.length);
    const counts = await reminders(tickets.map((t) => t.id));
    expect(tickets.map((t) => counts.get(t.id) ?? 0)).toEqual(tickets.map(() => 1));
  });

  it('a batch of breaches: each ticket moves one version, opens one ladder, keeps its chain and facts; its jobs go to Redis in one call of each kind', async () => {
    offsetMs = 0;
    const tickets = await createTickets(6);
    const before = await app.database.sql<{ id: string; version: number }[]>`
      select id, version from tickets where id in ${app.database.sql(tickets.map((t) => t.id))}`;
    offsetMs = 31 * 24 * 3600_000;
    const scheduled: TimerSpec[][] = [];
    const kicked: QueuedOutboxRow[][] = [];
    const deps = {
      ...app.deps,
      scheduler: { schedule: (t: TimerSpec[]) => (scheduled.push(t), Promise.resolve()), cancel: () => Promise.resolve() },
      kicker: { kick: (rows: QueuedOutboxRow[]) => (kicked.push(rows), Promise.resolve()) },
    };
    const breach = (t: { id: string; version: number }): TimerData => ({ type: 'sla', ticketId: t.id, clock: 'first_response', kind: 'breach', version: t.version });
    const outcomes = await handleTimers(deps, [...tickets.map(breach), breach(tickets[0]!)]);
    expect(outcomes.map((o) => o.outcome)).toEqual([...tickets.map(() => 'fired'), 'stale']);

    const after = await app.database.sql<{ id: string; version: number; updated_at: Date }[]>`
      select id, version, updated_at from tickets where id in ${app.database.sql(tickets.map((t) => t.id))}`;
    for (const t of after) {
      expect(t.version).toBe(before.find((b) => b.id === t.id)!.version + 1);
      expect(new Date(t.updated_at).getTime()).toBeGreaterThan(Date.now());
    }
    const escs = await app.database.sql<{ id: string; ticket_id: string; level: number; status: string }[]>`
      select id, ticket_id, level, status from escalations where ticket_id in ${app.database.sql(tickets.map((t) => t.id))}`;
    expect(escs.map((e) => e.ticket_id).sort()).toEqual(tickets.map((t) => t.id).sort());
    expect(escs.every((e) => e.level === 1 && e.status === 'open')).toBe(true);
    const facts = await app.database.sql<{ escalation_count: number; sla_first_response: string }[]>`
      select escalation_count, sla_first_response from ticket_facts where ticket_id in ${app.database.sql(tickets.map((t) => t.id))}`;
    expect(facts).toHaveLength(tickets.length);
    expect(facts.every((f) => f.escalation_count === 1 && f.sla_first_response === 'breached')).toBe(true);
    expect((await verifyAllChains(app.database.db)).broken).toEqual([]);

    // One schedule (with each ladder's next step) and one wake-up for the whole batch.
    expect(scheduled).toHaveLength(1);
    const ids = new Set(scheduled[0]!.map((s) => s.id));
    for (const e of escs) expect(ids.has(escalationTimerId(e.id, 1, e.ticket_id))).toBe(true);
    expect(kicked).toHaveLength(1);
    const [queued] = await app.database.sql<[{ n: number }]>`
      select count(*)::int as n from outbox where ticket_id in ${app.database.sql(tickets.map((t) => t.id))} and kind = 'escalation.ping'`;
    expect(kicked[0]!.filter((r) => r.destination === 'escalation')).toHaveLength(tickets.length);
    expect(queued.n).toBeGreaterThanOrEqual(tickets.length);
  });

  it('two timer workers, each holding several batches at once, fire every due clock once', async () => {
    offsetMs = 0;
    const tickets = await createTickets(40);
    offsetMs = 31 * 24 * 3600_000;
    const prefix = `tb${randomBytes(4).toString('hex')}`;
    const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queues = makeQueues({ prefix, connection: conn });
    // Due now by the app's clock; the stale versions are other jobs that must do nothing.
    const timers: TimerSpec[] = tickets.flatMap((t) =>
      [t.version, t.version + 1].map((version) => ({ id: slaTimerId(t.id, 'first_response', 'remind', version), at: new Date(), data: remind(t.id, version) })),
    );
    const results = new Map<string, unknown[]>();
    const workers = [0, 1].map(() => startTimerWorker(app.deps, conn, prefix, 24, undefined, 6));
    const done = new Promise<void>((resolve) => {
      for (const w of workers) {
        w.on('completed', (job: Job, value: unknown) => {
          results.set(job.id!, [...(results.get(job.id!) ?? []), value]);
          if (results.size === timers.length) resolve();
        });
      }
    });
    try {
      await Promise.all(workers.map((w) => w.waitUntilReady()));
      await new BullTimerScheduler(queues.timers, () => new Date()).schedule(timers);
      await done;
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await queues.timers.close();
      await queues.outbox.close();
      conn.disconnect();
      await deleteRedisKeys(prefix);
    }
    for (const t of tickets) {
      expect(results.get(slaTimerId(t.id, 'first_response', 'remind', t.version))).toEqual(['fired']);
      expect(results.get(slaTimerId(t.id, 'first_response', 'remind', t.version + 1))).toEqual(['stale']);
    }
    const counts = await reminders(tickets.map((t) => t.id));
    expect(tickets.map((t) => counts.get(t.id) ?? 0)).toEqual(tickets.map(() => 1));
    expect((await verifyAllChains(app.database.db)).broken).toEqual([]);
  });
});
