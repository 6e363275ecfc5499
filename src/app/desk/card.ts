import { ERASED_TEXT } from '../../core/personal.js';
import { maskEmail, maskPhone } from '../../core/mask.js';
import { commandAllowed, type StaffCommandKey } from '../../core/ticket-commands.js';
import type { Severity } from '../../core/types.js';
import { formatDateTime, translator } from '../../i18n/index.js';
import type { TicketState } from '../ports.js';
import { deadlineText, departmentName, nextDeadline, staffName, ticketTimeZone, truncate, type ViewContext } from './view-context.js';

export type CardActionId =
  | 'claim'
  | 'reply'
  | 'progress'
  | 'involve'
  | 'escalate'
  | 'resolve'
  | 'reassign'
  | 'reveal'
  | 'reclassify'
  | 'delay'
  | 'close'
  | 'viewFull'
  | 'acknowledge'
  | 'taskClaim'
  | 'taskDone';

export interface CardButton {
  action: CardActionId;
  label: string;
  style?: 'primary' | 'danger';
  /** Ticket number, plus `:<task or escalation id>` for task and escalation buttons. */
  value: string;
}

export interface CardField {
  label: string;
  value: string;
}

export interface TicketCard {
  ticketId: string;
  number: string;
  title: string;
  subtitle: string;
  fields: CardField[];
  description: string;
  descriptionTruncated: boolean;
  /** Badges such as "Complex fault", "Angry customer flagged". */
  notes: string[];
  deadline: string;
  overdue: boolean;
  severity: Severity;
  done: boolean;
  /** Button rows, at most 5 buttons each. */
  buttons: CardButton[][];
  /** One line for notifications (no customer text). */
  fallback: string;
}

function maskedContact(state: TicketState): string {
  const c = state.customer;
  const parts = [c.phone ? maskPhone(c.phone) : '', c.email ? maskEmail(c.email) : ''].filter(Boolean);
  return parts.join(' · ');
}

/**
 * The ticket card of one department's channel (SPEC §2, §6): who, what, how urgent, who
 * owns it, the next deadline, and what can be done next.
 */
export function ticketCard(state: TicketState, departmentId: string, ctx: ViewContext, descriptionLimit = 1500): TicketCard {
  const t = translator(ctx.language);
  const tk = state.ticket;
  const none = t('desk.card.none');
  const category = t(`desk.category.${tk.category}`);
  const severity = t(`desk.severity.${tk.severity}`);
  const zone = ticketTimeZone(state, ctx.directory);
  const deadline = deadlineText(state, ctx.now, ctx.language, zone);
  const erased = (v: string) => (v === ERASED_TEXT ? t('desk.card.erasedText') : v);
  const desc = truncate(erased(tk.description), descriptionLimit);
  const customer = state.customer.erasedAt ? t('desk.card.erasedCustomer') : [state.customer.name, state.customer.company].filter(Boolean).join(' · ');
  const done = tk.status === 'resolved' || tk.status === 'closed';
  const fields: CardField[] = [
    { label: t('desk.card.customer'), value: customer || none },
    { label: t('desk.card.contact'), value: maskedContact(state) || none },
    { label: t('desk.card.product'), value: tk.product || none },
    { label: t('desk.card.order'), value: erased(tk.orderNumber) || none },
    { label: t('desk.card.category'), value: category },
    { label: t('desk.card.severity'), value: severity },
    { label: t('desk.card.owner'), value: staffName(ctx.directory, tk.ownerId) || t('desk.card.unowned') },
    { label: t('desk.card.status'), value: t(`desk.status.${tk.status}`) },
    { label: t('desk.card.deadline'), value: done ? none : deadline.text },
  ];
  const notes: string[] = [];
  if (tk.flagged) notes.push(t('desk.card.flagged'));
  if (tk.complex) notes.push(t('desk.card.complex'));
  if (state.departments.find((d) => d.departmentId === departmentId)?.role === 'former') {
    const now = state.departments.filter((d) => d.role !== 'former' && d.role !== 'involved').map((d) => departmentName(ctx.directory, d.departmentId, ctx.language));
    notes.push(t('desk.card.moved', { departments: now.join(', ') }));
  }
  const autoClose = state.lifecycle?.auto_close;
  if (tk.status === 'resolved' && autoClose?.status === 'running' && autoClose.deadline) {
    notes.push(t('desk.card.autoClose', { time: formatDateTime(autoClose.deadline, ctx.language, zone) }));
  }
  const b = (action: CardActionId, style?: CardButton['style']): CardButton => ({
    action,
    label: t(`desk.action.${action}`),
    value: tk.number,
    ...(style && { style }),
  });
  // Buttons follow the status/command table (core/ticket-commands.ts), as a channel member
  // sees them: supervisor-only cases (closing an open ticket) are left to the API.
  const can = (c: StaffCommandKey) => commandAllowed(c, tk.status, 'agent');
  const when = (ok: boolean, button: CardButton): CardButton[] => (ok ? [button] : []);
  const rows: CardButton[][] = [
    [
      ...when(tk.ownerId === null && can('claim'), b('claim', 'primary')),
      ...when(can('reply'), b('reply')),
      ...when(can('progress'), b('progress')),
      ...when(can('resolve'), b('resolve', tk.ownerId === null ? undefined : 'primary')),
      ...when(can('close'), b('close', 'primary')),
    ],
    [...when(can('involve'), b('involve')), ...when(can('escalate'), b('escalate', 'danger')), ...when(can('reassign'), b('reassign')), b('reveal')],
    [...when(can('reclassify'), b('reclassify')), ...when(can('delay'), b('delay'))],
  ].filter((r) => r.length > 0);
  if (desc.truncated) rows[rows.length - 1]!.push(b('viewFull'));
  const title = t('desk.card.title', { number: tk.number, category, severity });
  return {
    ticketId: tk.id,
    number: tk.number,
    title,
    subtitle: t('desk.card.forDepartment', { department: departmentName(ctx.directory, departmentId, ctx.language) }),
    fields,
    description: desc.text,
    descriptionTruncated: desc.truncated,
    notes,
    deadline: deadline.text,
    overdue: deadline.overdue && !done,
    severity: tk.severity,
    done,
    buttons: rows,
    fallback: `${title} — ${t(`desk.status.${tk.status}`)}`,
  };
}

/** A compact line per ticket for `/aftercare mine|queue` and App Home. */
export function ticketLine(state: TicketState, ctx: ViewContext): string {
  const t = translator(ctx.language);
  return t('desk.command.line', {
    number: state.ticket.number,
    status: t(`desk.status.${state.ticket.status}`),
    deadline: deadlineText(state, ctx.now, ctx.language, ticketTimeZone(state, ctx.directory)).text,
    product: state.ticket.product,
  });
}

/** Tickets by their next deadline, those without one last. */
export function byDeadline(states: TicketState[]): TicketState[] {
  const at = (s: TicketState) => nextDeadline(s)?.at.getTime() ?? Number.POSITIVE_INFINITY;
  return [...states].sort((a, b) => at(a) - at(b));
}
