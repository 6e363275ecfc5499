import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimiter, windowMs } from '../../../src/jobs/rate-limiter.js';
import { deleteRedisKeys } from '../../helpers/app.js';
import { REDIS_URL } from '../../helpers/db.js';

const prefix = `rl${randomBytes(4).toString('hex')}`;
const redis = new Redis(REDIS_URL);
afterAll(async () => {
  redis.disconnect();
  await deleteRedisKeys(prefix);
});

// Long periods keep these tests independent of how fast this machine is.
describe('RateLimiter (sliding window on Redis)', () => {
  it('lets `max` through, then waits until the first of them leaves the window: never more than `max` in one period', async () => {
    const limiter = new RateLimiter(redis, prefix);
    const lane = { key: 'burst', max: 3, perMs: 60_000 };
    expect([await limiter.tryAcquire(lane), await limiter.tryAcquire(lane), await limiter.tryAcquire(lane)]).toEqual([0, 0, 0]);
    const wait = await limiter.tryAcquire(lane);
    // The whole period (and its guard), not one interval of it: a fourth send now would make 4 in 60 s.
    expect(wait).toBeGreaterThan(55_000);
    expect(wait).toBeLessThanOrEqual(windowMs(lane));
    // Asking again records nothing: the wait does not grow.
    expect(await limiter.tryAcquire(lane)).toBeLessThanOrEqual(wait);
  });

  it('counts 30 in a period exactly (30 per 10 s)', async () => {
    const limiter = new RateLimiter(redis, prefix);
    const lane = { key: 'thirty', max: 30, perMs: 10_000 };
    const waits: number[] = [];
    for (let i = 0; i < 31; i++) waits.push(await limiter.tryAcquire(lane));
    expect(waits.slice(0, 30).every((w) => w === 0)).toBe(true);
    expect(waits[30]).toBeGreaterThan(9_000);
  });

  it('takes a send on every lane or on none, and answers the longest wait', async () => {
    const limiter = new RateLimiter(redis, prefix);
    const chat = { key: 'all-chat', max: 1, perMs: 60_000 };
    const global = { key: 'all-global', max: 2, perMs: 30_000 };
    expect(await limiter.tryAcquireAll([chat, global])).toBe(0);
    // The chat lane is full: its wait comes back, and the global lane is not charged.
    const wait = await limiter.tryAcquireAll([global, chat]);
    expect(wait).toBeGreaterThan(50_000);
    expect(wait).toBeLessThanOrEqual(windowMs(chat));
    expect(await limiter.tryAcquire(global)).toBe(0);
    expect(await limiter.tryAcquire(global)).toBeGreaterThan(25_000);
    expect(await limiter.tryAcquireAll([])).toBe(0);
  });

  it("holds a lane with room for a platform's Retry-After", async () => {
    const limiter = new RateLimiter(redis, prefix);
    const lane = { key: 'held', max: 100, perMs: 1000 };
    await limiter.block([lane], 40_000);
    const wait = await limiter.tryAcquire(lane);
    expect(wait).toBeGreaterThan(35_000);
    expect(wait).toBeLessThanOrEqual(40_000);
    // A shorter Retry-After does not shorten the hold.
    await limiter.block([lane], 1000);
    expect(await limiter.tryAcquire(lane)).toBeGreaterThan(35_000);
  });
});
