import { sql } from 'drizzle-orm';
import type { Db } from './client.js';

export interface OutboxRow {
  id: number;
  ticketId: string | null;
  destination: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export type Claim = { row: OutboxRow } | { waitUntil: Date } | { none: true };

export interface DueDestination {
  destination: string;
  headId: number;
  attempts: number;
}

interface RawRow {
  id: string | number;
  ticket_id: string | null;
  destination: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  wait_until: string | Date | null;
}

/**
 * The outbox rows' state machine: pending → sending (leased to one worker) → delivered |
 * failed | skipped. The row, not the job, decides whether a message is sent: a worker may
 * only send the oldest open row of a destination, and only while it holds the lease.
 */
export class PgOutboxStore {
  constructor(private readonly db: Db) {}

  /**
   * Leases the oldest open row of `destination` to `owner`. Returns `waitUntil` when that
   * row is not due yet (back-off) or leased by a live worker, `none` when nothing is open.
   */
  async claimHead(destination: string, owner: string, leaseMs: number): Promise<Claim> {
    return this.db.transaction(async (tx) => {
      const heads = (await tx.execute(sql`
        select id, ticket_id, destination, kind, payload, attempts,
          case when status = 'sending' and lease_until > now() then lease_until
               when status = 'pending' and next_attempt_at > now() then next_attempt_at end as wait_until
        from outbox where destination = ${destination} and status in ('pending', 'sending')
        order by id limit 1 for update`)) as unknown as RawRow[];
      const head = heads[0];
      if (!head) return { none: true } as const;
      // Raw rows carry timestamps as text; comparisons happen in SQL against the database clock.
      if (head.wait_until) return { waitUntil: new Date(head.wait_until) };
      await tx.execute(sql`
        update outbox set status = 'sending', lease_owner = ${owner}, attempts = attempts + 1,
          lease_until = now() + make_interval(secs => ${leaseMs / 1000})
        where id = ${head.id}`);
      return {
        row: {
          id: Number(head.id),
          ticketId: head.ticket_id,
          destination: head.destination,
          kind: head.kind,
          payload: head.payload,
          attempts: head.attempts + 1,
        },
      };
    });
  }

  /**
   * Finishes a leased row: how long after it was written it was delivered; undefined when the
   * lease was lost (another worker took over).
   */
  async markDelivered(id: number, owner: string, messageIds: Record<string, string> | undefined): Promise<{ afterSeconds: number } | undefined> {
    const rows = (await this.db.execute(sql`
      update outbox set status = 'delivered', delivered_at = now(), lease_owner = null, lease_until = null,
        platform_message_ids = ${messageIds ? JSON.stringify(messageIds) : null}::jsonb, last_error = null
      where id = ${id} and lease_owner = ${owner} and status = 'sending'
      returning extract(epoch from delivered_at - created_at)::float8 as after_seconds`)) as unknown as { after_seconds: number | string }[];
    const row = rows[0];
    return row ? { afterSeconds: Number(row.after_seconds) } : undefined;
  }

  /**
   * Puts a leased row back for a later try. `countAttempt: false` (a 429, or a release on
   * shutdown) gives the attempt back: waiting on a rate limit is not a failure.
   */
  async reschedule(id: number, owner: string, at: Date, error: string, countAttempt = true): Promise<boolean> {
    const rows = await this.db.execute(sql`
      update outbox set status = 'pending', next_attempt_at = ${at.toISOString()}::timestamptz, lease_owner = null,
        lease_until = null, last_error = ${error}, attempts = attempts - ${countAttempt ? 0 : 1}
      where id = ${id} and lease_owner = ${owner} and status = 'sending' returning id`);
    return rows.length > 0;
  }

  async finish(id: number, owner: string, status: 'failed' | 'skipped', error: string): Promise<boolean> {
    const rows = await this.db.execute(sql`
      update outbox set status = ${status}, lease_owner = null, lease_until = null, last_error = ${error}
      where id = ${id} and lease_owner = ${owner} and status = 'sending' returning id`);
    return rows.length > 0;
  }

  /** Destinations whose oldest open row can be worked on now. */
  async dueDestinations(limit = 10_000): Promise<DueDestination[]> {
    const rows = (await this.db.execute(sql`
      select destination, id, attempts from (
        select distinct on (destination) destination, id, attempts, status, next_attempt_at, lease_until
        from outbox where status in ('pending', 'sending') order by destination, id
      ) heads
      where (status = 'pending' and (next_attempt_at is null or next_attempt_at <= now()))
         or (status = 'sending' and lease_until < now())
      limit ${limit}`)) as unknown as { destination: string; id: string | number; attempts: number }[];
    return rows.map((r) => ({ destination: r.destination, headId: Number(r.id), attempts: r.attempts }));
  }
}
