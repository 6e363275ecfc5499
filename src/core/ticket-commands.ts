import { IllegalTransitionError } from './errors.js';
import type { StaffRole, TicketStatus } from './types.js';

/**
 * Which staff commands are allowed in which ticket status — the one table the use cases
 * (act-on-ticket) and the staff card's buttons (desk/card.ts) both read. A coordination task
 * is two commands here, because finishing one is still fine on a resolved ticket while
 * taking one is not.
 */
export const STAFF_COMMANDS = [
  'claim',
  'reply',
  'progress',
  'involve',
  'escalate',
  'resolve',
  'reopen',
  'reassign',
  'reclassify',
  'task_claim',
  'task_done',
  'acknowledge',
  'delay',
  'close',
] as const;
export type StaffCommandKey = (typeof STAFF_COMMANDS)[number];

/** Who may run a command in a status: anyone allowed to act on the ticket, or supervisors only. */
type Who = 'anyone' | 'supervisor';

const OPEN = ['new', 'assigned', 'in_progress', 'waiting_customer', 'reopened'] as const;
const ALL = [...OPEN, 'resolved', 'closed'] as const;

const on = (statuses: readonly TicketStatus[], who: Who = 'anyone'): Partial<Record<TicketStatus, Who>> =>
  Object.fromEntries(statuses.map((s) => [s, who]));

export const COMMAND_STATUSES: Record<StaffCommandKey, Partial<Record<TicketStatus, Who>>> = {
  claim: on(OPEN),
  reply: on(OPEN),
  progress: on(OPEN),
  involve: on(OPEN),
  escalate: on(OPEN),
  // Resolving needs someone to have taken the ticket and answered the customer first.
  resolve: on(['assigned', 'in_progress', 'waiting_customer', 'reopened']),
  reopen: on(['resolved', 'closed']),
  reassign: on(OPEN),
  reclassify: on(OPEN),
  task_claim: on(OPEN),
  task_done: on(ALL),
  // Whether an escalation is still open is checked by the use case.
  acknowledge: on(ALL),
  delay: on(OPEN),
  close: { resolved: 'anyone', ...on(OPEN, 'supervisor') },
};

/** Whether `role` may run `command` on a ticket in `status` (by status and role only). */
export function commandAllowed(command: StaffCommandKey, status: TicketStatus, role: StaffRole): boolean {
  const who = COMMAND_STATUSES[command][status];
  return who === 'anyone' || (who === 'supervisor' && role === 'supervisor');
}

/** The commands `role` may run on a ticket in `status`, in table order. */
export function allowedCommands(status: TicketStatus, role: StaffRole): StaffCommandKey[] {
  return STAFF_COMMANDS.filter((c) => commandAllowed(c, status, role));
}

/** Why a command is refused, in plain words. */
function refusal(command: StaffCommandKey, status: TicketStatus): string {
  if (command === 'resolve' && status === 'new') return 'claim the ticket and answer the customer before resolving it';
  if (command === 'close' && status === 'closed') return 'the ticket is already closed';
  if (command === 'close') return 'only a supervisor may close a ticket that is not resolved; resolve it first';
  if (command === 'reopen') return 'only a resolved or closed ticket can be reopened';
  if (status === 'resolved') return `the ticket is resolved: reopen it before you ${verb(command)}`;
  if (status === 'closed') return `the ticket is closed: reopen it before you ${verb(command)}`;
  return `cannot ${verb(command)} a ticket that is ${status.replace('_', ' ')}`;
}

function verb(command: StaffCommandKey): string {
  switch (command) {
    case 'reply':
      return 'reply to the customer';
    case 'progress':
      return 'post progress';
    case 'involve':
      return 'involve another department';
    case 'task_claim':
      return 'take a coordination task';
    case 'task_done':
      return 'finish a coordination task';
    case 'delay':
      return 'explain a delay';
    case 'reclassify':
      return 'correct the classification';
    default:
      return command;
  }
}

/**
 * Throws `illegal_transition` (409) with a plain-words message when `command` is not allowed
 * in `status` for `role`.
 */
export function assertCommandAllowed(command: StaffCommandKey, status: TicketStatus, role: StaffRole): void {
  if (commandAllowed(command, status, role)) return;
  throw new IllegalTransitionError(status, command, refusal(command, status));
}
