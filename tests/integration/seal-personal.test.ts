/**
 * The data migration of SPEC §9 on real Postgres: a database whose events still hold
 * customers' words in the clear (as written before personal data was kept apart) is
 * rewritten once, so the chains hold only commitments; the chains verify before and after,
 * and the ticket reads the same.
 */
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../src/app/create-ticket.js';
import { customerAct } from '../../src/app/customer-actions.js';
import { eventHash, GENESIS_HASH } from '../../src/core/audit.js';
import { personalData, settings, ticketEvents, tickets } from '../../src/db/schema.js';
import { sealPersonalData } from '../../src/db/seal-personal.js';
import { openEvents } from '../../src/db/ticket-store.js';
import { verifyAllChains } from '../../src/db/verify-audit.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { wallClockConfig } from '../helpers/config.js';

const MESSAGE = 'The left speaker crackles whenever the volume goes above half.';
let app: TestApp;
let number: string;

/** Rewrites a ticket's chain with every personal value back in the clear, as an older version wrote it. */
async function unseal(ticketId: string): Promise<void> {
  const db = app.database.db;
  await db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('aftercare.allow_event_rewrite', 'on', true)`);
    const rows = await openEvents(tx, await tx.select().from(ticketEvents).where(eq(ticketEvents.ticketId, ticketId)).orderBy(asc(ticketEvents.seq)));
    let prev = GENESIS_HASH;
    for (const e of rows) {
      const hash = eventHash(prev, { ticketId, seq: e.seq, type: e.type, actor: e.actor, platform: e.platform, data: e.data, createdAt: e.createdAt });
      await tx.update(ticketEvents).set({ data: e.data, prevHash: prev, hash }).where(eq(ticketEvents.id, e.id));
      prev = hash;
    }
    await tx.update(tickets).set({ lastEventHash: prev }).where(eq(tickets.id, ticketId));
    await tx.delete(personalData);
    await tx.delete(settings).where(eq(settings.key, 'privacy.events_sealed'));
  });
}

async function eventsText(): Promise<string> {
  const rows = await app.database.sql<{ row: string }[]>`select t::text as row from ticket_events t`;
  return rows.map((r) => r.row).join('\n');
}

beforeAll(async () => {
  app = await startTestApp({ config: wallClockConfig(), env: { AFTERCARE_ROLE: 'api' } });
  const { state } = await createTicket(app.deps, {
    customer: { name: 'Sam Sealer', email: 'sam@example.org', language: 'en' },
    product: 'Speaker',
    orderNumber: 'SO-SEAL-7',
    description: 'Crackling sound from the speaker',
    category: 'fault',
    attachments: [{ type: 'document', fileId: 'BQACAgSealTestFile', fileName: 'receipt.pdf' }],
    source: 'api',
    actor: { kind: 'api' },
  });
  number = state.ticket.number;
  await customerAct(app.deps, number, state.customer.id, 'api', { type: 'message', text: MESSAGE });
  await unseal(state.ticket.id);
});

afterAll(async () => {
  await app?.stop();
});

describe('sealing personal data of an existing database', () => {
  it('moves the values out of the chain once; audit verifies before and after; the ticket reads the same', async () => {
    const db = app.database.db;
    expect(await eventsText()).toContain(MESSAGE);
    expect((await verifyAllChains(db)).broken).toEqual([]);
    const before = await app.deps.store.get(number);

    expect(await sealPersonalData(db)).toBe(1);
    const text = await eventsText();
    for (const s of [MESSAGE, 'BQACAgSealTestFile', 'SO-SEAL-7']) expect(text).not.toContain(s);
    expect((await verifyAllChains(db)).broken).toEqual([]);
    const after = await app.deps.store.get(number);
    expect(after!.events.map((e) => ({ type: e.type, data: e.data }))).toEqual(before!.events.map((e) => ({ type: e.type, data: e.data })));
    const res = await app.api(`/api/tickets/${number}`);
    expect(((await res.json()) as { audit: { valid: boolean } }).audit.valid).toBe(true);

    // Once per database.
    expect(await sealPersonalData(db)).toBe(0);
  });
});
