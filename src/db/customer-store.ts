import { and, desc, eq, lt, notInArray } from 'drizzle-orm';
import type { CustomerStore, InboundDedup, TelegramCustomer, TicketState } from '../app/ports.js';
import type { Db } from './client.js';
import { customers, inboundDedup, tickets } from './schema.js';
import { rowToCustomer, type PgTicketStore } from './ticket-store.js';

function toCustomer(r: typeof customers.$inferSelect): TelegramCustomer {
  return { ...rowToCustomer(r), telegramChatId: r.telegramChatId! };
}

export class PgCustomerStore implements CustomerStore {
  constructor(
    private readonly db: Db,
    private readonly tickets: PgTicketStore,
  ) {}

  async byTelegramChat(chatId: string): Promise<TelegramCustomer | undefined> {
    const [r] = await this.db.select().from(customers).where(eq(customers.telegramChatId, chatId));
    return r ? toCustomer(r) : undefined;
  }

  async saveTelegramCustomer(c: Omit<TelegramCustomer, 'tier'> & { tier?: TelegramCustomer['tier'] }): Promise<TelegramCustomer> {
    const [r] = await this.db
      .insert(customers)
      .values({ ...c, tier: c.tier ?? 'standard', telegramChatId: c.telegramChatId })
      .onConflictDoUpdate({
        target: customers.telegramChatId,
        set: { name: c.name, company: c.company, phone: c.phone, email: c.email, language: c.language },
      })
      .returning();
    return toCustomer(r!);
  }

  async setLanguage(customerId: string, language: string): Promise<void> {
    await this.db.update(customers).set({ language }).where(eq(customers.id, customerId));
  }

  async openTickets(customerId: string): Promise<TicketState[]> {
    const ids = await this.openTicketNumbers(customerId);
    return this.tickets.byNumbers(ids.map((i) => i.number));
  }

  openTicketNumbers(customerId: string): Promise<{ number: string; product: string }[]> {
    return this.db
      .select({ number: tickets.number, product: tickets.product })
      .from(tickets)
      .where(and(eq(tickets.customerId, customerId), notInArray(tickets.status, ['closed'])))
      .orderBy(desc(tickets.createdAt))
      .limit(20);
  }

  async telegramChatOf(customerId: string): Promise<string | undefined> {
    const [r] = await this.db.select({ chat: customers.telegramChatId }).from(customers).where(eq(customers.id, customerId));
    return r?.chat ?? undefined;
  }
}

export class PgInboundDedup implements InboundDedup {
  constructor(private readonly db: Db) {}

  async claim(platform: string, eventId: string): Promise<boolean> {
    const rows = await this.db.insert(inboundDedup).values({ platform, eventId }).onConflictDoNothing().returning({ id: inboundDedup.eventId });
    return rows.length > 0;
  }

  async release(platform: string, eventId: string): Promise<void> {
    await this.db.delete(inboundDedup).where(and(eq(inboundDedup.platform, platform), eq(inboundDedup.eventId, eventId)));
  }

  /**
   * Forgets ids seen before `before`: platforms stop redelivering long before (Slack retries
   * for about an hour, Telegram keeps updates a day), and the table would grow forever.
   */
  async prune(before: Date): Promise<number> {
    const rows = await this.db.delete(inboundDedup).where(lt(inboundDedup.receivedAt, before)).returning({ id: inboundDedup.eventId });
    return rows.length;
  }
}

