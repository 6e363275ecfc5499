/**
 * Tickets from before the facts table: the start-up backfill and a later change both
 * rebuild the facts from the event log, with the business hours of the department calendars.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actOnTicket } from '../../src/app/act-on-ticket.js';
import { createTicket } from '../../src/app/create-ticket.js';
import type { UseCaseDeps } from '../../src/app/deps.js';
import { Directory } from '../../src/core/directory.js';
import { factsContextFor } from '../../src/core/reports/facts.js';
import { backfillFacts } from '../../src/db/facts-backfill.js';
import { PgTicketStore } from '../../src/db/ticket-store.js';
import { exampleConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { noJobs } from '../helpers/no-jobs.js';

const config = exampleConfig();
const ctx = factsContextFor(config);
let tdb: TestDatabase;
let deps: UseCaseDeps;
let store: PgTicketStore;
// Monday 23 Nov 2026, 10:00 in Shanghai.
let now = new Date('2026-11-23T02:00:00Z');

beforeAll(async () => {
  tdb = await freshDatabase(config);
  store = new PgTicketStore(tdb.database.db, ctx);
  deps = { store, directory: new Directory(config), now: () => now, newId: randomUUID, ...noJobs() };
});
afterAll(async () => {
  await tdb.drop();
});

const open = () =>
  createTicket(deps, {
    customer: { name: 'Zhang San', phone: '13800138000' },
    product: 'Router R1',
    orderNumber: 'SO-1',
    description: 'The router is broken',
    category: 'fault',
    severity: 'normal',
    source: 'api',
    actor: { kind: 'api' },
  });

describe('facts of tickets older than the table', () => {
  it('backfills every ticket without a row from its event log, as the live fold wrote it', async () => {
    const a = (await open()).state.ticket;
    now = new Date('2026-11-23T03:00:00Z');
    await actOnTicket(deps, a.number, { actorId: 'dave', source: 'slack' }, { type: 'reply', text: 'on it' });
    const live = await store.factsOf(a.id);
    expect(live?.firstResponseS).toBe(3600);
    await tdb.database.sql`delete from ticket_facts`;
    expect(await store.factsOf(a.id)).toBeUndefined();
    expect(await backfillFacts(tdb.database.db, ctx)).toBe(1);
    expect(await store.factsOf(a.id)).toEqual(live);
    expect(await backfillFacts(tdb.database.db, ctx)).toBe(0);
  });

  it('a change to a ticket without a row folds its whole log first', async () => {
    now = new Date('2026-11-23T02:00:00Z');
    const b = (await open()).state.ticket;
    await tdb.database.sql`delete from ticket_facts where ticket_id = ${b.id}`;
    now = new Date('2026-11-23T02:30:00Z');
    await actOnTicket(deps, b.number, { actorId: 'dave', source: 'slack' }, { type: 'claim' });
    now = new Date('2026-11-23T04:00:00Z');
    await actOnTicket(deps, b.number, { actorId: 'dave', source: 'slack' }, { type: 'reply', text: 'fixed?' });
    const f = await store.factsOf(b.id);
    expect(f).toMatchObject({ timeToClaimS: 1800, firstResponseS: 7200, timeToContactS: 5400, createdAt: new Date('2026-11-23T02:00:00Z') });
  });

  it('the log a change folds is the one before its own events: a reopen counts once', async () => {
    now = new Date('2026-11-23T02:00:00Z');
    const c = (await open()).state.ticket;
    const as = { actorId: 'dave', source: 'slack' } as const;
    now = new Date('2026-11-23T02:10:00Z');
    await actOnTicket(deps, c.number, as, { type: 'reply', text: 'on it' });
    now = new Date('2026-11-23T03:00:00Z');
    await actOnTicket(deps, c.number, as, { type: 'resolve', measures: 'replaced the unit', advice: 'keep it ventilated' });
    await tdb.database.sql`delete from ticket_facts where ticket_id = ${c.id}`;
    now = new Date('2026-11-23T04:00:00Z');
    await actOnTicket(deps, c.number, as, { type: 'reopen', reason: 'broke again' });
    const live = await store.factsOf(c.id);
    expect(live).toMatchObject({ reopenCount: 1, escalationCount: 1 });
    // The same figures as a fold of the whole log from scratch.
    await tdb.database.sql`delete from ticket_facts where ticket_id = ${c.id}`;
    expect(await backfillFacts(tdb.database.db, ctx)).toBe(1);
    expect(await store.factsOf(c.id)).toEqual(live);
  });
});
