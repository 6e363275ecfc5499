import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { ChatGateway, DeliveryResult, OutboundMessage } from '../app/chat-gateway.js';
import type { UseCaseDeps } from '../app/deps.js';
import { recordDelivered, recordDeliveryFailed } from '../app/record-delivery.js';
import { REFRESH_KINDS, type OutboxRow, type PgOutboxStore } from '../db/outbox-store.js';
import { safeError } from '../core/safe-error.js';
import { outboxJobId, outboxJobName } from './queues.js';
import type { JobMetrics } from './job-metrics.js';
import type { RateLimiter } from './rate-limiter.js';

export interface OutboxSenderOptions {
  deps: UseCaseDeps;
  store: PgOutboxStore;
  gateway: ChatGateway;
  limiter: RateLimiter;
  /** Where wake-ups go (a row backing off, a rate lane without room). */
  queue: Queue;
  /** How long a row stays leased without a heartbeat before another worker may take it over. */
  leaseMs: number;
  /** Give up on transient errors after this many attempts (429s never count). */
  maxAttempts: number;
  /** Where delivery times are observed (created → delivered); absent in tests that do not look. */
  metrics?: JobMetrics | undefined;
}

/**
 * `wait`: wait for room in the rate lanes (the outbox worker). `hot`: the process that just
 * committed the rows sends them itself while the lanes have room, and otherwise leaves the
 * rest to a delivery job (the hot path).
 */
export type DrainMode = 'wait' | 'hot';

/** What a drain did: rows sent, and whether it stopped because the destination had no open row left. */
export interface DrainOutcome {
  sent: number;
  drained: boolean;
}

const isRefresh = (kind: string) => (REFRESH_KINDS as readonly string[]).includes(kind);

/**
 * A send that has not answered within this long is presumed lost: its lease is no longer
 * renewed, so another worker takes the row over (at least once) instead of the
 * destination waiting forever on a hung connection.
 */
export const HEARTBEAT_CAP_MS = 60_000;

/** Exponential back-off with jitter: 1 s, 2 s, 4 s … capped at 10 min. */
export function backoffMs(attempt: number): number {
  const base = Math.min(600_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * Sends one destination's outbox rows in order, under the row lease (db/outbox-store.ts).
 * Used by the outbox worker's jobs and by the hot path after a commit: the row and its
 * lease decide who sends, so both may run at once for the same destination. While a send
 * is in progress a heartbeat renews the lease, so the lease can be short and a dead
 * sender's row is taken over within seconds.
 */
export class OutboxSender {
  readonly owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly signal = { stopping: false };

  constructor(private readonly o: OutboxSenderOptions) {}

  /** A wake-up is named after the moment it is for, so it never collides with a running job. */
  wake(destination: string, rowId: number, at: Date): Promise<unknown> {
    return this.o.queue.add(
      outboxJobName(destination),
      { destination },
      { jobId: `${outboxJobId(destination, rowId, 0)}-t${at.getTime()}`, delay: Math.max(0, at.getTime() - Date.now()) },
    );
  }

  /** Sends the destination's due rows. */
  async drain(destination: string, mode: DrainMode): Promise<DrainOutcome> {
    const o = this.o;
    let sent = 0;
    let drained = false;
    while (!this.signal.stopping) {
      const claim = await o.store.claimHead(destination, this.owner, o.leaseMs);
      if ('none' in claim) {
        drained = true;
        break;
      }
      if ('waitUntil' in claim) {
        await this.wake(destination, 0, claim.waitUntil);
        break;
      }
      const row = claim.row;
      const message = { ...row, attempt: row.attempts };
      const lanes = (await o.gateway.lanes(destination, row.kind, message)) ?? [];
      // The hot path never waits for a lane, and a card refresh never waits holding the
      // destination's lease: a person's message written meanwhile would wait behind it.
      if (lanes.length === 0) {
        // Nothing to post (the gateway said so): no lane to wait for.
      } else if (mode === 'hot' || isRefresh(row.kind)) {
        const waitMs = await o.limiter.tryAcquireAll(lanes);
        if (waitMs > 0) {
          // No room now: hand the row back and let a delivery job send it when there is.
          const at = new Date(Date.now() + waitMs);
          if (await o.store.reschedule(row.id, this.owner, at, 'waiting for a rate lane', false)) await this.wake(destination, row.id, at);
          break;
        }
      } else if (!(await o.limiter.acquire(lanes, this.signal))) {
        // Shutting down while waiting for a rate-limit slot: hand the row back unsent.
        await o.store.reschedule(row.id, this.owner, new Date(), 'released on shutdown', false);
        break;
      }
      const result = await this.send(message);
      // Retry-After holds the whole lane, so the rows behind this one (or ahead of it by priority) wait too.
      if (result.status === 'retry' && result.afterMs !== undefined && result.afterMs > 0) await o.limiter.block(lanes, result.afterMs);
      if (this.signal.stopping && result.status === 'retry') {
        await o.store.reschedule(row.id, this.owner, new Date(), result.error, result.afterMs === undefined);
        break;
      }
      if ((await this.handle(row, result)) === 'stop') break;
      sent++;
    }
    return { sent, drained };
  }

  /** One send, with the lease renewed every third of its length until the platform answered. */
  private async send(row: OutboundMessage): Promise<DeliveryResult> {
    const o = this.o;
    const started = Date.now();
    const beat = setInterval(() => {
      if (Date.now() - started > HEARTBEAT_CAP_MS) {
        clearInterval(beat);
        return;
      }
      o.store.renewLease(row.id, this.owner, o.leaseMs).then(
        (held) => {
          if (!held) o.deps.log?.warn({ id: row.id, destination: row.destination }, 'outbox lease lost during a send');
        },
        (err: unknown) => o.deps.log?.warn({ id: row.id, err: safeError(err) }, 'could not renew an outbox lease'),
      );
    }, Math.max(100, Math.floor(o.leaseMs / 3)));
    try {
      return await o.gateway.deliver(row);
    } catch (err) {
      return { status: 'retry', error: err instanceof Error ? err.message : String(err) };
    } finally {
      clearInterval(beat);
    }
  }

  private async handle(row: OutboxRow, result: DeliveryResult): Promise<'next' | 'stop'> {
    const o = this.o;
    const owner = this.owner;
    const info = { id: row.id, ticketId: row.ticketId, destination: row.destination, kind: row.kind };
    switch (result.status) {
      case 'delivered': {
        const delivered = await o.store.markDelivered(row.id, owner, result.messageIds);
        if (delivered) {
          o.metrics?.outboxDelivered(delivered.afterSeconds);
          await recordDelivered(o.deps, info);
        }
        return 'next';
      }
      case 'skipped':
        await o.store.finish(row.id, owner, 'skipped', result.reason);
        return 'next';
      case 'failed':
        if (await o.store.finish(row.id, owner, 'failed', result.error)) await recordDeliveryFailed(o.deps, info, result.error);
        return 'next';
      case 'retry': {
        const rateLimited = result.afterMs !== undefined;
        if (!rateLimited && row.attempts >= o.maxAttempts) {
          const error = `gave up after ${row.attempts} attempts: ${result.error}`;
          if (await o.store.finish(row.id, owner, 'failed', error)) await recordDeliveryFailed(o.deps, info, error);
          return 'next';
        }
        const at = new Date(Date.now() + (result.afterMs ?? backoffMs(row.attempts)));
        if (await o.store.reschedule(row.id, owner, at, result.error, !rateLimited)) await this.wake(row.destination, row.id, at);
        return 'stop';
      }
    }
  }
}
