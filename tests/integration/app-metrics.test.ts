import { getMetricsFromIterator, type PromData, type PromHistogramData, type PromMetrics } from 'prom2javascript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, ticketBody, type TestApp } from '../helpers/app.js';
import { secondsClocksConfig } from '../helpers/config.js';
import { FakeWebhookPlatform, webhookEnv } from '../fakes/fake-webhook-platform.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The in-process metrics on /metrics, read back with a Prometheus text-format parser: the
 * outbox backlog (from the database), outbox delivery time, timer lateness and HTTP durations.
 */

let app: TestApp;
let platform: FakeWebhookPlatform;

beforeAll(async () => {
  platform = await new FakeWebhookPlatform().start();
  app = await startTestApp({
    config: secondsClocksConfig(),
    env: webhookEnv(platform),
  });
});
afterAll(async () => {
  await app?.stop();
  await platform?.stop();
});

async function scrape(): Promise<PromMetrics> {
  const res = await app.api('/metrics');
  expect(res.status).toBe(200);
  // prom-client writes a NaN sample (an event-loop gauge before its first measurement) as "Nan",
  // which Prometheus reads (Go's ParseFloat ignores case) but this parser cannot: such samples
  // are left out; none of them is an Aftercare series.
  const all = (await res.text()).split('\n');
  expect(all.filter((l) => l.startsWith('aftercare_') && / nan$/i.test(l))).toEqual([]);
  const lines = all.filter((l) => !/ nan$/i.test(l));
  return getMetricsFromIterator(lines[Symbol.iterator]());
}

function find<T extends PromData | PromHistogramData>(families: PromMetrics, name: string, labels: Record<string, string>): T | undefined {
  const data = (families[name]?.data ?? []) as T[];
  return data.find((m) => Object.entries(labels).every(([k, v]) => m.labels[k] === v));
}
const gauge = (families: PromMetrics, name: string, labels: Record<string, string> = {}) => find<PromData>(families, name, labels);
const histogram = (families: PromMetrics, name: string, labels: Record<string, string> = {}) => find<PromHistogramData>(families, name, labels);
const count = (s: PromHistogramData | undefined) => s?.count ?? 0;

async function createTicket(): Promise<string> {
  const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ category: 'fault' }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { number: string }).number;
}

describe('GET /metrics (in-process metrics)', () => {
  it('counts undelivered outbox rows by destination kind from the database, and times their delivery', async () => {
    const before = count(histogram(await scrape(), 'aftercare_outbox_delivery_seconds'));
    // The department channel is down for now: its rows stay in the outbox.
    const restore = platform.use((m) => (m.destination.startsWith('department:') ? { status: 503 } : undefined));
    await createTicket();
    const pending = await waitFor(async () => {
      const s = gauge(await scrape(), 'aftercare_outbox_pending', { destination_kind: 'department' });
      return (s?.value ?? 0) >= 1 && s;
    }, 15_000, 'a pending department row');
    expect(pending.labels).toEqual({ destination_kind: 'department' });
    const families = await scrape();
    expect(families.aftercare_outbox_pending?.type).toBe('gauge');
    for (const kind of ['customer', 'staff', 'escalation']) expect(gauge(families, 'aftercare_outbox_pending', { destination_kind: kind })).toBeDefined();

    // Held back until it is over half a second old, so its delivery time is measurably long.
    await waitFor(async () => {
      const [r] = await app.database.sql<{ n: number }[]>`
        select count(*)::int as n from outbox
        where destination like 'department:%' and status in ('pending', 'sending') and created_at < now() - interval '600 milliseconds'`;
      return (r?.n ?? 0) > 0;
    }, 15_000, 'a department row older than 0.6 s');
    restore();
    await waitFor(async () => gauge(await scrape(), 'aftercare_outbox_pending', { destination_kind: 'department' })?.value === 0, 20_000, 'the backlog to clear');
    const families2 = await scrape();
    const delivered = histogram(families2, 'aftercare_outbox_delivery_seconds');
    expect(families2.aftercare_outbox_delivery_seconds?.type).toBe('histogram');
    expect(count(delivered)).toBeGreaterThan(before);
    // The department's row waited for the 503 back-off: at least one delivery took over half a second.
    expect(delivered?.buckets['0.5']).toBeLessThan(count(delivered));
  });

  it('observes how late each timer acted', async () => {
    const before = count(histogram(await scrape(), 'aftercare_timer_lateness_seconds'));
    await createTicket();
    // The first-response reminder (1 s) and breach (2 s) fire.
    const after = await waitFor(async () => {
      const s = histogram(await scrape(), 'aftercare_timer_lateness_seconds');
      return count(s) >= before + 2 && s;
    }, 20_000, 'two timers to fire');
    expect(after.buckets['+Inf']).toBe(count(after));
    // On an idle queue a timer acts well within a minute of its due moment.
    expect(after.buckets['60']).toBe(count(after));
    expect(after.sum).toBeGreaterThanOrEqual(0);
  });

  it('times HTTP requests by route pattern, method and status (never the raw URL)', async () => {
    const n = await createTicket();
    expect((await app.api(`/api/tickets/${n}`)).status).toBe(200);
    expect((await app.api('/api/tickets/NOPE-0')).status).toBe(404);
    expect((await app.api('/no/such/page')).status).toBe(404);
    const families = await scrape();
    expect(families.aftercare_http_request_duration_seconds?.type).toBe('histogram');
    expect(count(histogram(families, 'aftercare_http_request_duration_seconds', { route: '/api/tickets/:number', method: 'GET', status: '200' }))).toBeGreaterThanOrEqual(1);
    expect(count(histogram(families, 'aftercare_http_request_duration_seconds', { route: '/api/tickets/:number', method: 'GET', status: '404' }))).toBeGreaterThanOrEqual(1);
    expect(count(histogram(families, 'aftercare_http_request_duration_seconds', { route: '/api/tickets', method: 'POST', status: '201' }))).toBeGreaterThanOrEqual(1);
    expect(count(histogram(families, 'aftercare_http_request_duration_seconds', { route: 'unmatched', method: 'GET', status: '404' }))).toBeGreaterThanOrEqual(1);
    const routes = (families.aftercare_http_request_duration_seconds!.data as PromHistogramData[]).map((m) => m.labels.route ?? '');
    expect(routes.some((r) => r.includes(n))).toBe(false);
  });
});
