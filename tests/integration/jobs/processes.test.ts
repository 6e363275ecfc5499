import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { slaTimerId } from '../../../src/app/timers.js';
import { REFRESH_KINDS } from '../../../src/db/outbox-store.js';
import { TIMERS_QUEUE } from '../../../src/jobs/queues.js';
import { FakeWebhookPlatform, type ReceivedMessage } from '../../fakes/fake-webhook-platform.js';
import { REDIS_URL } from '../../helpers/db.js';
import { DelayProxy, flushPrefix, Install, postgresOutage, type OutboxRowState } from '../../helpers/processes.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * SPEC §10 with real processes (`tsx src/main.ts`): one api process takes tickets over
 * HTTP, worker processes (AFTERCARE_ROLE=worker) share one Postgres database and one
 * Redis prefix, and a fake platform behind the webhook gateway records what arrived.
 */

/** The webhook gateway's own limits out of the way (the fake enforces limits where a test wants them). */
const OPEN_LIMITS = { AFTERCARE_WEBHOOK_RATE: '1000', AFTERCARE_WEBHOOK_PER_DESTINATION_RATE: '100', AFTERCARE_OUTBOX_SWEEP_INTERVAL: '1s' };

let platform: FakeWebhookPlatform | undefined;
let install: Install | undefined;
let proxy: DelayProxy | undefined;

afterEach(async () => {
  await install?.close();
  await proxy?.stop();
  await platform?.stop();
  install = undefined;
  proxy = undefined;
  platform = undefined;
});

async function setUp(env: Record<string, string> = {}, webhook?: (platformUrl: string) => Promise<string>): Promise<{ platform: FakeWebhookPlatform; install: Install }> {
  platform = await new FakeWebhookPlatform().start();
  const url = webhook ? await webhook(platform.url) : platform.url;
  install = new Install({ AFTERCARE_WEBHOOK_URL: url, ...OPEN_LIMITS, ...env });
  return { platform, install };
}

function duplicates(ids: number[]): number[] {
  const seen = new Set<number>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
}

const ascending = (ids: number[]) => [...ids].sort((a, b) => a - b);

/** Every row delivered, each exactly once at the platform, nothing there that the database does not know. */
/** Card refreshes: pending ones of a ticket collapse into the newest (the rest are skipped), and they go after people's messages. */
const isRefresh = (kind: string) => (REFRESH_KINDS as readonly string[]).includes(kind);

async function expectEachDeliveredOnce(p: FakeWebhookPlatform, rows: OutboxRowState[]): Promise<void> {
  // Every row delivered, but card refreshes a newer refresh of the same ticket made redundant.
  expect(rows.filter((r) => r.status !== 'delivered' && !(r.status === 'skipped' && isRefresh(r.kind)))).toEqual([]);
  const sent = rows.filter((r) => r.status === 'delivered');
  // The fake records a message once its 2xx response is written; the worker marks the row after reading it.
  await waitFor(() => new Set(p.delivered.map((m) => m.id)).size >= sent.length, 20_000, 'the platform to record every delivered row');
  expect(duplicates(p.delivered.map((m) => m.id))).toEqual([]);
  expect(ascending(p.delivered.map((m) => m.id))).toEqual(sent.map((r) => r.id));
}

/**
 * Per destination (and per ticket, with `perTicket`), the platform received the messages
 * people read in id order: the order the outbox queued them in.
 */
function expectPerDestinationOrder(messages: ReceivedMessage[], perTicket = false): void {
  const byDestination = new Map<string, number[]>();
  for (const m of messages.filter((x) => !isRefresh(x.kind))) {
    const key = perTicket ? `${m.destination} ${m.ticketId}` : m.destination;
    byDestination.set(key, [...(byDestination.get(key) ?? []), m.id]);
  }
  for (const [destination, ids] of byDestination) expect(ids, destination).toEqual(ascending(ids));
}

const ticketNumbers = (m: ReceivedMessage) => (m.payload as { number?: string }).number;

describe('several worker processes on one Postgres and one Redis (SPEC §10)', { timeout: 240_000 }, () => {
  it('two workers: every message is posted once and every reminder fires once', async () => {
    const { platform, install } = await setUp();
    await Promise.all([install.start('api'), install.start('worker', 'worker A'), install.start('worker', 'worker B')]);

    // 3 s clocks and 2 s escalation steps (tests/fixtures/fast-clocks.yaml): cards, acknowledgements,
    // reminders, breaches and a three-level ladder per ticket, all racing between the two workers.
    const tickets = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        install.createTicket(
          i % 5 === 0
            ? { category: 'complaint', description: 'The courier was late and the box arrived broken.' }
            : i % 5 === 1
              ? { severity: 'critical' }
              : { category: i % 2 ? 'fault' : 'inquiry', description: i % 2 ? 'It is broken.' : 'How do I reset it?' },
        ),
      ),
    );

    // Settled: every running clock breached, every ladder done, every outbox row finished.
    await waitFor(
      async () => {
        const [row] = await install.sql<[{ open: number }]>`select
          (select count(*) from sla_clocks where status = 'running' and breached_at is null)::int
          + (select count(*) from escalations where status = 'open')::int
          + (select count(*) from outbox where status in ('pending', 'sending'))::int as open`;
        return row.open === 0;
      },
      40_000,
      'every clock breached, every ladder exhausted and the outbox drained',
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${install.logs()}`);
    });
    const rows = await install.outbox();
    expect(rows.length).toBeGreaterThan(tickets.length * 5);
    await expectEachDeliveredOnce(platform, rows);
    // Tickets are created, and their timers fire, concurrently: ids are handed out in insert order but
    // committed in any order, so only one ticket's messages to one destination have a defined order.
    expectPerDestinationOrder(platform.delivered, true);

    for (const [type, clock] of [
      ['sla.reminder', 'first_response'],
      ['sla.breached', 'first_response'],
      ['sla.reminder', 'resolution'],
      ['sla.breached', 'resolution'],
    ] as const) {
      const counts = await install.clockEvents(type, clock);
      expect(counts.size).toBe(tickets.length);
      expect([...counts].filter(([, n]) => n !== 1), `${type} ${clock}: tickets without exactly one`).toEqual([]);
    }
    const reminders = platform.delivered.filter((m) => m.kind === 'sla.reminder' && (m.payload as { clock?: string }).clock === 'first_response');
    expect(reminders.map(ticketNumbers).sort()).toEqual(tickets.map((t) => t.number).sort());

    // Each escalation step happened once per ladder.
    const steps = await install.sql<{ escalation: string; level: string; n: number }[]>`
      select data->>'escalationId' as escalation, data->>'level' as level, count(*)::int as n from ticket_events
      where type in ('ticket.escalated', 'escalation.level_up', 'escalation.exhausted') group by 1, 2, type having count(*) > 1`;
    expect(steps).toEqual([]);
    const ladders = await install.sql<{ status: string }[]>`select distinct status from escalations`;
    expect(ladders).toEqual([{ status: 'exhausted' }]);
  }, 60_000);

  it('kill -9 of a worker in the middle of a delivery: another worker takes the row over once its lease ran out, and it arrives once, in order', async () => {
    const { platform, install } = await setUp({ AFTERCARE_OUTBOX_LEASE: '2s' });
    install.env.AFTERCARE_CONFIG = install.config(600, 600); // only the outbox moves in this test
    const [, first] = await Promise.all([install.start('api'), install.start('worker', 'worker A')]);

    // The first card to the technical department never gets an answer: worker A is stuck inside deliver().
    let stuck: ReceivedMessage | undefined;
    const release = platform.use((m) => {
      if (m.destination !== 'department:technical' || (stuck && stuck.id !== m.id)) return undefined;
      stuck ??= m;
      return 'hang';
    });
    await install.createTicket();
    await platform.until(() => stuck !== undefined, 20_000);
    // More cards for the same channel queue up behind it.
    for (let i = 0; i < 4; i++) await install.createTicket();
    // Worker A is idle but for the stuck card: the acknowledgements are delivered and recorded as such.
    // (Killed between the platform's 2xx and that record, a row is sent again: at-least-once.)
    await waitFor(
      async () => (await install.outbox()).filter((r) => r.destination.startsWith('customer:') && r.status === 'delivered').length === 5,
      20_000,
      'the acknowledgements to be delivered',
    );
    const [held] = await install.sql<[{ status: string }]>`select status from outbox where id = ${stuck!.id}`;
    expect(held.status).toBe('sending');

    expect(await first.kill9()).toMatchObject({ signal: 'SIGKILL' });
    release();
    await install.start('worker', 'worker B');

    const rows = await install.outboxSettled(30_000);
    await expectEachDeliveredOnce(platform, rows);
    expect(platform.delivered.filter((m) => m.id === stuck!.id)).toHaveLength(1);
    expect(platform.requests.filter((m) => m.id === stuck!.id).length).toBeGreaterThanOrEqual(2);
    const cards = platform.deliveredTo('department:technical').map((m) => m.id);
    expect(cards).toHaveLength(5);
    expect(cards[0]).toBe(stuck!.id);
    expectPerDestinationOrder(platform.delivered);
  }, 60_000);

  it('429 with Retry-After and 503 for a while: everything arrives, once, in order per destination', async () => {
    const { platform, install } = await setUp();
    install.env.AFTERCARE_CONFIG = install.config(600, 600);
    platform.rateLimitPerSecond = 5;
    platform.retryAfterSeconds = 1;
    let unavailable = 8;
    platform.use(() => (unavailable-- > 0 ? { status: 503, body: 'service unavailable' } : undefined));
    await Promise.all([install.start('api'), install.start('worker', 'worker A'), install.start('worker', 'worker B')]);

    // A complaint posts the acknowledgement, two department cards and escalation pings (channel + 2 supervisors).
    for (let i = 0; i < 7; i++) await install.createTicket({ category: 'complaint', description: 'Rude staff and the part arrived broken.' });
    const rows = await install.outboxSettled(45_000);
    expect(rows.length).toBeGreaterThanOrEqual(35);
    await expectEachDeliveredOnce(platform, rows);
    expectPerDestinationOrder(platform.delivered);
    const refused = platform.requests.length - platform.delivered.length;
    expect(refused).toBeGreaterThan(8); // the 503s and at least some 429s
    expect(new Set(platform.delivered.map((m) => m.destination)).size).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('Redis loses every key (FLUSHALL of this install): reconciliation restores the reminders and deliveries', async () => {
    const { platform, install } = await setUp({ AFTERCARE_RECONCILE_INTERVAL: '2s' });
    install.env.AFTERCARE_CONFIG = install.config(10, 600); // reminders at 5 s, long after the keys are gone
    await Promise.all([install.start('api'), install.start('worker', 'worker A'), install.start('worker', 'worker B')]);
    const redis = new Redis(REDIS_URL);
    try {
      const tickets = await Promise.all(Array.from({ length: 10 }, () => install.createTicket()));
      const reminderKeys = tickets.map((t) => `${install.prefix}:${TIMERS_QUEUE}:${slaTimerId(t.id, 'first_response', 'remind', 1)}`);
      await waitFor(async () => (await redis.exists(...reminderKeys)) === reminderKeys.length, 10_000, 'the reminder jobs in Redis').catch(async (err: unknown) => {
        const present = await Promise.all(reminderKeys.map((k) => redis.exists(k)));
        const clocks = await install.sql`select ticket_id, kind, version, remind_at, reminded_at from sla_clocks where kind = 'first_response'`;
        throw new Error(`${String(err)}: ${JSON.stringify(present)} ${JSON.stringify(clocks)} at ${new Date().toISOString()}\n${install.logs()}`);
      });

      // Not a real FLUSHALL (other tests share this Redis): every key of this install, atomically.
      expect(await flushPrefix(install.prefix)).toBeGreaterThan(reminderKeys.length);
      const deletedAt = Date.now();
      expect(await redis.exists(...reminderKeys)).toBe(0);
      const [{ remindFrom }] = await install.sql<[{ remindFrom: Date }]>`
        select min(remind_at) as "remindFrom" from sla_clocks where kind = 'first_response'`;
      expect(new Date(remindFrom).getTime()).toBeGreaterThan(deletedAt); // nothing was due yet when Redis lost it

      await waitFor(
        async () => [...(await install.clockEvents('sla.reminder', 'first_response')).values()].every((n) => n > 0),
        20_000,
        'a first-response reminder on every ticket',
      );
      const counts = await install.clockEvents('sla.reminder', 'first_response');
      expect([...counts.values()]).toEqual(tickets.map(() => 1));
      const rows = await install.outboxSettled(20_000).catch(async (err: unknown) => {
        const open = await install.sql`select id, destination, kind, status, attempts, next_attempt_at, lease_until, lease_owner, last_error from outbox where status in ('pending', 'sending')`;
        const keys = await redis.keys(`${install.prefix}:outbox:*`);
        throw new Error(`${String(err)}: still open ${JSON.stringify(open)}; outbox keys ${keys.join(' ')}\n${install.logs(40)}`);
      });
      await expectEachDeliveredOnce(platform, rows);
      const reminders = platform.delivered.filter((m) => m.kind === 'sla.reminder' && (m.payload as { clock?: string }).clock === 'first_response');
      expect(reminders.map(ticketNumbers).sort()).toEqual(tickets.map((t) => t.number).sort());
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it('SIGTERM while delivering: the worker finishes what it is sending, exits 0 within 10 s, and nothing is lost', async () => {
    const { platform, install } = await setUp({}, async (url) => {
      proxy = await new DelayProxy(url, 500).start();
      return proxy.url;
    });
    install.env.AFTERCARE_CONFIG = install.config(600, 600);
    const [, worker] = await Promise.all([install.start('api'), install.start('worker', 'worker A')]);
    for (let i = 0; i < 6; i++) await install.createTicket();
    // Every answer takes 500 ms: wait until the worker is in the middle of one.
    const sending = await waitFor(
      async () => {
        if (proxy!.inFlight === 0 || platform.delivered.length === 0) return undefined;
        const rows = (await install.outbox()).filter((r) => r.status === 'sending');
        return rows.length > 0 ? rows : undefined;
      },
      20_000,
      'a delivery in flight',
    );

    const exit = await worker.terminate();
    expect(exit, install.logs()).toEqual({ code: 0, signal: null });
    // It finished what it was sending, and left nothing leased to a process that is gone.
    const afterStop = await install.outbox();
    expect(afterStop.filter((r) => sending.some((s) => s.id === r.id)).map((r) => r.status)).toEqual(sending.map(() => 'delivered'));
    expect(afterStop.filter((r) => r.status === 'sending')).toEqual([]);
    expect(afterStop.filter((r) => r.status === 'pending').length).toBeGreaterThan(0); // the rest waits for the next worker

    await install.start('worker', 'worker B');
    const rows = await install.outboxSettled(30_000);
    await expectEachDeliveredOnce(platform, rows);
    expectPerDestinationOrder(platform.delivered);
  }, 60_000);
});

/**
 * Failure modes that lose or mistime messages. Each test states the behaviour the outbox
 * promises (src/jobs/outbox-worker.ts, SPEC §10).
 */
describe('outbox delivery when things go wrong', () => {
  it('429s do not count towards AFTERCARE_OUTBOX_MAX_ATTEMPTS: one 503 after many 429s is retried, not dropped', async () => {
    const { platform, install } = await setUp();
    install.env.AFTERCARE_CONFIG = install.config(600, 600);
    // The technical department's channel is rate-limited 25 times in a row (default max attempts: 25),
    // then answers one 503, then accepts: one transient error, well under the limit.
    let calls = 0;
    platform.use((m) => {
      if (m.destination !== 'department:technical') return undefined;
      calls++;
      if (calls <= 25) return { status: 429, headers: { 'retry-after': '0' }, body: 'rate limited' };
      if (calls === 26) return { status: 503, body: 'service unavailable' };
      return undefined;
    });
    await Promise.all([install.start('api'), install.start('worker')]);
    await install.createTicket();
    const rows = await install.outboxSettled(20_000);
    const card = rows.find((r) => r.kind === 'ticket.card');
    const [detail] = await install.sql<[{ last_error: string | null }]>`select last_error from outbox where id = ${card!.id}`;
    expect({ status: card!.status, lastError: detail.last_error }).toEqual({ status: 'delivered', lastError: null });
    expect(platform.deliveredTo('department:technical').map((m) => m.kind)).toEqual(['ticket.card']);
  }, 60_000);

  it('SIGTERM while waiting for a rate-limit slot does not send early', async () => {
    // One message per 5 s to a destination: the second card must not arrive sooner.
    const { platform, install } = await setUp({ AFTERCARE_WEBHOOK_PER_DESTINATION_RATE: '0.2' });
    install.env.AFTERCARE_CONFIG = install.config(600, 600);
    const [, worker] = await Promise.all([install.start('api'), install.start('worker', 'worker A')]);
    await install.createTicket();
    await install.createTicket();
    await platform.until(() => platform.deliveredTo('department:technical').length === 1, 20_000);
    // The second card is claimed and its worker waits for the channel's next slot.
    await waitFor(async () => (await install.outbox()).some((r) => r.kind === 'ticket.card' && r.status === 'sending'), 20_000, 'the second card to be claimed');
    expect(await worker.terminate()).toEqual({ code: 0, signal: null });
    await install.start('worker', 'worker B');
    await install.outboxSettled(20_000);
    const [first, second] = platform.deliveredTo('department:technical');
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(4500);
  }, 60_000);

  it('a Postgres outage of a few seconds does not strand a destination whose delivery job failed for good', async () => {
    const { platform, install } = await setUp();
    install.env.AFTERCARE_CONFIG = install.config(600, 600);
    const [, worker] = await Promise.all([install.start('api'), install.start('worker')]);
    const redis = new Redis(REDIS_URL);
    try {
      // The worker is frozen while the ticket is taken, so its delivery jobs are still waiting when Postgres goes away.
      worker.pause();
      await install.createTicket();
      const restore = await postgresOutage(install.databaseUrl);
      try {
        worker.resume();
        // Each job tries three times (1 s, 2 s back-off) and, failed for good, is removed from Redis.
        const queued = async () =>
          (await redis.llen(`${install.prefix}:outbox:wait`)) +
          (await redis.llen(`${install.prefix}:outbox:active`)) +
          (await redis.zcard(`${install.prefix}:outbox:delayed`)) +
          (await redis.zcard(`${install.prefix}:outbox:prioritized`));
        await waitFor(async () => (await queued()) === 0, 15_000, 'the delivery jobs to fail and be dropped');
      } finally {
        await restore();
      }
      // Postgres is back: the sweeper (every second) must queue the destinations again, and so must a
      // worker started now (postgres.js 3.4.9 may even have crashed worker A: porsager/postgres#1154).
      await install.start('worker', 'worker B');
      const rows = await install.outboxSettled(15_000).catch(async (err: unknown) => {
        const failed = await redis.zrange(`${install.prefix}:outbox:failed`, '0', '-1');
        const open = (await install.outbox()).filter((r) => r.status === 'pending' || r.status === 'sending');
        throw new Error(`${String(err)}: still open ${JSON.stringify(open)}; failed jobs ${failed.join(', ')}`);
      });
      await expectEachDeliveredOnce(platform, rows);
    } finally {
      redis.disconnect();
    }
  }, 60_000);
});
