import { afterCommit, afterCommitMany } from './after-commit.js';
import { ChangeBuilder } from './change-builder.js';
import type { UseCaseDeps } from './deps.js';
import { lifecycleTimerDue } from '../core/lifecycle-timers.js';
import type { TicketChange, TicketState, TimerData } from './ports.js';
import { timerVersions } from './timers.js';

/**
 * `fired`: acted (the timer was due at `dueAt`); `stale`: the clock or ladder moved on, nothing
 * to do; `early`: run again at `at`.
 */
export type TimerOutcome = { outcome: 'fired'; dueAt: Date } | { outcome: 'stale' } | { outcome: 'early'; at: Date };

/**
 * Runs a due timer against the ticket as Postgres has it now (SPEC §4–5, §7). Acts only when
 * the clock is still running at the same version (or the ladder still waits at that level)
 * and the moment has really come; the row lock makes it once-only across workers.
 */
export async function handleTimer(deps: UseCaseDeps, data: TimerData): Promise<TimerOutcome> {
  const before = new Map<string, number>();
  let outcome: TimerOutcome = { outcome: 'stale' };
  let committed: Awaited<ReturnType<typeof deps.store.mutate<null>>>;
  try {
    committed = await deps.store.mutate({ id: data.ticketId }, (state) => {
      const decided = decideTimer(deps, state, data, before);
      outcome = decided.outcome;
      return decided.change;
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'not_found') return { outcome: 'stale' };
    throw err;
  }
  if ((outcome as TimerOutcome).outcome === 'fired') await afterCommit(deps, committed, before);
  return outcome;
}

/**
 * Timers that fell due together, in one transaction of the ticket store (one load of all
 * their tickets, one write of each kind of row) instead of one each. Each ticket is decided
 * exactly as {@link handleTimer} would; a second timer of a ticket already in the batch is
 * run after it, on its own. Their jobs reach Redis in one call of each kind. Outcomes are in
 * the order of `timers`.
 */
export async function handleTimers(deps: UseCaseDeps, timers: TimerData[]): Promise<TimerOutcome[]> {
  const mutateMany = deps.store.mutateMany?.bind(deps.store);
  if (!mutateMany || timers.length === 1) return Promise.all(timers.map((t) => handleTimer(deps, t)));
  const first = new Map<string, TimerData>();
  for (const t of timers) if (!first.has(t.ticketId)) first.set(t.ticketId, t);
  const outcomes = new Map<TimerData, TimerOutcome>();
  const befores = new Map<string, Map<string, number>>();
  const committed = await mutateMany([...first.keys()], (state) => {
    const data = first.get(state.ticket.id)!;
    const before = new Map<string, number>();
    befores.set(state.ticket.id, before);
    const decided = decideTimer(deps, state, data, before);
    outcomes.set(data, decided.outcome);
    return decided.change;
  });
  const fired = [...first.values()].filter((data) => committed.has(data.ticketId) && outcomes.get(data)?.outcome === 'fired');
  // The batch's next timers, cancels and outbox wake-ups go to Redis together.
  await afterCommitMany(
    deps,
    fired.map((data) => ({ ...committed.get(data.ticketId)!, clockVersionsBefore: befores.get(data.ticketId) })),
  );
  const out: TimerOutcome[] = [];
  for (const t of timers) {
    if (first.get(t.ticketId) === t) out.push(outcomes.get(t) ?? { outcome: 'stale' });
    else out.push(await handleTimer(deps, t));
  }
  return out;
}

/** What a due timer does to its ticket (nothing unless it fired), and the clock versions before. */
function decideTimer(deps: UseCaseDeps, state: TicketState, data: TimerData, before: Map<string, number>): { outcome: TimerOutcome; change: TicketChange<null> } {
  timerVersions(state, before);
  const b = new ChangeBuilder(deps, state, { kind: 'system' }, 'system', deps.now());
  const outcome = data.type === 'sla' ? slaTimer(b, state, data) : data.type === 'lifecycle' ? lifecycleTimer(b, state, data) : escalationTimer(b, state, data);
  if (outcome.outcome === 'fired') b.cardUpdate();
  return { outcome, change: b.build(null) };
}

function slaTimer(b: ChangeBuilder, state: TicketState, data: Extract<TimerData, { type: 'sla' }>): TimerOutcome {
  const clock = state.clocks[data.clock];
  if (!clock || clock.status !== 'running' || clock.version !== data.version || !clock.deadline) return { outcome: 'stale' };
  const at = data.kind === 'remind' ? clock.remindAt : clock.deadline;
  if (!at) return { outcome: 'stale' };
  if (b.now.getTime() < at.getTime()) return { outcome: 'early', at };
  const info = { clock: clock.kind, deadline: clock.deadline.toISOString() };

  if (data.kind === 'remind') {
    if (clock.remindedAt || clock.breachedAt) return { outcome: 'stale' };
    b.clocks[clock.kind] = { ...clock, remindedAt: b.now };
    b.event('sla.reminder', info);
    b.toOwner('sla.reminder', info);
    return { outcome: 'fired', dueAt: at };
  }

  if (clock.breachedAt) return { outcome: 'stale' };
  b.clocks[clock.kind] = { ...clock, breachedAt: b.now };
  switch (clock.kind) {
    case 'verification_callback':
      // Not a deadline staff can miss: the moment to ask the customer whether the fix held.
      b.event('followup.verification_sent', {});
      b.toCustomer('customer.verification_callback', {});
      b.clock({ type: 'verification_sent' });
      break;
    case 'result_notice':
      b.event('sla.breached', info);
      b.toOwner('followup.result_notice_due', info);
      break;
    case 'resolution':
      b.event('sla.breached', info);
      // SPEC §4 / 2.4: the owner tells the customer the reason and a new ETA.
      b.toOwner('sla.overdue_prompt', info);
      b.escalate('sla_breach', `${clock.kind} deadline passed`);
      break;
    default:
      b.event('sla.breached', info);
      b.escalate('sla_breach', `${clock.kind} deadline passed`);
  }
  return { outcome: 'fired', dueAt: at };
}

/**
 * A lifecycle timer is due: close a resolved ticket nobody confirmed, remind a customer we
 * are waiting on, or resolve-and-close when they never answered (with a note to them).
 */
function lifecycleTimer(b: ChangeBuilder, state: TicketState, data: Extract<TimerData, { type: 'lifecycle' }>): TimerOutcome {
  const timer = state.lifecycle?.[data.timer];
  if (!lifecycleTimerDue(timer, data.version)) return { outcome: 'stale' };
  const status = state.ticket.status;
  if (data.timer === 'auto_close' ? status !== 'resolved' : status !== 'waiting_customer') return { outcome: 'stale' };
  if (b.now.getTime() < timer.deadline.getTime()) return { outcome: 'early', at: timer.deadline };
  b.lifecycle[data.timer] = { ...timer, firedAt: b.now };
  switch (data.timer) {
    case 'waiting_reminder':
      b.event('customer.reminded', { waitingSince: timer.startedAt.toISOString() });
      b.toCustomer('customer.waiting_reminder', {});
      break;
    case 'waiting_close':
      b.status('resolve');
      b.ticket.resolvedAt = b.now;
      b.close('close', { reason: 'no_answer', from: status, waitingSince: timer.startedAt.toISOString() });
      b.toCustomer('customer.closed_no_answer', {});
      break;
    case 'auto_close':
      b.close('close', { reason: 'no_answer', from: status });
      break;
  }
  return { outcome: 'fired', dueAt: timer.deadline };
}

function escalationTimer(b: ChangeBuilder, state: TicketState, data: Extract<TimerData, { type: 'escalation' }>): TimerOutcome {
  const esc = state.escalations.find((e) => e.id === data.escalationId);
  if (!esc || esc.status !== 'open' || esc.level !== data.level || !esc.nextStepAt) return { outcome: 'stale' };
  if (b.now.getTime() < esc.nextStepAt.getTime()) return { outcome: 'early', at: esc.nextStepAt };
  b.climb(esc);
  return { outcome: 'fired', dueAt: esc.nextStepAt };
}
