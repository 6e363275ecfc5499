import { AftercareError, ErrorCode, NotFoundError } from '../core/errors.js';
import { ERASED_CUSTOMER, normaliseEmail, normalisePhone } from '../core/personal.js';
import { str } from '../core/payload.js';
import { isOpen } from '../core/ticket-state.js';
import type { Language, Tier } from '../core/types.js';
import { formatDateTime, toLanguage, translator } from '../i18n/index.js';
import type { CreateTicketInput } from './create-ticket.js';
import { afterCommit } from './after-commit.js';
import { ChangeBuilder } from './change-builder.js';
import type { UseCaseDeps } from './deps.js';
import { timelineEntries } from './desk/timeline.js';
import type { Actor, CustomerLookup, CustomerProfile, PrivacyStore, Source, StoredEvent, TicketDetail } from './ports.js';

/**
 * The customer's rights over their data (SPEC §9): one customer per person at intake, the
 * export (right of access), erasure that keeps every audit chain verifiable and every report
 * figure unchanged (right to be forgotten), and the retention rule that erases on its own.
 */

export interface PrivacyDeps extends UseCaseDeps {
  privacy: PrivacyStore;
}

// ——— one person, one customer ———

export interface GivenCustomer {
  id?: string | undefined;
  name?: string | undefined;
  company?: string | undefined;
  phone?: string | undefined;
  email?: string | undefined;
}

/**
 * The stored customer an intake belongs to: by `id` when given (404 `not_found` when there
 * is none), else by normalised phone number, else by lower-cased e-mail; undefined for a
 * new person.
 */
export async function existingCustomer(privacy: PrivacyStore, given: GivenCustomer): Promise<CustomerProfile | undefined> {
  if (given.id !== undefined) {
    const known = await privacy.customer(given.id);
    if (!known) throw new NotFoundError('customer', given.id);
    if (known.erasedAt) throw new AftercareError(ErrorCode.NotFound, `customer ${given.id} was erased`, { what: 'customer', id: given.id });
    return known;
  }
  if (given.phone) {
    const [byPhone] = await findCustomers(privacy, { phone: given.phone });
    if (byPhone) return byPhone;
  }
  if (given.email) {
    const [byEmail] = await findCustomers(privacy, { email: given.email });
    if (byEmail) return byEmail;
  }
  return undefined;
}

/**
 * The customer a new ticket is opened for: the stored record of a known person (their
 * language unless another is given, their tier), else the person as given.
 */
export async function intakeCustomer(
  privacy: PrivacyStore | undefined,
  given: GivenCustomer & { language?: Language | undefined },
): Promise<{ customer: CreateTicketInput['customer']; tier?: Tier }> {
  const known = privacy ? await existingCustomer(privacy, given) : undefined;
  if (!known) {
    if (given.id !== undefined) throw new NotFoundError('customer', given.id);
    return { customer: { name: given.name ?? '', company: given.company, phone: given.phone, email: given.email, language: given.language } };
  }
  return {
    customer: {
      id: known.id,
      name: known.name,
      company: known.company ?? undefined,
      phone: known.phone ?? undefined,
      email: known.email ?? undefined,
      language: given.language ?? toLanguage(known.language),
    },
    tier: known.tier,
  };
}

export async function findCustomers(privacy: PrivacyStore, q: CustomerLookup): Promise<CustomerProfile[]> {
  return privacy.find({
    ...(q.phone !== undefined && { phone: normalisePhone(q.phone) }),
    ...(q.email !== undefined && { email: normaliseEmail(q.email) }),
    ...(q.telegramChatId !== undefined && { telegramChatId: q.telegramChatId }),
  });
}

// ——— export ———

/** Event types whose text went between the customer and staff (the conversation). */
const MESSAGE_TEXT: Record<string, { from: 'customer' | 'staff'; fields: string[] }> = {
  'customer.message': { from: 'customer', fields: ['text'] },
  'ticket.confirmed': { from: 'customer', fields: ['text'] },
  'ticket.replied': { from: 'staff', fields: ['text'] },
  'ticket.progress': { from: 'staff', fields: ['text'] },
  'ticket.delay_explained': { from: 'staff', fields: ['reason'] },
  'ticket.resolved': { from: 'staff', fields: ['measures', 'advice'] },
};

function messagesOf(events: StoredEvent[]) {
  const out: { at: string; from: 'customer' | 'staff'; text: string }[] = [];
  for (const e of events) {
    const m = MESSAGE_TEXT[e.type] ?? (e.type === 'ticket.reopened' && e.actor.kind === 'customer' ? { from: 'customer' as const, fields: ['reason'] } : undefined);
    if (!m) continue;
    const text = m.fields.map((f) => str(e.data[f])).filter(Boolean).join('\n');
    if (text) out.push({ at: e.createdAt, from: m.from, text });
  }
  return out;
}

function attachmentsOf(events: StoredEvent[]) {
  return events.flatMap((e) =>
    Array.isArray(e.data.attachments)
      ? (e.data.attachments as Record<string, unknown>[]).map((a) => ({ at: e.createdAt, type: str(a.type), fileId: str(a.fileId), fileName: a.fileName ?? null, size: a.size ?? null }))
      : [],
  );
}

export function customerView(c: CustomerProfile) {
  return {
    id: c.id,
    name: c.erasedAt ? ERASED_CUSTOMER : c.name,
    company: c.company,
    phone: c.phone,
    email: c.email,
    telegramChatId: c.telegramChatId,
    language: c.language,
    tier: c.tier,
    createdAt: c.createdAt.toISOString(),
    erased: c.erasedAt !== null,
    erasedAt: c.erasedAt?.toISOString() ?? null,
  };
}

function ticketExport(deps: UseCaseDeps, d: TicketDetail, language: string) {
  const t = translator(language);
  const zone = deps.directory.timeZoneOf(d.ticket.primaryDepartmentId);
  const when = (v: Date | string | null) => (v ? formatDateTime(v, language, zone) : null);
  const tk = d.ticket;
  return {
    number: tk.number,
    status: tk.status,
    statusText: t(`status.${tk.status}`),
    category: tk.category,
    severity: tk.severity,
    product: tk.product,
    orderNumber: tk.orderNumber,
    description: tk.description,
    source: tk.source,
    createdAt: tk.createdAt.toISOString(),
    createdAtLocal: when(tk.createdAt),
    resolvedAt: tk.resolvedAt?.toISOString() ?? null,
    closedAt: tk.closedAt?.toISOString() ?? null,
    timeZone: zone,
    resolution: tk.resolution,
    timeline: timelineEntries(d.events, 0, { directory: deps.directory, now: deps.now(), language }, zone).map((e) => {
      const ev = d.events.find((x) => x.seq === e.seq)!;
      return { at: ev.createdAt, atLocal: when(ev.createdAt), headline: e.headline, ...(e.quote && { text: e.quote }) };
    }),
    messages: messagesOf(d.events),
    attachments: attachmentsOf(d.events),
    surveys: d.surveys.map((s) => ({ kind: s.kind, csat: s.csat, nps: s.nps, answer: s.answer, comment: s.comment, answeredAt: s.answeredAt?.toISOString() ?? null })),
  };
}

/** Everything kept about a customer, as one JSON document in their language (right of access). */
export async function exportCustomer(deps: PrivacyDeps, customerId: string) {
  const c = await deps.privacy.customer(customerId);
  if (!c) throw new NotFoundError('customer', customerId);
  const numbers = await deps.privacy.tickets(customerId);
  const details = await Promise.all(numbers.map((n) => deps.store.get(n.number)));
  return {
    format: 'aftercare.customer-export/1',
    exportedAt: deps.now().toISOString(),
    language: c.language,
    customer: customerView(c),
    tickets: details.filter((d) => d !== undefined).map((d) => ticketExport(deps, d, c.language)),
  };
}

// ——— erasure ———

export interface EraseRequest {
  /** Who asked (a staff id, or the name of whoever runs the API call). */
  actor: string;
  reason: string;
  /** Close tickets still being worked on first, instead of refusing. */
  force?: boolean | undefined;
  source?: Source | undefined;
}

export interface EraseResult {
  customerId: string;
  erasedAt: string;
  /** Every ticket of the customer. */
  tickets: string[];
  /** Tickets closed because `force` was given. */
  closed: string[];
  /** True when the customer had been erased before (nothing more was removed). */
  alreadyErased: boolean;
}

/**
 * Forgets the person and keeps the proof and the numbers: personal values are deleted (the
 * chains hold only commitments, so every chain still verifies), rows that showed them show a
 * tombstone, each ticket's chain records `customer.erased` (who, why, when) and the staff
 * cards are redrawn. Per-ticket report figures are not personal data and stay as they were.
 * Tickets still being worked on refuse erasure with `customer_has_open_tickets` unless
 * `force`, which closes them first. Idempotent: a second call records nothing new.
 */
export async function eraseCustomer(deps: PrivacyDeps, customerId: string, req: EraseRequest): Promise<EraseResult> {
  const c = await deps.privacy.customer(customerId);
  if (!c) throw new NotFoundError('customer', customerId);
  const source = req.source ?? 'api';
  const staff = deps.directory.staff(req.actor);
  const actor: Actor = source === 'system' ? { kind: 'system' } : staff ? { kind: 'staff', staffId: staff.id } : { kind: 'api' };
  let list = await deps.privacy.tickets(customerId);
  const closed: string[] = [];
  if (!c.erasedAt) {
    const open = list.filter((t) => isOpen(t.status));
    if (open.length && !req.force) {
      throw new AftercareError(
        ErrorCode.CustomerHasOpenTickets,
        `customer ${customerId} has tickets still being worked on (${open.map((t) => t.number).join(', ')}): close them, or erase with "force": true to close them first`,
        { tickets: open.map((t) => t.number) },
      );
    }
    for (const t of open) {
      const committed = await deps.store.mutate(t.number, (state) => {
        const b = new ChangeBuilder(deps, state, actor, source, deps.now());
        if (!isOpen(state.ticket.status)) return b.build(false);
        b.close('force_close', { reason: 'erased', from: state.ticket.status });
        return b.build(true);
      });
      if (committed.result) closed.push(t.number);
      await afterCommit(deps, committed);
    }
  }
  const erasedAt = c.erasedAt ?? deps.now();
  // Values first, then the record: a card redrawn for the record already shows the tombstone.
  await deps.privacy.scrub(customerId, erasedAt);
  list = await deps.privacy.tickets(customerId);
  for (const t of list.filter((x) => !x.erasureRecorded)) {
    const committed = await deps.store.mutate(t.number, (state) => {
      const b = new ChangeBuilder(deps, state, actor, source, deps.now());
      b.event('customer.erased', { by: req.actor, reason: req.reason });
      b.cardUpdate();
      return b.build(null);
    });
    await afterCommit(deps, committed);
  }
  deps.log?.info({ customerId, tickets: list.length, closed: closed.length }, 'customer erased');
  return { customerId, erasedAt: erasedAt.toISOString(), tickets: list.map((t) => t.number), closed, alreadyErased: c.erasedAt !== null };
}

// ——— retention ———

/** Days after the last ticket closed that a customer's data is kept; undefined keeps it. */
export function retentionCutoff(now: Date, retentionDays: number | undefined): Date | undefined {
  return retentionDays === undefined ? undefined : new Date(now.getTime() - retentionDays * 86_400_000);
}

/**
 * The retention rule (`privacy.retentionDays`): customers whose last ticket closed longer
 * ago than that are erased (or only listed, with `dryRun`).
 */
export async function eraseExpired(deps: PrivacyDeps, opts: { dryRun?: boolean } = {}): Promise<{ cutoff: string | null; customers: { id: string; lastClosedAt: string }[]; erased: number }> {
  const cutoff = retentionCutoff(deps.now(), deps.directory.config.privacy.retentionDays);
  if (!cutoff) return { cutoff: null, customers: [], erased: 0 };
  const due = await deps.privacy.expired(cutoff);
  let erased = 0;
  if (!opts.dryRun) {
    for (const c of due) {
      await eraseCustomer(deps, c.id, { actor: 'retention', reason: `retention: last ticket closed more than ${deps.directory.config.privacy.retentionDays} days ago`, source: 'system' });
      erased++;
    }
  }
  return { cutoff: cutoff.toISOString(), customers: due.map((c) => ({ id: c.id, lastClosedAt: c.lastClosedAt.toISOString() })), erased };
}
