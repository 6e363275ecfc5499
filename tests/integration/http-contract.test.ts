import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, ticketBody, type TestApp } from '../helpers/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

async function count(table: string): Promise<number> {
  const [row] = await app.database.sql.unsafe<{ n: string }[]>(`select count(*)::text as n from ${table}`);
  return Number(row!.n);
}

describe('GET /healthz', () => {
  it('reports db and redis ok', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', db: 'ok', redis: 'ok' });
  });
});

describe('POST /api/tickets', () => {
  it('creates a ticket: 201 with number, routing and deadlines', async () => {
    const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ category: 'fault' }) });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'new', category: 'fault', severity: 'normal', departments: ['technical'] });
    expect(body.number).toMatch(/^AC-\d{6}$/);
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(body).sort()).toEqual(['category', 'createdAt', 'deadlines', 'departments', 'id', 'number', 'severity', 'status']);
    const deadlines = body.deadlines as Record<string, string>;
    expect(Object.keys(deadlines).sort()).toEqual(['firstResponse', 'resolution']);
    expect(new Date(deadlines.firstResponse!).toISOString()).toBe(deadlines.firstResponse);
    expect(body.createdAt).toMatch(/Z$/);
  });

  it('suggests the category from the text when absent and routes a complaint to two departments', async () => {
    const res = await app.api('/api/tickets', {
      method: 'POST',
      json: ticketBody({ description: '我要投诉：客服态度很差' }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { category: string; departments: string[] };
    expect(body.category).toBe('complaint');
    expect([...body.departments].sort()).toEqual(['cs-supervisor', 'customer-service']);
  });

  it('urgent tickets promise a first response within 15 minutes', async () => {
    const created = (await (await app.api('/api/tickets', { method: 'POST', json: ticketBody({ severity: 'critical' }) })).json()) as {
      createdAt: string;
      deadlines: Record<string, string>;
    };
    expect(Date.parse(created.deadlines.firstResponse!) - Date.parse(created.createdAt)).toBe(15 * 60_000);
    expect(Date.parse(created.deadlines.criticalStart!) - Date.parse(created.createdAt)).toBe(2 * 3_600_000);
  });

  it('400 names every bad field and writes nothing', async () => {
    const before = await count('tickets');
    const outboxBefore = await count('outbox');
    const res = await app.api('/api/tickets', {
      method: 'POST',
      json: ticketBody({ customer: { name: 'X' }, severity: 'meh', expectedBy: 'tomorrow' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; fields: { path: string; message: string }[] } };
    expect(body.error.code).toBe('validation_failed');
    expect(typeof body.error.message).toBe('string');
    const paths = body.error.fields.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['customer.phone', 'severity', 'expectedBy']));
    expect(await count('tickets')).toBe(before);
    expect(await count('outbox')).toBe(outboxBefore);
  });

  it('400 for a malformed phone and for invalid JSON', async () => {
    const bad = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ customer: { name: 'A', phone: 'call me' } }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fields: { path: string }[] } }).error.fields[0]!.path).toBe('customer.phone');
    const notJson = await app.api('/api/tickets', { method: 'POST', body: '{"customer":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
  });

  it('401 without or with a wrong token, nothing written', async () => {
    const before = await count('tickets');
    const none = await fetch(`${app.url}/api/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ticketBody()),
    });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const wrong = await app.api('/api/tickets', { method: 'POST', json: ticketBody(), headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(await count('tickets')).toBe(before);
  });

  it('413 for a body over 64 KB, nothing written', async () => {
    const before = await count('tickets');
    const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ description: 'x'.repeat(70 * 1024) }) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    expect(await count('tickets')).toBe(before);
  });

  it('Idempotency-Key: same body → same ticket (200), other body → 409', async () => {
    const key = `key-${Date.now()}`;
    const first = await app.api('/api/tickets', { method: 'POST', json: ticketBody(), headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    const a = (await first.json()) as { id: string; number: string };
    const again = await app.api('/api/tickets', { method: 'POST', json: ticketBody(), headers: { 'idempotency-key': key } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(a.id);
    const other = await app.api('/api/tickets', {
      method: 'POST',
      json: ticketBody({ product: 'Another' }),
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(409);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('idempotency_conflict');
  });

  it('Idempotency-Key sent 10× concurrently → exactly one ticket', async () => {
    const before = await count('tickets');
    const key = `concurrent-${Date.now()}`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => app.api('/api/tickets', { method: 'POST', json: ticketBody(), headers: { 'idempotency-key': key } })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id)));
    expect(ids.size).toBe(1);
    expect(await count('tickets')).toBe(before + 1);
  });
});

describe('GET /api/tickets/:number', () => {
  it('returns the ticket with masked contact, clocks, events and a valid audit chain', async () => {
    const created = (await (await app.api('/api/tickets', { method: 'POST', json: ticketBody({ customer: { name: 'Han Meimei', phone: '+86 139 1234 5678', email: 'meimei@example.com' } }) })).json()) as {
      number: string;
    };
    const res = await app.api(`/api/tickets/${created.number}`);
    expect(res.status).toBe(200);
    const t = (await res.json()) as Record<string, any>;
    expect(t.number).toBe(created.number);
    expect(t.owner).toBeNull();
    expect(t.customer.phone).not.toContain('1234');
    expect(t.customer.phone).toBe('+86 139 **** 5678');
    expect(t.customer.email).toBe('m***@example.com');
    expect(t.clocks.firstResponse.status).toBe('running');
    expect(t.coordinationTasks).toEqual([]);
    expect(t.events[0]).toMatchObject({ seq: 1, type: 'ticket.created' });
    expect(t.events.map((e: { type: string }) => e.type)).toContain('ticket.classification_suggested');
    expect(t.audit).toEqual({ valid: true });
  });

  it('404 for an unknown ticket', async () => {
    const res = await app.api('/api/tickets/AC-999999');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('GET /api/tickets', () => {
  it('filters and pages with a cursor', async () => {
    for (let i = 0; i < 3; i++) await app.api('/api/tickets', { method: 'POST', json: ticketBody({ severity: 'urgent', category: 'suggestion' }) });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/api/tickets?department=product&severity=urgent&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await app.api(q)).json()) as { items: { number: string; departments: string[]; severity: string }[]; nextCursor: string | null };
      for (const item of page.items) {
        expect(item.departments).toContain('product');
        expect(item.severity).toBe('urgent');
        seen.push(item.number);
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.length).toBe(3);
    expect(new Set(seen).size).toBe(3);
    const bad = await app.api('/api/tickets?status=sleeping');
    expect(bad.status).toBe(400);
  });
});

describe('POST /api/tickets/:number/actions', () => {
  async function newTicket(overrides: Record<string, unknown> = {}): Promise<string> {
    const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ category: 'fault', ...overrides }) });
    return ((await res.json()) as { number: string }).number;
  }
  const act = (number: string, json: Record<string, unknown>) => app.api(`/api/tickets/${number}/actions`, { method: 'POST', json });

  it('claim → reply → progress → involve → resolve → reopen, each recorded', async () => {
    const n = await newTicket();
    const claimed = await act(n, { type: 'claim', actor: 'dave' });
    expect(claimed.status).toBe(200);
    expect(((await claimed.json()) as { owner: string; status: string })).toMatchObject({ owner: 'dave', status: 'assigned' });

    expect((await act(n, { type: 'reply', actor: 'dave', text: 'We are on it.' })).status).toBe(200);
    expect((await act(n, { type: 'progress', actor: 'dave', preset: 'parts-ready', text: 'Board arrives tomorrow', complex: true })).status).toBe(200);
    const involved = (await (await act(n, { type: 'involve', actor: 'dave', department: 'logistics', role: 'explain_compensate', note: 'late parts' })).json()) as {
      coordinationTasks: { department: string; status: string; id: string }[];
      departments: string[];
    };
    expect(involved.coordinationTasks).toEqual([expect.objectContaining({ department: 'logistics', status: 'open' })]);
    expect(involved.departments).toContain('logistics');
    const taskId = involved.coordinationTasks[0]!.id;
    expect((await act(n, { type: 'task', actor: 'heidi', taskId, op: 'claim' })).status).toBe(200);
    expect((await act(n, { type: 'task', actor: 'heidi', taskId, op: 'done', outcome: 'Voucher sent' })).status).toBe(200);

    const resolved = (await (await act(n, { type: 'resolve', actor: 'dave', measures: 'Replaced the board', advice: 'Keep firmware updated' })).json()) as Record<string, any>;
    expect(resolved.status).toBe('resolved');
    expect(resolved.clocks.resultNotice.status).toBe('running');
    expect(resolved.clocks.verificationCallback.status).toBe('running');
    expect(resolved.clocks.resolution.status).toBe('stopped');

    const reopened = (await (await act(n, { type: 'reopen', actor: 'dave', reason: 'Error is back' })).json()) as Record<string, any>;
    expect(reopened.status).toBe('reopened');
    const types = reopened.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['ticket.claimed', 'ticket.replied', 'ticket.progress', 'coordination.task_created', 'coordination.task_done', 'ticket.resolved', 'ticket.reopened', 'ticket.escalated']));
    expect(reopened.audit).toEqual({ valid: true });

    const [{ n: rows }] = await app.database.sql<[{ n: string }]>`
      select count(*)::text as n from outbox o join tickets t on t.id = o.ticket_id
      where t.number = ${n} and o.kind in ('customer.reply', 'customer.progress', 'customer.result_notice')`;
    expect(Number(rows)).toBe(3);
  });

  it('403 for staff of another department, an unknown actor, or an agent reassigning', async () => {
    const n = await newTicket();
    const other = await act(n, { type: 'claim', actor: 'grace' });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await act(n, { type: 'claim', actor: 'nobody' })).status).toBe(403);
    expect((await act(n, { type: 'reassign', actor: 'dave', to: 'erin' })).status).toBe(403);
    const ok = await act(n, { type: 'reassign', actor: 'erin', to: 'dave' });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { owner: string }).owner).toBe('dave');
  });

  it('409 for a second claim and for an illegal transition', async () => {
    const n = await newTicket();
    expect((await act(n, { type: 'reopen', actor: 'dave' })).status).toBe(409);
    expect((await act(n, { type: 'claim', actor: 'dave' })).status).toBe(200);
    const second = await act(n, { type: 'claim', actor: 'erin' });
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('already_claimed');
  });

  it('an agent cannot work a ticket owned by a colleague', async () => {
    const n = await newTicket();
    await act(n, { type: 'claim', actor: 'dave' });
    const cfg = app.deps.directory.staff('dave');
    expect(cfg?.departmentId).toBe('technical');
    const res = await act(n, { type: 'reply', actor: 'erin', text: 'supervisor may' });
    expect(res.status).toBe(200);
  });

  it('400 for an unknown action type and 404 for an unknown ticket', async () => {
    const n = await newTicket();
    const bad = await act(n, { type: 'dance', actor: 'dave' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fields: { path: string }[] } }).error.fields[0]!.path).toBe('type');
    expect((await act('AC-999998', { type: 'claim', actor: 'dave' })).status).toBe(404);
  });
});

describe('GET /api/openapi.json', () => {
  it('documents the API from the zod schemas', async () => {
    const res = await fetch(`${app.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/tickets', '/api/tickets/{number}', '/api/tickets/{number}/actions']));
    expect(Object.keys(doc.components.schemas.CreateTicket!.properties!)).toEqual(expect.arrayContaining(['customer', 'product', 'orderNumber', 'severity']));
  });
});
