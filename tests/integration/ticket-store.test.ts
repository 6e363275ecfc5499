import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actOnTicket } from '../../src/app/act-on-ticket.js';
import { createTicket } from '../../src/app/create-ticket.js';
import type { UseCaseDeps } from '../../src/app/deps.js';
import { Directory } from '../../src/core/directory.js';
import { PgTicketStore } from '../../src/db/ticket-store.js';
import { exampleConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { noJobs } from '../helpers/no-jobs.js';

const config = exampleConfig();
let tdb: TestDatabase;
let deps: UseCaseDeps;
let now = new Date('2026-11-23T02:00:00Z');

beforeAll(async () => {
  tdb = await freshDatabase(config);
  deps = { store: new PgTicketStore(tdb.database.db), directory: new Directory(config), now: () => now, newId: randomUUID, ...noJobs() };
});
afterAll(async () => {
  await tdb.drop();
});

const counts = async () => {
  const [row] = await tdb.database.sql<{ t: number; c: number; e: number; o: number; k: number }[]>`
    select (select count(*) from tickets)::int as t, (select count(*) from customers)::int as c,
           (select count(*) from ticket_events)::int as e, (select count(*) from outbox)::int as o,
           (select count(*) from sla_clocks)::int as k`;
  return row!;
};

const input = {
  customer: { name: 'Zhang San', phone: '13800138000' },
  product: 'Router R1',
  orderNumber: 'SO-1',
  description: '路由器坏了，不能用',
  severity: 'normal' as const,
  source: 'api' as const,
  actor: { kind: 'api' } as const,
};

describe('PgTicketStore', () => {
  it('commits a ticket with its customer, departments, clocks, events and outbox rows together', async () => {
    const before = await counts();
    const { state } = await createTicket(deps, input);
    expect(state.ticket.number).toMatch(/^AC-\d{6}$/);
    expect(state.ticket.category).toBe('fault');
    expect(state.departments).toEqual([{ departmentId: 'technical', role: 'primary' }]);
    const after = await counts();
    expect(after.t - before.t).toBe(1);
    expect(after.c - before.c).toBe(1);
    expect(after.k - before.k).toBe(2);
    expect(after.e - before.e).toBeGreaterThanOrEqual(3);
    expect(after.o - before.o).toBe(2); // acknowledgement + technical card
  });

  it('numbers tickets from a sequence: AC-000001, AC-000002, …', async () => {
    const a = await createTicket(deps, input);
    const b = await createTicket(deps, input);
    const na = Number(a.state.ticket.number.slice(3));
    expect(Number(b.state.ticket.number.slice(3))).toBe(na + 1);
  });

  it('rolls everything back when any part of the change fails', async () => {
    const before = await counts();
    await expect(
      deps.store.create((number) => {
        const id = randomUUID();
        return {
          customerExists: false,
          customer: { id: randomUUID(), name: 'x', company: null, phone: '1', email: null, language: 'en', tier: 'standard' },
          ticket: {
            id,
            status: 'new',
            category: 'inquiry',
            severity: 'normal',
            tier: 'standard',
            customerId: randomUUID(), // violates the customer foreign key, after the customer row was written
            ownerId: null,
            primaryDepartmentId: 'customer-service',
            product: 'p',
            orderNumber: number,
            description: 'd',
            expectedBy: null,
            source: 'api',
            complex: false,
            flagged: false,
            resolution: null,
            version: 1,
            createdAt: now,
            updatedAt: now,
            resolvedAt: null,
            closedAt: null,
          },
          departments: [],
          clocks: {},
          escalations: [],
          events: [],
          outbox: [],
        };
      }),
    ).rejects.toThrow();
    expect(await counts()).toEqual(before);
  });

  it('a failing decision changes nothing; a successful one bumps the version and appends to the chain', async () => {
    const { state } = await createTicket(deps, input);
    const before = await counts();
    await expect(
      deps.store.mutate(state.ticket.number, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await counts()).toEqual(before);
    now = new Date(now.getTime() + 60_000);
    const after = await actOnTicket(deps, state.ticket.number, { actorId: 'dave', source: 'api' }, { type: 'claim' });
    expect(after.ticket.version).toBe(2);
    expect(after.ticket.ownerId).toBe('dave');
    expect(after.clocks.first_response?.status).toBe('stopped');
    expect(after.clocks.contact_customer?.status).toBe('running');
    const detail = await deps.store.get(state.ticket.number);
    const seqs = detail!.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    for (let i = 1; i < detail!.events.length; i++) expect(detail!.events[i]!.prevHash).toBe(detail!.events[i - 1]!.hash);
  });

  it('two staff claiming at once: exactly one wins', async () => {
    const { state } = await createTicket(deps, input);
    const results = await Promise.allSettled([
      actOnTicket(deps, state.ticket.number, { actorId: 'dave', source: 'slack' }, { type: 'claim' }),
      actOnTicket(deps, state.ticket.number, { actorId: 'erin', source: 'discord' }, { type: 'claim' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as { code: string }).code).toBe('already_claimed');
  });

  it('waiting on the customer pauses the resolution clock and the next reply resumes it later', async () => {
    const { state } = await createTicket(deps, { ...input, severity: 'critical' });
    const n = state.ticket.number;
    const original = state.clocks.resolution!.deadline!.getTime();
    await actOnTicket(deps, n, { actorId: 'dave', source: 'api' }, { type: 'claim' });
    const paused = await actOnTicket(deps, n, { actorId: 'dave', source: 'api' }, { type: 'reply', text: 'Please send a photo', waitForCustomer: true });
    expect(paused.ticket.status).toBe('waiting_customer');
    expect(paused.clocks.resolution?.status).toBe('paused');
    now = new Date(now.getTime() + 3 * 3_600_000);
    const resumed = await actOnTicket(deps, n, { actorId: 'dave', source: 'api' }, { type: 'progress', preset: 'debugging' });
    expect(resumed.ticket.status).toBe('in_progress');
    expect(resumed.clocks.resolution?.status).toBe('running');
    expect(resumed.clocks.resolution!.deadline!.getTime()).toBe(original + 3 * 3_600_000);
  });
});
