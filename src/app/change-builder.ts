import { DEFAULT_LIFECYCLE, planLifecycleTimers, type LifecycleTimers } from '../core/lifecycle-timers.js';
import { applyClockTrigger, type ClockSet, type ClockTrigger } from '../core/sla/lifecycle.js';
import type { CustomerMessageKind, CustomerMessageMap, StaffMessageKind, StaffMessageMap, TicketEventMap, TicketEventType } from '../core/ticket-events.js';
import { transition, type TicketAction } from '../core/ticket-state.js';
import { clockContext, type UseCaseDeps } from './deps.js';
import type {
  Actor,
  CoordinationTask,
  Escalation,
  EventDraft,
  OutboxDraft,
  Source,
  TicketChange,
  TicketRecord,
  TicketState,
} from './ports.js';

export type { EscalationTrigger } from '../core/ticket-events.js';
import type { EscalationTrigger } from '../core/ticket-events.js';

/** Builds up one ticket change while a use case decides it; the store commits it in one transaction. */
export class ChangeBuilder {
  ticket: NonNullable<TicketChange<unknown>['ticket']> = {};
  clocks: ClockSet = {};
  lifecycle: LifecycleTimers = {};
  events: EventDraft[] = [];
  outbox: OutboxDraft[] = [];
  tasks: CoordinationTask[] = [];
  escalations: Escalation[] = [];
  addDepartments: NonNullable<TicketChange<unknown>['addDepartments']> = [];

  constructor(
    readonly deps: UseCaseDeps,
    readonly state: TicketState,
    readonly actor: Actor,
    readonly source: Source,
    readonly now: Date,
  ) {}

  get current(): TicketRecord {
    return { ...this.state.ticket, ...this.ticket };
  }

  get currentClocks(): ClockSet {
    return { ...this.state.clocks, ...this.clocks };
  }

  /** Records an event; its payload is checked against core/ticket-events.ts. */
  event<K extends TicketEventType>(type: K, data: TicketEventMap[K], actor: Actor = this.actor): void {
    // The compiler cannot tie `type` to `data` through K; the signature above does.
    this.events.push({ type, actor, source: actor.kind === 'system' ? 'system' : this.source, data } as EventDraft);
  }

  status(action: TicketAction): void {
    const from = this.current.status;
    const to = transition(from, action);
    if (to !== from) {
      this.ticket.status = to;
      this.event('ticket.status_changed', { from, to, action });
    }
  }

  /** Closes the ticket (`close` from resolved, `force_close` while open): the status, when, why, and the clocks stopped. */
  close(action: 'close' | 'force_close', why: TicketEventMap['ticket.closed']): void {
    this.status(action);
    this.ticket.closedAt = this.now;
    this.event('ticket.closed', why);
    this.clock({ type: 'closed' });
  }

  clock(trigger: ClockTrigger): void {
    const ctx = clockContext(this.deps, this.current);
    const merged = this.currentClocks;
    const changed = applyClockTrigger(merged, trigger, ctx, this.now);
    for (const c of Object.values(changed)) {
      const before = merged[c.kind];
      this.clocks[c.kind] = c;
      const what =
        c.status === 'stopped'
          ? 'stopped'
          : c.status === 'paused'
            ? 'paused'
            : before && before.status !== 'stopped'
              ? before.status === 'paused'
                ? 'resumed'
                : 'rescheduled'
              : 'started';
      this.event(`sla.clock_${what}` as const, { clock: c.kind, deadline: c.deadline?.toISOString() ?? null, budgetMs: c.budgetMs }, { kind: 'system' });
    }
  }

  private base(): { ticketId: string; number: string } {
    return { ticketId: this.state.ticket.id, number: this.state.ticket.number };
  }

  /** Queues one message; every outbox row goes through here, typed by core/ticket-events.ts. */
  private queue(destination: string, kind: StaffMessageKind | CustomerMessageKind, payload: Record<string, unknown>): void {
    this.outbox.push({ destination, kind, payload });
  }

  toCustomer<K extends CustomerMessageKind>(kind: K, payload: CustomerMessageMap[K]): void {
    this.queue(
      `customer:${this.state.ticket.customerId}`,
      kind,
      // Customers have no time zone of their own: they read times in the service's local time,
      // the zone of the ticket's primary department's calendar (e.g. Asia/Shanghai).
      { ...this.base(), language: this.state.customer.language, timeZone: this.deps.directory.timeZoneOf(this.state.ticket.primaryDepartmentId), ...payload },
    );
  }

  toStaff<K extends StaffMessageKind>(staffId: string, kind: K, payload: StaffMessageMap[K]): void {
    this.queue(`staff:${staffId}`, kind, { ...this.base(), ...payload });
  }

  toDepartment<K extends StaffMessageKind>(departmentId: string, kind: K, payload: StaffMessageMap[K]): void {
    this.queue(`department:${departmentId}`, kind, { ...this.base(), ...payload });
  }

  /** To the supervisors' escalation channel. */
  toEscalation<K extends 'escalation.ping' | 'escalation.acknowledged'>(kind: K, payload: StaffMessageMap[K]): void {
    this.queue('escalation', kind, { ...this.base(), ...payload });
  }

  /** To the owner, or to the owning department's channel while nobody owns the ticket. */
  toOwner<K extends StaffMessageKind>(kind: K, payload: StaffMessageMap[K]): void {
    const owner = this.current.ownerId;
    if (owner) this.toStaff(owner, kind, payload);
    else this.toDepartment(this.current.primaryDepartmentId, kind, payload);
  }

  /**
   * Re-renders the ticket card in the channel of each department the ticket is routed to
   * (but `except`). Departments only involved through a coordination task follow it on their
   * task card.
   */
  cardUpdate(except?: string): void {
    const depts = [...this.state.departments, ...this.addDepartments].filter((d) => d.role !== 'involved' && d.departmentId !== except).map((d) => d.departmentId);
    for (const d of new Set(depts)) this.toDepartment(d, 'ticket.card_update', {});
  }

  openEscalation(): Escalation | undefined {
    const merged = new Map(this.state.escalations.map((e) => [e.id, e]));
    for (const e of this.escalations) merged.set(e.id, e);
    return [...merged.values()].find((e) => e.status === 'open');
  }

  /**
   * Starts the escalation ladder at level 1 (SPEC §5), or notes the new trigger on the
   * ladder already running, so supervisors are not pinged twice for one ticket.
   */
  escalate(trigger: EscalationTrigger, reason: string, actor: Actor = this.actor): void {
    const open = this.openEscalation();
    if (open) {
      this.event('escalation.retriggered', { escalationId: open.id, trigger, reason, level: open.level }, actor);
      return;
    }
    const departmentId = this.current.primaryDepartmentId;
    const chain = this.deps.directory.escalationChain(departmentId);
    const first = chain[0];
    const notify = this.deps.directory.escalationRecipients(departmentId, 1, this.current.category);
    const esc: Escalation = {
      id: this.deps.newId(),
      ticketId: this.state.ticket.id,
      departmentId,
      trigger,
      reason,
      level: 1,
      status: first ? 'open' : 'exhausted',
      notified: notify,
      nextStepAt: first ? new Date(this.now.getTime() + first.ackTimeoutMs) : null,
      acknowledgedBy: null,
      acknowledgedAt: null,
      createdAt: this.now,
      updatedAt: this.now,
    };
    this.escalations.push(esc);
    this.event('ticket.escalated', { escalationId: esc.id, level: 1, trigger, reason, notify, ackBy: esc.nextStepAt?.toISOString() ?? null }, actor);
    this.ping(esc, notify);
  }

  private ping(esc: Escalation, notify: string[]): void {
    const payload = { escalationId: esc.id, level: esc.level, trigger: esc.trigger, reason: esc.reason, notify };
    this.toEscalation('escalation.ping', payload);
    for (const id of notify) this.toStaff(id, 'escalation.ping', payload);
  }

  /** The acknowledgement timed out: ping the next level, or close the ladder when none is left. */
  climb(esc: Escalation): void {
    const chain = this.deps.directory.escalationChain(esc.departmentId);
    const next = chain[esc.level];
    if (!next) {
      const done = { ...esc, status: 'exhausted' as const, nextStepAt: null, updatedAt: this.now };
      this.escalations.push(done);
      this.event('escalation.exhausted', { escalationId: esc.id, level: esc.level }, { kind: 'system' });
      return;
    }
    const notify = this.deps.directory.escalationRecipients(esc.departmentId, esc.level + 1, this.current.category);
    const up: Escalation = {
      ...esc,
      level: esc.level + 1,
      notified: [...new Set([...esc.notified, ...notify])],
      nextStepAt: new Date(this.now.getTime() + next.ackTimeoutMs),
      updatedAt: this.now,
    };
    this.escalations.push(up);
    this.event('escalation.level_up', { escalationId: esc.id, level: up.level, notify, ackBy: up.nextStepAt!.toISOString() }, { kind: 'system' });
    this.ping(up, notify);
  }

  acknowledge(esc: Escalation, staffId: string): void {
    const done: Escalation = { ...esc, status: 'acknowledged', nextStepAt: null, acknowledgedBy: staffId, acknowledgedAt: this.now, updatedAt: this.now };
    this.escalations.push(done);
    this.event('escalation.acknowledged', { escalationId: esc.id, level: esc.level, by: staffId });
    this.toEscalation('escalation.acknowledged', { escalationId: esc.id, level: esc.level, by: staffId });
  }

  /** Starts and stops the lifecycle timers for where the ticket now stands (core/lifecycle-timers.ts). */
  private planLifecycle(): void {
    const current = { ...this.state.lifecycle, ...this.lifecycle };
    const verification = this.currentClocks.verification_callback;
    const policy = this.deps.directory.config.lifecycle ?? DEFAULT_LIFECYCLE;
    const changed = planLifecycleTimers(current, { status: this.current.status, verificationPending: verification?.status === 'running' }, policy, this.now);
    Object.assign(this.lifecycle, changed);
  }

  build<T>(result: T): TicketChange<T> {
    this.planLifecycle();
    const touched = this.events.length > 0;
    return {
      ticket: touched ? { ...this.ticket, updatedAt: this.now } : this.ticket,
      clocks: this.clocks,
      lifecycle: this.lifecycle,
      events: this.events,
      outbox: this.outbox,
      tasks: this.tasks,
      escalations: this.escalations,
      addDepartments: this.addDepartments,
      result,
    };
  }
}
