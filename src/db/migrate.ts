import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { join } from 'node:path';
import postgres from 'postgres';
import { packageRoot } from '../config/load-config.js';

/** Arbitrary constant: the advisory lock every Aftercare process takes while migrating. */
const MIGRATION_LOCK_ID = 4_711_202_611;

export const MIGRATIONS_FOLDER = (): string => join(packageRoot(), 'migrations');

/**
 * Creates the database named in `url` if it does not exist yet. Safe when several
 * processes race: "already exists" counts as success.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) return false;
  const probe = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await probe`select 1`;
    return false;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err; // invalid_catalog_name
  } finally {
    await probe.end({ timeout: 5 });
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql.unsafe(`create database "${name.replaceAll('"', '""')}"`);
    return true;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === '42P04' || code === '23505') return false; // created by a concurrent process
    throw err;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Applies pending drizzle-kit migrations under a Postgres advisory lock, so processes
 * starting together apply them once and all come up.
 */
export async function runMigrations(url: string, folder = MIGRATIONS_FOLDER()): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    try {
      await migrate(drizzle(sql), { migrationsFolder: folder });
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
