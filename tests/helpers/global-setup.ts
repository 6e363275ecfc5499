import { Redis } from 'ioredis';
import postgres from 'postgres';
import { PG_BASE, REDIS_URL } from './db.js';

/** Fails fast, with a hint, when Postgres or Redis is not running; drops test databases left by killed runs (over an hour old). */
export default async function setup(): Promise<void> {
  const sql = postgres(`${PG_BASE}/postgres`, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const stale = await sql<{ datname: string }[]>`
      select datname from pg_database where datname like 'aftercare\_t\_%' escape '\\'`;
    const cutoff = Math.floor(Date.now() / 1000) - 3600;
    for (const { datname } of stale) {
      const born = Number(datname.split('_')[2]);
      if (Number.isFinite(born) && born < cutoff) await sql.unsafe(`drop database if exists "${datname}" with (force)`);
    }
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${PG_BASE} (${String(err)}); start it before running the tests`, { cause: err });
  } finally {
    await sql.end({ timeout: 5 });
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis is not reachable at ${REDIS_URL} (${String(err)}); start it before running the tests`, { cause: err });
  } finally {
    redis.disconnect();
  }
}
