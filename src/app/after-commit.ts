import type { UseCaseDeps } from './deps.js';
import type { QueuedOutboxRow, TicketState } from './ports.js';
import { supersededTimers, timersFor } from './timers.js';
import { safeError } from '../core/safe-error.js';

/**
 * How long a committed change waits for its jobs to reach Redis before the caller goes on.
 * Redis answers in milliseconds when it is up; when it is not, the request must not hang on
 * it (the ticket is committed already): the jobs go on trying in the background.
 */
export const AFTER_COMMIT_WAIT_MS = 250;

/**
 * After a ticket change commits: schedule its timers, drop superseded ones and wake the
 * outbox, waiting at most {@link AFTER_COMMIT_WAIT_MS}. Failures are only logged: Postgres
 * holds the truth, and the outbox sweep and reconciliation restore whatever did not make it
 * to Redis.
 */
export async function afterCommit(
  deps: UseCaseDeps,
  committed: { state: TicketState; outbox: QueuedOutboxRow[] },
  clockVersionsBefore = new Map<string, number>(),
): Promise<void> {
  const { state, outbox } = committed;
  const work = (async () => {
    const stale = supersededTimers(state.ticket.id, clockVersionsBefore, state);
    // Independent Redis calls: in parallel, so a change waits for one round trip, not three.
    await Promise.all([
      deps.scheduler.schedule(timersFor(state)),
      stale.length ? deps.scheduler.cancel(stale) : undefined,
      outbox.length ? deps.kicker.kick(outbox) : undefined,
    ]);
  })().catch((err: unknown) => {
    deps.log?.warn({ err: safeError(err), ticket: state.ticket.number }, 'could not schedule jobs after commit; reconciliation will');
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((r) => (timer = setTimeout(r, AFTER_COMMIT_WAIT_MS)))]);
  clearTimeout(timer);
}
