import { IllegalTransitionError } from './errors.js';
import type { TicketStatus } from './types.js';

/**
 * Ticket lifecycle (SPEC §6–7):
 * new → assigned → in_progress ⇄ waiting_customer → resolved → closed;
 * resolved/closed → reopened → in_progress. Which staff command may run in which status
 * is decided by the table in ticket-commands.ts.
 */
export type TicketAction =
  | 'claim'
  | 'start_work'
  | 'wait_customer'
  | 'customer_replied'
  | 'resolve'
  | 'close'
  /** A supervisor closes a ticket that was never resolved. */
  | 'force_close'
  | 'reopen'
  | 'reassign';

const TRANSITIONS: Record<TicketAction, Partial<Record<TicketStatus, TicketStatus>>> = {
  claim: { new: 'assigned', reopened: 'reopened' },
  // Staff working a ticket (reply, progress) moves it into progress.
  start_work: {
    assigned: 'in_progress',
    in_progress: 'in_progress',
    waiting_customer: 'in_progress',
    reopened: 'in_progress',
  },
  wait_customer: { in_progress: 'waiting_customer', assigned: 'waiting_customer', reopened: 'waiting_customer', waiting_customer: 'waiting_customer' },
  customer_replied: { waiting_customer: 'in_progress' },
  resolve: { assigned: 'resolved', in_progress: 'resolved', waiting_customer: 'resolved', reopened: 'resolved' },
  close: { resolved: 'closed' },
  force_close: { new: 'closed', assigned: 'closed', in_progress: 'closed', waiting_customer: 'closed', reopened: 'closed' },
  reopen: { resolved: 'reopened', closed: 'reopened' },
  reassign: {
    new: 'assigned',
    assigned: 'assigned',
    in_progress: 'in_progress',
    waiting_customer: 'waiting_customer',
    reopened: 'reopened',
  },
};

/** The status after `action`, or an {@link IllegalTransitionError} (code `illegal_transition`). */
export function transition(from: TicketStatus, action: TicketAction): TicketStatus {
  const to = TRANSITIONS[action][from];
  if (to === undefined) throw new IllegalTransitionError(from, action);
  return to;
}

export function canTransition(from: TicketStatus, action: TicketAction): boolean {
  return TRANSITIONS[action][from] !== undefined;
}

export const OPEN_STATUSES: readonly TicketStatus[] = ['new', 'assigned', 'in_progress', 'waiting_customer', 'reopened'];

export function isOpen(status: TicketStatus): boolean {
  return OPEN_STATUSES.includes(status);
}
