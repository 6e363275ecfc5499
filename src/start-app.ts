import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import type { UseCaseDeps } from './app/deps.js';
import type { Clock } from './app/ports.js';
import type { LoadedConfig } from './config/load-config.js';
import { Directory } from './core/directory.js';
import { resolveApiToken } from './db/api-token.js';
import { openDatabase, type Database } from './db/client.js';
import { ensureDatabase, runMigrations } from './db/migrate.js';
import { syncDirectory } from './db/sync-directory.js';
import { PgTicketStore } from './db/ticket-store.js';
import { buildHttpServer } from './http/server.js';

export interface RunningApp {
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:3000. */
  url: string;
  http: FastifyInstance;
  database: Database;
  redis: Redis;
  deps: UseCaseDeps;
  logger: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  now?: Clock;
  logger?: Logger;
  /** Called with the API token when one was generated on this start. */
  onGeneratedToken?: (token: string) => void;
}

/**
 * Starts Aftercare: creates and migrates the database, mirrors the directory,
 * connects Redis and serves HTTP. `close()` shuts everything down in order.
 */
export async function startApp(loaded: LoadedConfig, options: StartOptions = {}): Promise<RunningApp> {
  const { env, config } = loaded;
  const logger = options.logger ?? pino({ level: env.LOG_LEVEL, redact: ['req.headers.authorization', 'req.headers["x-slack-signature"]'] });

  const created = await ensureDatabase(env.DATABASE_URL);
  if (created) logger.info('created database');
  await runMigrations(env.DATABASE_URL);
  const database = openDatabase(env.DATABASE_URL);
  const redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', (err) => logger.debug({ err: err.message }, 'redis connection error'));
  redis.connect().catch((err: unknown) => logger.warn({ err: String(err) }, 'redis unavailable at start'));

  try {
    await syncDirectory(database.db, config);
    const token = await resolveApiToken(database.db, env.AFTERCARE_API_TOKEN);
    if (token.generated) {
      (options.onGeneratedToken ?? ((t) => logger.warn(
        `Generated an API token (shown only this once): ${t} — set AFTERCARE_API_TOKEN to use a token of your own.`,
      )))(token.generated);
    }
    const deps: UseCaseDeps = {
      store: new PgTicketStore(database.db),
      directory: new Directory(config),
      now: options.now ?? (() => new Date()),
      newId: randomUUID,
    };
    const http = await buildHttpServer({
      deps,
      apiTokenHash: token.hash,
      logger,
      health: { db: () => database.sql`select 1`, redis: () => redis.ping() },
    });
    await http.listen({ port: env.PORT, host: env.HOST });
    const addr = http.server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    logger.info({ port: addr.port, host: addr.address, config: loaded.source }, 'aftercare listening');
    return {
      url: `http://${host}:${addr.port}`,
      http,
      database,
      redis,
      deps,
      logger,
      async close() {
        await http.close();
        redis.disconnect();
        await database.close();
      },
    };
  } catch (err) {
    redis.disconnect();
    await database.close();
    throw err;
  }
}
