import { asc, eq, sql } from 'drizzle-orm';
import { eventHash, GENESIS_HASH } from '../core/audit.js';
import { fieldsToSeal, PERSONAL_EVENT_TYPES, sealPayload } from '../core/personal.js';
import type { Db } from './client.js';
import { personalData, settings, ticketEvents, tickets } from './schema.js';
import { SEAL_IDS } from './ticket-store.js';

/** Marks a database whose events were all sealed (personal fields moved out of the chain). */
const SEALED_KEY = 'privacy.events_sealed';

type EventRow = typeof ticketEvents.$inferSelect;

/** True when an event still holds a personal value in the clear. */
const needsSeal = (e: Pick<EventRow, 'type' | 'actor' | 'data'>): boolean =>
  fieldsToSeal(e.type, e.actor as { kind: string }, e.data as Record<string, unknown>).length > 0;

/**
 * The data migration of SPEC §9: events written before personal fields were kept apart
 * hold customers' words in the clear. For each such ticket, in one transaction under its
 * row lock, every personal value moves to `personal_data`, the event keeps a commitment,
 * and the ticket's chain is re-hashed from the first changed event (the only rewrite the
 * append-only trigger lets through, by the transaction-local setting it documents). The
 * chain verifies before and after. Runs once per database; returns the tickets rewritten.
 */
export async function sealPersonalData(db: Db, batch = 100): Promise<number> {
  const [done] = await db.select().from(settings).where(eq(settings.key, SEALED_KEY));
  if (done) return 0;
  let rewritten = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const ids = (await db.execute(sql`
      select distinct ticket_id::text as id from ticket_events
      where ticket_id > ${after}::uuid and type in ${[...PERSONAL_EVENT_TYPES]}
      order by 1 limit ${batch}`)) as unknown as { id: string }[];
    if (ids.length === 0) break;
    for (const { id } of ids) if (await sealTicket(db, id)) rewritten++;
    after = ids.at(-1)!.id;
  }
  await db.insert(settings).values({ key: SEALED_KEY, value: new Date().toISOString() }).onConflictDoNothing();
  return rewritten;
}

async function sealTicket(db: Db, ticketId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [ticket] = await tx.select({ customerId: tickets.customerId }).from(tickets).where(eq(tickets.id, ticketId)).for('update');
    if (!ticket) return false;
    const events = await tx.select().from(ticketEvents).where(eq(ticketEvents.ticketId, ticketId)).orderBy(asc(ticketEvents.seq));
    const first = events.findIndex(needsSeal);
    if (first < 0) return false;
    await tx.execute(sql`select set_config('aftercare.allow_event_rewrite', 'on', true)`);
    let prev = first === 0 ? GENESIS_HASH : events[first - 1]!.hash;
    for (const e of events.slice(first)) {
      const sealed = sealPayload(e.type, e.actor as { kind: string }, e.data as Record<string, unknown>, SEAL_IDS);
      if (sealed.values.length) {
        await tx.insert(personalData).values(sealed.values.map((v) => ({ id: v.id, customerId: ticket.customerId, value: v.value, salt: v.salt })));
      }
      const body = { ticketId, seq: e.seq, type: e.type, actor: e.actor, platform: e.platform, data: sealed.data, createdAt: e.createdAt };
      const hash = eventHash(prev, body);
      await tx.update(ticketEvents).set({ data: sealed.data, prevHash: prev, hash }).where(eq(ticketEvents.id, e.id));
      prev = hash;
    }
    await tx.update(tickets).set({ lastEventHash: prev }).where(eq(tickets.id, ticketId));
    return true;
  });
}
