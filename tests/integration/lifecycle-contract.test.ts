import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCustomerLink } from '../../src/app/customer-link.js';
import { startTestApp, ticketBody, type TestApp } from '../helpers/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

type Json = Record<string, any>;
type Err = { error: { code: string; message: string; fields?: { path: string; message: string }[] } };

async function newTicket(overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ category: 'fault', ...overrides }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { number: string }).number;
}
const act = (number: string, json: Record<string, unknown>) => app.api(`/api/tickets/${number}/actions`, { method: 'POST', json });
const customer = (number: string, json: Record<string, unknown>) => app.api(`/api/tickets/${number}/customer-actions`, { method: 'POST', json });
async function ok(res: Response): Promise<Json> {
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}
async function refused(res: Response, status: number, code: string): Promise<Err> {
  const body = (await res.json()) as Err;
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(body.error.code).toBe(code);
  return body;
}
async function resolvedTicket(overrides: Record<string, unknown> = {}): Promise<string> {
  const n = await newTicket(overrides);
  await ok(await act(n, { type: 'claim', actor: 'dave' }));
  await ok(await act(n, { type: 'reply', actor: 'dave', text: 'On it' }));
  await ok(await act(n, { type: 'resolve', actor: 'dave', measures: 'Replaced the <b>board</b>', advice: 'Keep firmware updated' }));
  return n;
}
async function outboxOf(n: string): Promise<{ destination: string; kind: string }[]> {
  return app.database.sql<{ destination: string; kind: string }[]>`
    select o.destination, o.kind from outbox o join tickets t on t.id = o.ticket_id where t.number = ${n} order by o.id`;
}

describe('which actions a ticket status allows', () => {
  it('409 for resolving a new ticket nobody has claimed or answered, supervisors included', async () => {
    const n = await newTicket();
    for (const actor of ['dave', 'erin']) {
      const err = await refused(await act(n, { type: 'resolve', actor, measures: 'm', advice: 'a' }), 409, 'illegal_transition');
      expect(err.error.message).toBe('claim the ticket and answer the customer before resolving it');
    }
    const detail = (await (await app.api(`/api/tickets/${n}`)).json()) as Json;
    expect(detail.status).toBe('new');
    expect(detail.events.map((e: { type: string }) => e.type)).not.toContain('ticket.resolved');
  });

  it('409 for escalate, involve, delay, reclassify, reply, progress and reassign on a resolved ticket; reopen still works', async () => {
    const n = await resolvedTicket();
    const eta = new Date(Date.now() + 86_400_000).toISOString();
    const blocked: Record<string, unknown>[] = [
      { type: 'escalate', actor: 'dave', reason: 'x' },
      { type: 'involve', actor: 'dave', department: 'logistics', role: 'other' },
      { type: 'delay', actor: 'dave', reason: 'late', eta },
      { type: 'reclassify', actor: 'dave', category: 'complaint' },
      { type: 'reply', actor: 'dave', text: 'hello' },
      { type: 'progress', actor: 'dave', text: 'hello' },
      { type: 'reassign', actor: 'erin', to: 'dave' },
    ];
    for (const body of blocked) {
      const err = await refused(await act(n, body), 409, 'illegal_transition');
      expect(err.error.message).toMatch(/resolved: reopen it/);
    }
    expect((await ok(await act(n, { type: 'reopen', actor: 'dave', reason: 'back' }))).status).toBe('reopened');
  });

  it('close: resolved → closed for staff, recorded as ticket.closed; closed tickets refuse work', async () => {
    const n = await resolvedTicket();
    const closed = await ok(await act(n, { type: 'close', actor: 'dave' }));
    expect(closed.status).toBe('closed');
    expect(closed.closedAt).not.toBeNull();
    expect(closed.events.find((e: Json) => e.type === 'ticket.closed').data).toMatchObject({ reason: 'staff', from: 'resolved' });
    await refused(await act(n, { type: 'close', actor: 'dave' }), 409, 'illegal_transition');
    await refused(await act(n, { type: 'escalate', actor: 'dave' }), 409, 'illegal_transition');
    await refused(await act(n, { type: 'reply', actor: 'dave', text: 'hi' }), 409, 'illegal_transition');
  });

  it('close of an open ticket: supervisors only, with a reason', async () => {
    const n = await newTicket();
    await ok(await act(n, { type: 'claim', actor: 'dave' }));
    await refused(await act(n, { type: 'close', actor: 'dave', reason: 'duplicate' }), 409, 'illegal_transition');
    const noReason = await refused(await act(n, { type: 'close', actor: 'erin' }), 400, 'validation_failed');
    expect(noReason.error.fields?.[0]?.path).toBe('reason');
    const closed = await ok(await act(n, { type: 'close', actor: 'erin', reason: 'duplicate of another ticket' }));
    expect(closed.status).toBe('closed');
    expect(closed.events.find((e: Json) => e.type === 'ticket.closed').data).toEqual({ reason: 'staff', from: 'assigned', note: 'duplicate of another ticket' });
    expect(Object.values(closed.clocks).every((c: any) => c.status === 'stopped')).toBe(true);
  });
});

describe('reclassify re-routes', () => {
  it('a fault corrected to a complaint reaches the complaint departments: card posted there, the old card updated, owner and tasks kept', async () => {
    const n = await newTicket();
    await ok(await act(n, { type: 'claim', actor: 'dave' }));
    await ok(await act(n, { type: 'involve', actor: 'dave', department: 'logistics', role: 'other' }));
    const before = (await outboxOf(n)).length;
    const after = await ok(await act(n, { type: 'reclassify', actor: 'dave', category: 'complaint' }));
    expect(after.category).toBe('complaint');
    expect(after.owner).toBe('dave');
    expect(after.coordinationTasks).toHaveLength(1);
    expect(after.departments).toEqual(expect.arrayContaining(['technical', 'cs-supervisor', 'logistics']));
    expect(after.departmentRoles).toEqual(
      expect.arrayContaining([
        { departmentId: 'technical', role: 'responsible' },
        { departmentId: 'cs-supervisor', role: 'oversight' },
      ]),
    );
    const ev = after.events.find((e: Json) => e.type === 'ticket.reclassified');
    expect(ev.data).toMatchObject({ from: { category: 'fault' }, to: { category: 'complaint' }, departmentsAdded: ['cs-supervisor'], departmentsLeft: [] });
    const rows = (await outboxOf(n)).slice(before);
    expect(rows).toEqual(expect.arrayContaining([
      { destination: 'department:cs-supervisor', kind: 'ticket.card' },
      { destination: 'department:technical', kind: 'ticket.card_update' },
    ]));
    // A complaint involves the supervisors, as at creation.
    expect(after.events.some((e: Json) => e.type === 'ticket.escalated' && e.data.trigger === 'complaint')).toBe(true);
  });

  it('a department no longer routed keeps its card, marked as moved', async () => {
    const n = await newTicket({ category: 'inquiry', description: 'How do I change the paper size on my printer?' });
    await ok(await act(n, { type: 'claim', actor: 'alice' }));
    const before = (await outboxOf(n)).length;
    const after = await ok(await act(n, { type: 'reclassify', actor: 'alice', category: 'fault' }));
    expect(after.departmentRoles).toEqual([
      { departmentId: 'customer-service', role: 'former' },
      { departmentId: 'technical', role: 'primary' },
    ]);
    expect(after.events.find((e: Json) => e.type === 'ticket.reclassified').data).toMatchObject({ departmentsAdded: ['technical'], departmentsLeft: ['customer-service'] });
    expect((await outboxOf(n)).slice(before)).toEqual(expect.arrayContaining([
      { destination: 'department:technical', kind: 'ticket.card' },
      { destination: 'department:customer-service', kind: 'ticket.card_update' },
    ]));
    // The owner (of the old department) still works the ticket.
    await ok(await act(n, { type: 'reply', actor: 'alice', text: 'Passing you to our technicians.' }));
  });
});

describe('POST /api/tickets/:number/customer-actions', () => {
  it('confirm closes a resolved ticket (ticket.confirmed and ticket.closed), 409 on a ticket that is not resolved', async () => {
    const open = await newTicket();
    const err = await refused(await customer(open, { type: 'confirm' }), 409, 'illegal_transition');
    expect(err.error.message).toMatch(/only a resolved ticket/);
    const n = await resolvedTicket();
    const closed = await ok(await customer(n, { type: 'confirm' }));
    expect(closed.status).toBe('closed');
    const types = closed.events.map((e: Json) => e.type);
    expect(types).toEqual(expect.arrayContaining(['ticket.confirmed', 'ticket.closed']));
    const close = closed.events.find((e: Json) => e.type === 'ticket.closed');
    expect(close.data.reason).toBe('confirmed');
    expect(close.actor.kind).toBe('customer');
    expect(close.source).toBe('api');
    await refused(await customer(n, { type: 'confirm' }), 409, 'illegal_transition');
  });

  it('not_resolved reopens and escalates', async () => {
    const n = await resolvedTicket();
    const body = await ok(await customer(n, { type: 'not_resolved', text: 'Still shows E02' }));
    expect(body.status).toBe('reopened');
    expect(body.events.some((e: Json) => e.type === 'ticket.escalated' && e.data.trigger === 'reopened')).toBe(true);
    expect(body.events.find((e: Json) => e.type === 'ticket.reopened').data.reason).toContain('Still shows E02');
  });

  it('survey is recorded once: 409 survey_already_answered the second time; 400 names a bad csat', async () => {
    const n = await resolvedTicket();
    const bad = await refused(await customer(n, { type: 'survey', csat: 6 }), 400, 'validation_failed');
    expect(bad.error.fields).toEqual([{ path: 'csat', message: 'must be a whole number from 1 to 5' }]);
    const badNps = await refused(await customer(n, { type: 'survey', csat: 4, nps: 11 }), 400, 'validation_failed');
    expect(badNps.error.fields?.[0]?.path).toBe('nps');
    const first = await ok(await customer(n, { type: 'survey', csat: 4, nps: 9, comment: 'Quick and kind' }));
    expect(first.surveys).toEqual([expect.objectContaining({ kind: 'satisfaction', csat: 4, nps: 9, comment: 'Quick and kind' })]);
    await refused(await customer(n, { type: 'survey', csat: 1 }), 409, 'survey_already_answered');
  });

  it('message is relayed to the ticket; 404 for an unknown ticket; 401 without the token; 400 for an unknown type', async () => {
    const n = await newTicket();
    const body = await ok(await customer(n, { type: 'message', text: 'Here is a photo link' }));
    expect(body.events.find((e: Json) => e.type === 'customer.message').data.text).toBe('Here is a photo link');
    await refused(await customer('AC-999997', { type: 'message', text: 'hi' }), 404, 'not_found');
    const anon = await fetch(`${app.url}/api/tickets/${n}/customer-actions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"confirm"}' });
    expect(anon.status).toBe(401);
    const unknown = await refused(await customer(n, { type: 'dance' }), 400, 'validation_failed');
    expect(unknown.error.fields?.[0]?.path).toBe('type');
  });
});

describe('customer links', () => {
  async function link(n: string): Promise<{ url: string; expiresAt: string }> {
    return ok(await app.api(`/api/tickets/${n}/customer-link`)) as Promise<{ url: string; expiresAt: string }>;
  }
  const token = (url: string) => new URL(url).pathname.split('/')[2]!;
  const form = (url: string, fields: Record<string, string>, lang = 'en') =>
    fetch(`${url}?lang=${lang}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

  it('returns an absolute URL and an expiry 14 days ahead; 404 for an unknown ticket; needs the token', async () => {
    const n = await resolvedTicket();
    const l = await link(n);
    expect(l.url.startsWith(`${app.url}/c/`)).toBe(true);
    const days = (new Date(l.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(13.9);
    expect(days).toBeLessThanOrEqual(14);
    await refused(await app.api('/api/tickets/AC-999996/customer-link'), 404, 'not_found');
    expect((await fetch(`${app.url}/api/tickets/${n}/customer-link`)).status).toBe(401);
  });

  it('the page shows status and result (escaped) in the asked language; confirm closes the ticket and answers with the updated page', async () => {
    const n = await resolvedTicket();
    const { url } = await link(n);
    const page = await fetch(`${url}?lang=en`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain(n);
    expect(html).toContain('Replaced the &lt;b&gt;board&lt;/b&gt;');
    expect(html).not.toContain('<b>board</b>');
    expect(html).toContain('Is the problem solved?');
    const zh = await (await fetch(url, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } })).text();
    expect(zh).toContain('问题解决了吗？');

    const done = await form(`${url}/confirm`, {});
    expect(done.status).toBe(303);
    const location = done.headers.get('location')!;
    expect(location).toContain(`/c/${token(url)}`);
    const after = await (await fetch(new URL(location, app.url))).text();
    expect(after).toContain('The ticket is closed');
    expect(after).not.toContain('Is the problem solved?');
    const detail = (await (await app.api(`/api/tickets/${n}`)).json()) as Json;
    expect(detail.status).toBe('closed');
    expect(detail.events.find((e: Json) => e.type === 'ticket.closed').source).toBe('web');
  });

  it('not resolved reopens; the survey is taken once', async () => {
    const n = await resolvedTicket();
    const { url } = await link(n);
    expect((await form(`${url}/survey`, { csat: '9' })).headers.get('location')).toContain('done=invalid');
    expect((await form(`${url}/survey`, { csat: '5', nps: '10', comment: 'great' })).headers.get('location')).toContain('done=rated');
    expect((await form(`${url}/survey`, { csat: '1' })).headers.get('location')).toContain('done=already');
    const reopened = await form(`${url}/not-resolved`, { text: 'still broken' }, 'zh-CN');
    expect(reopened.status).toBe(303);
    expect(reopened.headers.get('location')).toContain('lang=zh-CN');
    const detail = (await (await app.api(`/api/tickets/${n}`)).json()) as Json;
    expect(detail.status).toBe('reopened');
    expect(detail.surveys.find((s: Json) => s.kind === 'satisfaction')).toMatchObject({ csat: 5, nps: 10 });
  });

  it('a tampered link is 404 and an expired one 410, both pages in both languages, never 500', async () => {
    const n = await resolvedTicket();
    const { url } = await link(n);
    const t = token(url);
    const tampered = `${t.slice(0, -2)}${t.endsWith('AA') ? 'BB' : 'AA'}`;
    const bad = await fetch(`${app.url}/c/${tampered}`);
    expect(bad.status).toBe(404);
    const html = await bad.text();
    expect(html).toContain('This link is not valid.');
    expect(html).toContain('此链接无效。');
    expect((await fetch(`${app.url}/c/not-a-token`)).status).toBe(404);
    expect((await form(`${app.url}/c/${tampered}/confirm`, {})).status).toBe(404);

    const [row] = await app.database.sql<{ value: string }[]>`select value from settings where key = 'customer_link_secret'`;
    const expired = signCustomerLink(row!.value, n, new Date(Date.now() - 1000));
    const gone = await fetch(`${app.url}/c/${expired}`);
    expect(gone.status).toBe(410);
    const goneHtml = await gone.text();
    expect(goneHtml).toContain('This link has expired');
    expect(goneHtml).toContain('此链接已过期');
    expect((await form(`${app.url}/c/${expired}/confirm`, {})).status).toBe(410);
    const detail = (await (await app.api(`/api/tickets/${n}`)).json()) as Json;
    expect(detail.status).toBe('resolved');
  });
});

describe('OpenAPI', () => {
  it('documents the customer actions, the customer link and the close action', async () => {
    const doc = (await (await app.api('/api/openapi.json')).json()) as Json;
    expect(doc.paths['/api/tickets/{number}/customer-actions'].post.requestBody).toBeDefined();
    expect(doc.paths['/api/tickets/{number}/customer-link'].get.responses['200']).toBeDefined();
    expect(JSON.stringify(doc.components.schemas.TicketAction)).toContain('close');
    expect(JSON.stringify(doc.components.schemas.CustomerAction)).toContain('not_resolved');
  });
});
