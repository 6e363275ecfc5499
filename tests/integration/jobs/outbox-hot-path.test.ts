import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatGateway, DeliveryResult, OutboundMessage, RateLane } from '../../../src/app/chat-gateway.js';
import type { UseCaseDeps } from '../../../src/app/deps.js';
import type { QueuedOutboxRow } from '../../../src/app/ports.js';
import { Directory } from '../../../src/core/directory.js';
import { PgOutboxStore } from '../../../src/db/outbox-store.js';
import { PgTicketStore } from '../../../src/db/ticket-store.js';
import { HOT_PATH_FALLBACK_DELAY_MS } from '../../../src/jobs/hot-path.js';
import { outboxJobId } from '../../../src/jobs/queues.js';
import { createJobQueues, startJobs, type JobQueues, type Jobs } from '../../../src/jobs/runtime.js';
import { deleteRedisKeys } from '../../helpers/app.js';
import { exampleConfig } from '../../helpers/config.js';
import { freshDatabase, REDIS_URL, type TestDatabase } from '../../helpers/db.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * The outbox's hot path (the committing process sends at once) and its fallbacks (delivery
 * jobs, the sweep) racing each other on one Postgres and one Redis, as two processes would:
 * each "process" here has its own queues, hot path, outbox worker and sweep.
 */

interface Sent {
  id: number;
  destination: string;
  by: string;
  at: number;
}

/** A platform as the outbox sees it: answers after `delayMs`, records what arrived and who sent it. */
class RecordingGateway implements ChatGateway {
  delayMs: (m: OutboundMessage) => number = () => Math.random() * 4;
  refuse: (m: OutboundMessage) => DeliveryResult | undefined = () => undefined;
  readonly calls: Sent[] = [];

  constructor(
    private readonly log: Sent[],
    private readonly name: string,
    private readonly lane: (destination: string) => RateLane[],
  ) {}

  lanes(destination: string): Promise<RateLane[]> {
    return Promise.resolve(this.lane(destination));
  }

  async deliver(m: OutboundMessage): Promise<DeliveryResult> {
    const sent = { id: m.id, destination: m.destination, by: this.name, at: Date.now() };
    this.calls.push(sent);
    await new Promise((r) => setTimeout(r, this.delayMs(m)));
    const refused = this.refuse(m);
    if (refused) return refused;
    this.log.push(sent);
    return { status: 'delivered' };
  }
}

interface Proc {
  name: string;
  queues: JobQueues;
  jobs: Jobs;
  gateway: RecordingGateway;
}

let db: TestDatabase;
let prefix: string;
let procs: Proc[] = [];
const delivered: Sent[] = [];

beforeAll(async () => {
  db = await freshDatabase(exampleConfig());
});
afterEach(async () => {
  for (const p of procs) {
    await p.jobs.close(2000);
    await p.queues.close();
  }
  procs = [];
  delivered.length = 0;
  await deleteRedisKeys(prefix);
  await db.database.db.execute(sql`delete from outbox`);
});
afterAll(async () => {
  await db?.drop();
});

async function startProc(name: string, lane: (destination: string) => RateLane[], opts: { leaseMs?: number } = {}): Promise<Proc> {
  const now = () => new Date();
  const queues = createJobQueues({ redisUrl: REDIS_URL, prefix, now });
  const deps: UseCaseDeps = {
    store: new PgTicketStore(db.database.db),
    directory: new Directory(exampleConfig()),
    now,
    newId: randomUUID,
    scheduler: queues.scheduler,
    kicker: queues.kicker,
  };
  const gateway = new RecordingGateway(delivered, name, lane);
  const jobs = await startJobs(queues, {
    db: db.database.db,
    deps,
    gateway,
    workers: true,
    reconcileEveryMs: 60_000,
    sweepEveryMs: 300,
    leaseMs: opts.leaseMs ?? 2000,
    outboxConcurrency: 10,
    timerConcurrency: 1,
    maxAttempts: 25,
  });
  const proc = { name, queues, jobs, gateway };
  procs.push(proc);
  return proc;
}

/** One committed row, as a use case's transaction would leave it. */
async function commitRow(destination: string, kind = 'customer.reply', payload: Record<string, unknown> = {}): Promise<QueuedOutboxRow> {
  const rows = (await db.database.db.execute(sql`
    insert into outbox (destination, kind, payload, created_at) values (${destination}, ${kind}, ${JSON.stringify(payload)}::jsonb, now())
    returning id`)) as unknown as { id: string }[];
  return { id: Number(rows[0]!.id), destination };
}

async function openRows(): Promise<number> {
  const [row] = (await db.database.db.execute(sql`select count(*)::int as n from outbox where status in ('pending', 'sending')`)) as unknown as [{ n: number }];
  return row.n;
}

function expectOncePerRowInOrder(ids: number[]): void {
  const counts = new Map<number, number>();
  for (const s of delivered) counts.set(s.id, (counts.get(s.id) ?? 0) + 1);
  expect([...counts.keys()].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
  expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
  const perDestination = new Map<string, number[]>();
  for (const s of delivered) perDestination.set(s.destination, [...(perDestination.get(s.destination) ?? []), s.id]);
  for (const [destination, list] of perDestination) expect(list, destination).toEqual([...list].sort((a, b) => a - b));
}

describe('outbox hot path', { timeout: 90_000 }, () => {
  it('the hot paths of two processes and their delivery jobs race: every row once, in order per destination', async () => {
    prefix = `t${randomBytes(4).toString('hex')}`;
    // A tight lane (3 per 100 ms per destination) makes the hot path hand rows over to the jobs often.
    const lane = (d: string): RateLane[] => [{ key: `test:${d}`, max: 3, perMs: 100 }];
    const a = await startProc('A', lane);
    const b = await startProc('B', lane);
    // Now and then a platform hiccup (back-off, then the job retries the same row).
    let hiccups = 6;
    for (const p of [a, b]) p.gateway.refuse = () => (Math.random() < 0.02 && hiccups-- > 0 ? { status: 'retry', error: '503' } : undefined);

    const destinations = ['customer:1', 'customer:2', 'department:technical', 'staff:dave'];
    const ids: number[] = [];
    for (let i = 0; i < 160; i++) {
      const row = await commitRow(destinations[i % destinations.length]!);
      ids.push(row.id);
      // Each commit is kicked by the process that made it: the hot path there, the job as fallback.
      const by = i % 3 === 0 ? b : a;
      await by.queues.kicker.kick([row]);
      // Every few rows the other process's job for the same destination is queued at once as well.
      if (i % 5 === 0) await (by === a ? b : a).queues.kicker.kick([row]);
    }
    await waitFor(async () => (await openRows()) === 0, 60_000, 'the outbox to drain');
    expectOncePerRowInOrder(ids);
    // Both processes sent, so they really raced for the same destinations.
    expect(new Set(delivered.map((s) => s.by))).toEqual(new Set(['A', 'B']));
  });

  it('a dead sender\'s row is taken over once its short lease ran out; a row whose send was confirmed is never sent again', async () => {
    prefix = `t${randomBytes(4).toString('hex')}`;
    const store = new PgOutboxStore(db.database.db);
    const destination = 'department:technical';
    const first = await commitRow(destination);
    const second = await commitRow(destination);
    const third = await commitRow(destination);
    // A worker that sent the first row (confirmed: marked delivered), claimed the second and died:
    // no heartbeat renews its 1 s lease.
    const dead = 'dead-worker';
    const c1 = await store.claimHead(destination, dead, 1000);
    expect('row' in c1 && c1.row.id).toBe(first.id);
    expect(await store.markDelivered(first.id, dead, undefined)).toMatchObject({ afterSeconds: expect.any(Number) });
    const c2 = await store.claimHead(destination, dead, 1000);
    expect('row' in c2 && c2.row.id).toBe(second.id);
    const claimedAt = Date.now();

    const live = await startProc('live', () => []);
    await live.queues.kicker.kick([third]);
    await waitFor(async () => (await openRows()) === 0, 20_000, 'the outbox to drain');
    expect(delivered.map((s) => s.id)).toEqual([second.id, third.id]);
    // Not before the dead worker's lease ran out.
    expect(delivered[0]!.at - claimedAt).toBeGreaterThanOrEqual(900);
    const rows = (await db.database.db.execute(sql`select id, status, attempts from outbox order by id`)) as unknown as { id: string; status: string; attempts: number }[];
    expect(rows.map((r) => [Number(r.id), r.status, r.attempts])).toEqual([
      [first.id, 'delivered', 1],
      [second.id, 'delivered', 2],
      [third.id, 'delivered', 1],
    ]);
  });

  it('a send slower than the lease keeps its row: the heartbeat renews the lease, so nobody sends it twice', async () => {
    prefix = `t${randomBytes(4).toString('hex')}`;
    const slow = await startProc('slow', () => [], { leaseMs: 600 });
    const other = await startProc('other', () => [], { leaseMs: 600 });
    const row = await commitRow('customer:9');
    const later = await commitRow('customer:9');
    // The first send takes three leases long; the other process's sweep and jobs look at the row meanwhile.
    slow.gateway.delayMs = (m) => (m.id === row.id ? 1800 : 0);
    other.gateway.delayMs = (m) => (m.id === row.id ? 1800 : 0);
    await slow.queues.kicker.kick([row, later]);
    await waitFor(async () => (await openRows()) === 0, 20_000, 'the outbox to drain');
    const calls = [...slow.gateway.calls, ...other.gateway.calls].filter((c) => c.id === row.id);
    expect(calls).toHaveLength(1);
    expectOncePerRowInOrder([row.id, later.id]);
  });
  it('a row waiting for a rate lane longer than its lease keeps it: the heartbeat covers the wait, so nobody sends it twice', async () => {
    prefix = `t${randomBytes(4).toString('hex')}`;
    // One send per 1.2 s over every destination: the delivery jobs of the rows the hot path
    // handed back wait for the lane in turn, each wait longer than the 500 ms lease.
    const lane = () => [{ key: 'shared', max: 1, perMs: 1200 }];
    const a = await startProc('a', lane, { leaseMs: 500 });
    await startProc('b', lane, { leaseMs: 500 });
    const rows: QueuedOutboxRow[] = [];
    for (let i = 21; i <= 26; i++) rows.push(await commitRow(`customer:${i}`));
    await a.queues.kicker.kick(rows);
    await waitFor(async () => (await openRows()) === 0, 30_000, 'the outbox to drain');
    expectOncePerRowInOrder(rows.map((r) => r.id));
    const calls = procs.flatMap((p) => p.gateway.calls);
    expect(calls.map((c) => c.id).sort((x, y) => x - y)).toEqual(rows.map((r) => r.id));
  });

  it('the fallback job of a destination the hot path sent is removed before it runs; one the hot path handed over stays and sends', async () => {
    prefix = `t${randomBytes(4).toString('hex')}`;
    // One post per 1.5 s on customer:2: its second row finds no room on the hot path.
    const a = await startProc('A', (d) => (d === 'customer:2' ? [{ key: `test:${d}`, max: 1, perMs: 1500 }] : []));
    const fallback = (row: QueuedOutboxRow) => a.queues.queues.outbox.getJob(outboxJobId(row.destination, row.id, 0));

    const sent = await commitRow('customer:1');
    const kickedAt = Date.now();
    await a.queues.kicker.kick([sent]);
    expect(await fallback(sent)).toBeDefined();
    await waitFor(async () => (await fallback(sent)) === undefined, 5000, 'the fallback job to go');
    // Gone before its delay ran out: removed, not run.
    expect(Date.now() - kickedAt).toBeLessThan(HOT_PATH_FALLBACK_DELAY_MS);
    expect(delivered.map((s) => s.id)).toEqual([sent.id]);

    const first = await commitRow('customer:2');
    await a.queues.kicker.kick([first]);
    await waitFor(() => delivered.some((s) => s.id === first.id), 5000, 'the first row on the hot path');
    const second = await commitRow('customer:2');
    await a.queues.kicker.kick([second]);
    await waitFor(async () => {
      const [r] = (await db.database.db.execute(sql`select last_error from outbox where id = ${second.id}`)) as unknown as [{ last_error: string | null }];
      return r.last_error === 'waiting for a rate lane';
    }, 5000, 'the hot path to hand the row over');
    expect(await fallback(second)).toBeDefined();
    await waitFor(async () => (await openRows()) === 0, 20_000, 'the outbox to drain');
    expectOncePerRowInOrder([sent.id, first.id, second.id]);
  });
});
