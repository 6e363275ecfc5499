import { mergeSurveys } from './merge-surveys.js';
import { eventHash, GENESIS_HASH } from '../core/audit.js';
import { ConflictError, ErrorCode, NotFoundError } from '../core/errors.js';
import type { LifecycleTimers } from '../core/lifecycle-timers.js';
import { WALL_CLOCK_FACTS, type FactsContext, type TicketFacts } from '../core/reports/facts.js';
import type { RoutedDepartment } from '../core/route.js';
import { factsAfterChange } from './ticket-facts.js';
import type { ClockSet } from '../core/sla/lifecycle.js';
import type {
  Clock,
  CoordinationTask,
  CustomerRecord,
  Escalation,
  EventDraft,
  IdempotencyRequest,
  NewTicketPlan,
  OutboxDraft,
  QueuedOutboxRow,
  StoredEvent,
  StoredSurvey,
  TicketChange,
  TicketDepartment,
  TicketDetail,
  TicketFilter,
  TicketRecord,
  TicketRef,
  TicketState,
  TicketStore,
} from './ports.js';

/** An outbox row as the in-memory store keeps it. */
export interface MemoryOutboxRow extends QueuedOutboxRow {
  ticketId: string;
  kind: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

interface StoredTicket {
  ticket: TicketRecord;
  departments: TicketDepartment[];
  clocks: ClockSet;
  lifecycle: LifecycleTimers;
  tasks: CoordinationTask[];
  escalations: Escalation[];
  surveys: StoredSurvey[];
  events: StoredEvent[];
  head: { count: number; lastHash: string | null };
  facts: TicketFacts;
}

/** Same as the ticket number format of the Postgres store (`AC-000001`). */
function ticketNumber(n: number): string {
  return `AC-${String(n).padStart(6, '0')}`;
}

const copy = <T>(v: T): T => structuredClone(v);
/** What a jsonb column gives back: dates become ISO strings, undefined fields disappear. */
const asJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * A {@link TicketStore} held in memory, for fast tests of the use cases. It keeps the
 * guarantees of the Postgres store: a change is applied whole or not at all, mutations of
 * one ticket run one after another (a promise chain stands in for the row lock), events are
 * hash-chained, and nothing handed out shares objects with what is stored.
 */
export class MemoryTicketStore implements TicketStore {
  private readonly tickets = new Map<string, StoredTicket>();
  private readonly idsByNumber = new Map<string, string>();
  private readonly customers = new Map<string, CustomerRecord>();
  private readonly idempotency = new Map<string, { requestHash: string; ticketId: string }>();
  private readonly queued: MemoryOutboxRow[] = [];
  /** The tail of each ticket's mutation chain. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private lastNumber = 0;
  private lastOutboxId = 0;

  /**
   * `now` stamps a change that does not set `updatedAt` (the Postgres store uses the wall clock);
   * `factsContext` gives each department's calendar for the business-time figures.
   */
  constructor(
    private readonly now: Clock = () => new Date(),
    private readonly factsContext: FactsContext = WALL_CLOCK_FACTS,
  ) {}

  // eslint-disable-next-line @typescript-eslint/require-await -- async only so a throw becomes a rejection
  async create(
    build: (number: string) => NewTicketPlan,
    idempotency?: IdempotencyRequest,
  ): Promise<{ state: TicketState; replayed: boolean; outbox: QueuedOutboxRow[] }> {
    // Everything below runs synchronously (no await), so two creates with one key cannot interleave.
    if (idempotency) {
      const seen = this.idempotency.get(idempotency.key);
      if (seen) {
        if (seen.requestHash !== idempotency.requestHash) {
          throw new ConflictError(ErrorCode.IdempotencyConflict, 'Idempotency-Key was already used with a different request', {
            key: idempotency.key,
          });
        }
        return { state: this.stateOf(seen.ticketId), replayed: true, outbox: [] };
      }
    }
    // Like a sequence, a number is used up even when the plan fails.
    const number = ticketNumber(++this.lastNumber);
    const plan = build(number);
    const ticket: TicketRecord = { ...copy(plan.ticket), number };
    if (this.tickets.has(ticket.id)) throw new Error(`ticket ${ticket.id} already exists`);
    if (plan.customerExists) {
      if (!this.customers.has(plan.customer.id)) throw new Error(`customer ${plan.customer.id} does not exist`);
    } else if (this.customers.has(plan.customer.id)) {
      throw new Error(`customer ${plan.customer.id} already exists`);
    }
    if (ticket.customerId !== plan.customer.id && !this.customers.has(ticket.customerId)) {
      throw new Error(`customer ${ticket.customerId} does not exist`);
    }
    const head = { count: 0, lastHash: null as string | null };
    const events = chainEvents(ticket.id, plan.events, ticket.createdAt, head);
    const facts = factsAfterChange(undefined, { ticket, departments: plan.departments }, plan.events, ticket.createdAt, this.factsContext);
    const stored: StoredTicket = {
      ticket,
      departments: upsertDepartments([], plan.departments),
      clocks: copy(plan.clocks),
      lifecycle: {},
      tasks: [],
      escalations: copy(plan.escalations),
      surveys: [],
      events,
      head,
      facts,
    };
    const outbox = this.enqueue(ticket.id, plan.outbox, ticket.createdAt);
    if (!plan.customerExists) this.customers.set(plan.customer.id, copy(plan.customer));
    this.tickets.set(ticket.id, stored);
    this.idsByNumber.set(number, ticket.id);
    if (idempotency) this.idempotency.set(idempotency.key, { requestHash: idempotency.requestHash, ticketId: ticket.id });
    this.queued.push(...outbox);
    // As the Postgres store does: the customer of the plan, as written.
    const state = { ...this.stateOf(ticket.id), customer: copy(plan.customer) };
    return { state, replayed: false, outbox: outbox.map(({ id, destination }) => ({ id, destination })) };
  }

  mutate<T>(ref: TicketRef, decide: (state: TicketState) => TicketChange<T>): Promise<{ result: T; state: TicketState; outbox: QueuedOutboxRow[] }> {
    const id = typeof ref === 'string' ? this.idsByNumber.get(ref) : this.tickets.has(ref.id) ? ref.id : undefined;
    if (id === undefined) return Promise.reject(new NotFoundError('ticket', typeof ref === 'string' ? ref : ref.id));
    const previous = this.locks.get(id) ?? Promise.resolve();
    const run = previous.then(() => this.applyMutation(id, decide));
    const tail = run.catch(() => undefined);
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return run;
  }

  get(number: string): Promise<TicketDetail | undefined> {
    const id = this.idsByNumber.get(number);
    if (id === undefined) return Promise.resolve(undefined);
    const t = this.tickets.get(id)!;
    const state = this.stateOf(id);
    return Promise.resolve({ ...state, surveys: copy(t.surveys), events: copy(t.events), chainHead: { ...t.head } });
  }

  list(filter: TicketFilter): Promise<TicketState[]> {
    const c = filter.cursor;
    const rows = [...this.tickets.values()]
      .filter(({ ticket: t, departments }) => {
        if (filter.status && t.status !== filter.status) return false;
        if (filter.severity && t.severity !== filter.severity) return false;
        if (filter.ownerId && t.ownerId !== filter.ownerId) return false;
        if (filter.open && (t.status === 'resolved' || t.status === 'closed')) return false;
        if (filter.departmentId && !departments.some((d) => d.departmentId === filter.departmentId)) return false;
        if (c && !(t.createdAt.getTime() < c.createdAt.getTime() || (t.createdAt.getTime() === c.createdAt.getTime() && t.id < c.id))) return false;
        return true;
      })
      .sort((a, b) => b.ticket.createdAt.getTime() - a.ticket.createdAt.getTime() || (a.ticket.id < b.ticket.id ? 1 : a.ticket.id > b.ticket.id ? -1 : 0))
      .slice(0, filter.limit);
    return Promise.resolve(rows.map((r) => this.stateOf(r.ticket.id)));
  }

  factsOf(ticketId: string): Promise<TicketFacts | undefined> {
    const t = this.tickets.get(ticketId);
    return Promise.resolve(t ? copy(t.facts) : undefined);
  }

  /** Every outbox row written so far, oldest first (what the Postgres `outbox` table would hold). */
  outbox(): MemoryOutboxRow[] {
    return copy(this.queued);
  }

  private applyMutation<T>(id: string, decide: (state: TicketState) => TicketChange<T>): { result: T; state: TicketState; outbox: QueuedOutboxRow[] } {
    const current = this.tickets.get(id)!;
    const change = decide(this.stateOf(id));
    // The change is built on a copy and swapped in at the end, so a failure leaves nothing behind.
    const next = copy(current);
    const now = change.ticket?.updatedAt ?? this.now();
    const patch = definedFields(change.ticket ?? {});
    if (Object.keys(patch).length > 0) next.ticket = { ...next.ticket, ...copy(patch), version: current.ticket.version + 1 };
    next.events.push(...chainEvents(id, change.events, now, next.head));
    if (change.addDepartments?.length) next.departments = upsertDepartments(next.departments, change.addDepartments);
    if (change.clocks) next.clocks = { ...next.clocks, ...copy(change.clocks) };
    if (change.lifecycle) next.lifecycle = { ...next.lifecycle, ...copy(change.lifecycle) };
    for (const t of change.tasks ?? []) {
      const i = next.tasks.findIndex((x) => x.id === t.id);
      if (i < 0) next.tasks.push(copy(t));
      else {
        const { status, ownerId, outcome, note, updatedAt } = copy(t);
        next.tasks[i] = { ...next.tasks[i]!, status, ownerId, outcome, note, updatedAt };
      }
    }
    for (const e of change.escalations ?? []) {
      const i = next.escalations.findIndex((x) => x.id === e.id);
      if (i < 0) next.escalations.push(copy(e));
      else {
        const { level, status, notified, nextStepAt, acknowledgedBy, acknowledgedAt, updatedAt } = copy(e);
        next.escalations[i] = { ...next.escalations[i]!, level, status, notified, nextStepAt, acknowledgedBy, acknowledgedAt, updatedAt };
      }
    }
    next.surveys = mergeSurveys(next.surveys, change.surveys ?? [], now);
    if (change.events.length > 0) next.facts = factsAfterChange(current.facts, next, change.events, now, this.factsContext);
    const outbox = this.enqueue(id, change.outbox ?? [], now);
    this.tickets.set(id, next);
    this.queued.push(...outbox);
    return { result: change.result, state: this.stateOf(id), outbox: outbox.map(({ id: rowId, destination }) => ({ id: rowId, destination })) };
  }

  private enqueue(ticketId: string, drafts: OutboxDraft[], at: Date): MemoryOutboxRow[] {
    return drafts.map((d) => ({ id: ++this.lastOutboxId, ticketId, destination: d.destination, kind: d.kind, payload: asJson(d.payload), createdAt: at }));
  }

  private stateOf(id: string): TicketState {
    const t = this.tickets.get(id);
    if (!t) throw new NotFoundError('ticket', id);
    const customer = this.customers.get(t.ticket.customerId);
    if (!customer) throw new NotFoundError('customer', t.ticket.customerId);
    return copy({
      ticket: t.ticket,
      customer,
      departments: t.departments,
      clocks: t.clocks,
      tasks: t.tasks,
      escalations: t.escalations,
      lifecycle: t.lifecycle,
      surveys: t.surveys,
    });
  }
}

function definedFields<R extends object>(r: R): Partial<R> {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Partial<R>;
}

/** A department already on the ticket keeps its place and takes the new role (re-routing). */
function upsertDepartments(list: TicketDepartment[], added: RoutedDepartment[]): TicketDepartment[] {
  const out = list.map((d) => ({ ...d }));
  for (const d of added) {
    const known = out.find((x) => x.departmentId === d.departmentId);
    if (known) known.role = d.role;
    else out.push({ departmentId: d.departmentId, role: d.role });
  }
  return out;
}

/** Extends the chain from `head` (updated in place) and returns the new events. */
function chainEvents(ticketId: string, drafts: EventDraft[], at: Date, head: { count: number; lastHash: string | null }): StoredEvent[] {
  const createdAt = at.toISOString();
  return drafts.map((e) => {
    const seq = head.count + 1;
    const prevHash = head.lastHash ?? GENESIS_HASH;
    const data = asJson(e.data);
    const actor = asJson(e.actor);
    const hash = eventHash(prevHash, { ticketId, seq, type: e.type, actor, platform: e.source, data, createdAt });
    head.count = seq;
    head.lastHash = hash;
    return { seq, type: e.type, actor, source: e.source, data, createdAt, prevHash, hash };
  });
}
