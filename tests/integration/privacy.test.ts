/**
 * Customer data export and erasure (SPEC §9) on real Postgres through the HTTP API: one person
 * is one customer, the export holds everything a journey created, and erasure leaves no
 * personal value anywhere in the database while every chain verifies and every report
 * figure stays as it was.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actOnTicket, type TicketCommand } from '../../src/app/act-on-ticket.js';
import { customerAct, type CustomerCommand } from '../../src/app/customer-actions.js';
import { verifyAllChains } from '../../src/db/verify-audit.js';
import { customerExportResponse, customerListResponse, eraseResponse } from '../../src/http/response-schemas.js';
import { startTestApp, ticketBody, type TestApp } from '../helpers/app.js';
import { wallClockConfig } from '../helpers/config.js';
import { dropDatabase, newDatabaseUrl } from '../helpers/db.js';

// Far ahead of the real clock, so no BullMQ timer fires during the test.
const T0 = Date.parse('2030-03-04T00:00:00Z');
const HOUR = 3_600_000;
let now = T0;
let app: TestApp;
let sql: postgres.Sql;
const url = newDatabaseUrl();

const NAME = 'Wilhelmina Quackenbush';
const PHONE = '+44 7700 900123';
const EMAIL = 'Wilhelmina.Q@Example.org';
const DESCRIPTION = 'My espresso machine leaks boiling water onto the kitchen floor every morning.';
const MESSAGE = 'Here is a photo of the puddle under the machine, taken this morning.';
const COMMENT = 'The engineer was lovely and explained everything about the gasket.';
const REOPEN = 'It started dripping again after two days of use.';
const FILE_ID = 'AgACAgQAAxkBAAIBZmYzPrivacyTestFileId';
const SECRETS = [NAME, 'Quackenbush', PHONE, '7700 900123', EMAIL, 'Wilhelmina.Q', DESCRIPTION.slice(0, 40), MESSAGE.slice(0, 40), COMMENT.slice(0, 40), REOPEN.slice(0, 30), FILE_ID];

const at = (ms: number) => {
  now = T0 + ms;
};
const staff = (number: string, cmd: TicketCommand, actorId = 'dave') => actOnTicket(app.deps, number, { actorId, source: 'slack' }, cmd);
const customer = (number: string, customerId: string, cmd: CustomerCommand) => customerAct(app.deps, number, customerId, 'telegram', cmd);
const resolve: TicketCommand = { type: 'resolve', measures: 'replaced the gasket', advice: 'descale monthly' };

async function create(body: Record<string, unknown>): Promise<{ number: string; customerId: string }> {
  const res = await app.api('/api/tickets', { method: 'POST', json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  const number = ((await res.json()) as { number: string }).number;
  const detail = (await (await app.api(`/api/tickets/${number}`)).json()) as { customer: { id: string } };
  return { number, customerId: detail.customer.id };
}

/** Every row of every table of the database, as text. */
async function dumpDatabase(): Promise<string> {
  const tables = await sql<{ schema: string; name: string }[]>`select schemaname as schema, tablename as name from pg_tables where schemaname in ('public', 'drizzle')`;
  const parts: string[] = [];
  const quote = (id: string) => `"${id.replaceAll('"', '""')}"`;
  for (const t of tables) {
    const rows = await sql.unsafe(`select t::text as row from ${quote(t.schema)}.${quote(t.name)} t`);
    parts.push(...rows.map((r) => String(r.row)));
  }
  return parts.join('\n');
}

async function summary(): Promise<unknown> {
  const res = await app.api('/api/reports/summary?from=2030-03-01&to=2030-03-10');
  expect(res.status).toBe(200);
  return res.json();
}

let first: { number: string; customerId: string };
let second: { number: string; customerId: string };
let third: { number: string; customerId: string };

beforeAll(async () => {
  app = await startTestApp({ config: wallClockConfig(), now: () => new Date(now), env: { AFTERCARE_ROLE: 'api' }, databaseUrl: url });
  sql = postgres(url, { max: 2, onnotice: () => {} });
  const person = { name: NAME, company: 'Quackenbush Bakery', phone: PHONE, email: EMAIL, language: 'en' };
  const body = { ...ticketBody(), category: 'fault', description: DESCRIPTION, orderNumber: 'SO-PRIV-1' };
  at(0);
  first = await create({ ...body, customer: person });
  at(HOUR);
  // The same phone written differently is the same person.
  second = await create({ ...body, orderNumber: 'SO-PRIV-2', customer: { name: NAME, phone: '+44 (7700) 900-123' } });
  at(2 * HOUR);
  third = await create({ ...body, orderNumber: 'SO-PRIV-3', customer: { id: first.customerId } });

  // First: a message with a photo, resolved, "not resolved" (reopened), resolved again, confirmed.
  at(3 * HOUR);
  await staff(first.number, { type: 'claim' });
  await customer(first.number, first.customerId, { type: 'message', text: MESSAGE, attachments: [{ type: 'photo', fileId: FILE_ID, size: 1234 }] });
  await staff(first.number, { type: 'reply', text: 'Thanks, we will send an engineer.' });
  await staff(first.number, resolve);
  at(4 * HOUR);
  await customer(first.number, first.customerId, { type: 'confirm', resolved: false, text: REOPEN });
  await staff(first.number, resolve);
  await customer(first.number, first.customerId, { type: 'confirm', resolved: true });
  // Second: resolved, confirmed, rated with a comment.
  at(5 * HOUR);
  await staff(second.number, { type: 'claim' });
  await staff(second.number, resolve);
  await customer(second.number, second.customerId, { type: 'confirm', resolved: true });
  await customer(second.number, second.customerId, { type: 'survey', csat: 5, nps: 9, comment: COMMENT });
  // Third: a coordination task, resolved and confirmed.
  at(6 * HOUR);
  await staff(third.number, { type: 'claim' });
  await staff(third.number, { type: 'involve', department: 'logistics', role: 'other', note: 'check the spare parts stock' });
  await staff(third.number, resolve);
  await customer(third.number, third.customerId, { type: 'confirm', resolved: true });
});

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await app?.stop();
  await dropDatabase(url);
});

describe('one person, one customer', () => {
  it('matches intake by customer.id, normalised phone and lower-cased e-mail', async () => {
    expect(second.customerId).toBe(first.customerId);
    expect(third.customerId).toBe(first.customerId);
    const byEmail = await create({ ...ticketBody(), category: 'fault', customer: { name: 'W. Q.', email: EMAIL.toUpperCase() } });
    expect(byEmail.customerId).toBe(first.customerId);
    // Not needed by the rest of the test: close it again so erasure needs no force.
    await staff(byEmail.number, { type: 'close', reason: 'duplicate report' }, 'erin');
    const [row] = await sql<{ n: string }[]>`select count(*)::text as n from customers`;
    expect(row?.n).toBe('1');
  });

  it('finds the customer by phone, e-mail or Telegram chat', async () => {
    const byPhone = await app.api(`/api/customers?phone=${encodeURIComponent('+44 7700-900-123')}`);
    expect(byPhone.status).toBe(200);
    const items = customerListResponse.parse(await byPhone.json()).items;
    expect(items.map((c) => c.id)).toEqual([first.customerId]);
    expect(items[0]!.phone).toBe(PHONE);
    const byEmail = (await (await app.api(`/api/customers?email=${encodeURIComponent(EMAIL)}`)).json()) as { items: unknown[] };
    expect(byEmail.items).toHaveLength(1);
    const none = (await (await app.api('/api/customers?telegramChatId=424242')).json()) as { items: unknown[] };
    expect(none.items).toEqual([]);
  });

  it('refuses an unknown customer id with 404 and bad lookups with 400 naming the field', async () => {
    const unknown = await app.api('/api/tickets', { method: 'POST', json: { ...ticketBody(), customer: { id: '00000000-0000-4000-8000-000000000000' } } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const badId = await app.api('/api/tickets', { method: 'POST', json: { ...ticketBody(), customer: { id: 'nope' } } });
    expect(badId.status).toBe(400);
    expect(JSON.stringify(await badId.json())).toContain('customer.id');
    const noQuery = await app.api('/api/customers');
    expect(noQuery.status).toBe(400);
    expect(((await noQuery.json()) as { error: { fields: { path: string }[] } }).error.fields[0]!.path).toBe('query.phone');
    const badPath = await app.api('/api/customers/xyz/export');
    expect(badPath.status).toBe(400);
    expect(((await badPath.json()) as { error: { fields: { path: string }[] } }).error.fields[0]!.path).toBe('path.id');
  });
});

describe('export and erasure', () => {
  it('exports everything the journey created, then erases it all while chains and figures stay', async () => {
    const exp = await app.api(`/api/customers/${first.customerId}/export`);
    expect(exp.status).toBe(200);
    const doc = customerExportResponse.parse(await exp.json());
    expect(doc.customer).toMatchObject({ name: NAME, phone: PHONE, email: EMAIL });
    expect(doc.tickets.map((t) => t.number)).toEqual(expect.arrayContaining([first.number, second.number, third.number]));
    const text = JSON.stringify(doc);
    for (const s of [DESCRIPTION, MESSAGE, COMMENT, REOPEN, FILE_ID, 'Thanks, we will send an engineer.']) expect(text).toContain(s);
    expect(doc.tickets.find((t) => t.number === first.number)!.timeline.length).toBeGreaterThan(3);

    const before = await summary();
    expect((await verifyAllChains(app.database.db)).broken).toEqual([]);
    expect(await dumpDatabase()).toContain(FILE_ID);

    const erased = await app.api(`/api/customers/${first.customerId}/erase`, { method: 'POST', json: { actor: 'carol', reason: 'the customer asked by e-mail' } });
    expect(erased.status, await erased.clone().text()).toBe(200);
    const result = eraseResponse.parse(await erased.json());
    expect(result.tickets).toHaveLength(4);
    expect(result.alreadyErased).toBe(false);

    const dump = await dumpDatabase();
    for (const s of SECRETS) expect(dump, `"${s}" is still in the database`).not.toContain(s);
    expect((await verifyAllChains(app.database.db)).broken).toEqual([]);
    expect(await summary()).toEqual(before);

    const detail = (await (await app.api(`/api/tickets/${first.number}`)).json()) as {
      customer: { name: string; erased: boolean; phone: string | null };
      description: string;
      audit: { valid: boolean };
      events: { type: string; data: Record<string, unknown> }[];
    };
    expect(detail.audit.valid).toBe(true);
    expect(detail.customer).toMatchObject({ name: 'erased customer', erased: true, phone: null });
    expect(detail.description).toBe('[erased]');
    expect(detail.events.find((e) => e.type === 'customer.message')!.data.text).toBe('[erased]');
    expect(detail.events.filter((e) => e.type === 'customer.erased')).toHaveLength(1);
    expect(detail.events.find((e) => e.type === 'customer.erased')!.data).toEqual({ by: 'carol', reason: 'the customer asked by e-mail' });

    const again = await app.api(`/api/customers/${first.customerId}/erase`, { method: 'POST', json: { actor: 'carol', reason: 'again' } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { alreadyErased: boolean }).alreadyErased).toBe(true);
    const afterAgain = (await (await app.api(`/api/tickets/${first.number}`)).json()) as { events: { type: string }[] };
    expect(afterAgain.events.filter((e) => e.type === 'customer.erased')).toHaveLength(1);

    const exported = (await (await app.api(`/api/customers/${first.customerId}/export`)).json()) as { customer: { name: string; erased: boolean } };
    expect(exported.customer).toMatchObject({ name: 'erased customer', erased: true });
    expect(JSON.stringify(exported)).not.toContain(NAME);
  });

  it('refuses a customer with open tickets with 409 unless force, which closes them first', async () => {
    const open = await create({ ...ticketBody(), customer: { name: 'Open Case', email: 'open.case@example.org' } });
    const refused = await app.api(`/api/customers/${open.customerId}/erase`, { method: 'POST', json: { actor: 'carol', reason: 'asked' } });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('customer_has_open_tickets');
    const forced = await app.api(`/api/customers/${open.customerId}/erase`, { method: 'POST', json: { actor: 'carol', reason: 'asked', force: true } });
    expect(forced.status).toBe(200);
    expect(((await forced.json()) as { closed: string[] }).closed).toEqual([open.number]);
    const detail = (await (await app.api(`/api/tickets/${open.number}`)).json()) as { status: string; audit: { valid: boolean } };
    expect(detail).toMatchObject({ status: 'closed', audit: { valid: true } });
    const bad = await app.api(`/api/customers/${open.customerId}/erase`, { method: 'POST', json: { actor: '', reason: 'x' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { fields: { path: string }[] } }).error.fields[0]!.path).toBe('actor');
    const missing = await app.api('/api/customers/00000000-0000-4000-8000-000000000000/erase', { method: 'POST', json: { actor: 'carol', reason: 'x' } });
    expect(missing.status).toBe(404);
  });
});
