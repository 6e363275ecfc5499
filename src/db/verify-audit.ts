import { asc, eq } from 'drizzle-orm';
import { verifyChain, type ChainBreak } from '../core/audit.js';
import type { Db } from './client.js';
import { ticketEvents, tickets } from './schema.js';

export type BrokenChain = { number: string } & ChainBreak;

export interface AuditReport {
  tickets: number;
  events: number;
  /** Every ticket (by number) whose chain does not verify, each with its first bad event. */
  broken: BrokenChain[];
}

/** Walks every ticket's event chain in ticket-number order; one broken chain does not stop the walk. */
export async function verifyAllChains(db: Db): Promise<AuditReport> {
  const all = await db.select({ id: tickets.id, number: tickets.number, count: tickets.eventCount, lastHash: tickets.lastEventHash }).from(tickets).orderBy(asc(tickets.number));
  let events = 0;
  const broken: BrokenChain[] = [];
  for (const t of all) {
    const rows = await db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, t.id)).orderBy(asc(ticketEvents.seq));
    events += rows.length;
    const bad = verifyChain(
      rows.map((r) => ({
        ticketId: r.ticketId,
        seq: r.seq,
        type: r.type,
        actor: r.actor,
        platform: r.platform,
        data: r.data,
        createdAt: r.createdAt,
        prevHash: r.prevHash,
        hash: r.hash,
      })),
      { count: t.count, lastHash: t.lastHash },
    );
    if (bad) broken.push({ number: t.number, ...bad });
  }
  return { tickets: all.length, events, broken };
}
