import type { OutboxKind } from '../core/ticket-events.js';
import { afterCommit } from './after-commit.js';
import { ChangeBuilder } from './change-builder.js';
import type { UseCaseDeps } from './deps.js';
import { timerVersions } from './timers.js';

export interface DeliveredRow {
  id: number;
  ticketId: string | null;
  destination: string;
  kind: string;
}

/** A message reached its destination: the result notice stops its clock (SPEC §4). */
export async function recordDelivered(deps: UseCaseDeps, row: DeliveredRow): Promise<void> {
  if (!row.ticketId || row.kind !== ('customer.result_notice' satisfies OutboxKind)) return;
  const before = new Map<string, number>();
  const committed = await deps.store.mutate({ id: row.ticketId }, (state) => {
    timerVersions(state, before);
    const b = new ChangeBuilder(deps, state, { kind: 'system' }, 'system', deps.now());
    b.event('followup.result_notice_delivered', { outboxId: row.id });
    b.clock({ type: 'result_notice_sent' });
    return b.build(null);
  });
  await afterCommit(deps, committed, before);
}

/**
 * A message could not be delivered for good (bot blocked, channel gone): record it on the
 * ticket and tell the owning department, unless that notice is what failed.
 */
export async function recordDeliveryFailed(deps: UseCaseDeps, row: DeliveredRow, error: string): Promise<void> {
  if (!row.ticketId) return;
  const committed = await deps.store.mutate({ id: row.ticketId }, (state) => {
    const b = new ChangeBuilder(deps, state, { kind: 'system' }, 'system', deps.now());
    b.event('outbox.delivery_failed', { outboxId: row.id, destination: row.destination, kind: row.kind, error });
    if (row.kind !== ('outbox.delivery_failed' satisfies OutboxKind)) {
      b.toDepartment(state.ticket.primaryDepartmentId, 'outbox.delivery_failed', {
        outboxId: row.id,
        destination: row.destination,
        kind: row.kind,
        error,
      });
    }
    return b.build(null);
  });
  await afterCommit(deps, committed);
}
