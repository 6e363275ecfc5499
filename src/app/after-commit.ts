import type { UseCaseDeps } from './deps.js';
import type { QueuedOutboxRow, TicketState } from './ports.js';
import { supersededTimers, timersFor } from './timers.js';

/**
 * After a ticket change commits: schedule its timers, drop superseded ones and wake the
 * outbox. Failures are only logged: Postgres holds the truth and reconciliation restores
 * whatever did not make it to Redis.
 */
export async function afterCommit(
  deps: UseCaseDeps,
  committed: { state: TicketState; outbox: QueuedOutboxRow[] },
  clockVersionsBefore = new Map<string, number>(),
): Promise<void> {
  const { state, outbox } = committed;
  try {
    if (deps.scheduler) {
      const stale = supersededTimers(state.ticket.id, clockVersionsBefore, state);
      await deps.scheduler.schedule(timersFor(state));
      if (stale.length) await deps.scheduler.cancel(stale);
    }
    if (deps.kicker && outbox.length) await deps.kicker.kick(outbox);
  } catch (err) {
    deps.log?.warn({ err: String(err), ticket: state.ticket.number }, 'could not schedule jobs after commit; reconciliation will');
  }
}
