import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/db/client.js';
import { ensureDatabase, runMigrations } from '../../src/db/migrate.js';
import { syncDirectory } from '../../src/db/sync-directory.js';
import type { AftercareConfig } from '../../src/core/types.js';

export const PG_BASE = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  url: string;
  database: Database;
  drop(): Promise<void>;
}

/** A database URL of its own for one test file (not created yet). */
export function newDatabaseUrl(): string {
  return `${PG_BASE}/aftercare_t_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
}

export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = postgres(`${PG_BASE}/postgres`, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Creates, migrates and (optionally) fills the directory of a fresh database. */
export async function freshDatabase(config?: AftercareConfig): Promise<TestDatabase> {
  const url = newDatabaseUrl();
  await ensureDatabase(url);
  await runMigrations(url);
  const database = openDatabase(url, { max: 5 });
  if (config) await syncDirectory(database.db, config);
  return {
    url,
    database,
    async drop() {
      await database.close();
      await dropDatabase(url);
    },
  };
}
