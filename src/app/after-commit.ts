import type { UseCaseDeps } from './deps.js';
import type { QueuedOutboxRow, TicketState } from './ports.js';
import { supersededTimers, timersFor } from './timers.js';
import { safeError } from '../core/safe-error.js';

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
    const stale = supersededTimers(state.ticket.id, clockVersionsBefore, state);
    // Independent Redis calls: in parallel, so a request waits for one round trip, not three.
    await Promise.all([
      deps.scheduler?.schedule(timersFor(state)),
      stale.length ? deps.scheduler?.cancel(stale) : undefined,
      outbox.length ? deps.kicker?.kick(outbox) : undefined,
    ]);
  } catch (err) {
    deps.log?.warn({ err: safeError(err), ticket: state.ticket.number }, 'could not schedule jobs after commit; reconciliation will');
  }
}
