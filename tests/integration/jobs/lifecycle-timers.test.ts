import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AftercareConfig } from '../../../src/core/types.js';
import { FakeWebhookPlatform, webhookEnv } from '../../fakes/fake-webhook-platform.js';
import { startTestApp, ticketBody, type TestApp } from '../../helpers/app.js';
import { fastClocksConfig } from '../../helpers/config.js';
import { REDIS_URL } from '../../helpers/db.js';
import { waitFor } from '../../helpers/wait.js';

type Ev = { type: string; data: Record<string, unknown>; source: string };
const HOUR = 3600;

/** SLA clocks an hour long (none fires during a test), the verification callback after `verifySeconds`. */
function config(lifecycle: AftercareConfig['lifecycle'], verifySeconds = HOUR): AftercareConfig {
  const c = fastClocksConfig({
    first_response: HOUR, contact_customer: HOUR, diagnosis_plan: HOUR, resolution: HOUR, critical_start: HOUR, result_notice: HOUR, verification_callback: verifySeconds,
  });
  return { ...c, lifecycle };
}

function helpers(app: () => TestApp) {
  const create = async (overrides: Record<string, unknown> = {}) => {
    const res = await app().api('/api/tickets', { method: 'POST', json: ticketBody({ category: 'inquiry', description: 'How do I change the paper size?', ...overrides }) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { number: string }).number;
  };
  const act = async (n: string, json: Record<string, unknown>) => {
    const res = await app().api(`/api/tickets/${n}/actions`, { method: 'POST', json });
    expect(res.status, await res.clone().text()).toBe(200);
    return res.json() as Promise<Record<string, any>>;
  };
  const detail = async (n: string) => (await (await app().api(`/api/tickets/${n}`)).json()) as { status: string; events: Ev[]; lifecycle: Record<string, any> };
  const waitEvent = (n: string, pred: (e: Ev) => boolean, what: string) => waitFor(async () => (await detail(n)).events.find(pred), 15_000, `${what} on ${n}`);
  return { create, act, detail, waitEvent };
}

describe('lifecycle timers (real jobs, seconds-long durations)', () => {
  let app: TestApp;
  let platform: FakeWebhookPlatform;
  const { create, act, detail, waitEvent } = helpers(() => app);

  beforeAll(async () => {
    platform = await new FakeWebhookPlatform().start();
    app = await startTestApp({
      config: config({ closeAfterMs: 2000, waitingReminderAfterMs: 1000, waitingCloseAfterMs: 3000, customerLinkTtlMs: 86_400_000 }, 2),
      env: webhookEnv(platform),
    });
  });
  afterAll(async () => {
    await app?.stop();
    await platform?.stop();
  });

  it('a resolved ticket nobody confirms closes after closeAfter, as ticket.closed with reason no_answer', async () => {
    const n = await create();
    await act(n, { type: 'claim', actor: 'alice' });
    await act(n, { type: 'reply', actor: 'alice', text: 'Settings → Paper' });
    const resolved = await act(n, { type: 'resolve', actor: 'alice', measures: 'Explained the setting', advice: 'See the manual' });
    expect(resolved.lifecycle.autoClose).toMatchObject({ status: 'running', firedAt: null });
    const closed = await waitEvent(n, (e) => e.type === 'ticket.closed', 'auto close');
    expect(closed.data).toMatchObject({ reason: 'no_answer', from: 'resolved' });
    expect(closed.source).toBe('system');
    const d = await detail(n);
    expect(d.status).toBe('closed');
    expect(d.events.filter((e) => e.type === 'ticket.closed')).toHaveLength(1);
  });

  it('a confirmation before closeAfter wins: no second close', async () => {
    const n = await create();
    await act(n, { type: 'claim', actor: 'alice' });
    await act(n, { type: 'reply', actor: 'alice', text: 'Done' });
    await act(n, { type: 'resolve', actor: 'alice', measures: 'm', advice: 'a' });
    const res = await app.api(`/api/tickets/${n}/customer-actions`, { method: 'POST', json: { type: 'confirm' } });
    expect(res.status).toBe(200);
    // Outlive closeAfter, then look: the auto close found its timer stopped.
    const other = await create();
    await act(other, { type: 'claim', actor: 'alice' });
    await act(other, { type: 'reply', actor: 'alice', text: 'x' });
    await act(other, { type: 'resolve', actor: 'alice', measures: 'm', advice: 'a' });
    await waitEvent(other, (e) => e.type === 'ticket.closed', 'auto close of the other ticket');
    const closes = (await detail(n)).events.filter((e) => e.type === 'ticket.closed');
    expect(closes.map((e) => e.data.reason)).toEqual(['confirmed']);
  });

  it('a due verification callback comes first and restarts the wait', async () => {
    const n = await create({ category: 'fault', description: 'The printer shows error E02.' });
    await act(n, { type: 'claim', actor: 'dave' });
    await act(n, { type: 'reply', actor: 'dave', text: 'On it' });
    const resolved = await act(n, { type: 'resolve', actor: 'dave', measures: 'Replaced the fuser', advice: 'Original toner only' });
    expect(resolved.lifecycle.autoClose).toBeUndefined();
    await waitEvent(n, (e) => e.type === 'ticket.closed', 'auto close after the callback');
    const events = (await detail(n)).events;
    const sent = events.findIndex((e) => e.type === 'followup.verification_sent');
    const closed = events.findIndex((e) => e.type === 'ticket.closed');
    expect(sent).toBeGreaterThan(-1);
    expect(closed).toBeGreaterThan(sent);
  });

  it('waiting on the customer: one reminder after waitingReminderAfter, then resolved-and-closed with a note after waitingCloseAfter', async () => {
    const n = await create();
    await act(n, { type: 'claim', actor: 'alice' });
    const waiting = await act(n, { type: 'reply', actor: 'alice', text: 'Which model is it?', waitForCustomer: true });
    expect(waiting.status).toBe('waiting_customer');
    expect(waiting.lifecycle.waitingReminder.status).toBe('running');
    await waitEvent(n, (e) => e.type === 'customer.reminded', 'reminder');
    await platform.until(() => platform.delivered.some((m) => m.kind === 'customer.waiting_reminder' && (m.payload as { number?: string }).number === n));
    const closed = await waitEvent(n, (e) => e.type === 'ticket.closed', 'no-answer close');
    expect(closed.data).toMatchObject({ reason: 'no_answer', from: 'waiting_customer' });
    const d = await detail(n);
    expect(d.status).toBe('closed');
    expect(d.events.filter((e) => e.type === 'customer.reminded')).toHaveLength(1);
    const statuses = d.events.filter((e) => e.type === 'ticket.status_changed').map((e) => e.data.to);
    expect(statuses.slice(-2)).toEqual(['resolved', 'closed']);
    await platform.until(() => platform.delivered.some((m) => m.kind === 'customer.closed_no_answer' && m.destination.startsWith('customer:') && (m.payload as { number?: string }).number === n));
    // The staff card is re-rendered for each (the card update follows the event).
    expect(platform.delivered.some((m) => m.kind === 'ticket.card_update' && (m.payload as { number?: string }).number === n)).toBe(true);
  });

  it('a customer reply stops the waiting timers', async () => {
    const n = await create();
    await act(n, { type: 'claim', actor: 'alice' });
    await act(n, { type: 'reply', actor: 'alice', text: 'Which model?', waitForCustomer: true });
    const res = await app.api(`/api/tickets/${n}/customer-actions`, { method: 'POST', json: { type: 'message', text: 'The X200' } });
    expect(res.status).toBe(200);
    const d = await detail(n);
    expect(d.status).toBe('in_progress');
    expect(d.lifecycle.waitingReminder.status).toBe('stopped');
    expect(d.lifecycle.waitingClose.status).toBe('stopped');
  });
});

describe('lifecycle timers are rebuilt from Postgres and run on the injected clock', () => {
  let app: TestApp;
  let redis: Redis;
  let offsetMs = 0;
  const prefix = `lc${Date.now().toString(36)}`;
  const { create, act, detail, waitEvent } = helpers(() => app);

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    app = await startTestApp({
      config: config({ closeAfterMs: 7 * 86_400_000, waitingReminderAfterMs: null, waitingCloseAfterMs: null, customerLinkTtlMs: 86_400_000 }),
      now: () => new Date(Date.now() + offsetMs),
      env: { AFTERCARE_QUEUE_PREFIX: prefix },
    });
  });
  afterAll(async () => {
    await app?.stop();
    redis?.disconnect();
  });

  it('after Redis lost its keys, reconciliation restores the 7-day auto close, which fires once the clock says so', async () => {
    const n = await create();
    await act(n, { type: 'claim', actor: 'alice' });
    await act(n, { type: 'reply', actor: 'alice', text: 'x', waitForCustomer: true });
    // waiting timers are off: nothing scheduled for them
    expect((await detail(n)).lifecycle.waitingReminder).toBeUndefined();
    await act(n, { type: 'resolve', actor: 'alice', measures: 'm', advice: 'a' });
    const keys = await redis.keys(`${prefix}:timers:*`);
    if (keys.length) await redis.del(...keys);
    offsetMs = 7 * 86_400_000 + 1000;
    const report = await app.jobs.reconcileNow();
    expect(report.timersAdded).toBeGreaterThan(0);
    const closed = await waitEvent(n, (e) => e.type === 'ticket.closed', 'auto close after reconciliation');
    expect(closed.data.reason).toBe('no_answer');
  });

  it('a ticket resolved before lifecycle timers existed gets its auto close from reconciliation, counted from then', async () => {
    const n = await create();
    await act(n, { type: 'claim', actor: 'alice' });
    await act(n, { type: 'reply', actor: 'alice', text: 'x' });
    await act(n, { type: 'resolve', actor: 'alice', measures: 'm', advice: 'a' });
    // As an install upgraded from a version without lifecycle timers has it: no row at all.
    await app.database.sql`delete from sla_clocks where kind in ('auto_close', 'waiting_reminder', 'waiting_close')`;
    expect((await detail(n)).lifecycle.autoClose).toBeUndefined();

    const first = await app.jobs.reconcileNow();
    expect(first.lifecycleStarted).toBe(1);
    const started = (await detail(n)).lifecycle.autoClose;
    expect(started).toMatchObject({ status: 'running', firedAt: null });
    expect(new Date(started.deadline as string).getTime() - app.deps.now().getTime()).toBeGreaterThan(7 * 86_400_000 - 60_000);
    // Picked once: the next run finds nothing to start.
    expect((await app.jobs.reconcileNow()).lifecycleStarted).toBe(0);

    const keys = await redis.keys(`${prefix}:timers:*`);
    if (keys.length) await redis.del(...keys);
    offsetMs += 7 * 86_400_000 + 1000;
    await app.jobs.reconcileNow();
    const closed = await waitEvent(n, (e) => e.type === 'ticket.closed', 'auto close of the upgraded ticket');
    expect(closed.data.reason).toBe('no_answer');
  });
});
