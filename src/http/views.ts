import type { TicketDetail, TicketState } from '../app/ports.js';
import { verifyChain } from '../core/audit.js';
import { maskEmail, maskPhone } from '../core/mask.js';
import { ERASED_CUSTOMER } from '../core/personal.js';
import type { SlaClock } from '../core/sla/clocks.js';
import { CLOCK_KIND_TO_KEY } from '../config/build-config.js';

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** Deadlines of the running clocks, keyed by clock name (firstResponse, resolution, …). */
export function deadlinesView(state: TicketState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of Object.values(state.clocks)) {
    if (c.status === 'running' && c.deadline) out[CLOCK_KIND_TO_KEY[c.kind]] = c.deadline.toISOString();
  }
  return out;
}

function clockView(c: SlaClock) {
  return {
    status: c.status,
    budgetMs: c.budgetMs,
    consumedMs: c.consumedMs,
    startedAt: iso(c.startedAt),
    deadline: iso(c.deadline),
    remindAt: iso(c.remindAt),
    stoppedAt: iso(c.stoppedAt),
    businessHours: c.calendarId !== null,
  };
}

/** The body of 201 on create (and 200 on an idempotent replay). */
export function createdView(state: TicketState) {
  const t = state.ticket;
  return {
    id: t.id,
    number: t.number,
    status: t.status,
    category: t.category,
    severity: t.severity,
    departments: state.departments.map((d) => d.departmentId),
    deadlines: deadlinesView(state),
    createdAt: t.createdAt.toISOString(),
  };
}

export function summaryView(state: TicketState) {
  const t = state.ticket;
  return {
    ...createdView(state),
    tier: t.tier,
    owner: t.ownerId,
    product: t.product,
    orderNumber: t.orderNumber,
    updatedAt: t.updatedAt.toISOString(),
  };
}

export function detailView(detail: TicketDetail) {
  const t = detail.ticket;
  const c = detail.customer;
  const broken = verifyChain(
    detail.events.map((e) => ({
      ticketId: t.id,
      seq: e.seq,
      type: e.type,
      actor: e.actor,
      platform: e.source,
      data: e.chained ?? e.data,
      createdAt: e.createdAt,
      prevHash: e.prevHash,
      hash: e.hash,
    })),
    detail.chainHead,
  );
  return {
    ...summaryView(detail),
    description: t.description,
    expectedBy: iso(t.expectedBy),
    source: t.source,
    complex: t.complex,
    flagged: t.flagged,
    resolution: t.resolution,
    resolvedAt: iso(t.resolvedAt),
    closedAt: iso(t.closedAt),
    departmentRoles: detail.departments,
    customer: {
      id: c.id,
      name: c.erasedAt ? ERASED_CUSTOMER : c.name,
      erased: Boolean(c.erasedAt),
      company: c.company,
      phone: c.phone ? maskPhone(c.phone) : null,
      email: c.email ? maskEmail(c.email) : null,
      language: c.language,
      tier: c.tier,
    },
    clocks: Object.fromEntries(Object.values(detail.clocks).map((k) => [CLOCK_KIND_TO_KEY[k.kind], clockView(k)])),
    // Lifecycle timers (autoClose, waitingReminder, waitingClose): when each fires or fired.
    lifecycle: Object.fromEntries(
      Object.values(detail.lifecycle ?? {}).map((l) => [
        l.kind.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase()),
        { status: l.status, startedAt: iso(l.startedAt), deadline: iso(l.deadline), firedAt: iso(l.firedAt) },
      ]),
    ),
    coordinationTasks: detail.tasks.map((k) => ({
      id: k.id,
      department: k.departmentId,
      role: k.role,
      note: k.note,
      status: k.status,
      owner: k.ownerId,
      outcome: k.outcome,
      createdBy: k.createdBy,
      createdAt: k.createdAt.toISOString(),
      updatedAt: k.updatedAt.toISOString(),
    })),
    events: detail.events.map((e) => ({
      seq: e.seq,
      type: e.type,
      actor: e.actor,
      source: e.source,
      data: e.data,
      createdAt: e.createdAt,
      hash: e.hash,
    })),
    surveys: detail.surveys.map((v) => ({ ...v, answeredAt: iso(v.answeredAt) })),
    audit: broken ? { valid: false, brokenAt: broken.seq, reason: broken.reason } : { valid: true },
  };
}
