import { foldFacts, type FactsContext, type FactsTicket, type TicketFacts } from '../core/reports/facts.js';
import type { EventDraft, StoredEvent, TicketState } from './ports.js';

/** The dimensions of a ticket as the facts fold reads them. */
export function factsTicketOf(state: Pick<TicketState, 'ticket' | 'departments'>): FactsTicket {
  const t = state.ticket;
  return {
    id: t.id,
    number: t.number,
    source: t.source,
    category: t.category,
    severity: t.severity,
    tier: t.tier,
    primaryDepartmentId: t.primaryDepartmentId,
    departments: state.departments.map((d) => d.departmentId),
    ownerId: t.ownerId,
    status: t.status,
    createdAt: t.createdAt,
  };
}

/** The facts after a change whose events were all committed at `at` (as both stores stamp them). */
export function factsAfterChange(
  prev: TicketFacts | undefined,
  state: Pick<TicketState, 'ticket' | 'departments'>,
  events: readonly EventDraft[],
  at: Date,
  ctx: FactsContext,
): TicketFacts {
  return foldFacts(prev, factsTicketOf(state), events.map((e) => ({ type: e.type, actor: e.actor, data: e.data, at })), ctx);
}

/** The facts of a ticket rebuilt from its whole event log (backfill of tickets older than the facts table). */
export function factsFromLog(state: Pick<TicketState, 'ticket' | 'departments'>, events: readonly Pick<StoredEvent, 'type' | 'actor' | 'data' | 'createdAt'>[], ctx: FactsContext): TicketFacts {
  return foldFacts(undefined, factsTicketOf(state), events.map((e) => ({ type: e.type, actor: e.actor, data: e.data, at: new Date(e.createdAt) })), ctx);
}
