import { and, asc, desc, eq, inArray, lt, lte, notInArray, or, sql } from 'drizzle-orm';
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  Actor,
  StoredSurvey,
  SurveyAnswer,
  CoordinationTask,
  Escalation,
  TicketRef,
  CustomerRecord,
  EventDraft,
  IdempotencyRequest,
  NewTicketPlan,
  OutboxDraft,
  TicketChange,
  TicketDetail,
  TicketFilter,
  TicketRecord,
  TicketState,
  TicketStore,
} from '../app/ports.js';
import { mergeSurveys } from '../app/merge-surveys.js';
import { eventHash, GENESIS_HASH } from '../core/audit.js';
import { openPayload, personalRefs, sealPayload, type PersonalValue } from '../core/personal.js';
import { ConflictError, ErrorCode, NotFoundError } from '../core/errors.js';
import type { RoutedDepartment } from '../core/route.js';
import type { SlaClock } from '../core/sla/clocks.js';
import type { ClockSet } from '../core/sla/lifecycle.js';
import { isLifecycleTimer, type LifecycleTimer, type LifecycleTimers } from '../core/lifecycle-timers.js';
import type { ClockKind } from '../core/types.js';
import { factsAfterChange, factsFromLog } from '../app/ticket-facts.js';
import { WALL_CLOCK_FACTS, type FactsContext, type TicketFacts } from '../core/reports/facts.js';
import type { Db } from './client.js';
import { FACTS_UPDATE_SET, factsColumns, factsColumnsJson, readFacts, readFactsMany, writeFacts } from './facts-rows.js';
import {
  coordinationTasks,
  customers,
  escalations,
  idempotencyKeys,
  surveys,
  outbox,
  personalData,
  slaClocks,
  ticketDepartments,
  ticketEvents,
  ticketNumberSeq,
  tickets,
} from './schema.js';
import { readEventRow } from './event-row.js';
import {
  CLOCK_RECORD,
  clockRecord,
  ESCALATION_RECORD,
  escalationRecord,
  EVENT_RECORD,
  eventRecord,
  excludedSet,
  OUTBOX_RECORD,
  outboxRecord,
  PERSONAL_RECORD,
  personalRecord,
  recordColumns,
} from './record-json.js';

/** An outbox row just written, for the delivery fast path. */
export interface QueuedRow {
  id: number;
  destination: string;
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Executor = Db | Tx;

export function formatTicketNumber(n: number | bigint): string {
  return `AC-${String(n).padStart(6, '0')}`;
}

function clockToRow(ticketId: string, c: SlaClock): typeof slaClocks.$inferInsert {
  return {
    ticketId,
    kind: c.kind,
    status: c.status,
    budgetMs: c.budgetMs,
    consumedMs: c.consumedMs,
    startedAt: c.startedAt,
    segmentStartedAt: c.segmentStartedAt,
    deadline: c.deadline,
    remindAt: c.remindAt,
    calendarId: c.calendarId,
    stoppedAt: c.stoppedAt,
    remindedAt: c.remindedAt,
    breachedAt: c.breachedAt,
    version: c.version,
  };
}

function rowToClock(r: typeof slaClocks.$inferSelect): SlaClock {
  return {
    kind: r.kind as ClockKind,
    status: r.status as SlaClock['status'],
    budgetMs: r.budgetMs,
    consumedMs: r.consumedMs,
    startedAt: r.startedAt,
    segmentStartedAt: r.segmentStartedAt,
    deadline: r.deadline,
    remindAt: r.remindAt,
    calendarId: r.calendarId,
    stoppedAt: r.stoppedAt,
    remindedAt: r.remindedAt,
    breachedAt: r.breachedAt,
    version: r.version,
  };
}

/** Lifecycle timers share the clocks table: one row per timer kind, `breached_at` = when it fired. */
function lifecycleToClock(t: LifecycleTimer): SlaClock {
  return {
    kind: t.kind as unknown as SlaClock['kind'],
    status: t.status,
    budgetMs: t.deadline ? t.deadline.getTime() - t.startedAt.getTime() : 0,
    consumedMs: 0,
    startedAt: t.startedAt,
    segmentStartedAt: t.status === 'running' ? t.startedAt : null,
    deadline: t.deadline,
    remindAt: null,
    calendarId: null,
    stoppedAt: t.stoppedAt,
    remindedAt: null,
    breachedAt: t.firedAt,
    version: t.version,
  };
}

function rowToLifecycle(r: typeof slaClocks.$inferSelect): LifecycleTimer {
  return {
    kind: r.kind as LifecycleTimer['kind'],
    status: r.status === 'running' ? 'running' : 'stopped',
    startedAt: r.startedAt,
    deadline: r.deadline,
    firedAt: r.breachedAt,
    stoppedAt: r.stoppedAt,
    version: r.version,
  };
}

function rowToSurvey(a: typeof surveys.$inferSelect): StoredSurvey {
  return { kind: a.kind as StoredSurvey['kind'], csat: a.csat, nps: a.nps, answer: a.answer, comment: a.comment, answeredAt: a.answeredAt };
}

export function rowToCustomer(r: typeof customers.$inferSelect): CustomerRecord {
  return {
    id: r.id,
    name: r.name,
    company: r.company,
    phone: r.phone,
    email: r.email,
    language: r.language,
    tier: r.tier as CustomerRecord['tier'],
    ...(r.erasedAt && { erasedAt: r.erasedAt }),
  };
}

function rowToTicket(r: typeof tickets.$inferSelect): TicketRecord {
  const { eventCount: _n, lastEventHash: _h, ...rest } = r;
  return rest as TicketRecord;
}

function taskToRow(t: CoordinationTask): typeof coordinationTasks.$inferInsert {
  return { ...t };
}

/** The Postgres implementation of {@link TicketStore}. */
export class PgTicketStore implements TicketStore {
  /** `facts` gives each department's calendar for the business-time figures of `ticket_facts`. */
  constructor(
    private readonly db: Db,
    private readonly facts: FactsContext = WALL_CLOCK_FACTS,
  ) {}

  async create(
    build: (number: string) => NewTicketPlan,
    idempotency?: IdempotencyRequest,
  ): Promise<{ state: TicketState; replayed: boolean; outbox: QueuedRow[] }> {
    if (!idempotency) return this.createInOneStatement(build);
    return this.db.transaction(async (tx) => {
      if (idempotency) {
        // Serialise requests with the same key; the loser finds the winner's row.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${idempotency.key}, 0))`);
        const [seen] = await tx.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, idempotency.key));
        if (seen) {
          if (seen.requestHash !== idempotency.requestHash) {
            throw new ConflictError(ErrorCode.IdempotencyConflict, 'Idempotency-Key was already used with a different request', {
              key: idempotency.key,
            });
          }
          const state = await loadState(tx, eq(tickets.id, seen.ticketId), false);
          if (!state) throw new NotFoundError('ticket', seen.ticketId);
          return { state, replayed: true, outbox: [] };
        }
      }
      const [{ n }] = (await tx.execute(sql`select nextval(${ticketNumberSeq.seqName}) as n`)) as unknown as [{ n: string }];
      const plan = build(formatTicketNumber(BigInt(n)));
      const ticket = { ...plan.ticket, number: formatTicketNumber(BigInt(n)) };
      const chain = chainEvents(ticket.id, ticket.customerId, plan.events, ticket.createdAt, { count: 0, lastHash: null });
      if (!plan.customerExists) await tx.insert(customers).values(plan.customer);
      await tx.insert(tickets).values({ ...ticket, eventCount: chain.head.count, lastEventHash: chain.head.lastHash });
      await insertDepartments(tx, ticket.id, plan.departments, ticket.createdAt);
      await upsertClocks(tx, ticket.id, plan.clocks);
      await upsertEscalations(tx, plan.escalations);
      if (chain.rows.length) await tx.insert(ticketEvents).values(chain.rows);
      await insertPersonal(tx, chain.personal);
      await writeFacts(tx, factsAfterChange(undefined, { ticket, departments: plan.departments }, plan.events, ticket.createdAt, this.facts));
      const queued = await insertOutbox(tx, ticket.id, plan.outbox, ticket.createdAt);
      if (idempotency) {
        await tx.insert(idempotencyKeys).values({
          key: idempotency.key,
          requestHash: idempotency.requestHash,
          ticketId: ticket.id,
          createdAt: ticket.createdAt,
        });
      }
      // The state is exactly what was just written: no need to read it back.
      const state: TicketState = {
        ticket,
        customer: plan.customer,
        departments: plan.departments,
        clocks: plan.clocks,
        tasks: [],
        escalations: plan.escalations,
      };
      return { state, replayed: false, outbox: queued };
    });
  }

  /**
   * The common create, without an idempotency key, in two round trips: the number from the
   * sequence, then one statement whose CTEs insert the customer, ticket, departments, clocks,
   * escalations, events and outbox rows (a single statement is atomic).
   */
  private async createInOneStatement(build: (number: string) => NewTicketPlan): Promise<{ state: TicketState; replayed: boolean; outbox: QueuedRow[] }> {
    // drizzle's postgres.js client leaves Dates unserialised: pass ISO strings.
    const pg = this.db.$client;
    const [seq] = await pg<{ n: string }[]>`select nextval('ticket_number_seq')::text as n`;
    const number = formatTicketNumber(BigInt(seq!.n));
    const plan = build(number);
    const t = { ...plan.ticket, number };
    const at = t.createdAt;
    const chain = chainEvents(t.id, t.customerId, plan.events, at, { count: 0, lastHash: null });
    const c = plan.customer;
    const json = (v: unknown) => JSON.stringify(v);
    const departmentsRows = plan.departments.map((d, i) => ({ ticket_id: t.id, department_id: d.departmentId, role: d.role, added_at: new Date(at.getTime() + i) }));
    const clockRows = Object.values(plan.clocks).map((k) => clockRecord(clockToRow(t.id, k)));
    const escalationRows = plan.escalations.map(escalationRecord);
    const eventRows = chain.rows.map(eventRecord);
    const personalRows = chain.personal.map(personalRecord);
    const outboxRows = plan.outbox.map((o) => outboxRecord(t.id, o, at));
    const facts = factsColumnsJson(factsAfterChange(undefined, { ticket: t, departments: plan.departments }, plan.events, at, this.facts));
    const rows = await pg<{ id: string; destination: string }[]>`
      with c as (
        insert into customers (id, name, company, phone, email, language, tier, created_at)
        select ${c.id}::uuid, ${c.name}, ${c.company}, ${c.phone}, ${c.email}, ${c.language}, ${c.tier}, ${at.toISOString()}::timestamptz
        where ${!plan.customerExists}::boolean
      ), t as (
        insert into tickets (id, number, status, category, severity, tier, customer_id, owner_id, primary_department_id, product,
          order_number, description, expected_by, source, complex, flagged, resolution, version, event_count, last_event_hash,
          created_at, updated_at, resolved_at, closed_at)
        values (${t.id}::uuid, ${number}, ${t.status}, ${t.category}, ${t.severity}, ${t.tier}, ${t.customerId}::uuid, ${t.ownerId},
          ${t.primaryDepartmentId}, ${t.product}, ${t.orderNumber}, ${t.description}, ${t.expectedBy?.toISOString() ?? null}::timestamptz, ${t.source},
          ${t.complex}, ${t.flagged}, ${t.resolution ? json(t.resolution) : null}::jsonb, ${t.version}, ${chain.head.count},
          ${chain.head.lastHash}, ${at.toISOString()}::timestamptz, ${t.updatedAt.toISOString()}::timestamptz, null, null)
      ), d as (
        insert into ticket_departments (ticket_id, department_id, role, added_at)
        select * from json_to_recordset(${json(departmentsRows)}::json)
          as x(ticket_id uuid, department_id text, role text, added_at timestamptz)
      ), k as (
        insert into sla_clocks (${pg.unsafe(recordColumns(CLOCK_RECORD))})
        select * from json_to_recordset(${json(clockRows)}::json) as x(${pg.unsafe(CLOCK_RECORD)})
      ), x as (
        insert into escalations (${pg.unsafe(recordColumns(ESCALATION_RECORD))})
        select * from json_to_recordset(${json(escalationRows)}::json) as x(${pg.unsafe(ESCALATION_RECORD)})
      ), e as (
        insert into ticket_events (${pg.unsafe(recordColumns(EVENT_RECORD))})
        select * from json_to_recordset(${json(eventRows)}::json) as x(${pg.unsafe(EVENT_RECORD)})
      ), p as (
        insert into personal_data (${pg.unsafe(recordColumns(PERSONAL_RECORD))})
        select * from json_to_recordset(${json(personalRows)}::json) as x(${pg.unsafe(PERSONAL_RECORD)})
      ), f as (
        insert into ticket_facts select * from json_populate_record(null::ticket_facts, ${facts}::json)
      ), o as (
        insert into outbox (${pg.unsafe(recordColumns(OUTBOX_RECORD))})
        select * from json_to_recordset(${json(outboxRows)}::json) as x(${pg.unsafe(OUTBOX_RECORD)})
        returning id, destination
      )
      select id::text as id, destination from o order by id`;
    const state: TicketState = { ticket: t, customer: plan.customer, departments: plan.departments, clocks: plan.clocks, tasks: [], escalations: plan.escalations };
    return { state, replayed: false, outbox: rows.map((r) => ({ id: Number(r.id), destination: r.destination })) };
  }

  async mutate<T>(ref: TicketRef, decide: (state: TicketState) => TicketChange<T>): Promise<{ result: T; state: TicketState; outbox: QueuedRow[] }> {
    return this.db.transaction(async (tx) => {
      const where = typeof ref === 'string' ? eq(tickets.number, ref) : eq(tickets.id, ref.id);
      const [row] = await tx.select().from(tickets).where(where).for('update');
      if (!row) throw new NotFoundError('ticket', typeof ref === 'string' ? ref : ref.id);
      const id = row.id;
      // Under the row lock nothing else changes the ticket's facts: read with its other rows.
      const [states, stored] = await Promise.all([loadStates(tx, [id], new Map([[id, row]])), readFacts(tx, id)]);
      const state = states.get(id)!;
      const change = decide(state);
      // A ticket older than the facts table folds its log now, before its new events are written.
      const prevFacts = change.events.length > 0 ? await factsBefore(tx, stored, state, row.eventCount > 0, this.facts) : undefined;
      const now = change.ticket?.updatedAt ?? new Date();
      const chain = chainEvents(id, state.ticket.customerId, change.events, now, { count: row.eventCount, lastHash: row.lastEventHash });
      const patch = change.ticket && Object.keys(change.ticket).length > 0 ? { ...change.ticket, version: state.ticket.version + 1 } : {};
      // The writes depend on no answer of one another: sent together, they reach Postgres on the
      // transaction's one connection in this order and cost one round trip instead of one each.
      const writes = new Pipeline();
      if (chain.rows.length > 0 || Object.keys(patch).length > 0) {
        writes.send(tx.update(tickets).set({ ...patch, eventCount: chain.head.count, lastEventHash: chain.head.lastHash }).where(eq(tickets.id, id)));
      }
      if (change.addDepartments?.length) writes.send(insertDepartments(tx, id, change.addDepartments, now));
      if (change.clocks) writes.send(upsertClocks(tx, id, change.clocks));
      if (change.lifecycle && Object.keys(change.lifecycle).length) writes.send(upsertLifecycle(tx, id, change.lifecycle));
      for (const t of change.tasks ?? []) {
        writes.send(
          tx
            .insert(coordinationTasks)
            .values(taskToRow(t))
            .onConflictDoUpdate({
              target: coordinationTasks.id,
              set: { status: t.status, ownerId: t.ownerId, outcome: t.outcome, note: t.note, updatedAt: t.updatedAt },
            }),
        );
      }
      if (change.escalations?.length) writes.send(upsertEscalations(tx, change.escalations));
      for (const a of change.surveys ?? []) writes.send(upsertSurvey(tx, id, a, now));
      if (chain.rows.length) writes.send(tx.insert(ticketEvents).values(chain.rows));
      writes.send(insertPersonal(tx, chain.personal));
      const next = applyChange(state, change, patch);
      if (change.events.length > 0) writes.send(writeFacts(tx, factsAfterChange(prevFacts, next, change.events, now, this.facts)));
      const queued = writes.add(insertOutbox(tx, id, change.outbox ?? [], now));
      await writes.done();
      return { result: change.result, state: next, outbox: await queued };
    });
  }

  /**
   * {@link mutate} for many tickets in one transaction: locks them (in id order, so two
   * batches never deadlock), loads them in one go, lets `decide` look at each, reads their
   * report facts, then writes the chain heads, clocks, escalations, events, personal values,
   * report facts and outbox rows of all of them in one statement (each kind of row one JSON
   * parameter). Made for timer fires; a ticket patch beyond `updatedAt`, departments, tasks
   * and surveys are written per ticket. Tickets not found are left out of the result.
   */
  async mutateMany<T>(
    ids: string[],
    decide: (state: TicketState) => TicketChange<T>,
  ): Promise<Map<string, { result: T; state: TicketState; outbox: QueuedRow[] }>> {
    const out = new Map<string, { result: T; state: TicketState; outbox: QueuedRow[] }>();
    if (ids.length === 0) return out;
    return this.db.transaction(async (tx) => {
      const locked = await tx.select().from(tickets).where(inArray(tickets.id, [...new Set(ids)])).orderBy(asc(tickets.id)).for('update');
      const states = await loadStates(tx, locked.map((r) => r.id), new Map(locked.map((r) => [r.id, r])));
      const clockRows = new Map<string, Record<string, unknown>>();
      const escs = new Map<string, Record<string, unknown>>();
      const events: Record<string, unknown>[] = [];
      const personal: Record<string, unknown>[] = [];
      const drafts: Record<string, unknown>[] = [];
      const decided: { id: string; state: TicketState; change: TicketChange<T>; patch: Partial<TicketRecord>; now: Date; hadEvents: boolean }[] = [];
      // New chain heads, with the version and updatedAt of a change that sets nothing else on the ticket.
      const heads: { id: string; count: number; hash: string | null; version: number | null; updated_at: Date | null }[] = [];
      for (const row of locked) {
        const state = states.get(row.id)!;
        const change = decide(state);
        const now = change.ticket?.updatedAt ?? new Date();
        const chain = chainEvents(row.id, row.customerId, change.events, now, { count: row.eventCount, lastHash: row.lastEventHash });
        const patch: Partial<TicketRecord> = change.ticket && Object.keys(change.ticket).length > 0 ? { ...change.ticket, version: state.ticket.version + 1 } : {};
        const onlyStamp = Object.keys(patch).every((k) => k === 'updatedAt' || k === 'version');
        if (!onlyStamp) {
          // Rare in a batch (a lifecycle close): its own statement.
          await tx
            .update(tickets)
            .set({ ...patch, eventCount: chain.head.count, lastEventHash: chain.head.lastHash })
            .where(eq(tickets.id, row.id));
        } else if (chain.rows.length > 0 || patch.version !== undefined) {
          heads.push({ id: row.id, count: chain.head.count, hash: chain.head.lastHash, version: patch.version ?? null, updated_at: patch.updatedAt ?? null });
        }
        // Rare in a batch (timers do not route or add tasks): written per ticket.
        if (change.addDepartments?.length) await insertDepartments(tx, row.id, change.addDepartments, now);
        for (const t of change.tasks ?? []) {
          await tx
            .insert(coordinationTasks)
            .values(taskToRow(t))
            .onConflictDoUpdate({ target: coordinationTasks.id, set: { status: t.status, ownerId: t.ownerId, outcome: t.outcome, note: t.note, updatedAt: t.updatedAt } });
        }
        for (const a of change.surveys ?? []) await upsertSurvey(tx, row.id, a, now);
        // One row per clock and per escalation: the last version of it wins, as written one after another.
        for (const c of Object.values(change.clocks ?? {})) clockRows.set(`${row.id}:${c.kind}`, clockRecord(clockToRow(row.id, c)));
        for (const t of Object.values(change.lifecycle ?? {})) clockRows.set(`${row.id}:${t.kind}`, clockRecord(clockToRow(row.id, lifecycleToClock(t))));
        for (const e of change.escalations ?? []) escs.set(e.id, escalationRecord(e));
        for (const e of chain.rows) events.push(eventRecord(e));
        for (const p of chain.personal) personal.push(personalRecord(p));
        for (const draft of change.outbox ?? []) drafts.push(outboxRecord(row.id, draft, now));
        decided.push({ id: row.id, state, change, patch, now, hadEvents: row.eventCount > 0 });
      }
      // The report facts: those of the whole batch read in one statement, before its events are written.
      const moving = decided.filter((d) => d.change.events.length > 0);
      const known = await readFactsMany(tx, moving.map((d) => d.id));
      const facts: Record<string, unknown>[] = [];
      const next = new Map<string, TicketState>();
      for (const d of decided) {
        const after = applyChange(d.state, d.change, d.patch);
        next.set(d.id, after);
        if (d.change.events.length > 0) {
          const prev = await factsBefore(tx, known.get(d.id), d.state, d.hadEvents, this.facts);
          facts.push(factsColumns(factsAfterChange(prev, after, d.change.events, d.now, this.facts)));
        }
      }
      const queued = heads.length + clockRows.size + escs.size + events.length + drafts.length > 0 ? await writeBatch(tx, { heads, clocks: [...clockRows.values()], escalations: [...escs.values()], events, personal, facts, outbox: drafts }) : [];
      const queuedBy = new Map<string, QueuedRow[]>();
      for (const q of queued) queuedBy.set(q.ticketId, [...(queuedBy.get(q.ticketId) ?? []), { id: q.id, destination: q.destination }]);
      for (const d of decided) out.set(d.id, { result: d.change.result, state: next.get(d.id)!, outbox: queuedBy.get(d.id) ?? [] });
      return out;
    });
  }

  /** The ticket's report figures as last committed. */
  async factsOf(ticketId: string): Promise<TicketFacts | undefined> {
    return readFacts(this.db, ticketId);
  }

  async get(number: string): Promise<TicketDetail | undefined> {
    const [row] = await this.db.select().from(tickets).where(eq(tickets.number, number));
    if (!row) return undefined;
    // The related rows and the log in parallel; the log as far as the head read with the ticket,
    // so events and chain head agree even when a change commits meanwhile.
    const [states, events] = await Promise.all([
      loadStates(this.db, [row.id], new Map([[row.id, row]])),
      this.db
        .select()
        .from(ticketEvents)
        .where(and(eq(ticketEvents.ticketId, row.id), lte(ticketEvents.seq, row.eventCount)))
        .orderBy(asc(ticketEvents.seq)),
    ]);
    const state = states.get(row.id)!;
    return {
      ...state,
      chainHead: { count: row.eventCount, lastHash: row.lastEventHash },
      // loadStates read the surveys already.
      surveys: state.surveys ?? [],
      events: (await openEvents(this.db, events)).map((e) => ({ ...readEventRow(e, state.ticket.number), ...(e.chained && { chained: e.chained }) })),
    };
  }

  /** Tickets by number, in the order given. */
  async byNumbers(numbers: string[]): Promise<TicketState[]> {
    if (numbers.length === 0) return [];
    const rows = await this.db.select({ id: tickets.id, number: tickets.number }).from(tickets).where(inArray(tickets.number, numbers));
    const states = await loadStates(this.db, rows.map((r) => r.id));
    const byNumber = new Map([...states.values()].map((s) => [s.ticket.number, s]));
    return numbers.map((n) => byNumber.get(n)).filter((s) => s !== undefined);
  }

  async list(filter: TicketFilter): Promise<TicketState[]> {
    const conds = [];
    if (filter.status) conds.push(eq(tickets.status, filter.status));
    if (filter.severity) conds.push(eq(tickets.severity, filter.severity));
    if (filter.ownerId) conds.push(eq(tickets.ownerId, filter.ownerId));
    if (filter.open) conds.push(notInArray(tickets.status, ['resolved', 'closed']));
    if (filter.departmentId) {
      conds.push(
        inArray(
          tickets.id,
          this.db.select({ id: ticketDepartments.ticketId }).from(ticketDepartments).where(eq(ticketDepartments.departmentId, filter.departmentId)),
        ),
      );
    }
    if (filter.cursor) {
      const c = filter.cursor;
      conds.push(or(lt(tickets.createdAt, c.createdAt), and(eq(tickets.createdAt, c.createdAt), lt(tickets.id, c.id)))!);
    }
    const rows = await this.db
      .select({ id: tickets.id })
      .from(tickets)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(desc(tickets.createdAt), desc(tickets.id))
      .limit(filter.limit);
    if (rows.length === 0) return [];
    const states = await loadStates(this.db, rows.map((r) => r.id));
    return rows.map((r) => states.get(r.id)!).filter(Boolean);
  }
}

/** The state after a change, built from what was written instead of read back. */
function applyChange<T>(state: TicketState, change: TicketChange<T>, patch: Partial<TicketRecord>): TicketState {
  const upsert = <R extends { id: string }>(list: R[], changed: R[] | undefined): R[] => {
    if (!changed?.length) return list;
    const byId = new Map(list.map((r) => [r.id, r]));
    for (const r of changed) byId.set(r.id, r);
    return [...byId.values()];
  };
  const known = new Set(state.departments.map((d) => d.departmentId));
  const roles = new Map((change.addDepartments ?? []).map((d) => [d.departmentId, d.role]));
  return {
    ticket: { ...state.ticket, ...patch },
    customer: state.customer,
    departments: [
      ...state.departments.map((d) => ({ ...d, role: roles.get(d.departmentId) ?? d.role })),
      ...(change.addDepartments ?? []).filter((d) => !known.has(d.departmentId)),
    ],
    clocks: { ...state.clocks, ...change.clocks },
    lifecycle: { ...state.lifecycle, ...change.lifecycle },
    tasks: upsert(state.tasks, change.tasks),
    escalations: upsert(state.escalations, change.escalations),
    surveys: mergeSurveys(state.surveys ?? [], change.surveys ?? [], change.ticket?.updatedAt ?? new Date()),
  };
}

export async function eventLog(ex: Executor, ticketId: string): Promise<{ type: string; actor: Actor; data: Record<string, unknown>; createdAt: string }[]> {
  const rows = await ex
    .select({ type: ticketEvents.type, actor: ticketEvents.actor, data: ticketEvents.data, createdAt: ticketEvents.createdAt })
    .from(ticketEvents)
    .where(eq(ticketEvents.ticketId, ticketId))
    .orderBy(asc(ticketEvents.seq));
  return rows.map((r) => ({ type: r.type, actor: r.actor as Actor, data: r.data as Record<string, unknown>, createdAt: r.createdAt }));
}

/**
 * Statements of one transaction sent without waiting for each other's answers (postgres.js
 * pipelines them on the transaction's connection, in the order they were started). Every
 * promise is watched from the moment it is added, so a failure is reported by {@link done}
 * (or {@link guard}) and never left unhandled.
 */
class Pipeline {
  private readonly pending: Promise<unknown>[] = [];

  add<T>(work: PromiseLike<T>): Promise<T> {
    const p = Promise.resolve(work);
    p.catch(() => undefined);
    this.pending.push(p);
    return p;
  }

  /** {@link add} for a statement whose answer is not needed (its failure still reaches {@link done}). */
  send(work: PromiseLike<unknown>): void {
    void this.add(work);
  }

  /** Waits for `work`; when it fails, waits for the statements already sent first, so none is still running. */
  async guard<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      await Promise.allSettled(this.pending);
      throw err;
    }
  }

  /** Resolves when every statement succeeded; rejects with the first failure once all have settled. */
  async done(): Promise<void> {
    const results = await Promise.allSettled(this.pending);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

async function loadState(
  ex: Executor,
  where: ReturnType<typeof eq>,
  lock: boolean,
): Promise<TicketState | undefined> {
  const q = ex.select().from(tickets).where(where);
  const [row] = lock ? await q.for('update') : await q;
  if (!row) return undefined;
  const states = await loadStates(ex, [row.id], new Map([[row.id, row]]));
  return states.get(row.id);
}

/** Loads the related rows of many tickets in a handful of queries. */
export async function loadStates(
  ex: Executor,
  ids: string[],
  known = new Map<string, typeof tickets.$inferSelect>(),
): Promise<Map<string, TicketState>> {
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length) for (const r of await ex.select().from(tickets).where(inArray(tickets.id, missing))) known.set(r.id, r);
  const rows = ids.map((id) => known.get(id)).filter((r) => r !== undefined);
  const [custs, depts, clocks, tasks, escs, answers] = await Promise.all([
    ex.select().from(customers).where(inArray(customers.id, [...new Set(rows.map((r) => r.customerId))])),
    ex.select().from(ticketDepartments).where(inArray(ticketDepartments.ticketId, ids)).orderBy(asc(ticketDepartments.addedAt)),
    ex.select().from(slaClocks).where(inArray(slaClocks.ticketId, ids)),
    ex.select().from(coordinationTasks).where(inArray(coordinationTasks.ticketId, ids)).orderBy(asc(coordinationTasks.createdAt)),
    ex.select().from(escalations).where(inArray(escalations.ticketId, ids)).orderBy(asc(escalations.createdAt)),
    ex.select().from(surveys).where(inArray(surveys.ticketId, ids)).orderBy(asc(surveys.createdAt)),
  ]);
  const custById = new Map(custs.map((c) => [c.id, rowToCustomer(c)]));
  const out = new Map<string, TicketState>();
  for (const r of rows) {
    const clockSet: ClockSet = {};
    const lifecycle: LifecycleTimers = {};
    for (const c of clocks) {
      if (c.ticketId !== r.id) continue;
      if (isLifecycleTimer(c.kind)) lifecycle[c.kind] = rowToLifecycle(c);
      else clockSet[c.kind as ClockKind] = rowToClock(c);
    }
    // Departments keep their routing order: primary/responsible first.
    const ds = depts
      .filter((d) => d.ticketId === r.id)
      .map((d) => ({ departmentId: d.departmentId, role: d.role as RoutedDepartment['role'] }));
    out.set(r.id, {
      ticket: rowToTicket(r),
      customer: custById.get(r.customerId)!,
      departments: ds,
      clocks: clockSet,
      tasks: tasks.filter((t) => t.ticketId === r.id).map((t) => ({ ...t }) as CoordinationTask),
      escalations: escs.filter((e) => e.ticketId === r.id).map((e) => ({ ...e }) as Escalation),
      lifecycle,
      surveys: answers.filter((a) => a.ticketId === r.id).map(rowToSurvey),
    });
  }
  return out;
}

async function insertDepartments(ex: Executor, ticketId: string, list: RoutedDepartment[], at: Date): Promise<void> {
  if (list.length === 0) return;
  // Rows are inserted one millisecond apart so the routing order survives `order by added_at`.
  // A department already on the ticket keeps its place and takes the new role (re-routing).
  await ex
    .insert(ticketDepartments)
    .values(list.map((d, i) => ({ ticketId, departmentId: d.departmentId, role: d.role, addedAt: new Date(at.getTime() + i) })))
    .onConflictDoUpdate({ target: [ticketDepartments.ticketId, ticketDepartments.departmentId], set: { role: sql`excluded.role` } });
}

/**
 * The facts before a change: the row read under the lock (`stored`), else (a ticket older than
 * the facts table) a fold of its log, which must be read before the change's events are written.
 */
async function factsBefore(tx: Executor, stored: TicketFacts | undefined, before: TicketState, hadEvents: boolean, facts: FactsContext): Promise<TicketFacts | undefined> {
  return stored ?? (hadEvents ? factsFromLog(before, await eventLog(tx, before.ticket.id), facts) : undefined);
}

/**
 * The writes of a timer batch ({@link PgTicketStore.mutateMany}) in one statement: every kind
 * of row is one JSON parameter. Returns the outbox rows queued, by ticket, in id order.
 */
async function writeBatch(
  tx: Executor,
  rows: {
    heads: { id: string; count: number; hash: string | null; version: number | null; updated_at: Date | null }[];
    clocks: Record<string, unknown>[];
    escalations: Record<string, unknown>[];
    events: Record<string, unknown>[];
    personal: Record<string, unknown>[];
    facts: Record<string, unknown>[];
    outbox: Record<string, unknown>[];
  },
): Promise<{ id: number; destination: string; ticketId: string }[]> {
  const json = (v: unknown) => JSON.stringify(v);
  const raw = (s: string) => sql.raw(s);
  const queued = (await tx.execute(sql`
    with h as (
      update tickets t set event_count = x.count, last_event_hash = x.hash,
        version = coalesce(x.version, t.version), updated_at = coalesce(x.updated_at, t.updated_at)
      from json_to_recordset(${json(rows.heads)}::json) as x(id uuid, count int, hash text, version int, updated_at timestamptz)
      where t.id = x.id
    ), k as (
      insert into sla_clocks (${raw(recordColumns(CLOCK_RECORD))})
      select * from json_to_recordset(${json(rows.clocks)}::json) as x(${raw(CLOCK_RECORD)})
      on conflict (ticket_id, kind) do update set ${raw(excludedSet(CLOCK_RECORD, ['ticket_id', 'kind']))}
    ), x as (
      insert into escalations (${raw(recordColumns(ESCALATION_RECORD))})
      select * from json_to_recordset(${json(rows.escalations)}::json) as x(${raw(ESCALATION_RECORD)})
      on conflict (id) do update set ${raw(excludedSet('level, status, notified, next_step_at, acknowledged_by, acknowledged_at, updated_at', []))}
    ), e as (
      insert into ticket_events (${raw(recordColumns(EVENT_RECORD))})
      select * from json_to_recordset(${json(rows.events)}::json) as x(${raw(EVENT_RECORD)})
    ), p as (
      insert into personal_data (${raw(recordColumns(PERSONAL_RECORD))})
      select * from json_to_recordset(${json(rows.personal)}::json) as x(${raw(PERSONAL_RECORD)})
    ), f as (
      insert into ticket_facts select * from json_populate_recordset(null::ticket_facts, ${json(rows.facts)}::json)
      on conflict (ticket_id) do update set ${raw(FACTS_UPDATE_SET)}
    ), o as (
      insert into outbox (${raw(recordColumns(OUTBOX_RECORD))})
      select * from json_to_recordset(${json(rows.outbox)}::json) as x(${raw(OUTBOX_RECORD)})
      returning id, destination, ticket_id
    )
    select id::text as id, destination, ticket_id::text as ticket_id from o order by id`)) as unknown as { id: string; destination: string; ticket_id: string }[];
  return queued.map((q) => ({ id: Number(q.id), destination: q.destination, ticketId: q.ticket_id }));
}

async function upsertLifecycle(ex: Executor, ticketId: string, timers: LifecycleTimers): Promise<void> {
  await upsertClockRows(ex, Object.values(timers).map((t) => clockToRow(ticketId, lifecycleToClock(t))));
}

async function upsertClocks(ex: Executor, ticketId: string, clocks: ClockSet): Promise<void> {
  await upsertClockRows(ex, Object.values(clocks).map((c) => clockToRow(ticketId, c)));
}

async function upsertClockRows(ex: Executor, rows: (typeof slaClocks.$inferInsert)[]): Promise<void> {
  if (rows.length === 0) return;
  await ex
    .insert(slaClocks)
    .values(rows)
    .onConflictDoUpdate({
      target: [slaClocks.ticketId, slaClocks.kind],
      set: {
        status: sql`excluded.status`,
        budgetMs: sql`excluded.budget_ms`,
        consumedMs: sql`excluded.consumed_ms`,
        startedAt: sql`excluded.started_at`,
        segmentStartedAt: sql`excluded.segment_started_at`,
        deadline: sql`excluded.deadline`,
        remindAt: sql`excluded.remind_at`,
        calendarId: sql`excluded.calendar_id`,
        stoppedAt: sql`excluded.stopped_at`,
        version: sql`excluded.version`,
        breachedAt: sql`excluded.breached_at`,
        remindedAt: sql`excluded.reminded_at`,
      },
    });
}

/**
 * Extends a ticket's hash chain from its recorded head (read under the ticket's row lock,
 * or zero for a new ticket): the rows to insert, the personal values kept apart from the
 * chain (core/personal.ts: the events hold commitments) and the new head.
 */
export function chainEvents(
  ticketId: string,
  customerId: string,
  events: EventDraft[],
  at: Date,
  from: { count: number; lastHash: string | null },
): { rows: (typeof ticketEvents.$inferInsert)[]; personal: (typeof personalData.$inferInsert)[]; head: { count: number; lastHash: string | null } } {
  let seq = from.count;
  let prev = from.lastHash ?? GENESIS_HASH;
  const createdAt = at.toISOString();
  const personal: (typeof personalData.$inferInsert)[] = [];
  const rows = events.map((e) => {
    seq++;
    const sealed = sealPayload(e.type, e.actor, e.data, SEAL_IDS);
    for (const v of sealed.values) personal.push({ id: v.id, customerId, value: v.value, salt: v.salt, createdAt: at });
    const body = { ticketId, seq, type: e.type, actor: e.actor, platform: e.source, data: sealed.data, createdAt };
    const hash = eventHash(prev, body);
    const row = { ...body, prevHash: prev, hash };
    prev = hash;
    return row;
  });
  return { rows, personal, head: { count: seq, lastHash: events.length ? prev : from.lastHash } };
}

export const SEAL_IDS = { newId: randomUUID, salt: () => randomBytes(16).toString('hex') };

/** Event payloads as people read them: personal references replaced by their values (or the erased placeholder). */
export async function openEvents<E extends { data: unknown }>(ex: Executor, rows: E[]): Promise<(E & { chained?: Record<string, unknown> })[]> {
  const ids = rows.flatMap((r) => personalRefs(r.data as Record<string, unknown>).map((p) => p.$personal));
  if (ids.length === 0) return rows;
  const found = await ex.select({ id: personalData.id, value: personalData.value, salt: personalData.salt }).from(personalData).where(inArray(personalData.id, ids));
  const byId = new Map<string, PersonalValue>(found.map((v) => [v.id, v]));
  return rows.map((r) => {
    const data = r.data as Record<string, unknown>;
    const opened = openPayload(data, (id) => byId.get(id));
    return opened === data ? r : { ...r, data: opened, chained: data };
  });
}

async function insertPersonal(ex: Executor, rows: (typeof personalData.$inferInsert)[]): Promise<void> {
  if (rows.length) await ex.insert(personalData).values(rows);
}

async function insertOutbox(ex: Executor, ticketId: string, rows: OutboxDraft[], at: Date): Promise<QueuedRow[]> {
  if (rows.length === 0) return [];
  return ex
    .insert(outbox)
    .values(rows.map((r) => ({ ticketId, ...r, createdAt: at })))
    .returning({ id: outbox.id, destination: outbox.destination });
}

async function upsertSurvey(ex: Executor, ticketId: string, a: SurveyAnswer, at: Date): Promise<void> {
  const fields = {
    ...(a.csat !== undefined && { csat: a.csat }),
    ...(a.nps !== undefined && { nps: a.nps }),
    ...(a.answer !== undefined && { answer: a.answer }),
    ...(a.comment !== undefined && { comment: a.comment }),
  };
  await ex
    .insert(surveys)
    .values({ id: randomUUID(), ticketId, kind: a.kind, ...fields, answeredAt: at, createdAt: at })
    .onConflictDoUpdate({ target: [surveys.ticketId, surveys.kind], set: { ...fields, answeredAt: at } });
}

async function upsertEscalations(ex: Executor, list: Escalation[]): Promise<void> {
  for (const e of list) {
    await ex
      .insert(escalations)
      .values(e)
      .onConflictDoUpdate({
        target: escalations.id,
        set: {
          level: e.level,
          status: e.status,
          notified: e.notified,
          nextStepAt: e.nextStepAt,
          acknowledgedBy: e.acknowledgedBy,
          acknowledgedAt: e.acknowledgedAt,
          updatedAt: e.updatedAt,
        },
      });
  }
}
