import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startTestApp, ticketBody, type TestApp } from '../../helpers/app.js';
import { fastClocksConfig } from '../../helpers/config.js';
import { REDIS_URL } from '../../helpers/db.js';

let app: TestApp;
let redis: Redis;
const prefix = `rc${Date.now().toString(36)}`;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  app = await startTestApp({ config: fastClocksConfig({ first_response: 3600, resolution: 7200 }), env: { AFTERCARE_QUEUE_PREFIX: prefix } });
});
afterAll(async () => {
  await app?.stop();
  redis?.disconnect();
});

const delayedIds = () => redis.zrange(`${prefix}:timers:delayed`, '0', '-1');

describe('reconciliation', () => {
  it('restores every timer after Redis lost all keys, and re-adds one whose hash survived without its schedule', async () => {
    for (let i = 0; i < 3; i++) expect((await app.api('/api/tickets', { method: 'POST', json: ticketBody() })).status).toBe(201);
    const before = (await delayedIds()).sort();
    expect(before).toHaveLength(6); // first response and resolution reminders of 3 tickets

    // Everything gone (FLUSHALL of this install).
    const keys = await redis.keys(`${prefix}:timers:*`);
    await redis.del(...keys);
    expect(await delayedIds()).toEqual([]);
    const flushed = await app.jobs.reconcileNow();
    expect(flushed.timersAdded).toBe(6);
    expect((await delayedIds()).sort()).toEqual(before);
    // Restored jobs keep their readable names (ticket number, clock, step).
    const names = await Promise.all(before.map((id) => redis.hget(`${prefix}:timers:${id}`, 'name')));
    for (const name of names) expect(name).toMatch(/^AC-\d{6} (firstResponse|resolution) remind$/);

    // Partial loss: the schedule entry of one timer is gone but its job hash survived.
    const victim = before[0]!;
    await redis.zrem(`${prefix}:timers:delayed`, victim);
    expect(await redis.exists(`${prefix}:timers:${victim}`)).toBe(1);
    const partial = await app.jobs.reconcileNow();
    expect(partial.timersAdded).toBe(1);
    expect((await delayedIds()).sort()).toEqual(before);

    // Steady state: nothing to add.
    expect((await app.jobs.reconcileNow()).timersAdded).toBe(0);
  });
});
