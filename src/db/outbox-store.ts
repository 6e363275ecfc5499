import { sql } from 'drizzle-orm';
import type { Db } from './client.js';
import type { OutboxKind } from '../core/ticket-events.js';

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
  wait_until?: string | Date | null;
}

/**
 * Card refreshes: edits of a message that shows the ticket as it is now. They go after
 * the rows that carry a person's words, and pending ones of the same ticket collapse.
 */
export const REFRESH_KINDS = ['ticket.card_update', 'coordination.task_update'] as const satisfies readonly OutboxKind[];
const REFRESH_SQL = sql.raw(`(${REFRESH_KINDS.map((k) => `'${k}'`).join(', ')})`);
const REFRESH_ARRAY = `{${REFRESH_KINDS.join(',')}}`;

/**
 * The outbox rows' state machine: pending → sending (leased to one worker) → delivered |
 * failed | skipped. The row, not the job, decides whether a message is sent: a worker may
 * only send the oldest open row of a destination, and only while it holds the lease.
 */
export class PgOutboxStore {
  constructor(private readonly db: Db) {}

  /**
   * Leases the next row of `destination` to `owner`: a row whose worker died first (it may
   * have been sent), then the oldest row people read, then card refreshes (see
   * {@link REFRESH_KINDS}). Pending refreshes of the same ticket and message collapse into
   * the newest one, the older ones are marked skipped: the gateway renders the ticket as it
   * is when it sends, so one send shows everything they would have. Returns `waitUntil`
   * when a row is leased by a live worker or the next row is not due yet (back-off),
   * `none` when nothing is open. Claims of one destination are serialised by an advisory
   * lock, so at most one row per destination is ever leased.
   */
  async claimHead(destination: string, owner: string, leaseMs: number): Promise<Claim> {
    // One round trip: the lock, the head, the collapse and the lease are one server-side
    // function (migrations/0007_outbox_claim.sql), whose lock ends with this statement.
    const found = (await this.db.execute(sql`
      select id, ticket_id, destination, kind, payload, attempts, wait_until
      from aftercare_outbox_claim(${destination}, ${owner}, ${leaseMs / 1000}::float8, ${REFRESH_ARRAY}::text[])`)) as unknown as RawRow[];
    const row = found[0];
    if (!row) return { none: true };
    // Raw rows carry timestamps as text; comparisons happen in SQL against the database clock.
    if (row.wait_until) return { waitUntil: new Date(row.wait_until) };
    return {
      row: { id: Number(row.id), ticketId: row.ticket_id, destination: row.destination, kind: row.kind, payload: row.payload, attempts: row.attempts },
    };
  }

  /**
   * Extends the lease of a row being sent (the sender's heartbeat), so the lease can be
   * short and a dead worker's row is taken over within seconds. False when the lease was lost.
   */
  async renewLease(id: number, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.db.execute(sql`
      update outbox set lease_until = now() + make_interval(secs => ${leaseMs / 1000})
      where id = ${id} and lease_owner = ${owner} and status = 'sending' returning id`);
    return rows.length > 0;
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
        from outbox where status in ('pending', 'sending')
        order by destination, (status = 'sending') desc, (kind in ${REFRESH_SQL}), id
      ) heads
      where (status = 'pending' and (next_attempt_at is null or next_attempt_at <= now()))
         or (status = 'sending' and lease_until < now())
      limit ${limit}`)) as unknown as { destination: string; id: string | number; attempts: number }[];
    return rows.map((r) => ({ destination: r.destination, headId: Number(r.id), attempts: r.attempts }));
  }
}
