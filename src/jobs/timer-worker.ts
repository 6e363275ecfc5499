import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { UseCaseDeps } from '../app/deps.js';
import { handleTimer } from '../app/handle-timer.js';
import { CLOCK_KINDS } from '../core/types.js';
import { TIMERS_QUEUE } from './queues.js';

const timerData = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('sla'),
    ticketId: z.uuid(),
    clock: z.enum(CLOCK_KINDS),
    kind: z.enum(['remind', 'breach']),
    version: z.number().int().positive(),
  }),
  z.object({ type: z.literal('escalation'), ticketId: z.uuid(), escalationId: z.uuid(), level: z.number().int().positive() }),
]);

/** Runs due SLA reminders/breaches and escalation steps. */
export function startTimerWorker(deps: UseCaseDeps, connection: Redis, prefix: string, concurrency = 20): Worker {
  const worker = new Worker(
    TIMERS_QUEUE,
    async (job: Job, token?: string) => {
      const parsed = timerData.safeParse(job.data);
      if (!parsed.success) {
        throw new UnrecoverableError(`bad timer data: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      const result = await handleTimer(deps, parsed.data);
      if (result.outcome === 'early') {
        // BullMQ's delay is a minimum, but a job can be early against the injected clock: wait on.
        await job.moveToDelayed(Date.now() + Math.max(1, result.at.getTime() - deps.now().getTime()), token);
        throw new DelayedError();
      }
      return result.outcome;
    },
    { connection: connection, prefix, concurrency },
  );
  worker.on('failed', (job, err) => deps.log?.warn({ job: job?.id, err: err.message }, 'timer job failed'));
  return worker;
}
