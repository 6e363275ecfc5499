import type { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { ChatGateway } from '../app/chat-gateway.js';
import type { UseCaseDeps, UseCaseLog } from '../app/deps.js';
import type { Clock } from '../app/ports.js';
import type { Db } from '../db/client.js';
import { PgOutboxStore } from '../db/outbox-store.js';
import { NO_JOB_METRICS, type JobMetrics } from './job-metrics.js';
import { HotPathKicker } from './hot-path.js';
import { OutboxSender } from './outbox-sender.js';
import { startOutboxWorker } from './outbox-worker.js';
import { makeQueues } from './queues.js';
import { RateLimiter } from './rate-limiter.js';
import { reconcile, sweepOutbox, type ReconcileReport } from './reconcile.js';
import { RETENTION_EVERY_MS, runRetention } from './retention.js';
import { PgPrivacyStore } from '../db/privacy-store.js';
import { PgInboundDedup } from '../db/customer-store.js';
import { BullOutboxKicker, BullTimerScheduler } from './scheduler.js';
import { startTimerWorker } from './timer-worker.js';
import { safeError } from '../core/safe-error.js';

/** How long handled platform event ids are remembered (platforms stop redelivering well before). */
export const INBOUND_DEDUP_KEEP_MS = 7 * 24 * 3600_000;

export interface JobQueuesOptions {
  redisUrl: string;
  prefix: string;
  now: Clock;
  log?: UseCaseLog | undefined;
}

/** The queues and what adds jobs to them: everything the use cases need, before any worker runs. */
export interface JobQueues {
  queues: { timers: Queue; outbox: Queue };
  scheduler: BullTimerScheduler;
  /** Queues delivery jobs; with the hot path on (see {@link startJobs}) sends at once too. */
  kicker: HotPathKicker;
  /** The blocking connection the workers and reconciliation use. */
  connection: Redis;
  prefix: string;
  /** Closes the queues and both connections (after the workers stopped). */
  close(): Promise<void>;
}

export interface JobsOptions {
  db: Db;
  deps: UseCaseDeps;
  gateway: ChatGateway;
  /** Run the workers, sweeper and reconciliation (role all|worker); else only produce jobs. */
  workers: boolean;
  reconcileEveryMs: number;
  sweepEveryMs: number;
  leaseMs: number;
  outboxConcurrency: number;
  timerConcurrency: number;
  /** Most timers handled in one transaction (default: `timerConcurrency`). */
  timerBatch?: number;
  maxAttempts: number;
  /** Where the workers report outbox delivery times and timer lateness. */
  metrics?: JobMetrics;
  /**
   * With `workers`: a process sends the rows it committed at once (default on), the
   * delivery jobs are the fallback. A process without workers (role api) only queues jobs.
   */
  hotPath?: boolean;
}

export interface Jobs {
  queues: { timers: Queue; outbox: Queue };
  scheduler: BullTimerScheduler;
  kicker: HotPathKicker;
  reconcileNow(): Promise<ReconcileReport>;
  /** Stops taking jobs and lets running ones finish (at most `graceMs`); the queues stay open. */
  close(graceMs?: number): Promise<void>;
}

/** Warns when Redis may evict keys: a lost delayed job is a reminder that never fires. */
export async function checkEvictionPolicy(redis: Redis): Promise<string | undefined> {
  try {
    const res = (await redis.config('GET', 'maxmemory-policy'));
    return res[1];
  } catch {
    return undefined; // CONFIG may be disabled on managed Redis
  }
}

export function createJobQueues(o: JobQueuesOptions): JobQueues {
  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  connection.on('error', (err) => o.log?.warn({ err: safeError(err) }, 'redis (jobs) connection error'));
  // Adding jobs fails at once while Redis is down instead of queueing in memory: the rows are
  // in Postgres, and the sweep and reconciliation add the jobs again later.
  const producer = new Redis(o.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  // The jobs connection above logs the same outage once.
  producer.on('error', () => undefined);
  const queues = makeQueues({ prefix: o.prefix, connection: producer, log: o.log });
  return {
    queues,
    scheduler: new BullTimerScheduler(queues.timers, o.now),
    kicker: new HotPathKicker(new BullOutboxKicker(queues.outbox), o.log),
    connection,
    prefix: o.prefix,
    async close() {
      await Promise.all([queues.timers.close(), queues.outbox.close()]);
      connection.disconnect();
      producer.disconnect();
    },
  };
}

/** Starts the workers, the outbox sweep, reconciliation and dedup pruning (when `o.workers`). */
export async function startJobs(q: JobQueues, o: JobsOptions): Promise<Jobs> {
  const { queues, scheduler, kicker, connection, prefix } = q;
  const outbox = new PgOutboxStore(o.db);
  const runReconcile = () => reconcile({ db: o.db, redis: connection, prefix, scheduler, outboxQueue: queues.outbox, outbox, deps: o.deps });

  const limiter = new RateLimiter(connection, prefix);
  if (o.workers && o.hotPath !== false) {
    kicker.attach(
      new OutboxSender({ deps: o.deps, store: outbox, gateway: o.gateway, limiter, queue: queues.outbox, leaseMs: o.leaseMs, maxAttempts: o.maxAttempts, metrics: o.metrics }),
    );
  }
  const workers: Worker[] = [];
  const timers: NodeJS.Timeout[] = [];
  let stopOutbox = () => {};
  if (o.workers) {
    const policy = await checkEvictionPolicy(connection);
    if (policy && policy !== 'noeviction') {
      o.deps.log?.warn({ policy }, `Redis maxmemory-policy is "${policy}": set it to "noeviction" or queued reminders may be evicted`);
    }
    const metrics = o.metrics ?? NO_JOB_METRICS;
    workers.push(startTimerWorker(o.deps, connection, prefix, o.timerConcurrency, metrics, o.timerBatch));
    const ob = startOutboxWorker({
      deps: o.deps,
      store: outbox,
      gateway: o.gateway,
      limiter,
      queue: queues.outbox,
      connection,
      prefix,
      leaseMs: o.leaseMs,
      concurrency: o.outboxConcurrency,
      maxAttempts: o.maxAttempts,
      metrics,
    });
    workers.push(ob.worker);
    stopOutbox = () => ob.stop();
    const report = await runReconcile();
    o.deps.log?.info({ ...report }, 'reconciled jobs with the database');
    const guard = (what: string, fn: () => Promise<unknown>) => () => {
      fn().catch((err: unknown) => o.deps.log?.warn({ err: safeError(err) }, `${what} failed`));
    };
    timers.push(setInterval(guard('outbox sweep', () => sweepOutbox(outbox, queues.outbox)), o.sweepEveryMs));
    timers.push(setInterval(guard('reconcile', runReconcile), o.reconcileEveryMs));
    const dedup = new PgInboundDedup(o.db);
    const prune = () => dedup.prune(new Date(Date.now() - INBOUND_DEDUP_KEEP_MS));
    guard('inbound dedup pruning', prune)();
    timers.push(setInterval(guard('inbound dedup pruning', prune), o.reconcileEveryMs));
    const retention = () => runRetention({ ...o.deps, privacy: new PgPrivacyStore(o.db) }, connection, prefix);
    guard('privacy retention', retention)();
    timers.push(setInterval(guard('privacy retention', retention), RETENTION_EVERY_MS));
  }

  return {
    queues,
    scheduler,
    kicker,
    reconcileNow: runReconcile,
    async close(graceMs = 8000) {
      for (const t of timers) clearInterval(t);
      stopOutbox();
      const graceful = Promise.all([kicker.close(), ...workers.map((w) => w.close())]);
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
      if ((await Promise.race([graceful, timeout])) === 'timeout') {
        // Still running after the grace period: their rows stay leased and are taken over later.
        await Promise.all(workers.map((w) => w.close(true)));
      }
    },
  };
}
