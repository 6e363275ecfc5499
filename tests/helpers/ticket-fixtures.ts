/**
 * TicketState fixtures for the staff views (src/app/desk) and renderer unit tests: one ticket AC-000123 of the
 * technical department, seen at NOW (2027-03-01 10:00 UTC), on the example configuration.
 * Each builder takes overrides; what a test file wants different for all its tickets it passes
 * in (as render.test.ts does for the order number).
 */
import type { CreateTicketInput } from '../../src/app/create-ticket.js';
import type { CoordinationTask, CustomerRecord, Escalation, StoredEvent, TicketRecord, TicketState } from '../../src/app/ports.js';
import type { ViewContext } from '../../src/app/desk/view-context.js';
import { Directory } from '../../src/core/directory.js';
import type { SlaClock } from '../../src/core/sla/clocks.js';
import { exampleConfig } from './config.js';

/** The staff directory of the example configuration. */
export const directory = new Directory(exampleConfig());
export const NOW = new Date('2027-03-01T10:00:00Z');
export const TICKET_ID = '11111111-1111-1111-1111-111111111111';
export const at = (iso: string) => new Date(iso);

/** What the staff views render with: the example directory, `now` (NOW by default), `language`. */
export const ctx = (language = 'en', now = NOW): ViewContext => ({ directory, now, language });

export function clock(over: Partial<SlaClock> & Pick<SlaClock, 'kind'>): SlaClock {
  return {
    status: 'running',
    budgetMs: 7_200_000,
    consumedMs: 0,
    startedAt: at('2027-03-01T08:00:00Z'),
    segmentStartedAt: at('2027-03-01T08:00:00Z'),
    deadline: at('2027-03-01T12:00:00Z'),
    remindAt: null,
    calendarId: null,
    stoppedAt: null,
    remindedAt: null,
    breachedAt: null,
    version: 1,
    ...over,
  };
}

export const running = (kind: SlaClock['kind'], deadline: Date) => clock({ kind, deadline });
export const paused = (kind: SlaClock['kind']) => clock({ kind, status: 'paused', segmentStartedAt: null, deadline: null });

export function ticket(over: Partial<TicketRecord> = {}): TicketRecord {
  return {
    id: TICKET_ID,
    number: 'AC-000123',
    status: 'new',
    category: 'fault',
    severity: 'urgent',
    tier: 'standard',
    customerId: 'c1',
    ownerId: null,
    primaryDepartmentId: 'technical',
    product: 'X200 printer',
    orderNumber: 'SO-778',
    description: 'The printer jams on every page.',
    expectedBy: null,
    source: 'telegram',
    complex: false,
    flagged: false,
    resolution: null,
    version: 1,
    createdAt: at('2027-03-01T08:00:00Z'),
    updatedAt: at('2027-03-01T08:00:00Z'),
    resolvedAt: null,
    closedAt: null,
    ...over,
  };
}

export function customer(over: Partial<CustomerRecord> = {}): CustomerRecord {
  return {
    id: 'c1',
    name: 'Li Lei',
    company: 'Acme Ltd',
    phone: '13812345678',
    email: 'lilei@example.com',
    language: 'zh-CN',
    tier: 'standard',
    ...over,
  };
}

export function task(over: Partial<CoordinationTask> & Pick<CoordinationTask, 'id' | 'departmentId'>): CoordinationTask {
  return {
    ticketId: TICKET_ID,
    role: 'diagnose_fix',
    note: '',
    status: 'open',
    ownerId: null,
    outcome: null,
    createdBy: 'alice',
    createdAt: at('2027-03-01T09:00:00Z'),
    updatedAt: at('2027-03-01T09:00:00Z'),
    ...over,
  };
}

export function escalation(over: Partial<Escalation> = {}): Escalation {
  return {
    id: 'e1',
    ticketId: TICKET_ID,
    departmentId: 'technical',
    trigger: 'sla_breach',
    reason: '',
    level: 2,
    status: 'open',
    notified: ['erin'],
    nextStepAt: at('2027-03-01T10:15:00Z'),
    acknowledgedBy: null,
    acknowledgedAt: null,
    createdAt: at('2027-03-01T09:30:00Z'),
    updatedAt: at('2027-03-01T09:30:00Z'),
    ...over,
  };
}

export interface StateOverrides {
  ticket?: Partial<TicketRecord>;
  customer?: Partial<CustomerRecord>;
  /** By default one running first-response clock due at 11:30. */
  clocks?: SlaClock[];
  tasks?: CoordinationTask[];
  escalations?: Escalation[];
}

/** The ticket with its customer, the technical department responsible, and `over` on top. */
export function state(over: StateOverrides = {}): TicketState {
  return {
    ticket: ticket(over.ticket),
    customer: customer(over.customer),
    departments: [{ departmentId: 'technical', role: 'responsible' }],
    clocks: Object.fromEntries((over.clocks ?? [running('first_response', at('2027-03-01T11:30:00Z'))]).map((c) => [c.kind, c])),
    tasks: over.tasks ?? [],
    escalations: over.escalations ?? [],
  };
}

/**
 * A maker of stored events from `source`, each at 09:<seq> on the day (seq below 60), chained by
 * hashes h0, h1, … counted per maker; the actor is the system unless given.
 */
export function eventMaker(source: StoredEvent['source']) {
  let n = 0;
  return (seq: number, type: string, data: Record<string, unknown>, actor: StoredEvent['actor'] = { kind: 'system' }): StoredEvent => ({
    seq,
    type,
    actor,
    source,
    data,
    createdAt: `2027-03-01T09:${String(seq % 60).padStart(2, '0')}:00Z`,
    prevHash: `h${n}`,
    hash: `h${++n}`,
  });
}

/** A normal fault as the HTTP API opens it: routed to technical (dave the agent, erin the supervisor). */
export const routerFault: CreateTicketInput = {
  customer: { name: 'Zhang San', phone: '13800138000', language: 'en' },
  product: 'Router R1',
  orderNumber: 'SO-1',
  description: 'The router is broken and does not work',
  severity: 'normal',
  source: 'api',
  actor: { kind: 'api' },
};
