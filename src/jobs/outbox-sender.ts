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

/** A claimed row's lease as its sender sees it. */
interface Lease {
  /** A renewal found the row no longer leased to this sender. */
  lost: boolean;
  /** When the send started (the heartbeat's cap counts from here). */
  sendingSince: number | undefined;
  release(): void;
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
      const lease = this.hold(row);
      try {
        const step = await this.step(row, mode, lease);
        if (step === 'stop') break;
        sent++;
      } finally {
        lease.release();
      }
    }
    return { sent, drained };
  }

  /**
   * One claimed row: waits for its rate lanes, sends it and records the outcome. 'stop' when
   * the drain must end here (the row went back for later, or the lease was lost).
   */
  private async step(row: OutboxRow, mode: DrainMode, lease: Lease): Promise<'next' | 'stop'> {
    const o = this.o;
    const message = { ...row, attempt: row.attempts };
    const lanes = (await o.gateway.lanes(row.destination, row.kind, message)) ?? [];
    // The hot path never waits for a lane, and a card refresh never waits holding the
    // destination's lease: a person's message written meanwhile would wait behind it.
    if (lanes.length === 0) {
      // Nothing to post (the gateway said so): no lane to wait for.
    } else if (mode === 'hot' || isRefresh(row.kind)) {
      const waitMs = await o.limiter.tryAcquireAll(lanes);
      if (waitMs > 0) {
        // No room now: hand the row back and let a delivery job send it when there is.
        const at = new Date(Date.now() + waitMs);
        if (await o.store.reschedule(row.id, this.owner, at, 'waiting for a rate lane', false)) await this.wake(row.destination, row.id, at);
        return 'stop';
      }
    } else if (!(await o.limiter.acquire(lanes, this.signal))) {
      // Shutting down while waiting for a rate-limit slot: hand the row back unsent.
      await o.store.reschedule(row.id, this.owner, new Date(), 'released on shutdown', false);
      return 'stop';
    }
    // The lease ran out while waiting (this process was stalled): another worker has the row now.
    if (lease.lost) return 'stop';
    const result = await this.send(message, lease);
    // Retry-After holds the whole lane, so the rows behind this one (or ahead of it by priority) wait too.
    if (result.status === 'retry' && result.afterMs !== undefined && result.afterMs > 0) await o.limiter.block(lanes, result.afterMs);
    if (this.signal.stopping && result.status === 'retry') {
      await o.store.reschedule(row.id, this.owner, new Date(), result.error, result.afterMs === undefined);
      return 'stop';
    }
    return this.handle(row, result);
  }

  /**
   * Keeps the lease of a claimed row: renewed every third of its length for as long as this
   * sender holds the row (waiting for a rate lane included), except that a send which has not
   * answered within {@link HEARTBEAT_CAP_MS} is no longer covered.
   */
  private hold(row: OutboxRow): Lease {
    const o = this.o;
    let released = false;
    const lease: Lease = {
      lost: false,
      sendingSince: undefined,
      release: () => {
        released = true;
        clearInterval(beat);
      },
    };
    const beat = setInterval(() => {
      if (lease.sendingSince !== undefined && Date.now() - lease.sendingSince > HEARTBEAT_CAP_MS) {
        clearInterval(beat);
        return;
      }
      o.store.renewLease(row.id, this.owner, o.leaseMs).then(
        (held) => {
          // A renewal answered after the row was finished finds it no longer sending: not a loss.
          if (held || released) return;
          lease.lost = true;
          o.deps.log?.warn({ id: row.id, destination: row.destination }, 'outbox lease lost');
        },
        (err: unknown) => o.deps.log?.warn({ id: row.id, err: safeError(err) }, 'could not renew an outbox lease'),
      );
    }, Math.max(100, Math.floor(o.leaseMs / 3)));
    return lease;
  }

  private async send(row: OutboundMessage, lease: Lease): Promise<DeliveryResult> {
    lease.sendingSince = Date.now();
    try {
      return await this.o.gateway.deliver(row);
    } catch (err) {
      return { status: 'retry', error: err instanceof Error ? err.message : String(err) };
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
