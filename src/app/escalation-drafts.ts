import type { Directory } from '../core/directory.js';
import type { EventDraft, OutboxDraft } from './ports.js';

export type EscalationTrigger = 'critical' | 'complaint' | 'manual' | 'sla_breach' | 'reopened' | 'angry_customer';

/**
 * The event and pings of one escalation level (SPEC §5): a DM to each person of the
 * level and a post in the escalation channel. The ladder's timing lives in the jobs.
 */
export function escalationDrafts(
  directory: Directory,
  ticket: { ticketId: string; number: string; departmentId: string },
  level: number,
  trigger: EscalationTrigger,
  reason: string,
  actor: EventDraft['actor'] = { kind: 'system' },
  source: EventDraft['source'] = 'system',
): { event: EventDraft; outbox: OutboxDraft[] } {
  const chain = directory.escalationChain(ticket.departmentId);
  const step = chain[Math.min(level, chain.length) - 1];
  const notify = step ? directory.resolveLevel(step, ticket.departmentId) : [];
  const payload = { ticketId: ticket.ticketId, number: ticket.number, level, trigger, reason, notify };
  return {
    event: {
      type: 'ticket.escalated',
      actor,
      source,
      data: { level, trigger, reason, notify, ackTimeoutMs: step?.ackTimeoutMs ?? null },
    },
    outbox: [
      { destination: 'escalation', kind: 'escalation.ping', payload },
      ...notify.map((id) => ({ destination: `staff:${id}`, kind: 'escalation.ping', payload })),
    ],
  };
}
