import type { StaffMember } from '../../core/types.js';
import { translator } from '../../i18n/index.js';
import { authorize, revealContact } from '../act-on-ticket.js';
import type { UseCaseDeps } from '../deps.js';
import type { Source, TicketDetail } from '../ports.js';
import { byDeadline, ticketCard, ticketLine, type TicketCard } from './card.js';
import { departmentName, staffLanguage } from './view-context.js';

/**
 * What the staff chat commands look up (`/aftercare find|mine|queue`, *Reveal contact*),
 * shared by the Slack and Discord adapters; texts in the staff member's language.
 */

/** Ticket numbers as staff type them: AC-000123. */
export const TICKET_NUMBER = /^AC-\d{6,}$/i;

/** The ticket with this number, or undefined (also for text that is not a ticket number). */
export async function ticketByNumber(deps: UseCaseDeps, number: string): Promise<TicketDetail | undefined> {
  const n = number.trim().toUpperCase();
  return TICKET_NUMBER.test(n) ? deps.store.get(n) : undefined;
}


/**
 * The card of a ticket as `staff` should see it (their department's card when the ticket
 * is routed there), after checking they may view it; undefined when there is no such ticket.
 */
export async function findCard(deps: UseCaseDeps, staff: StaffMember, number: string): Promise<TicketCard | undefined> {
  const detail = await ticketByNumber(deps, number);
  if (!detail) return undefined;
  authorize(deps, detail, staff.id, 'reveal');
  const dept = detail.departments.some((d) => d.departmentId === staff.departmentId) ? staff.departmentId : detail.ticket.primaryDepartmentId;
  return ticketCard(detail, dept, { directory: deps.directory, now: deps.now(), language: staffLanguage(deps.directory, staff) });
}

/** `mine` (open tickets the staff member owns) or `queue` (their department's), by deadline: a title and a line each. */
export async function ticketList(deps: UseCaseDeps, staff: StaffMember, which: 'mine' | 'queue', max = 30): Promise<{ title: string; lines: string[] }> {
  const language = staffLanguage(deps.directory, staff);
  const t = translator(language);
  const states = await deps.store.list({ ...(which === 'mine' ? { ownerId: staff.id } : { departmentId: staff.departmentId }), open: true, limit: 100 });
  const ctx = { directory: deps.directory, now: deps.now(), language };
  return {
    title: which === 'mine' ? t('desk.command.mine') : t('desk.command.queue', { department: departmentName(deps.directory, staff.departmentId, language) }),
    lines: byDeadline(states).slice(0, max).map((s) => ticketLine(s, ctx)),
  };
}

/** Reveals the customer's contact (recorded in the audit trail) and says it in the staff member's language. */
export async function revealContactText(deps: UseCaseDeps, staff: StaffMember, ticketId: string, source: Source): Promise<string> {
  const c = await revealContact(deps, { id: ticketId }, { actorId: staff.id, source });
  const t = translator(staffLanguage(deps.directory, staff));
  const none = t('desk.card.none');
  return t('desk.reply.contact', { number: c.number, name: c.name, company: c.company ? ` (${c.company})` : '', phone: c.phone ?? none, email: c.email ?? none });
}
