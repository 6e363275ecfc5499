import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, ticketBody, type TestApp } from '../helpers/app.js';
import { OwnRedis } from '../helpers/own-redis.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Redis goes away after the app started: a ticket is committed to Postgres and answered at
 * once; nothing waits on Redis after the commit.
 */

const redis = new OwnRedis();
let app: TestApp;

beforeAll(async () => {
  await redis.start();
  app = await startTestApp({ env: { REDIS_URL: redis.url, AFTERCARE_ROLE: 'api' } });
});
afterAll(async () => {
  await app?.stop();
  await redis.stop();
});

describe('POST /api/tickets while Redis is down', () => {
  it('answers 201 without waiting for Redis and the ticket is in Postgres', async () => {
    expect((await app.api('/api/tickets', { method: 'POST', json: ticketBody() })).status).toBe(201);
    await redis.stop();
    await waitFor(async () => (await fetch(`${app.url}/healthz`)).status === 503, 10_000, 'the app to see Redis down');

    for (let i = 0; i < 3; i++) {
      // Waiting on Redis would hold the answer until Redis is back (never, here): an answer at all
      // is the proof; the bound only keeps a regression from hanging the suite.
      const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ orderNumber: `SO-REDIS-DOWN-${i}` }), signal: AbortSignal.timeout(20_000) });
      expect(res.status).toBe(201);
      const { number } = (await res.json()) as { number: string };
      const rows = await app.database.sql<{ n: number }[]>`select count(*)::int as n from tickets where number = ${number}`;
      expect(rows[0]!.n).toBe(1);
    }
  });
});
