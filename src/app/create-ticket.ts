import { classify } from '../core/classify.js';
import { routeTicket } from '../core/route.js';
import { applyClockTrigger } from '../core/sla/lifecycle.js';
import type { Category, Language, Severity, Tier } from '../core/types.js';
import { clockContext, type UseCaseDeps } from './deps.js';
import { escalationDrafts } from './escalation-drafts.js';
import type { Actor, EventDraft, IdempotencyRequest, OutboxDraft, Source, TicketState } from './ports.js';

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
  source: Source;
  actor: Actor;
}

/**
 * Opens a ticket (SPEC §2–4): classifies it, routes it, starts its clocks, records the
 * events and queues the acknowledgement, the department cards and any escalation.
 */
export async function createTicket(
  deps: UseCaseDeps,
  input: CreateTicketInput,
  idempotency?: IdempotencyRequest,
): Promise<{ state: TicketState; replayed: boolean }> {
  const now = deps.now();
  const cls = classify(`${input.product}\n${input.description}`, { category: input.category, severity: input.severity });
  const routed = routeTicket(cls.category, input.description, deps.directory.config.routing);
  const primary = routed[0]!.departmentId;
  const tier = input.tier ?? 'standard';
  const ctx = clockContext(deps, { severity: cls.severity, tier, primaryDepartmentId: primary });
  const clocks = applyClockTrigger({}, { type: 'created' }, ctx, now);
  const customerId = input.customer.id ?? deps.newId();
  const ticketId = deps.newId();
  const language = input.customer.language ?? deps.directory.config.defaultLanguage;

  return deps.store.create((number) => {
    const events: EventDraft[] = [
      {
        type: 'ticket.created',
        actor: input.actor,
        source: input.source,
        data: {
          number,
          category: cls.category,
          severity: cls.severity,
          tier,
          product: input.product,
          orderNumber: input.orderNumber,
          departments: routed,
          expectedBy: input.expectedBy?.toISOString() ?? null,
        },
      },
      {
        type: 'ticket.classification_suggested',
        actor: { kind: 'system' },
        source: 'system',
        data: {
          category: cls.suggested.category.value,
          categoryKeywords: cls.suggested.category.matched,
          severity: cls.suggested.severity.value,
          severityKeywords: cls.suggested.severity.matched,
          applied: cls.source,
        },
      },
      ...Object.values(clocks).map((c) => ({
        type: 'sla.clock_started',
        actor: { kind: 'system' } as const,
        source: 'system' as const,
        data: { clock: c.kind, budgetMs: c.budgetMs, deadline: c.deadline?.toISOString() ?? null, calendar: c.calendarId },
      })),
    ];
    const outbox: OutboxDraft[] = [
      {
        destination: `customer:${customerId}`,
        kind: 'customer.acknowledgement',
        payload: {
          ticketId,
          number,
          language,
          severity: cls.severity,
          promisedMs: clocks.first_response?.budgetMs ?? null,
          firstResponseBy: clocks.first_response?.deadline?.toISOString() ?? null,
        },
      },
      ...routed.map((d) => ({ destination: `department:${d.departmentId}`, kind: 'ticket.card', payload: { ticketId, number, role: d.role } })),
    ];
    const trigger = cls.severity === 'critical' ? 'critical' : cls.category === 'complaint' ? 'complaint' : undefined;
    if (trigger) {
      const esc = escalationDrafts(deps.directory, { ticketId, number, departmentId: primary }, 1, trigger, '');
      events.push(esc.event);
      outbox.push(...esc.outbox);
    }
    return {
      customerExists: input.customer.id !== undefined,
      customer: {
        id: customerId,
        name: input.customer.name,
        company: input.customer.company ?? null,
        phone: input.customer.phone ?? null,
        email: input.customer.email ?? null,
        language,
        tier,
      },
      ticket: {
        id: ticketId,
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
      },
      departments: routed,
      clocks,
      events,
      outbox,
    };
  }, idempotency);
}
