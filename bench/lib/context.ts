import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AftercareConfig } from '../../src/core/types.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { ensureDatabase, runMigrations } from '../../src/db/migrate.js';
import { syncDirectory } from '../../src/db/sync-directory.js';
import { exampleConfig } from '../../tests/helpers/config.js';
import { dropDatabase, newDatabaseUrl, REDIS_URL } from '../../tests/helpers/db.js';
import { deleteKeys, log } from './common.js';

/** What every measurement gets: one fresh database and one Redis key namespace for the run. */
export interface BenchContext {
  /** Unique per run, e.g. `bench-1a2b3c4d`; every queue prefix of the run starts with it. */
  runId: string;
  databaseUrl: string;
  redisUrl: string;
  /** The app's own pool size (openDatabase's default of 10 connections). */
  database: Database;
  config: AftercareConfig;
  /** A queue prefix of its own for one measurement. */
  prefix(name: string): string;
  /** Empties the ticket tables (keeps the directory and settings) between measurements. */
  truncateTickets(): Promise<void>;
  cleanup(): Promise<void>;
}

const TICKET_TABLES = [
  'outbox',
  'ticket_events',
  'sla_clocks',
  'ticket_departments',
  'escalations',
  'coordination_tasks',
  'surveys',
  'idempotency_keys',
  'ticket_facts',
  'tickets',
  'customers',
];

export async function createContext(): Promise<BenchContext> {
  const runId = `bench-${randomBytes(4).toString('hex')}`;
  // newDatabaseUrl names it aftercare_t_<epoch>_<hex>: the test setup drops it if a killed run leaves it behind.
  const databaseUrl = newDatabaseUrl();
  await ensureDatabase(databaseUrl);
  await runMigrations(databaseUrl);
  const database = openDatabase(databaseUrl);
  const config = exampleConfig();
  await syncDirectory(database.db, config);
  log(`run ${runId}, database ${new URL(databaseUrl).pathname.slice(1)}`);
  return {
    runId,
    databaseUrl,
    redisUrl: REDIS_URL,
    database,
    config,
    prefix: (name) => `${runId}-${name}`,
    async truncateTickets() {
      // ticket_events is append-only (migration 0003): emptying it takes the maintenance setting.
      await database.sql.begin(async (tx) => {
        await tx`select set_config('aftercare.allow_event_rewrite', 'on', true)`;
        await tx.unsafe(`truncate ${TICKET_TABLES.join(', ')} cascade`);
      });
    },
    async cleanup() {
      await database.close().catch(() => {});
      await dropDatabase(databaseUrl);
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
      try {
        const n = await deleteKeys(redis, `${runId}-*`);
        log(`cleaned up: dropped the database, deleted ${n} Redis keys under ${runId}-*`);
      } finally {
        redis.disconnect();
      }
    },
  };
}
