import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_TOKEN, ticketBody, type TestApp } from '../../helpers/app.js';
import { fastClocksConfig } from '../../helpers/config.js';
import { FakeWebhookPlatform, webhookEnv } from '../../fakes/fake-webhook-platform.js';
import { waitFor } from '../../helpers/wait.js';

let app: TestApp;
let platform: FakeWebhookPlatform;

beforeAll(async () => {
  platform = await new FakeWebhookPlatform().start();
  // Long SLA budgets: only the escalation ladder (1 s per level) and the outbox move here.
  app = await startTestApp({
    config: fastClocksConfig({ first_response: 600, resolution: 600, contact_customer: 600, critical_start: 600 }, 1),
    env: webhookEnv(platform),
  });
});
afterAll(async () => {
  await app?.stop();
  await platform?.stop();
});

const create = async (overrides: Record<string, unknown> = {}) => {
  const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ category: 'fault', ...overrides }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { number: string }).number;
};
const act = (n: string, json: Record<string, unknown>) => app.api(`/api/tickets/${n}/actions`, { method: 'POST', json });
const ticket = async (n: string) => (await (await app.api(`/api/tickets/${n}`)).json()) as Record<string, any>;
const eventsOf = async (n: string, type: string) => ((await ticket(n)).events as { type: string; data: Record<string, any> }[]).filter((e) => e.type === type);

describe('escalation ladder', () => {
  it('a critical ticket pings level 1 at once and climbs when nobody acknowledges', async () => {
    const n = await create({ severity: 'critical' });
    const [started] = await eventsOf(n, 'ticket.escalated');
    expect(started!.data).toMatchObject({ level: 1, trigger: 'critical', notify: ['erin'] });
    const up = await waitFor(async () => (await eventsOf(n, 'escalation.level_up')).find((e) => e.data.level === 2), 10_000, 'level 2');
    expect(up.data.notify).toEqual(['carol', 'judy']);
    await platform.until(() => platform.delivered.some((m) => m.kind === 'escalation.ping' && m.destination === 'staff:carol' && (m.payload as any).number === n));
    await platform.until(() => platform.delivered.some((m) => m.kind === 'escalation.ping' && m.destination === 'escalation' && (m.payload as any).number === n && (m.payload as any).level === 2));
  });

  it('acknowledging stops the ladder; agents may not acknowledge', async () => {
    const n = await create({ severity: 'critical' });
    const refused = await act(n, { type: 'acknowledge', actor: 'dave' });
    expect(refused.status).toBe(403);
    const ok = await act(n, { type: 'acknowledge', actor: 'erin' });
    expect(ok.status).toBe(200);
    const again = await act(n, { type: 'acknowledge', actor: 'erin' });
    expect(again.status).toBe(404);
    // The level-1 timeout (1 s) passes without a climb.
    const t0 = Date.now();
    await waitFor(() => Date.now() - t0 > 1500 || undefined, 5000, 'the level-1 timeout to pass');
    expect(await eventsOf(n, 'escalation.level_up')).toHaveLength(0);
    expect(await eventsOf(n, 'escalation.acknowledged')).toHaveLength(1);
    const detail = await ticket(n);
    expect(detail.events.some((e: { type: string }) => e.type === 'escalation.exhausted')).toBe(false);
  });

  it('a supervisor pinged at a higher level may acknowledge though not in the department', async () => {
    const n = await create({ severity: 'critical' });
    await waitFor(async () => (await eventsOf(n, 'escalation.level_up')).find((e) => e.data.level === 2), 10_000, 'level 2');
    const res = await act(n, { type: 'acknowledge', actor: 'judy' });
    expect(res.status).toBe(200);
  });

  it('a complaint and a manual Escalate both start the ladder once', async () => {
    const n = await create({ category: 'complaint', description: '服务态度太差，我要投诉' });
    expect((await eventsOf(n, 'ticket.escalated'))[0]!.data.trigger).toBe('complaint');
    expect((await act(n, { type: 'escalate', actor: 'alice', reason: 'customer threatens to leave' })).status).toBe(200);
    expect(await eventsOf(n, 'ticket.escalated')).toHaveLength(1);
    expect(await eventsOf(n, 'escalation.retriggered')).toHaveLength(1);
  });
});

describe('outbox delivery', () => {
  it('waits out 429 Retry-After and 503s, keeps per-destination order, drops nothing', async () => {
    let failures = 6;
    const off = platform.use(() => (failures-- > 0 ? { status: 503, body: 'try later' } : undefined));
    platform.rateLimitPerSecond = 8;
    const numbers: string[] = [];
    for (let i = 0; i < 6; i++) numbers.push(await create({ category: 'suggestion' }));
    const ids = await waitFor(async () => {
      const rows = await app.database.sql<{ id: string; status: string }[]>`
        select o.id::text, o.status from outbox o join tickets t on t.id = o.ticket_id where t.number in ${app.database.sql(numbers)}`;
      return rows.every((r) => r.status === 'delivered') ? rows.map((r) => Number(r.id)) : undefined;
    }, 30_000, 'all rows delivered');
    off();
    platform.rateLimitPerSecond = 0;
    const got = platform.delivered.filter((m) => ids.includes(m.id)).map((m) => m.id);
    expect([...got].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    const perDest = new Map<string, number[]>();
    for (const m of platform.delivered.filter((d) => ids.includes(d.id))) perDest.set(m.destination, [...(perDest.get(m.destination) ?? []), m.id]);
    for (const list of perDest.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
    expect(platform.requests.filter((r) => ids.includes(r.id)).length).toBeGreaterThan(ids.length);
    const [{ n }] = await app.database.sql<[{ n: number }]>`
      select count(*)::int as n from outbox o join tickets t on t.id = o.ticket_id
      where t.number in ${app.database.sql(numbers)} and o.platform_message_ids ? 'webhook'`;
    expect(n).toBe(ids.length);
  });

  it('a permanent error fails the row, records it on the ticket and tells the department', async () => {
    const n = await create({ category: 'inquiry', description: 'how do I reset it?' });
    const off = platform.use((m) => (m.kind === 'customer.reply' && (m.payload as any).number === n ? { status: 403, body: 'Forbidden: bot was blocked by the user' } : undefined));
    expect((await act(n, { type: 'reply', actor: 'alice', text: 'Hold the button for 5 s' })).status).toBe(200);
    const failed = await waitFor(async () => (await eventsOf(n, 'outbox.delivery_failed'))[0], 15_000, 'delivery_failed event');
    off();
    expect(failed.data.kind).toBe('customer.reply');
    expect(failed.data.error).toContain('403');
    await platform.until(() => platform.delivered.some((m) => m.kind === 'outbox.delivery_failed' && m.destination === 'department:customer-service' && (m.payload as any).number === n));
    const [row] = await app.database.sql<[{ status: string }]>`select status from outbox where id = ${failed.data.outboxId as number}`;
    expect(row.status).toBe('failed');
  });
});

describe('queue UI', () => {
  it('is served at /admin/queues behind the API token (bearer or basic auth)', async () => {
    expect((await fetch(`${app.url}/admin/queues`)).status).toBe(401);
    const basic = Buffer.from(`admin:${TEST_TOKEN}`).toString('base64');
    const page = await fetch(`${app.url}/admin/queues`, { headers: { authorization: `Basic ${basic}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const api = await fetch(`${app.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['outbox', 'timers']);
  });

  it('shows timers under readable names (ticket, clock, step) while their ids stay compact', async () => {
    const n = await create({ severity: 'normal' });
    const jobs = await waitFor(async () => {
      const res = await app.api('/admin/queues/api/queues?activeQueue=timers&status=delayed');
      const timers = ((await res.json()) as { queues: { name: string; jobs: { id: string; name: string }[] }[] }).queues.find((q) => q.name === 'timers')!;
      const mine = timers.jobs.filter((j) => j.name.startsWith(`${n} `));
      return mine.length >= 2 && mine;
    }, 10_000, 'the ticket\'s timers in the queue UI');
    const names = jobs.map((j) => j.name);
    expect(names).toContain(`${n} firstResponse remind`);
    expect(names).toContain(`${n} resolution remind`);
    for (const j of jobs) expect(j.id).toMatch(/^[se]\.[A-Za-z0-9_-]{22}\./);
  });
});
