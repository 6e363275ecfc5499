import { classify } from '../core/classify.js';
import { ValidationError } from '../core/errors.js';
import { routeTicket } from '../core/route.js';
import { detectTone } from '../core/tone.js';
import type { Category, Language, Severity, Tier } from '../core/types.js';
import type { Attachment } from './customer-actions.js';
import { afterCommit } from './after-commit.js';
import { ChangeBuilder } from './change-builder.js';
import type { UseCaseDeps } from './deps.js';
import type { Actor, CustomerRecord, IdempotencyRequest, Source, TicketRecord, TicketState } from './ports.js';

export interface CreateTicketInput {
  customer: {
    /** Set when the customer is already known (e.g. a Telegram chat). */
    id?: string;
    name: string;
    company?: string | undefined;
    phone?: string | undefined;
    email?: string | undefined;
    language?: Language | undefined;
  };
  product: string;
  orderNumber: string;
  description: string;
  severity?: Severity | undefined;
  category?: Category | undefined;
  expectedBy?: Date | undefined;
  tier?: Tier | undefined;
  /** Photos and files the customer sent with the report. */
  attachments?: Attachment[] | undefined;
  source: Source;
  actor: Actor;
}

/**
 * Opens a ticket (SPEC §2–5): classifies it, routes it, starts its clocks, records the
 * events and queues the acknowledgement, the department cards and any escalation
 * (critical severity, complaint).
 */
export async function createTicket(
  deps: UseCaseDeps,
  input: CreateTicketInput,
  idempotency?: IdempotencyRequest,
): Promise<{ state: TicketState; replayed: boolean }> {
  const now = deps.now();
  if (input.expectedBy && input.expectedBy.getTime() <= now.getTime()) {
    throw new ValidationError('the expected resolution time must be in the future', [{ path: 'expectedBy', message: 'must be in the future' }]);
  }
  const cls = classify(`${input.product}\n${input.description}`, { category: input.category, severity: input.severity });
  const routed = routeTicket(cls.category, input.description, deps.directory.config.routing);
  const primary = routed[0]!.departmentId;
  const tier = input.tier ?? 'standard';
  const customerId = input.customer.id ?? deps.newId();
  const ticketId = deps.newId();
  const language = input.customer.language ?? deps.directory.config.defaultLanguage;
  const customer: CustomerRecord = {
    id: customerId,
    name: input.customer.name,
    company: input.customer.company ?? null,
    phone: input.customer.phone ?? null,
    email: input.customer.email ?? null,
    language,
    tier,
  };

  const committed = await deps.store.create((number) => {
    const ticket: TicketRecord = {
      id: ticketId,
      number,
      status: 'new',
      category: cls.category,
      severity: cls.severity,
      tier,
      customerId,
      ownerId: null,
      primaryDepartmentId: primary,
      product: input.product,
      orderNumber: input.orderNumber,
      description: input.description,
      expectedBy: input.expectedBy ?? null,
      source: input.source,
      complex: false,
      flagged: false,
      resolution: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
      resolvedAt: null,
      closedAt: null,
    };
    const state: TicketState = { ticket, customer, departments: routed, clocks: {}, tasks: [], escalations: [] };
    const b = new ChangeBuilder(deps, state, input.actor, input.source, now);
    b.event('ticket.created', {
      number,
      category: cls.category,
      severity: cls.severity,
      tier,
      product: input.product,
      orderNumber: input.orderNumber,
      departments: routed,
      expectedBy: input.expectedBy?.toISOString() ?? null,
    });
    b.event(
      'ticket.classification_suggested',
      {
        category: cls.suggested.category.value,
        categoryKeywords: cls.suggested.category.matched,
        severity: cls.suggested.severity.value,
        severityKeywords: cls.suggested.severity.matched,
        applied: cls.source,
      },
      { kind: 'system' },
    );
    if (input.attachments?.length) b.event('ticket.attachments_added', { attachments: input.attachments });
    b.clock({ type: 'created' });
    const firstResponse = b.clocks.first_response;
    b.toCustomer('customer.acknowledgement', {
      severity: cls.severity,
      promisedMs: firstResponse?.budgetMs ?? null,
      firstResponseBy: firstResponse?.deadline?.toISOString() ?? null,
    });
    for (const d of routed) b.toDepartment(d.departmentId, 'ticket.card', { role: d.role });
    const tone = detectTone(input.description);
    if (tone.angry) {
      b.ticket.flagged = true;
      b.event('ticket.flagged', { reasons: tone.reasons }, { kind: 'system' });
    }
    if (cls.severity === 'critical') b.escalate('critical', '', { kind: 'system' });
    else if (cls.category === 'complaint') b.escalate('complaint', '', { kind: 'system' });
    else if (tone.angry) b.escalate('angry_customer', tone.reasons.join(', '), { kind: 'system' });
    return {
      customerExists: input.customer.id !== undefined,
      customer,
      ticket: (({ number: _n, ...rest }) => rest)({ ...ticket, ...b.ticket }),
      departments: routed,
      clocks: b.clocks,
      escalations: b.escalations,
      events: b.events,
      outbox: b.outbox,
    };
  }, idempotency);
  if (!committed.replayed) await afterCommit(deps, committed);
  return { state: committed.state, replayed: committed.replayed };
}
