import { afterCommit } from './after-commit.js';
import { ChangeBuilder } from './change-builder.js';
import type { UseCaseDeps } from './deps.js';

/**
 * Starts the lifecycle timers a ticket should have for where it stands (auto close of a
 * resolved ticket, the waiting-on-customer reminder and close), recording nothing else.
 * Tickets that were resolved or waiting before the lifecycle timers existed get theirs
 * this way; their wait starts now, so no customer loses any of the promised time.
 */
export async function startLifecycleTimers(deps: UseCaseDeps, ticketId: string): Promise<void> {
  const committed = await deps.store.mutate({ id: ticketId }, (state) =>
    // build() plans the lifecycle timers; with no event the ticket itself is unchanged.
    new ChangeBuilder(deps, state, { kind: 'system' }, 'system', deps.now()).build(null),
  );
  await afterCommit(deps, committed);
}
