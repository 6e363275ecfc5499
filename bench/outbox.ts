import { pino } from 'pino';
import { parseEnv, type LoadedConfig } from '../src/config/load-config.js';
import { startApp } from '../src/start-app.js';
import { FakeWebhookPlatform } from '../tests/fakes/fake-webhook-platform.js';
import { log, round, until } from './lib/common.js';
import type { BenchContext } from './lib/context.js';
import { seededTicketIdSql, seedOpenTickets } from './lib/seed.js';

export interface OutboxResult {
  /** AFTERCARE_WEBHOOK_RATE the worker ran with. */
  rate: number;
  /** Every message delivered within the wait. */
  complete: boolean;
  messages: number;
  destinations: number;
  limitPerSecond: number;
  /** Delivered messages / (last delivery − first request). */
  messagesPerSecond: number;
  /** From startApp() (role worker) to the last delivery. */
  wallSeconds: number;
  requests: number;
  responses429: number;
  delivered: number;
  duplicates: number;
  /** Destination pairs delivered out of row order. */
  orderViolations: number;
  /** Outbox rows not in status delivered at the end. */
  dropped: number;
  statuses: Record<string, number>;
  /** Deliveries in each second after the first request. */
  deliveredPerSecond: number[];
  /** Warnings the app logged (failed outbox jobs…), by message and error. */
  appWarnings: Record<string, number>;
}

/**
 * `messages` outbox rows over `destinations` customer chats, delivered by the real outbox
 * worker (startApp, role worker, webhook gateway at `rate` msg/s overall, 10/s per destination)
 * to the fake platform, which answers 429 + Retry-After: 1 beyond `limitPerSecond` requests in
 * a second. Waits at most `waitMs` for every message, then reports what arrived.
 */
export async function benchOutbox(
  ctx: BenchContext,
  o: { messages: number; destinations: number; limitPerSecond: number; rate: number; waitMs: number },
): Promise<OutboxResult> {
  const tag = `${ctx.runId}-ob${o.rate}`;
  await seedOpenTickets(ctx.database.sql, { tag, count: o.destinations, clocks: [], remindAtSql: 'null' });
  await ctx.database.sql.unsafe(`
    insert into outbox (ticket_id, destination, kind, payload, created_at)
    select t.id, 'customer:' || t.customer_id, case when i <= ${o.destinations} then 'customer.acknowledgement' else 'customer.progress' end,
      jsonb_build_object('ticketId', t.id, 'number', t.number, 'language', 'zh-CN', 'text', 'Our engineer will call you today.', 'seq', i), now()
    from generate_series(1, ${o.messages}) i
    join tickets t on t.id = ${seededTicketIdSql(tag, `(i - 1) % ${o.destinations} + 1`)}
    order by i`);

  const fake = await new FakeWebhookPlatform().start();
  fake.rateLimitPerSecond = o.limitPerSecond;
  const loaded: LoadedConfig = {
    env: parseEnv({
      DATABASE_URL: ctx.databaseUrl,
      REDIS_URL: ctx.redisUrl,
      LOG_LEVEL: 'silent',
      AFTERCARE_ROLE: 'worker',
      AFTERCARE_QUEUE_PREFIX: ctx.prefix(`outbox${o.rate}`),
      AFTERCARE_WEBHOOK_URL: fake.url,
      AFTERCARE_WEBHOOK_RATE: String(o.rate),
      AFTERCARE_WEBHOOK_PER_DESTINATION_RATE: '10',
    }),
    config: ctx.config,
    source: 'bench',
  };
  const appWarnings: Record<string, number> = {};
  const logger = pino(
    { level: 'warn' },
    {
      write(line: string) {
        const { msg, err } = JSON.parse(line) as { msg?: string; err?: string };
        const key = `${msg ?? '?'}: ${err ?? ''}`.slice(0, 300);
        appWarnings[key] = (appWarnings[key] ?? 0) + 1;
      },
    },
  );
  const t0 = Date.now();
  const app = await startApp(loaded, { logger });
  try {
    const distinct = () => new Set(fake.delivered.map((m) => m.id)).size;
    const complete = await until(() => distinct() >= o.messages, o.waitMs, `${o.messages} deliveries`, 50).then(
      () => true,
      () => false,
    );
    const rows = async () => ctx.database.sql<{ status: string; n: number }[]>`select status, count(*)::int as n from outbox group by status`;
    // The row is marked delivered just after the platform answered.
    if (complete) await until(async () => (await rows()).find((r) => r.status === 'delivered')?.n === o.messages, 10_000, 'rows marked delivered', 100).catch(() => {});
    const statuses = Object.fromEntries((await rows()).map((r) => [r.status, r.n]));

    const first = fake.requests.length ? Math.min(...fake.requests.map((m) => m.receivedAt)) : t0;
    const last = fake.delivered.length ? Math.max(...fake.delivered.map((m) => m.receivedAt)) : Date.now();
    const perSecond: number[] = [];
    for (const m of fake.delivered) {
      const s = Math.floor((m.receivedAt - first) / 1000);
      perSecond[s] = (perSecond[s] ?? 0) + 1;
    }
    let orderViolations = 0;
    const lastId = new Map<string, number>();
    for (const m of [...fake.delivered].sort((a, b) => a.receivedAt - b.receivedAt)) {
      if ((lastId.get(m.destination) ?? -1) > m.id) orderViolations++;
      lastId.set(m.destination, m.id);
    }
    const delivered = distinct();
    const result: OutboxResult = {
      rate: o.rate,
      complete,
      messages: o.messages,
      destinations: o.destinations,
      limitPerSecond: o.limitPerSecond,
      messagesPerSecond: delivered ? round(delivered / (Math.max(1, last - first) / 1000), 2) : 0,
      wallSeconds: round((last - t0) / 1000, 2),
      requests: fake.requests.length,
      responses429: fake.requests.length - fake.delivered.length,
      delivered,
      duplicates: fake.delivered.length - delivered,
      orderViolations,
      dropped: o.messages - (statuses.delivered ?? 0),
      statuses,
      deliveredPerSecond: Array.from(perSecond, (v) => v ?? 0),
      appWarnings,
    };
    log(
      `outbox at rate ${o.rate}${complete ? '' : ` (INCOMPLETE after ${o.waitMs / 1000} s)`}: ${result.delivered}/${o.messages} delivered at ${result.messagesPerSecond}/s, ${result.responses429} × 429, ` +
        `${result.duplicates} duplicates, ${result.orderViolations} out of order, statuses ${JSON.stringify(statuses)}; per second ${JSON.stringify(result.deliveredPerSecond)}; app warnings ${JSON.stringify(appWarnings)}`,
    );
    return result;
  } finally {
    await app.close();
    await fake.stop();
  }
}
