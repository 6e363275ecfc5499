import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ChatGateway } from '../app/chat-gateway.js';
import type { UseCaseDeps } from '../app/deps.js';
import type { PgOutboxStore } from '../db/outbox-store.js';
import { OutboxSender } from './outbox-sender.js';
import { logBullErrors, OUTBOX_QUEUE } from './queues.js';
import type { JobMetrics } from './job-metrics.js';
import type { RateLimiter } from './rate-limiter.js';
import { safeError } from '../core/safe-error.js';

export { backoffMs } from './outbox-sender.js';

export interface OutboxWorkerOptions {
  deps: UseCaseDeps;
  store: PgOutboxStore;
  gateway: ChatGateway;
  limiter: RateLimiter;
  queue: Queue;
  connection: Redis;
  prefix: string;
  /** How long a row stays leased without a heartbeat before another worker may take it over (after a crash). */
  leaseMs: number;
  concurrency: number;
  /** Give up on transient errors after this many attempts (429s never count). */
  maxAttempts: number;
  metrics: JobMetrics;
}

const jobData = z.object({ destination: z.string().min(1) });

/**
 * Delivers outbox rows through the gateway, one destination per job, in the order the
 * outbox store hands them out (messages people read strictly in the order they were
 * written; card refreshes after them, collapsed). A 429 waits for Retry-After and retries
 * the same row; 5xx and network errors back off; permanent errors fail the row and tell
 * the department. The hot path (hot-path.ts) sends through the same {@link OutboxSender}
 * rules; these jobs are its fallback.
 */
export function startOutboxWorker(o: OutboxWorkerOptions): { worker: Worker; stop(): void } {
  const sender = new OutboxSender(o);
  const worker = new Worker(
    OUTBOX_QUEUE,
    async (job: Job) => {
      const parsed = jobData.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError('bad outbox job data: destination is required');
      return (await sender.drain(parsed.data.destination, 'wait')).sent;
    },
    { connection: o.connection, prefix: o.prefix, concurrency: o.concurrency },
  );
  worker.on('failed', (job, err) => o.deps.log?.warn({ job: job?.id, err: safeError(err) }, 'outbox job failed'));
  logBullErrors(worker, 'outbox worker', o.deps.log);
  return {
    worker,
    stop() {
      sender.signal.stopping = true;
    },
  };
}
