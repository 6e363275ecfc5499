import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { CustomerLookup, CustomerProfile, CustomerTicket, PrivacyStore } from '../app/ports.js';
import { CUSTOMER_WORDS_TRIGGER, ERASED_TEXT, erasedValue } from '../core/personal.js';
import { TICKET_STATUSES } from '../core/types.js';
import type { Db } from './client.js';
import { chatDialogs, customers, emailKey, escalations, idempotencyKeys, outbox, personalData, phoneKey, surveys, tickets } from './schema.js';
import { rowToCustomer } from './ticket-store.js';

function toProfile(r: typeof customers.$inferSelect): CustomerProfile {
  return { ...rowToCustomer(r), telegramChatId: r.telegramChatId, createdAt: r.createdAt, erasedAt: r.erasedAt };
}

/** Outbox kinds whose payload quotes the customer, and the fields that do. */
const QUOTING_KINDS: Record<string, (payload: Record<string, unknown>) => string[]> = {
  'customer.message': () => ['text', 'attachments'],
  'escalation.ping': (p) => (p.trigger === CUSTOMER_WORDS_TRIGGER ? ['reason'] : []),
};

const ticketRow = z.object({
  number: z.string(),
  status: z.enum(TICKET_STATUSES),
  closed_at: z.coerce.date().nullable(),
  erasure_recorded: z.boolean(),
});

const expiredRow = z.object({ id: z.string(), last_closed_at: z.coerce.date() });

/** The Postgres side of customer data export and erasure (SPEC §9). */
export class PgPrivacyStore implements PrivacyStore {
  constructor(private readonly db: Db) {}

  async customer(id: string): Promise<CustomerProfile | undefined> {
    const [r] = await this.db.select().from(customers).where(eq(customers.id, id));
    return r ? toProfile(r) : undefined;
  }

  async find(q: CustomerLookup): Promise<CustomerProfile[]> {
    const conds = [isNull(customers.erasedAt)];
    if (q.phone !== undefined) conds.push(sql`${phoneKey(customers.phone)} = ${q.phone}`);
    if (q.email !== undefined) conds.push(sql`${emailKey(customers.email)} = ${q.email}`);
    if (q.telegramChatId !== undefined) conds.push(eq(customers.telegramChatId, q.telegramChatId));
    const rows = await this.db.select().from(customers).where(and(...conds)).orderBy(asc(customers.createdAt)).limit(50);
    return rows.map(toProfile);
  }

  async tickets(customerId: string): Promise<CustomerTicket[]> {
    const rows = await this.db.execute(sql`
      select t.number, t.status, t.closed_at,
        exists (select 1 from ticket_events e where e.ticket_id = t.id and e.type = 'customer.erased') as erasure_recorded
      from tickets t where t.customer_id = ${customerId}::uuid order by t.created_at, t.number`);
    return (rows as unknown as unknown[]).map((r) => {
      const row = ticketRow.parse(r);
      return { number: row.number, status: row.status, closedAt: row.closed_at, erasureRecorded: row.erasure_recorded };
    });
  }

  async scrub(customerId: string, at: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [c] = await tx.select().from(customers).where(eq(customers.id, customerId)).for('update');
      if (!c) return;
      const ticketIds = (await tx.select({ id: tickets.id }).from(tickets).where(eq(tickets.customerId, customerId))).map((t) => t.id);
      await tx.delete(personalData).where(eq(personalData.customerId, customerId));
      await tx
        .update(customers)
        .set({ name: '', company: null, phone: null, email: null, telegramChatId: null, erasedAt: c.erasedAt ?? at })
        .where(eq(customers.id, customerId));
      if (c.telegramChatId) await tx.delete(chatDialogs).where(and(eq(chatDialogs.platform, 'telegram'), eq(chatDialogs.chatId, c.telegramChatId)));
      if (ticketIds.length === 0) return;
      await tx.update(tickets).set({ description: ERASED_TEXT, orderNumber: ERASED_TEXT }).where(eq(tickets.customerId, customerId));
      await tx.update(surveys).set({ comment: null }).where(inArray(surveys.ticketId, ticketIds));
      await tx
        .update(escalations)
        .set({ reason: ERASED_TEXT })
        .where(and(inArray(escalations.ticketId, ticketIds), eq(escalations.trigger, CUSTOMER_WORDS_TRIGGER)));
      await tx.delete(idempotencyKeys).where(inArray(idempotencyKeys.ticketId, ticketIds));
      // Nothing more goes to the person; what staff messages quoted of them is blanked.
      await tx
        .update(outbox)
        .set({ status: 'skipped', lastError: 'customer erased', leaseOwner: null, leaseUntil: null })
        .where(and(eq(outbox.destination, `customer:${customerId}`), inArray(outbox.status, ['pending', 'sending'])));
      const quoting = await tx
        .select({ id: outbox.id, kind: outbox.kind, payload: outbox.payload })
        .from(outbox)
        .where(and(inArray(outbox.ticketId, ticketIds), inArray(outbox.kind, Object.keys(QUOTING_KINDS))));
      for (const row of quoting) {
        const payload = { ...(row.payload as Record<string, unknown>) };
        for (const f of QUOTING_KINDS[row.kind]?.(payload) ?? []) if (f in payload) payload[f] = erasedValue(f);
        await tx.update(outbox).set({ payload }).where(eq(outbox.id, row.id));
      }
    });
  }

  async expired(closedBefore: Date): Promise<{ id: string; lastClosedAt: Date }[]> {
    const rows = await this.db.execute(sql`
      select c.id::text as id, max(t.closed_at) as last_closed_at
      from customers c join tickets t on t.customer_id = c.id
      where c.erased_at is null
      group by c.id
      having bool_and(t.status = 'closed') and max(t.closed_at) < ${closedBefore.toISOString()}::timestamptz
      order by 2`);
    return (rows as unknown as unknown[]).map((r) => {
      const row = expiredRow.parse(r);
      return { id: row.id, lastClosedAt: row.last_closed_at };
    });
  }
}
