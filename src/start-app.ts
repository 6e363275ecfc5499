import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { DiscordAdapter } from '../adapters/discord/index.js';
import type { SlackAdapter } from '../adapters/slack/index.js';
import type { TelegramAdapter } from '../adapters/telegram/index.js';
import type { ChatGateway } from './app/chat-gateway.js';
import type { UseCaseDeps } from './app/deps.js';
import type { Clock } from './app/ports.js';
import type { LoadedConfig } from './config/load-config.js';
import { adapterList, appLogger, createAdapters, gatewayFromEnv, platformGateways, serveHttp, StopList } from './compose.js';
import { Directory } from './core/directory.js';
import { factsContextFor } from './core/reports/facts.js';
import { safeError } from './core/safe-error.js';
import { openDatabase, type Database } from './db/client.js';
import { backfillFacts } from './db/facts-backfill.js';
import { sealPersonalData } from './db/seal-personal.js';
import { ensureDatabase, runMigrations } from './db/migrate.js';
import { registerOutboxPending } from './db/outbox-metrics.js';
import { syncDirectory } from './db/sync-directory.js';
import { PgTicketStore } from './db/ticket-store.js';
import type { AdapterRoutes } from './http/server.js';
import { jobMetrics } from './jobs/job-metrics.js';
import { createJobQueues, startJobs, type Jobs } from './jobs/runtime.js';

export interface RunningApp {
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:3000; undefined for a worker-only process. */
  url: string | undefined;
  http: FastifyInstance | undefined;
  database: Database;
  redis: Redis;
  jobs: Jobs;
  telegram: TelegramAdapter | undefined;
  slack: SlackAdapter | undefined;
  discord: DiscordAdapter | undefined;
  deps: UseCaseDeps;
  logger: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  now?: Clock;
  logger?: Logger;
  /** Replaces the gateways built from the environment (tests). */
  gateway?: ChatGateway;
  /** Called with the API token when one was generated on this start. */
  onGeneratedToken?: (token: string) => void;
  /** More routes on the app's HTTP server, after the adapters' (the demo page). */
  routes?: AdapterRoutes[];
}

/**
 * Starts Aftercare: creates and migrates the database, mirrors the directory, then — by
 * AFTERCARE_ROLE — serves HTTP (api), runs the job workers (worker), or both (all).
 * Everything started is stopped in reverse order by `close()`, or at once when a later step fails.
 */
export async function startApp(loaded: LoadedConfig, options: StartOptions = {}): Promise<RunningApp> {
  const { env, config } = loaded;
  const logger = appLogger(env, options.logger);
  const role = env.AFTERCARE_ROLE;
  const stops = new StopList(logger);

  if (await ensureDatabase(env.DATABASE_URL)) logger.info('created database');
  await runMigrations(env.DATABASE_URL);
  const database = openDatabase(env.DATABASE_URL);
  stops.add('database', () => database.close());
  const redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  stops.add('redis', () => redis.disconnect());
  redis.on('error', (err) => logger.debug({ err: safeError(err) }, 'redis connection error'));
  redis.connect().catch((err: unknown) => logger.warn({ err: safeError(err) }, 'redis unavailable at start'));
  try {
    await syncDirectory(database.db, config);
    const now = options.now ?? (() => new Date());
    const queues = createJobQueues({ redisUrl: env.REDIS_URL, prefix: env.AFTERCARE_QUEUE_PREFIX, now, log: logger });
    stops.add('job queues', () => queues.close());
    const facts = factsContextFor(config);
    const store = new PgTicketStore(database.db, facts);
    // Tickets from before the facts table get their figures from their event log, once.
    const sealed = await sealPersonalData(database.db);
    if (sealed > 0) logger.info({ tickets: sealed }, 'personal data moved out of the audit chain');
    const backfilled = await backfillFacts(database.db, facts);
    if (backfilled > 0) logger.info({ tickets: backfilled }, 'report facts backfilled');
    const { scheduler, kicker } = queues;
    const deps: UseCaseDeps = { store, directory: new Directory(config), now, newId: randomUUID, log: logger, scheduler, kicker };
    const adapters = await createAdapters(env, deps, store, database, logger);
    // One registry for /metrics: the workers' histograms, the outbox backlog, HTTP and health.
    const registry = new Registry();
    registerOutboxPending(registry, database.db);
    const jobs = await startJobs(queues, {
      db: database.db,
      deps,
      gateway: options.gateway ?? gatewayFromEnv(env, platformGateways(adapters)),
      workers: role !== 'api',
      reconcileEveryMs: env.AFTERCARE_RECONCILE_INTERVAL,
      sweepEveryMs: env.AFTERCARE_OUTBOX_SWEEP_INTERVAL,
      leaseMs: env.AFTERCARE_OUTBOX_LEASE,
      outboxConcurrency: env.AFTERCARE_OUTBOX_CONCURRENCY,
      timerConcurrency: env.AFTERCARE_TIMER_CONCURRENCY,
      timerBatch: env.AFTERCARE_TIMER_BATCH,
      maxAttempts: env.AFTERCARE_OUTBOX_MAX_ATTEMPTS,
      metrics: jobMetrics(registry),
    });
    stops.add('job workers', (graceMs) => jobs.close(graceMs));
    let served: Awaited<ReturnType<typeof serveHttp>> | undefined;
    if (role !== 'worker') {
      served = await serveHttp({
        env,
        database,
        logger,
        stops,
        deps,
        onGeneratedToken: options.onGeneratedToken,
        health: { db: () => database.sql`select 1`, redis: () => redis.ping() },
        queues: [jobs.queues.timers, jobs.queues.outbox],
        routes: [...adapterList(adapters).map((a) => a.adapter.routes), ...(options.routes ?? [])],
        metricsPublic: env.AFTERCARE_METRICS_PUBLIC,
        registry,
      });
      logger.info({ port: served.addr.port, host: served.addr.address, role, config: loaded.source }, 'aftercare listening');
    } else {
      logger.info({ role, config: loaded.source }, 'aftercare worker running');
    }
    for (const { name, adapter } of adapterList(adapters)) {
      // Socket Mode connects from any role that serves requests; HTTP mode needs the api role's port.
      if (name === 'slack' && role === 'worker' && !env.SLACK_APP_TOKEN) continue;
      stops.add(name, () => adapter.stop());
      await adapter.start();
    }
    return { url: served?.url, http: served?.http, database, redis, jobs, deps, logger, ...adapters, close: () => stops.stopAll() };
  } catch (err) {
    await stops.stopAll(1000).catch(() => undefined);
    throw err;
  }
}
