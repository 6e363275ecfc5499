import { randomUUID } from 'node:crypto';
import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ChatGateway, DeliveryResult } from '../app/chat-gateway.js';
import type { UseCaseDeps } from '../app/deps.js';
import { recordDelivered, recordDeliveryFailed } from '../app/record-delivery.js';
import type { OutboxRow, PgOutboxStore } from '../db/outbox-store.js';
import { logBullErrors, OUTBOX_QUEUE, outboxJobId, outboxJobName } from './queues.js';
import type { JobMetrics } from './job-metrics.js';
import type { RateLimiter } from './rate-limiter.js';
import { safeError } from '../core/safe-error.js';

export interface OutboxWorkerOptions {
  deps: UseCaseDeps;
  store: PgOutboxStore;
  gateway: ChatGateway;
  limiter: RateLimiter;
  queue: Queue;
  connection: Redis;
  prefix: string;
  /** How long a worker may hold a row before another may take it over (after a crash). */
  leaseMs: number;
  concurrency: number;
  /** Give up on transient errors after this many attempts (429s never count). */
  maxAttempts: number;
  metrics: JobMetrics;
}

const jobData = z.object({ destination: z.string().min(1) });

/** Exponential back-off with jitter: 1 s, 2 s, 4 s … capped at 10 min. */
export function backoffMs(attempt: number): number {
  const base = Math.min(600_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * Delivers outbox rows through the gateway, one destination per job, oldest row first, so
 * the messages of one ticket reach a destination in the order they were written (rows of
 * different tickets committed at the same moment may interleave). A 429 waits for Retry-After and retries the same row; 5xx
 * and network errors back off; permanent errors fail the row and tell the department.
 */
export function startOutboxWorker(o: OutboxWorkerOptions): { worker: Worker; stop(): void } {
  const signal = { stopping: false };
  const owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  // A wake-up is named after the moment it is for, so it never collides with the running job.
  const wake = (destination: string, rowId: number, at: Date) =>
    o.queue.add(outboxJobName(destination), { destination }, { jobId: `${outboxJobId(destination, rowId, 0)}-t${at.getTime()}`, delay: Math.max(0, at.getTime() - Date.now()) });

  async function handle(row: OutboxRow, result: DeliveryResult): Promise<'next' | 'stop'> {
    const info = { id: row.id, ticketId: row.ticketId, destination: row.destination, kind: row.kind };
    switch (result.status) {
      case 'delivered': {
        const delivered = await o.store.markDelivered(row.id, owner, result.messageIds);
        if (delivered) {
          o.metrics.outboxDelivered(delivered.afterSeconds);
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
        if (await o.store.reschedule(row.id, owner, at, result.error, !rateLimited)) await wake(row.destination, row.id, at);
        return 'stop';
      }
    }
  }

  const worker = new Worker(
    OUTBOX_QUEUE,
    async (job: Job) => {
      const parsed = jobData.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError('bad outbox job data: destination is required');
      const { destination } = parsed.data;
      let sent = 0;
      while (!signal.stopping) {
        const claim = await o.store.claimHead(destination, owner, o.leaseMs);
        if ('none' in claim) break;
        if ('waitUntil' in claim) {
          await wake(destination, 0, claim.waitUntil);
          break;
        }
        const row = claim.row;
        if (!(await o.limiter.acquire((await o.gateway.lanes(destination)) ?? [], signal))) {
          // Shutting down while waiting for a rate-limit slot: hand the row back unsent.
          await o.store.reschedule(row.id, owner, new Date(), 'released on shutdown', false);
          break;
        }
        let result: DeliveryResult;
        try {
          result = await o.gateway.deliver({ ...row, attempt: row.attempts });
        } catch (err) {
          result = { status: 'retry', error: err instanceof Error ? err.message : String(err) };
        }
        if (signal.stopping && result.status === 'retry') {
          await o.store.reschedule(row.id, owner, new Date(), result.error, result.afterMs === undefined);
          break;
        }
        if ((await handle(row, result)) === 'stop') break;
        sent++;
      }
      return sent;
    },
    { connection: o.connection, prefix: o.prefix, concurrency: o.concurrency },
  );
  worker.on('failed', (job, err) => o.deps.log?.warn({ job: job?.id, err: safeError(err) }, 'outbox job failed'));
  logBullErrors(worker, 'outbox worker', o.deps.log);
  return {
    worker,
    stop() {
      signal.stopping = true;
    },
  };
}
