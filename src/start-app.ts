import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { createDiscordAdapter, type DiscordAdapter } from '../adapters/discord/index.js';
import { createSlackAdapter, type SlackAdapter } from '../adapters/slack/index.js';
import { createTelegramAdapter, type TelegramAdapter } from '../adapters/telegram/index.js';
import { WebhookGateway } from '../adapters/webhook/webhook-gateway.js';
import type { ChatGateway } from './app/chat-gateway.js';
import { FanOutGateway, GatewayRouter } from './app/compose-gateways.js';
import type { UseCaseDeps } from './app/deps.js';
import type { Clock } from './app/ports.js';
import type { Env } from './config/env.js';
import type { LoadedConfig } from './config/load-config.js';
import { Directory } from './core/directory.js';
import { safeError } from './core/safe-error.js';
import { resolveApiToken } from './db/api-token.js';
import { resolveLinkSecret } from './db/link-secret.js';
import { openDatabase, type Database } from './db/client.js';
import { ensureDatabase, runMigrations } from './db/migrate.js';
import { syncDirectory } from './db/sync-directory.js';
import { PgChatMessageStore } from './db/chat-message-store.js';
import { PgCustomerStore, PgInboundDedup } from './db/customer-store.js';
import { PgDialogStore } from './db/dialog-store.js';
import { PgTicketStore } from './db/ticket-store.js';
import { buildHttpServer, type RawRoutes } from './http/server.js';
import { startJobs, type Jobs } from './jobs/runtime.js';

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
}

/** The chat gateways the environment configures, in order of preference. */
export function gatewayFromEnv(env: Env, platformGateways: ChatGateway[] = []): ChatGateway {
  const gateways: ChatGateway[] = [...platformGateways];
  if (env.AFTERCARE_WEBHOOK_URL) {
    gateways.push(
      new WebhookGateway({
        url: env.AFTERCARE_WEBHOOK_URL,
        secret: env.AFTERCARE_WEBHOOK_SECRET,
        ratePerSecond: env.AFTERCARE_WEBHOOK_RATE,
        perDestinationPerSecond: env.AFTERCARE_WEBHOOK_PER_DESTINATION_RATE,
      }),
    );
  }
  return new GatewayRouter(gateways);
}

/**
 * Starts Aftercare: creates and migrates the database, mirrors the directory, then — by
 * AFTERCARE_ROLE — serves HTTP (api), runs the job workers (worker), or both (all).
 * `close()` shuts everything down in order.
 */
export async function startApp(loaded: LoadedConfig, options: StartOptions = {}): Promise<RunningApp> {
  const { env, config } = loaded;
  // Every `err` logged goes through safeError: no query parameters or customer text in the log.
  const serializers = { err: safeError };
  const logger = options.logger
    ? options.logger.child({}, { serializers })
    : pino({ level: env.LOG_LEVEL, serializers, redact: ['req.headers.authorization', 'req.headers["x-slack-signature"]'] });
  const role = env.AFTERCARE_ROLE;

  const created = await ensureDatabase(env.DATABASE_URL);
  if (created) logger.info('created database');
  await runMigrations(env.DATABASE_URL);
  const database = openDatabase(env.DATABASE_URL);
  const redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', (err) => logger.debug({ err: safeError(err) }, 'redis connection error'));
  redis.connect().catch((err: unknown) => logger.warn({ err: safeError(err) }, 'redis unavailable at start'));

  let jobs: Jobs | undefined;
  let http: FastifyInstance | undefined;
  let telegram: TelegramAdapter | undefined;
  let slack: SlackAdapter | undefined;
  let discord: DiscordAdapter | undefined;
  const rawRoutes: RawRoutes = new Map();
  try {
    await syncDirectory(database.db, config);
    const store = new PgTicketStore(database.db);
    const deps: UseCaseDeps = {
      store,
      directory: new Directory(config),
      now: options.now ?? (() => new Date()),
      newId: randomUUID,
      log: logger,
    };
    // Shared by the chat adapters: handled platform event ids, and the staff messages to edit later.
    const dedup = new PgInboundDedup(database.db);
    const messages = new PgChatMessageStore(database.db);
    if (env.TELEGRAM_BOT_TOKEN) {
      telegram = createTelegramAdapter({
        token: env.TELEGRAM_BOT_TOKEN,
        apiRoot: env.TELEGRAM_API_URL,
        webhookUrl: env.TELEGRAM_WEBHOOK_URL,
        webhookSecret: env.TELEGRAM_WEBHOOK_SECRET,
        deps,
        customers: new PgCustomerStore(database.db, store),
        dialogs: new PgDialogStore(database.db),
        dedup,
        poll: role !== 'worker',
      });
    }
    if (env.SLACK_BOT_TOKEN) {
      slack = createSlackAdapter({
        botToken: env.SLACK_BOT_TOKEN,
        signingSecret: env.SLACK_SIGNING_SECRET,
        appToken: env.SLACK_APP_TOKEN,
        apiUrl: env.SLACK_API_URL,
        defaultChannel: env.SLACK_DEFAULT_CHANNEL,
        deps,
        messages,
        dedup,
        logger,
      });
      slack.registerRoutes(rawRoutes);
    }
    if (env.DISCORD_BOT_TOKEN && env.DISCORD_APPLICATION_ID) {
      discord = createDiscordAdapter({
        token: env.DISCORD_BOT_TOKEN,
        applicationId: env.DISCORD_APPLICATION_ID,
        publicKey: env.DISCORD_PUBLIC_KEY,
        apiUrl: env.DISCORD_API_URL,
        defaultChannel: env.DISCORD_DEFAULT_CHANNEL,
        deps,
        messages,
        dedup,
        logger,
        connect: role !== 'worker',
      });
      discord.registerRoutes(rawRoutes);
    }
    const staffGateways: ChatGateway[] = [...(slack ? [slack.gateway] : []), ...(discord ? [discord.gateway] : [])];
    // Staff messages go to every staff platform configured (Slack and Discord side by side).
    const platformGateways: ChatGateway[] = [
      ...(telegram ? [telegram.gateway] : []),
      ...(staffGateways.length > 1 ? [new FanOutGateway(staffGateways)] : staffGateways),
    ];
    jobs = await startJobs({
      redisUrl: env.REDIS_URL,
      prefix: env.AFTERCARE_QUEUE_PREFIX,
      db: database.db,
      deps,
      gateway: options.gateway ?? gatewayFromEnv(env, platformGateways),
      workers: role !== 'api',
      reconcileEveryMs: env.AFTERCARE_RECONCILE_INTERVAL,
      sweepEveryMs: env.AFTERCARE_OUTBOX_SWEEP_INTERVAL,
      leaseMs: env.AFTERCARE_OUTBOX_LEASE,
      outboxConcurrency: env.AFTERCARE_OUTBOX_CONCURRENCY,
      timerConcurrency: env.AFTERCARE_TIMER_CONCURRENCY,
      maxAttempts: env.AFTERCARE_OUTBOX_MAX_ATTEMPTS,
    });
    deps.scheduler = jobs.scheduler;
    deps.kicker = jobs.kicker;

    let url: string | undefined;
    if (role !== 'worker') {
      if (env.AFTERCARE_API_TOKEN && env.AFTERCARE_API_TOKEN.length < 16) {
        logger.warn('AFTERCARE_API_TOKEN is shorter than 16 characters: use a long random token in production');
      }
      const token = await resolveApiToken(database.db, env.AFTERCARE_API_TOKEN);
      if (token.generated) {
        (options.onGeneratedToken ??
          ((t) => logger.warn(`Generated an API token (shown only this once): ${t} — set AFTERCARE_API_TOKEN to use a token of your own.`)))(
          token.generated,
        );
      }
      const linkSecret = await resolveLinkSecret(database.db);
      let ownUrl = '';
      http = await buildHttpServer({
        deps,
        apiTokenHash: token.hash,
        linkSecret,
        publicUrl: () => env.AFTERCARE_PUBLIC_URL ?? ownUrl,
        logger,
        health: { db: () => database.sql`select 1`, redis: () => redis.ping() },
        queues: [jobs.queues.timers, jobs.queues.outbox],
        rawRoutes,
        metricsPublic: env.AFTERCARE_METRICS_PUBLIC,
      });
      telegram?.registerWebhook(http);
      await http.listen({ port: env.PORT, host: env.HOST });
      const addr = http.server.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      url = `http://${host}:${addr.port}`;
      ownUrl = url;
      logger.info({ port: addr.port, host: addr.address, role, config: loaded.source }, 'aftercare listening');
    } else {
      logger.info({ role, config: loaded.source }, 'aftercare worker running');
    }
    await telegram?.start();
    // Socket Mode connects from any role that serves requests; HTTP mode needs the api role's port.
    if (role !== 'worker' || env.SLACK_APP_TOKEN) await slack?.start();
    await discord?.start();
    const runningJobs = jobs;
    const runningHttp = http;
    const runningTelegram = telegram;
    const runningSlack = slack;
    const runningDiscord = discord;
    return {
      url,
      http,
      database,
      redis,
      jobs: runningJobs,
      deps,
      logger,
      telegram,
      slack,
      discord,
      async close() {
        await runningTelegram?.stop();
        await runningSlack?.stop();
        await runningDiscord?.stop();
        if (runningHttp) await runningHttp.close();
        await runningJobs.close();
        redis.disconnect();
        await database.close();
      },
    };
  } catch (err) {
    await telegram?.stop();
    await slack?.stop();
    await discord?.stop();
    await http?.close();
    await jobs?.close(1000);
    redis.disconnect();
    await database.close();
    throw err;
  }
}
