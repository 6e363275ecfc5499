import { pino } from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { buildHttpServer, type HealthChecks } from '../../src/http/server.js';
import { startTestApp, TEST_TOKEN, type TestApp } from '../helpers/app.js';
import { PG_BASE, REDIS_URL } from '../helpers/db.js';
import { freePort } from '../helpers/pg-cluster.js';

/**
 * /healthz reports reachability, not latency: a slow database is still up; a refused
 * connection is down. Latency goes to /metrics.
 */

let app: TestApp;
const servers: FastifyInstance[] = [];
const clients: { end(): Promise<void> }[] = [];

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const c of clients) await c.end();
  await app?.stop();
});

/** An HTTP server of the app's use cases with other health checks. */
async function serverWith(health: HealthChecks, metricsPublic = false): Promise<string> {
  const server = await buildHttpServer({
    deps: app.deps,
    apiTokenHash: createHash('sha256').update(TEST_TOKEN).digest('hex'),
    health,
    logger: pino({ level: 'silent' }),
    metricsPublic,
  });
  servers.push(server);
  await server.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
}

function pg(url: string) {
  const sql = postgres(url, { max: 2, onnotice: () => {}, connect_timeout: 5 });
  clients.push({ end: () => sql.end({ timeout: 1 }) });
  return sql;
}

/** A Redis client like the app's health check uses (no offline queue), connected when the server is there. */
async function redisClient(url: string) {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 200 });
  r.on('error', () => {});
  clients.push({ end: () => Promise.resolve(r.disconnect()) });
  await r.connect().catch(() => {});
  return r;
}

describe('GET /healthz', () => {
  it('a database that answers slower than the 2 s check is up ("slow", 200), not down', async () => {
    const sql = pg(`${PG_BASE}/postgres`);
    const redis = await redisClient(REDIS_URL);
    const url = await serverWith({
      db: () => sql`select pg_sleep(3)`,
      redis: () => redis.ping(),
    });
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', db: 'slow', redis: 'ok' });
  });

  it('a database that refuses connections is down (503)', async () => {
    const sql = pg(`postgres://postgres@127.0.0.1:${await freePort()}/postgres`);
    const redis = await redisClient(REDIS_URL);
    const url = await serverWith({ db: () => sql`select 1`, redis: () => redis.ping() });
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', db: 'down', redis: 'ok' });
  });

  it('a Redis that is not there is down (503)', async () => {
    const sql = pg(`${PG_BASE}/postgres`);
    const redis = await redisClient(`redis://127.0.0.1:${await freePort()}`);
    const url = await serverWith({ db: () => sql`select 1`, redis: () => redis.ping() });
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ db: 'ok', redis: 'down' });
  });

  it('the running app reports ok', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok', db: 'ok', redis: 'ok' });
  });
});

describe('GET /metrics', () => {
  it('needs the API token and shows health-check latency and reachability plus process metrics', async () => {
    await fetch(`${app.url}/healthz`);
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    const res = await app.api('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const dep of ['db', 'redis']) {
      expect(text).toContain(`aftercare_health_check_duration_seconds_count{dependency="${dep}"}`);
      expect(text).toContain(`aftercare_health_check_up{dependency="${dep}"} 1`);
    }
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('is open without the token when AFTERCARE_METRICS_PUBLIC is set', async () => {
    const sql = pg(`${PG_BASE}/postgres`);
    const url = await serverWith({ db: () => sql`select 1`, redis: () => Promise.reject(new Error('no redis')) }, true);
    await fetch(`${url}/healthz`);
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('aftercare_health_check_up{dependency="redis"} 0');
    expect(text).toContain('aftercare_health_check_up{dependency="db"} 1');
  });
});
