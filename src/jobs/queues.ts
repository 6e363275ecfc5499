import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';

export const TIMERS_QUEUE = 'timers';
export const OUTBOX_QUEUE = 'outbox';

export interface QueueSettings {
  /** Redis key prefix of every queue (lets tests and several installs share one Redis). */
  prefix: string;
  connection: Redis;
}

export function makeQueues(s: QueueSettings): { timers: Queue; outbox: Queue } {
  const opts = { connection: s.connection as ConnectionOptions, prefix: s.prefix };
  return {
    // Removal is set on the timer worker instead of on each job: smaller jobs in Redis.
    timers: new Queue(TIMERS_QUEUE, opts),
    // A delivery job that failed for good (e.g. Postgres was down) is removed, so the sweeper
    // can queue the same destination again; the rows themselves are never lost.
    outbox: new Queue(OUTBOX_QUEUE, {
      ...opts,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
    }),
  };
}

/** Job ids may not contain ":"; destinations do, so they are hashed. */
export function destinationKey(destination: string): string {
  return createHash('sha1').update(destination).digest('hex').slice(0, 16);
}

/** One job per (destination, head row, attempt): re-adding the same wake-up is a no-op. */
export function outboxJobId(destination: string, rowId: number, attempt: number): string {
  return `ob-${destinationKey(destination)}-${rowId}-${attempt}`;
}
