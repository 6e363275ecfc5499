import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, ticketBody, type TestApp } from '../../helpers/app.js';
import { longClocks } from '../../helpers/config.js';
import { FakeWebhookPlatform, webhookEnv } from '../../fakes/fake-webhook-platform.js';

let app: TestApp;
let platform: FakeWebhookPlatform;

beforeAll(async () => {
  platform = await new FakeWebhookPlatform().start();
  // Levels of 10 minutes: the ladder stays at level 1 while the test acts on it.
  app = await startTestApp({
    config: longClocks(600),
    env: webhookEnv(platform),
  });
});
afterAll(async () => {
  await app?.stop();
  await platform?.stop();
});

const create = async (overrides: Record<string, unknown>) => {
  const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody(overrides) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { number: string }).number;
};
const act = (n: string, json: Record<string, unknown>) => app.api(`/api/tickets/${n}/actions`, { method: 'POST', json });
const ticket = async (n: string) => (await (await app.api(`/api/tickets/${n}`)).json()) as Record<string, any>;
const eventsOf = async (n: string, type: string) => ((await ticket(n)).events as { type: string; data: Record<string, any> }[]).filter((e) => e.type === type);
const pinged = (n: string, destination: string) =>
  platform.until(() => platform.delivered.some((m) => m.kind === 'escalation.ping' && m.destination === destination && (m.payload as any).number === n));

describe('escalation reaches someone', () => {
  it("a complaint's level 1 pings the responsible department's supervisor and the customer-service supervisors, each by DM", async () => {
    // "broken" makes the technical department responsible (erin); cs-supervisor is always involved (carol, judy).
    const n = await create({ category: 'complaint', description: 'The part arrived broken and nobody answers my calls.' });
    const [started] = await eventsOf(n, 'ticket.escalated');
    expect(started!.data).toMatchObject({ level: 1, trigger: 'complaint' });
    expect([...started!.data.notify].sort()).toEqual(['carol', 'erin', 'judy']);
    for (const who of ['erin', 'carol', 'judy']) await pinged(n, `staff:${who}`);
    await pinged(n, 'escalation');
  });

  it('a customer-service escalation pings the customer-service supervisors at level 1', async () => {
    const n = await create({ category: 'inquiry', description: 'Where can I find the manual for my printer?' });
    expect((await act(n, { type: 'escalate', actor: 'alice', reason: 'customer is waiting' })).status).toBe(200);
    const [started] = await eventsOf(n, 'ticket.escalated');
    expect(started!.data).toMatchObject({ level: 1, notify: ['carol', 'judy'] });
    await pinged(n, 'staff:carol');
  });

  it('a supervisor the ladder pinged may reassign the ticket; someone neither pinged nor of the department may not', async () => {
    const n = await create({ category: 'inquiry', description: 'Can I change the delivery address of my order?' });
    expect((await act(n, { type: 'claim', actor: 'alice' })).status).toBe(200);
    // Not escalated yet: carol (cs-supervisor) is neither pinged nor of customer-service.
    const early = await act(n, { type: 'reassign', actor: 'carol', to: 'bob' });
    expect(early.status).toBe(403);
    expect((await act(n, { type: 'escalate', actor: 'alice', reason: 'customer asks for a supervisor' })).status).toBe(200);
    const outsider = await act(n, { type: 'reassign', actor: 'erin', to: 'bob' });
    expect(outsider.status).toBe(403);
    expect(((await outsider.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const ok = await act(n, { type: 'reassign', actor: 'carol', to: 'bob', reason: 'bob speaks the customer’s language' });
    expect(ok.status).toBe(200);
    expect((await ticket(n)).owner).toBe('bob');
    expect(await eventsOf(n, 'ticket.reassigned')).toEqual([expect.objectContaining({ data: expect.objectContaining({ from: 'alice', to: 'bob' }) })]);
  });
});
