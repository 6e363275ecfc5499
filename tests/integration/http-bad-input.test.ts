import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.js';
import { startTestApp, ticketBody, type TestApp } from '../helpers/app.js';

// Everything the app logs, as text: no customer data may ever appear in it.
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _enc, done) {
    logLines.push(chunk.toString());
    done();
  },
});

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ logger: pino({ level: 'info' }, logStream) });
});
afterAll(async () => {
  await app?.stop();
});

interface ErrorBody {
  error: { code: string; message: string; fields?: { path: string; message: string }[] };
}

async function count(table: string): Promise<number> {
  const [row] = await app.database.sql.unsafe<{ n: string }[]>(`select count(*)::text as n from ${table}`);
  return Number(row!.n);
}

const createTicket = (json: unknown) => app.api('/api/tickets', { method: 'POST', json });
const act = (number: string, json: Record<string, unknown>) => app.api(`/api/tickets/${number}/actions`, { method: 'POST', json });

async function newTicket(): Promise<string> {
  const res = await createTicket(ticketBody({ category: 'fault' }));
  expect(res.status).toBe(201);
  return ((await res.json()) as { number: string }).number;
}

/** The 400 body, asserting the code and that `path` is named with a message matching `message`. */
async function expect400(res: Response, path: string, message?: RegExp): Promise<ErrorBody> {
  const body = (await res.json()) as ErrorBody;
  expect(res.status, JSON.stringify(body)).toBe(400);
  expect(body.error.code).toBe(ErrorCode.ValidationFailed);
  const field = body.error.fields?.find((f) => f.path === path);
  expect(field, `${path} in ${JSON.stringify(body.error.fields)}`).toBeDefined();
  if (message) expect(field!.message).toMatch(message);
  return body;
}

describe('control characters and lone surrogates → 400 naming the field, nothing written', () => {
  it('a NUL in the description, the customer name or the company', async () => {
    const before = await count('tickets');
    await expect400(await createTicket(ticketBody({ description: 'broken\u0000printer' })), 'description', /control characters/);
    await expect400(await createTicket(ticketBody({ customer: { name: 'Li\u0000Lei', phone: '+86 138 0013 8000' } })), 'customer.name', /control characters/);
    await expect400(
      await createTicket(ticketBody({ customer: { name: 'Li Lei', company: 'Acme\u001b[31m', phone: '+86 138 0013 8000' } })),
      'customer.company',
      /control characters/,
    );
    expect(await count('tickets')).toBe(before);
  });

  it('a NUL in a reply text', async () => {
    const n = await newTicket();
    expect((await act(n, { type: 'claim', actor: 'dave' })).status).toBe(200);
    await expect400(await act(n, { type: 'reply', actor: 'dave', text: 'hello\u0000' }), 'text', /control characters/);
  });

  it('a lone surrogate in the product', async () => {
    const before = await count('tickets');
    await expect400(await createTicket(ticketBody({ product: '\ud800' })), 'product', /valid Unicode/);
    await expect400(await createTicket(ticketBody({ description: 'broken \udc00 printer, please help' })), 'description', /valid Unicode/);
    expect(await count('tickets')).toBe(before);
  });

  it('newlines, tabs and \\r\\n are text, not control characters', async () => {
    const res = await createTicket(ticketBody({ description: 'line one\r\nline two\ttabbed' }));
    expect(res.status).toBe(201);
    const { number } = (await res.json()) as { number: string };
    const detail = (await (await app.api(`/api/tickets/${number}`)).json()) as { description: string };
    expect(detail.description).toBe('line one\nline two\ttabbed');
  });

  it('a NUL or malformed percent-encoding in the ticket number of the path', async () => {
    await expect400(await act('AC-000001%00', { type: 'claim', actor: 'dave' }), 'path.number', /control characters/);
    await expect400(await app.api('/api/tickets/AC-000001%00'), 'path.number', /control characters/);
    const malformed = await act('AC-%E0%A4%A', { type: 'claim', actor: 'dave' });
    const body = (await malformed.json()) as ErrorBody;
    expect(malformed.status).toBe(400);
    expect(body.error.code).toBe(ErrorCode.ValidationFailed);
  });
});

describe('invisible-only text counts as empty', () => {
  it('zero-width-only name and description are refused like whitespace-only ones', async () => {
    await expect400(await createTicket(ticketBody({ customer: { name: '\u200B\u200C\u200D', phone: '+86 138 0013 8000' } })), 'customer.name', /must not be empty/);
    await expect400(await createTicket(ticketBody({ description: ' \u2060\uFEFF ' })), 'description', /must not be empty/);
    await expect400(await createTicket(ticketBody({ description: '   ' })), 'description', /must not be empty/);
  });

  it('a zero-width-only reply is refused', async () => {
    const n = await newTicket();
    expect((await act(n, { type: 'claim', actor: 'dave' })).status).toBe(200);
    await expect400(await act(n, { type: 'reply', actor: 'dave', text: '\u200B' }), 'text', /must not be empty/);
  });
});

describe('wrong types, enums and formats are named in plain words', () => {
  const LIBRARY_WORDING = /\bInvalid\b|\bexpected\b|\breceived\b|NaN/;

  it('wrong types are not reported as missing', async () => {
    await expect400(await createTicket(ticketBody({ customer: { name: 123, phone: '+86 138 0013 8000' } })), 'customer.name', /^must be a string$/);
    await expect400(await createTicket(ticketBody({ product: undefined })), 'product', /^is required$/);
    const n = await newTicket();
    await expect400(await act(n, { type: 'claim', actor: 42 }), 'actor', /^must be a string$/);
    await expect400(await act(n, { type: 'claim' }), 'actor', /^is required$/);
    await expect400(await act(n, { type: 'reply', actor: 'dave', text: 'hi', waitForCustomer: 'yes' }), 'waitForCustomer', /^must be true or false$/);
    await expect400(await app.api('/api/tickets?limit=abc'), 'query.limit', /whole number/);
  });

  it('no library wording for any kind of field', async () => {
    const n = await newTicket();
    const bodies: [string, Response][] = [
      ['severity', await createTicket(ticketBody({ severity: 'meh' }))],
      ['severity', await createTicket(ticketBody({ severity: 7 }))],
      ['category', await createTicket(ticketBody({ category: 'x' }))],
      ['tier', await createTicket(ticketBody({ tier: true }))],
      ['expectedBy', await createTicket(ticketBody({ expectedBy: 12 }))],
      ['customer.email', await createTicket(ticketBody({ customer: { name: 'A', email: 'nope' } }))],
      ['customer', await createTicket(ticketBody({ customer: 'Li Lei' }))],
      ['(body)', await createTicket([1, 2])],
      ['description', await createTicket(ticketBody({ description: 'x'.repeat(10_001) }))],
      ['type', await act(n, { type: 'dance', actor: 'dave' })],
      ['type', await act(n, { actor: 'dave' })],
      ['taskId', await act(n, { type: 'task', actor: 'dave', taskId: 'not-a-uuid', op: 'claim' })],
      ['op', await act(n, { type: 'task', actor: 'dave', taskId: '00000000-0000-4000-8000-000000000000', op: 'juggle' })],
      ['escalationId', await act(n, { type: 'acknowledge', actor: 'dave', escalationId: 5 })],
      ['diagnosis', await act(n, { type: 'progress', actor: 'dave', diagnosis: 'x' })],
      ['eta', await act(n, { type: 'delay', actor: 'dave', reason: 'r', eta: 'soon' })],
      ['query.limit', await app.api('/api/tickets?limit=0')],
      ['query.status', await app.api('/api/tickets?status=lost')],
    ];
    for (const [path, res] of bodies) {
      const body = await expect400(res, path);
      expect(body.error.message, path).not.toMatch(LIBRARY_WORDING);
      for (const f of body.error.fields!) expect(f.message, `${f.path}: ${f.message}`).not.toMatch(LIBRARY_WORDING);
    }
  });

  it('enums and UUIDs name their rule', async () => {
    await expect400(await createTicket(ticketBody({ severity: 'meh' })), 'severity', /^must be one of normal, urgent, critical$/);
    const n = await newTicket();
    await expect400(await act(n, { type: 'task', actor: 'dave', taskId: 'x', op: 'claim' }), 'taskId', /^must be a UUID$/);
    await expect400(await act(n, { type: 'dance', actor: 'dave' }), 'type', /^must be one of claim, reply, progress/);
  });

  it('an unknown query parameter is a query parameter, not a body field', async () => {
    await expect400(await app.api('/api/tickets?colour=red'), 'query.colour', /query parameter/);
  });

  it('an unknown body field is named by its own path', async () => {
    await expect400(await createTicket(ticketBody({ colour: 'red' })), 'colour', /not a known field/);
    await expect400(await createTicket(ticketBody({ customer: { name: 'A', phone: '+86 138 0013 8000', age: 3 } })), 'customer.age', /not a known field/);
  });

  it('an illegal transition is explained without internal names', async () => {
    const n = await newTicket();
    expect((await act(n, { type: 'claim', actor: 'dave' })).status).toBe(200);
    expect((await act(n, { type: 'resolve', actor: 'dave', measures: 'replaced the fuser', advice: 'keep it dry' })).status).toBe(200);
    const res = await act(n, { type: 'reply', actor: 'dave', text: 'one more thing' });
    expect(res.status).toBe(409);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe(ErrorCode.IllegalTransition);
    expect(body.error.message).not.toMatch(/start_work|_/);
    expect(body.error.message).toMatch(/reopen/);
  });
});

describe('expectedBy', () => {
  it('in the past is refused, like a past eta', async () => {
    const before = await count('tickets');
    await expect400(await createTicket(ticketBody({ expectedBy: '2020-01-01T00:00:00Z' })), 'expectedBy', /must be in the future/);
    expect(await count('tickets')).toBe(before);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    expect((await createTicket(ticketBody({ expectedBy: future }))).status).toBe(201);
  });
});

describe('database errors', () => {
  it('a failing query answers 500 internal_error and logs no query parameters or customer data', async () => {
    // A constraint the app does not know makes the ticket insert fail with the customer's text in its parameters.
    await app.database.sql.unsafe(`alter table tickets add constraint test_reject_marker check (description not like '%REJECT-ME%')`);
    try {
      logLines.length = 0;
      const res = await createTicket(
        ticketBody({ customer: { name: 'Wanda Secretname', phone: '+86 139 7777 6666' }, description: 'REJECT-ME the private story of my printer' }),
      );
      expect(res.status).toBe(500);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe(ErrorCode.Internal);
      const log = logLines.join('');
      expect(log).toContain('23514'); // the SQLSTATE (check_violation) is logged…
      for (const secret of ['Secretname', 'REJECT-ME the private', 'private story', '139 7777 6666', '+86 139']) expect(log).not.toContain(secret);
      expect(log).not.toMatch(/params:/);
    } finally {
      await app.database.sql.unsafe(`alter table tickets drop constraint test_reject_marker`);
    }
  });
});

describe('documentation of responses and error codes', () => {
  const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

  it('every route in the OpenAPI document has a schema for every response', async () => {
    const doc = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>;
      components: { schemas: Record<string, unknown> };
    };
    let routes = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item).filter(([m]) => METHODS.includes(m))) {
        routes++;
        const responses = Object.entries(op.responses ?? {});
        expect(responses.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const [status, r] of responses) {
          // JSON for the API; the customer's page (/c/...) answers HTML, errors included.
          const [type, media] = Object.entries(r.content ?? {})[0] ?? [];
          const schema = media?.schema as { $ref?: string } | undefined;
          expect(schema, `${method} ${path} ${status}`).toBeDefined();
          if (schema?.$ref) expect(doc.components.schemas[schema.$ref.split('/').pop()!], schema.$ref).toBeDefined();
          if (type === 'application/json' && Number(status) >= 400 && Number(status) !== 503) {
            expect(schema?.$ref, `${method} ${path} ${status}`).toBe('#/components/schemas/Error');
          }
        }
        if (path.startsWith('/api/')) for (const s of ['400', '401', '500']) expect(op.responses?.[s], `${method} ${path} ${s}`).toBeDefined();
      }
    }
    expect(routes).toBeGreaterThanOrEqual(5);
  });

  it('every error code is documented in the OpenAPI document and the README', async () => {
    const doc = JSON.stringify(await (await fetch(`${app.url}/api/openapi.json`)).json());
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const httpSection = readme.slice(readme.indexOf('## HTTP API'), readme.indexOf('\n## ', readme.indexOf('## HTTP API') + 3));
    for (const code of Object.values(ErrorCode)) {
      expect(doc, code).toContain(`\`${code}\``);
      expect(httpSection, code).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*\\d{3}\\s*\\|`));
    }
  });

  it('real responses match the documented response schemas', async () => {
    const { createdTicketResponse, errorResponse, healthResponse, ticketDetailResponse, ticketListResponse } = await import('../../src/http/response-schemas.js');
    const created = await createTicket(ticketBody({ category: 'fault' }));
    const c = createdTicketResponse.parse(await created.json());
    expect((await act(c.number, { type: 'claim', actor: 'dave' })).status).toBe(200);
    const acted = await act(c.number, { type: 'involve', actor: 'dave', department: 'logistics', role: 'other', note: 'ship a part' });
    expect(acted.status).toBe(200);
    ticketDetailResponse.parse(await acted.json());
    ticketDetailResponse.parse(await (await app.api(`/api/tickets/${c.number}`)).json());
    ticketListResponse.parse(await (await app.api('/api/tickets?limit=2')).json());
    healthResponse.parse(await (await fetch(`${app.url}/healthz`)).json());
    for (const res of [
      await createTicket({}),
      await app.api('/api/tickets', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }),
      await fetch(`${app.url}/api/tickets`),
      await app.api('/api/tickets/AC-999999'),
    ]) {
      errorResponse.parse(await res.json());
    }
  });
});
