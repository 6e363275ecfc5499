import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { UseCaseDeps } from '../app/deps.js';
import { handleTimer, handleTimers, type TimerOutcome } from '../app/handle-timer.js';
import type { TimerData } from '../app/ports.js';
import { parseTimerId } from '../app/timers.js';
import { NO_JOB_METRICS, type JobMetrics } from './job-metrics.js';
import { logBullErrors, TIMERS_QUEUE } from './queues.js';
import { TimerBatch } from './timer-batch.js';
import { safeError } from '../core/safe-error.js';

/**
 * Runs due SLA reminders/breaches and escalation steps; the job id says which (app/timers.ts).
 * The jobs running at the same moment are handled in batches of up to `batchSize`: one
 * transaction loads and writes all their tickets (app/handle-timer.ts `handleTimers`). With
 * `concurrency` a few times `batchSize`, the next batches are taken from Redis while one is in
 * Postgres, so the worker does not wait for either in turn.
 */
export function startTimerWorker(deps: UseCaseDeps, connection: Redis, prefix: string, concurrency = 20, metrics: JobMetrics = NO_JOB_METRICS, batchSize = concurrency): Worker {
  const batch = new TimerBatch<TimerData, TimerOutcome>(
    (items) => handleTimers(deps, items),
    (item) => handleTimer(deps, item),
    batchSize,
  );
  const worker = new Worker(
    TIMERS_QUEUE,
    async (job: Job, token?: string) => {
      const data = job.id ? parseTimerId(job.id) : undefined;
      if (!data) throw new UnrecoverableError(`job id "${job.id}" is not a timer id (s.<ticket>.<clock>.<r|b>.<version> or e.<escalation>.<level>.<ticket>)`);
      let result;
      try {
        result = await batch.add(data);
      } catch (err) {
        // Postgres hiccup or similar: try again shortly. The timer re-checks its clock when it
        // runs, so retrying is always safe; no attempt limit, so a reminder is never given up.
        deps.log?.warn({ job: job.id, err: safeError(err) }, 'timer failed, retrying in 5 s');
        await job.moveToDelayed(Date.now() + 5000, token);
        throw new DelayedError();
      }
      if (result.outcome === 'early') {
        // BullMQ's delay is a minimum, but a job can be early against the injected clock: wait on.
        await job.moveToDelayed(Date.now() + Math.max(1, result.at.getTime() - deps.now().getTime()), token);
        throw new DelayedError();
      }
      // Against the injected clock, like the due moment itself.
      if (result.outcome === 'fired') metrics.timerFired((deps.now().getTime() - result.dueAt.getTime()) / 1000);
      return result.outcome;
    },
    // Finished timers are dropped; a failed one too, so its id frees up and the next
    // reconciliation re-adds it.
    { connection, prefix, concurrency, removeOnComplete: { count: 0 }, removeOnFail: { count: 0 } },
  );
  worker.on('failed', (job, err) => deps.log?.warn({ job: job?.id, err: safeError(err) }, 'timer job failed'));
  logBullErrors(worker, 'timer worker', deps.log);
  return worker;
}
