import type { Redis } from 'ioredis';
import type { PrivacyDeps } from '../app/privacy.js';
import { eraseExpired } from '../app/privacy.js';

/** How often the retention rule runs (SPEC §9): once a day, and once when a worker starts. */
export const RETENTION_EVERY_MS = 86_400_000;

/**
 * One run of the retention rule (`privacy.retentionDays`) across all worker processes: the
 * first to take the Redis lock erases the customers whose last ticket closed too long ago;
 * the others skip this run. Returns how many were erased (0 when off or skipped).
 */
export async function runRetention(deps: PrivacyDeps, redis: Redis, prefix: string): Promise<number> {
  if (deps.directory.config.privacy.retentionDays === undefined) return 0;
  const lock = `${prefix}:privacy-retention`;
  const taken = await redis.set(lock, String(process.pid), 'PX', RETENTION_EVERY_MS / 2, 'NX');
  if (taken !== 'OK') return 0;
  const { erased, cutoff } = await eraseExpired(deps);
  if (erased > 0) deps.log?.info({ erased, closedBefore: cutoff }, 'retention: customers erased');
  return erased;
}
