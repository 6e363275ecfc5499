import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/jobs/rate-limiter.js';
import { deleteRedisKeys } from '../../helpers/app.js';
import { REDIS_URL } from '../../helpers/db.js';

const prefix = `rl${randomBytes(4).toString('hex')}`;
const redis = new Redis(REDIS_URL);
afterAll(async () => {
  redis.disconnect();
  await deleteRedisKeys(prefix);
});

describe('RateLimiter (GCRA on Redis)', () => {
  it('lets a burst of `max` through, then asks to wait about one interval', async () => {
    const limiter = new RateLimiter(redis, prefix);
    // Long periods keep the test independent of how fast this machine is.
    const lane = { key: 'burst', max: 3, perMs: 60_000 };
    expect([await limiter.tryAcquire(lane), await limiter.tryAcquire(lane), await limiter.tryAcquire(lane)]).toEqual([0, 0, 0]);
    const wait = await limiter.tryAcquire(lane);
    expect(wait).toBeGreaterThan(15_000);
    expect(wait).toBeLessThanOrEqual(20_000);
  });

  it('handles intervals that are not whole milliseconds (30 per 10 s)', async () => {
    const limiter = new RateLimiter(redis, prefix);
    const lane = { key: 'thirty', max: 30, perMs: 10_000 };
    const waits: number[] = [];
    for (let i = 0; i < 31; i++) waits.push(await limiter.tryAcquire(lane));
    expect(waits.slice(0, 30).every((w) => w === 0)).toBe(true);
    expect(waits[30]).toBeGreaterThan(0);
  });

  it('reserves several lanes in one call and stops at the first without room', async () => {
    const limiter = new RateLimiter(redis, prefix);
    const chat = { key: 'all-chat', max: 1, perMs: 60_000 };
    const global = { key: 'all-global', max: 2, perMs: 60_000 };
    const other = { key: 'all-other', max: 1, perMs: 60_000 };
    expect(await limiter.tryAcquireAll([chat, global])).toBe(0);
    // The chat lane is full: its wait comes back, and the global lane after it is not charged.
    const wait = await limiter.tryAcquireAll([chat, global]);
    expect(wait).toBeGreaterThan(50_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(await limiter.tryAcquire(global)).toBe(0);
    expect(await limiter.tryAcquire(global)).toBeGreaterThan(0);
    // A lane before the full one keeps its reservation.
    expect(await limiter.tryAcquireAll([other, global])).toBeGreaterThan(0);
    expect(await limiter.tryAcquire(other)).toBeGreaterThan(0);
    expect(await limiter.tryAcquireAll([])).toBe(0);
  });
});
