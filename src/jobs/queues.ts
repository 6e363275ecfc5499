import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { UseCaseLog } from '../app/deps.js';
import type { TimerSpec } from '../app/ports.js';
import { CLOCK_KIND_TO_KEY } from '../config/build-config.js';

export const TIMERS_QUEUE = 'timers';
export const OUTBOX_QUEUE = 'outbox';

export interface QueueSettings {
  /** Redis key prefix of every queue (lets tests and several installs share one Redis). */
  prefix: string;
  connection: Redis;
  log?: UseCaseLog | undefined;
}

/**
 * Logs a BullMQ object's `error` events as one JSON line each (without a listener BullMQ
 * prints raw stack traces to stderr). Only the message, cut short: no job data.
 */
export function logBullErrors(emitter: { on(event: 'error', listener: (err: Error) => void): unknown }, what: string, log: UseCaseLog | undefined): void {
  emitter.on('error', (err: Error) => {
    log?.warn({ err: String(err?.message ?? err).slice(0, 300) }, `${what} error`);
  });
}

export function makeQueues(s: QueueSettings): { timers: Queue; outbox: Queue } {
  const opts = { connection: s.connection as ConnectionOptions, prefix: s.prefix };
  // Removal is set on the timer worker instead of on each job: smaller jobs in Redis.
  const timers = new Queue(TIMERS_QUEUE, opts);
  // A delivery job that failed for good (e.g. Postgres was down) is removed, so the sweeper
  // can queue the same destination again; the rows themselves are never lost.
  const outbox = new Queue(OUTBOX_QUEUE, {
    ...opts,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
  });
  logBullErrors(timers, 'timers queue', s.log);
  logBullErrors(outbox, 'outbox queue', s.log);
  return { timers, outbox };
}

/** Job ids may not contain ":"; destinations do, so they are hashed. */
export function destinationKey(destination: string): string {
  return createHash('sha1').update(destination).digest('hex').slice(0, 16);
}

/** One job per (destination, head row, attempt): re-adding the same wake-up is a no-op. */
export function outboxJobId(destination: string, rowId: number, attempt: number): string {
  return `ob-${destinationKey(destination)}-${rowId}-${attempt}`;
}

/**
 * The job's name in the queue UI (bull-board): ticket, clock and step, e.g.
 * `AC-000123 firstResponse remind`, `AC-000123 escalation L2`. Ids stay compact and carry
 * what the worker needs (app/timers.ts); the name is only for people. Without the number it
 * falls back to the start of the ticket id.
 */
export function timerJobName(t: TimerSpec): string {
  const ticket = t.ticketNumber ?? `ticket ${t.data.ticketId.slice(0, 8)}`;
  if (t.data.type === 'sla') return `${ticket} ${CLOCK_KIND_TO_KEY[t.data.clock]} ${t.data.kind}`;
  if (t.data.type === 'lifecycle') return `${ticket} ${t.data.timer}`;
  return `${ticket} escalation L${t.data.level}`;
}

/** The delivery job's name in the queue UI: `outbox customer:…`, `outbox department:technical`. */
export function outboxJobName(destination: string): string {
  return `outbox ${destination}`;
}
