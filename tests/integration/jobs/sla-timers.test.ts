import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, ticketBody, type TestApp } from '../../helpers/app.js';
import { secondsClocksConfig } from '../../helpers/config.js';
import { FakeWebhookPlatform, webhookEnv } from '../../fakes/fake-webhook-platform.js';
import { waitFor } from '../../helpers/wait.js';

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

async function create(overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ category: 'fault', ...overrides }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { number: string }).number;
}

const act = async (n: string, json: Record<string, unknown>) => {
  const res = await app.api(`/api/tickets/${n}/actions`, { method: 'POST', json });
  expect(res.status).toBe(200);
  return res.json() as Promise<Record<string, any>>;
};

async function events(n: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  return ((await (await app.api(`/api/tickets/${n}`)).json()) as { events: { type: string; data: Record<string, unknown> }[] }).events;
}

function clockEvents(list: { type: string; data: Record<string, unknown> }[], type: string, clock: string) {
  return list.filter((e) => e.type === type && e.data.clock === clock);
}

async function waitForClockEvent(n: string, type: string, clock: string) {
  return waitFor(async () => clockEvents(await events(n), type, clock)[0], 15_000, `${type} of ${clock} on ${n}`);
}

describe('SLA timers', () => {
  it('first response: reminder to the department channel, then breach and escalation', async () => {
    const n = await create();
    await waitForClockEvent(n, 'sla.reminder', 'first_response');
    await waitForClockEvent(n, 'sla.breached', 'first_response');
    const list = await events(n);
    expect(clockEvents(list, 'sla.reminder', 'first_response')).toHaveLength(1);
    expect(list.some((e) => e.type === 'ticket.escalated' && e.data.trigger === 'sla_breach')).toBe(true);
    await platform.until(() => platform.delivered.some((m) => m.kind === 'sla.reminder' && (m.payload as { number?: string }).number === n));
    const reminder = platform.delivered.find((m) => m.kind === 'sla.reminder' && (m.payload as { number?: string }).number === n)!;
    expect(reminder.destination).toBe('department:technical');
  });

  it('claiming before the deadline cancels the first-response breach; contact-customer then runs and reminds the owner', async () => {
    const n = await create();
    await act(n, { type: 'claim', actor: 'dave' });
    await waitForClockEvent(n, 'sla.breached', 'contact_customer');
    const list = await events(n);
    expect(clockEvents(list, 'sla.breached', 'first_response')).toHaveLength(0);
    expect(clockEvents(list, 'sla.reminder', 'contact_customer')).toHaveLength(1);
    await platform.until(() => platform.delivered.some((m) => m.kind === 'sla.reminder' && m.destination === 'staff:dave' && (m.payload as { number?: string }).number === n));
  });

  it('diagnosis plan: marking a fault complex starts the 4h (here 2 s) clock, which breaches', async () => {
    const n = await create();
    await act(n, { type: 'claim', actor: 'dave' });
    await act(n, { type: 'progress', actor: 'dave', text: 'Looking into it', complex: true });
    await waitForClockEvent(n, 'sla.reminder', 'diagnosis_plan');
    await waitForClockEvent(n, 'sla.breached', 'diagnosis_plan');
  });

  it('resolution: waiting on the customer pauses it, resuming moves the deadline; the breach asks the owner for a reason and new ETA', async () => {
    const n = await create();
    await act(n, { type: 'claim', actor: 'dave' });
    const paused = await act(n, { type: 'reply', actor: 'dave', text: 'Please send a photo', waitForCustomer: true });
    expect(paused.clocks.resolution.status).toBe('paused');
    const before = await events(n);
    expect(clockEvents(before, 'sla.breached', 'resolution')).toHaveLength(0);
    const resumed = await act(n, { type: 'progress', actor: 'dave', preset: 'debugging' });
    expect(resumed.clocks.resolution.status).toBe('running');
    expect(Date.parse(resumed.clocks.resolution.deadline)).toBeGreaterThan(Date.parse(paused.clocks.resolution.startedAt) + 4000);
    await waitForClockEvent(n, 'sla.breached', 'resolution');
    await platform.until(() => platform.delivered.some((m) => m.kind === 'sla.overdue_prompt' && m.destination === 'staff:dave' && (m.payload as { number?: string }).number === n));
  });

  it('critical start: breaches when work has not started within the budget', async () => {
    const n = await create({ severity: 'critical' });
    await waitForClockEvent(n, 'sla.breached', 'critical_start');
  });

  it('result notice and verification callback run after resolving a fault', async () => {
    const n = await create();
    await act(n, { type: 'claim', actor: 'dave' });
    // The customer has no chat platform here (the webhook takes everything), so the notice is delivered
    // and its clock stops; the verification callback goes to the customer when its time comes.
    await act(n, { type: 'resolve', actor: 'dave', measures: 'Replaced the fuser', advice: 'Use original toner' });
    await waitFor(async () => (await events(n)).find((e) => e.type === 'followup.verification_sent'), 15_000, 'verification callback');
    await platform.until(() => platform.delivered.some((m) => m.kind === 'customer.verification_callback' && (m.payload as { number?: string }).number === n));
    const list = await events(n);
    expect(list.some((e) => e.type === 'followup.result_notice_delivered')).toBe(true);
    expect(platform.delivered.some((m) => m.kind === 'customer.survey' && (m.payload as { number?: string }).number === n)).toBe(true);
  });

  it('result notice: an undelivered notice reminds the owner when its clock runs out', async () => {
    const n = await create({ customer: { name: 'Blocked', email: 'blocked@example.com' } });
    await act(n, { type: 'claim', actor: 'dave' });
    const off = platform.use((m) => (m.kind === 'customer.result_notice' && (m.payload as { number?: string }).number === n ? { status: 403, body: 'bot was blocked by the user' } : undefined));
    await act(n, { type: 'resolve', actor: 'dave', measures: 'Reset', advice: 'None' });
    await waitForClockEvent(n, 'sla.breached', 'result_notice');
    off();
    const list = await events(n);
    expect(list.some((e) => e.type === 'outbox.delivery_failed' && e.data.kind === 'customer.result_notice')).toBe(true);
    await platform.until(() => platform.delivered.some((m) => m.kind === 'followup.result_notice_due' && m.destination === 'staff:dave' && (m.payload as { number?: string }).number === n));
  });
});
