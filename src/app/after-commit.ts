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
  await afterCommitMany(deps, [{ ...committed, clockVersionsBefore }]);
}

/**
 * {@link afterCommit} for changes committed together (a timer batch): their timers, cancels
 * and outbox wake-ups reach Redis in one call of each kind, not one per ticket.
 */
export async function afterCommitMany(
  deps: UseCaseDeps,
  committed: readonly { state: TicketState; outbox: QueuedOutboxRow[]; clockVersionsBefore?: Map<string, number> | undefined }[],
): Promise<void> {
  if (committed.length === 0) return;
  const work = (async () => {
    const timers = committed.flatMap((c) => timersFor(c.state));
    const stale = committed.flatMap((c) => supersededTimers(c.state.ticket.id, c.clockVersionsBefore ?? new Map<string, number>(), c.state));
    const outbox = committed.flatMap((c) => c.outbox);
    // Independent Redis calls: in parallel, so a change waits for one round trip, not three.
    await Promise.all([
      timers.length ? deps.scheduler.schedule(timers) : undefined,
      stale.length ? deps.scheduler.cancel(stale) : undefined,
      outbox.length ? deps.kicker.kick(outbox) : undefined,
    ]);
  })().catch((err: unknown) => {
    deps.log?.warn({ err: safeError(err), tickets: committed.map((c) => c.state.ticket.number) }, 'could not schedule jobs after commit; reconciliation will');
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((r) => (timer = setTimeout(r, AFTER_COMMIT_WAIT_MS)))]);
  clearTimeout(timer);
}
