import type { Directory } from '../core/directory.js';
import { AftercareError, ConflictError, ErrorCode, ForbiddenError, ValidationError } from '../core/errors.js';
import { assertCan, type Capability } from '../core/permissions.js';
import { routeTicket, type RoutedDepartment } from '../core/route.js';
import { assertCommandAllowed, type StaffCommandKey } from '../core/ticket-commands.js';
import type { Category, StaffMember } from '../core/types.js';
import { ChangeBuilder } from './change-builder.js';
import type { UseCaseDeps } from './deps.js';
import { timerVersions } from './timers.js';
import { afterCommit } from './after-commit.js';
import { checkCommand, type TicketCommand, type TicketCommandType } from './command-schema.js';
import type { CoordinationTask, Source, TicketRef, TicketState } from './ports.js';

export { COORDINATION_ROLES, type CoordinationRole, type TicketCommand, type TicketCommandType } from './command-schema.js';
import type { Diagnosis } from '../core/ticket-events.js';
export type { Diagnosis };

export interface ActionContext {
  /** Staff id of whoever acts. */
  actorId: string;
  source: Source;
}

const CAPABILITY: Record<TicketCommandType, Capability> = {
  claim: 'claim',
  reply: 'work',
  progress: 'work',
  involve: 'involve',
  escalate: 'escalate',
  resolve: 'work',
  reopen: 'reopen',
  reassign: 'reassign',
  reclassify: 'reclassify',
  task: 'view',
  acknowledge: 'acknowledge',
  delay: 'work',
  close: 'work',
};

/** The row of the status/command table (core/ticket-commands.ts) a command is checked against. */
export function commandKey(command: TicketCommand): StaffCommandKey {
  if (command.type === 'task') return command.op === 'claim' ? 'task_claim' : 'task_done';
  return command.type;
}

/**
 * Runs one staff command on a ticket: checks the actor's department and role,
 * applies the state machine and SLA clocks, records events and queues messages,
 * all in one transaction.
 */
export async function actOnTicket(
  deps: UseCaseDeps,
  ticket: TicketRef,
  ctx: ActionContext,
  input: TicketCommand,
): Promise<TicketState> {
  const command = checkCommand(input);
  const before = new Map<string, number>();
  const committed = await deps.store.mutate(ticket, (state) => {
    timerVersions(state, before);
    const actor = authorize(deps, state, ctx.actorId, command.type);
    assertCommandAllowed(commandKey(command), state.ticket.status, actor.role);
    const b = new ChangeBuilder(deps, state, { kind: 'staff', staffId: actor.id }, ctx.source, deps.now());
    apply(deps, b, actor, command);
    b.cardUpdate();
    return b.build(null);
  });
  await afterCommit(deps, committed, before);
  return committed.state;
}

/**
 * The staff member `actorId` if they may run a `type` command on the ticket, else the
 * error actOnTicket would raise. Chat adapters call it before opening a form.
 */
export function authorize(deps: UseCaseDeps, state: TicketState, actorId: string, type: TicketCommandType | 'reveal'): StaffMember {
  const staff = deps.directory.staff(actorId);
  const access = {
    ownerId: state.ticket.ownerId,
    departmentIds: state.departments.map((d) => d.departmentId),
    taskDepartmentIds: state.tasks.map((t) => t.departmentId),
  };
  if ((type === 'acknowledge' || type === 'reassign') && staff && state.escalations.some((e) => e.status === 'open' && e.notified.includes(staff.id))) {
    return staff; // whoever the ladder pinged may acknowledge it or hand the ticket on, whatever their department or role
  }
  const member = assertCan(staff, type === 'reveal' ? 'view' : CAPABILITY[type], access);
  // A form for a command the status no longer allows (a stale card) is refused before it opens.
  if (type !== 'reveal' && type !== 'task') assertCommandAllowed(type, state.ticket.status, member.role);
  return member;
}

/**
 * Who a ticket may be handed to: staff of its departments (routed or involved through a
 * coordination task), except its owner. The forms offer these; the use case accepts only these.
 */
export function reassignCandidates(directory: Directory, state: Pick<TicketState, 'ticket' | 'departments' | 'tasks'>): StaffMember[] {
  const depts = new Set([...state.departments.map((d) => d.departmentId), ...state.tasks.map((x) => x.departmentId)]);
  return directory.allStaff().filter((s) => depts.has(s.departmentId) && s.id !== state.ticket.ownerId);
}

export interface RevealedContact {
  number: string;
  name: string;
  company: string | null;
  phone: string | null;
  email: string | null;
}

/**
 * Shows a staff member of the ticket's departments the customer's unmasked contact, and
 * records who saw it in the ticket's audit trail (SPEC §9).
 */
export async function revealContact(deps: UseCaseDeps, ticket: TicketRef, ctx: ActionContext): Promise<RevealedContact> {
  const committed = await deps.store.mutate(ticket, (state) => {
    const actor = authorize(deps, state, ctx.actorId, 'reveal');
    const b = new ChangeBuilder(deps, state, { kind: 'staff', staffId: actor.id }, ctx.source, deps.now());
    b.event('customer.contact_revealed', { staff: actor.id });
    const c = state.customer;
    return b.build({ number: state.ticket.number, name: c.name, company: c.company, phone: c.phone, email: c.email });
  });
  return committed.result;
}

/** Claims an unowned ticket for `actor` (first-contact responsibility). */
function claim(b: ChangeBuilder, actor: StaffMember): void {
  const t = b.current;
  if (t.ownerId !== null) {
    if (t.ownerId === actor.id) return;
    throw new ConflictError(ErrorCode.AlreadyClaimed, `ticket ${t.number} is already claimed by ${t.ownerId}`, { ownerId: t.ownerId });
  }
  b.status('claim');
  b.ticket.ownerId = actor.id;
  b.event('ticket.claimed', { owner: actor.id, department: actor.departmentId });
  b.clock({ type: 'claimed' });
}

function startWork(b: ChangeBuilder, actor: StaffMember): void {
  if (b.current.ownerId === null) claim(b, actor);
  b.status('start_work');
  b.clock({ type: 'contacted' });
  if (b.current.severity === 'critical') b.clock({ type: 'work_started' });
}

function apply(deps: UseCaseDeps, b: ChangeBuilder, actor: StaffMember, cmd: TicketCommand): void {
  const t = b.state.ticket;
  switch (cmd.type) {
    case 'claim': {
      if (t.ownerId === actor.id) throw new ConflictError(ErrorCode.AlreadyClaimed, `ticket ${t.number} is already yours`, { ownerId: t.ownerId });
      claim(b, actor);
      return;
    }
    case 'reply': {
      startWork(b, actor);
      b.event('ticket.replied', { text: cmd.text, staff: actor.id });
      b.toCustomer('customer.reply', { text: cmd.text, staffName: actor.name });
      if (cmd.waitForCustomer) waitForCustomer(b);
      return;
    }
    case 'progress': {
      if (!cmd.preset && !cmd.text && !cmd.diagnosis && !cmd.complex) {
        throw new ValidationError('progress needs a preset, text, a diagnosis or complex', [{ path: 'text', message: 'give a preset or some text' }]);
      }
      const preset = cmd.preset ? deps.directory.config.progressPresets.find((p) => p.id === cmd.preset) : undefined;
      if (cmd.preset && !preset) {
        const ids = deps.directory.config.progressPresets.map((p) => p.id).join(', ');
        throw new ValidationError(`unknown progress preset "${cmd.preset}"`, [{ path: 'preset', message: `must be one of ${ids}` }]);
      }
      if (cmd.eta && cmd.eta.getTime() <= b.now.getTime()) {
        throw new ValidationError('the ETA must be in the future', [{ path: 'eta', message: 'must be in the future' }]);
      }
      startWork(b, actor);
      if (cmd.complex && !b.current.complex) {
        b.ticket.complex = true;
        b.event('ticket.marked_complex', {});
        b.clock({ type: 'marked_complex' });
      }
      if (cmd.diagnosis) {
        b.event('ticket.diagnosed', { ...cmd.diagnosis });
        b.clock({ type: 'diagnosed' });
      }
      b.event('ticket.progress', {
        preset: cmd.preset ?? null,
        text: cmd.text ?? null,
        eta: cmd.eta?.toISOString() ?? null,
        diagnosis: cmd.diagnosis ?? null,
      });
      b.toCustomer('customer.progress', {
        preset: cmd.preset ?? null,
        presetLabel: preset?.label ?? null,
        text: cmd.text ?? null,
        eta: cmd.eta?.toISOString() ?? null,
        diagnosis: cmd.diagnosis ?? null,
        staffName: actor.name,
      });
      if (cmd.waitForCustomer) waitForCustomer(b);
      return;
    }
    case 'involve': {
      const dept = deps.directory.department(cmd.department);
      if (!dept) {
        throw new ValidationError(`unknown department "${cmd.department}"`, [{ path: 'department', message: 'must be a configured department id' }]);
      }
      const task: CoordinationTask = {
        id: deps.newId(),
        ticketId: t.id,
        departmentId: dept.id,
        role: cmd.role,
        note: cmd.note ?? '',
        status: 'open',
        ownerId: null,
        outcome: null,
        createdBy: actor.id,
        createdAt: b.now,
        updatedAt: b.now,
      };
      b.tasks.push(task);
      if (!b.state.departments.some((d) => d.departmentId === dept.id)) b.addDepartments.push({ departmentId: dept.id, role: 'involved' });
      b.event('coordination.task_created', { taskId: task.id, department: dept.id, role: cmd.role, note: task.note });
      b.toDepartment(dept.id, 'coordination.task', { taskId: task.id });
      return;
    }
    case 'task': {
      const task = b.state.tasks.find((x) => x.id === cmd.taskId);
      if (!task) throw new AftercareError(ErrorCode.NotFound, `coordination task ${cmd.taskId} not found on ${t.number}`);
      if (task.departmentId !== actor.departmentId) {
        throw new AftercareError(ErrorCode.Forbidden, `task belongs to ${task.departmentId}`, { reason: 'other_department' });
      }
      if (cmd.op === 'claim') {
        if (task.status !== 'open') throw new ConflictError(ErrorCode.AlreadyClaimed, `task is ${task.status}`, { ownerId: task.ownerId });
        b.tasks.push({ ...task, status: 'claimed', ownerId: actor.id, updatedAt: b.now });
        b.event('coordination.task_claimed', { taskId: task.id, owner: actor.id });
      } else {
        if (task.status === 'done') throw new AftercareError(ErrorCode.Conflict, 'task is already done');
        b.tasks.push({ ...task, status: 'done', ownerId: task.ownerId ?? actor.id, outcome: cmd.outcome ?? null, updatedAt: b.now });
        b.event('coordination.task_done', { taskId: task.id, outcome: cmd.outcome ?? null });
      }
      b.toDepartment(task.departmentId, 'coordination.task_update', { taskId: task.id });
      return;
    }
    case 'escalate': {
      b.escalate('manual', cmd.reason ?? '');
      return;
    }
    case 'delay': {
      if (cmd.eta.getTime() <= b.now.getTime()) {
        throw new ValidationError('the new ETA must be in the future', [{ path: 'eta', message: 'must be in the future' }]);
      }
      b.event('ticket.delay_explained', { reason: cmd.reason, eta: cmd.eta.toISOString() });
      b.toCustomer('customer.overdue', { reason: cmd.reason, eta: cmd.eta.toISOString(), staffName: actor.name });
      return;
    }
    case 'acknowledge': {
      const open = b.state.escalations.filter((e) => e.status === 'open');
      const esc = cmd.escalationId ? b.state.escalations.find((e) => e.id === cmd.escalationId) : open[0];
      if (!esc) throw new AftercareError(ErrorCode.NotFound, `no open escalation on ${t.number}`);
      if (esc.status !== 'open') {
        throw new ConflictError(ErrorCode.Conflict, `escalation is already ${esc.status}`, { status: esc.status, by: esc.acknowledgedBy });
      }
      if (actor.role !== 'supervisor' && !esc.notified.includes(actor.id)) {
        throw new ForbiddenError('only supervisors may acknowledge escalations', { reason: 'not_supervisor', staffId: actor.id });
      }
      b.acknowledge(esc, actor.id);
      return;
    }
    case 'resolve': {
      if (b.current.ownerId === null) claim(b, actor);
      b.status('resolve');
      b.ticket.resolution = { measures: cmd.measures, advice: cmd.advice };
      b.ticket.resolvedAt = b.now;
      if (cmd.diagnosis) {
        b.event('ticket.diagnosed', { ...cmd.diagnosis });
        b.clock({ type: 'diagnosed' });
      }
      b.event('ticket.resolved', { measures: cmd.measures, advice: cmd.advice });
      b.clock({ type: 'resolved', category: t.category });
      b.toCustomer('customer.result_notice', { measures: cmd.measures, advice: cmd.advice });
      // SPEC §7: the satisfaction survey goes out right after resolution.
      b.toCustomer('customer.survey', {});
      return;
    }
    case 'reopen': {
      b.status('reopen');
      b.ticket.resolvedAt = null;
      b.ticket.closedAt = null;
      b.event('ticket.reopened', { reason: cmd.reason ?? '' });
      b.clock({ type: 'reopened', hasOwner: t.ownerId !== null });
      b.escalate('reopened', cmd.reason ?? '', { kind: 'system' });
      return;
    }
    case 'reassign': {
      const to = deps.directory.staff(cmd.to);
      if (!to) throw new ValidationError(`unknown staff "${cmd.to}"`, [{ path: 'to', message: 'must be a configured staff id' }]);
      if (!reassignCandidates(deps.directory, b.state).some((s) => s.id === to.id)) {
        const why = to.id === t.ownerId ? 'already owns this ticket' : 'is not in a department of this ticket';
        throw new ValidationError(`${to.id} ${why}`, [{ path: 'to', message: to.id === t.ownerId ? 'must be someone other than the owner' : 'must be staff of a department of this ticket' }]);
      }
      const hadOwner = t.ownerId !== null;
      b.status('reassign');
      b.ticket.ownerId = to.id;
      b.event('ticket.reassigned', { from: t.ownerId, to: to.id, reason: cmd.reason ?? '' });
      if (!hadOwner) b.clock({ type: 'claimed' });
      b.toStaff(to.id, 'staff.assigned', { by: actor.id });
      return;
    }
    case 'reclassify': {
      if (!cmd.category && !cmd.severity) {
        throw new ValidationError('reclassify needs a category or a severity', [{ path: 'category', message: 'give a category or a severity' }]);
      }
      const reroute = cmd.category && cmd.category !== t.category ? rerouteFor(deps, b, cmd.category) : undefined;
      b.event('ticket.reclassified', {
        from: { category: t.category, severity: t.severity },
        to: { category: cmd.category ?? t.category, severity: cmd.severity ?? t.severity },
        ...(reroute && { departmentsAdded: reroute.added, departmentsLeft: reroute.left, departments: reroute.departments }),
      });
      if (cmd.category) b.ticket.category = cmd.category;
      if (reroute) {
        applyReroute(b, reroute);
        // SPEC §5: a complaint always involves the supervisors, as at creation.
        if (cmd.category === 'complaint') b.escalate('complaint', '', { kind: 'system' });
      }
      if (cmd.severity && cmd.severity !== t.severity) {
        b.ticket.severity = cmd.severity;
        b.clock({ type: 'reclassified' });
      }
      return;
    }
    case 'close': {
      // Only supervisors close unresolved work (ticket-commands.ts), and it needs a reason.
      if (t.status !== 'resolved' && !cmd.reason) {
        throw new ValidationError('closing a ticket that is not resolved needs a reason', [{ path: 'reason', message: 'is required to close a ticket that is not resolved' }]);
      }
      b.close(t.status === 'resolved' ? 'close' : 'force_close', { reason: 'staff', from: t.status, ...(cmd.reason && { note: cmd.reason }) });
      return;
    }
  }
}

interface Reroute {
  /** The departments of the new route, in routing order (the first owns the ticket). */
  departments: string[];
  added: string[];
  /** Routed departments the new category no longer goes to; they keep the card, which says where the ticket went. */
  left: string[];
  route: RoutedDepartment[];
}

/** Where a ticket goes when its category changes: the core routing of the new category. */
function rerouteFor(deps: UseCaseDeps, b: ChangeBuilder, category: Category): Reroute {
  const route = routeTicket(category, b.state.ticket.description, deps.directory.config.routing);
  const current = b.state.departments;
  const routedNow = new Set(current.filter((d) => d.role !== 'involved' && d.role !== 'former').map((d) => d.departmentId));
  const next = new Set(route.map((d) => d.departmentId));
  return {
    departments: route.map((d) => d.departmentId),
    added: route.filter((d) => !routedNow.has(d.departmentId)).map((d) => d.departmentId),
    left: [...routedNow].filter((id) => !next.has(id)),
    route,
  };
}

/**
 * Routes the ticket to the new category's departments: they get the card (posted through the
 * outbox as at creation), departments no longer routed keep theirs marked as moved. The owner
 * and coordination tasks stay.
 */
function applyReroute(b: ChangeBuilder, r: Reroute): void {
  const current = new Map(b.state.departments.map((d) => [d.departmentId, d.role]));
  for (const d of r.route) {
    if (current.get(d.departmentId) === d.role) continue;
    b.addDepartments.push(d);
    // A department that had no card yet gets one, as at creation.
    if (!current.has(d.departmentId) || current.get(d.departmentId) === 'involved') b.toDepartment(d.departmentId, 'ticket.card', { role: d.role });
  }
  for (const id of r.left) b.addDepartments.push({ departmentId: id, role: 'former' });
  const primary = r.departments[0];
  if (primary && primary !== b.state.ticket.primaryDepartmentId) b.ticket.primaryDepartmentId = primary;
}

function waitForCustomer(b: ChangeBuilder): void {
  b.status('wait_customer');
  b.clock({ type: 'waiting_customer' });
}
