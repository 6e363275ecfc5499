import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, ticketBody } from '../helpers/app.js';
import { PgCluster } from '../helpers/pg-cluster.js';
import { FAST_CLOCKS, PROCESS_TOKEN, startAppProcess, type AppProcess } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

/**
 * PostgreSQL restarted (fast and immediate, i.e. like a crash) again and again under a load of
 * POST /api/tickets: every process stays alive, requests in flight get 503 + Retry-After (never
 * 500, never a hang), retrying them succeeds, and every acknowledged ticket is in the database.
 */

const RESTARTS: ('fast' | 'immediate')[] = ['immediate', 'fast', 'immediate', 'fast'];
const CONCURRENCY = 24;
const REQUEST_TIMEOUT_MS = 20_000;

interface Outcome {
  key: string;
  status?: number | undefined;
  retryAfter?: string | null | undefined;
  code?: string | undefined;
  number?: string | undefined;
  error?: string;
}

const cluster = new PgCluster();
const prefix = `pr${randomBytes(4).toString('hex')}`;
const processes: AppProcess[] = [];
let databaseUrl = '';

async function postTicket(api: AppProcess, key: string): Promise<Outcome> {
  try {
    const res = await fetch(`${api.url}/api/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PROCESS_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(ticketBody({ category: 'fault', orderNumber: key })),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await res.json()) as { number?: string; error?: { code: string } };
    return { key, status: res.status, retryAfter: res.headers.get('retry-after'), code: body.error?.code, number: body.number };
  } catch (err) {
    return { key, error: String(err) };
  }
}

function logs(): string {
  return processes.map((p) => `--- ${p.name} (${p.running() ? 'running' : 'exited'})\n${p.output.slice(-40).join('\n')}`).join('\n');
}

beforeAll(async () => {
  await cluster.start();
  databaseUrl = `${cluster.url}/aftercare_restart`;
  const env = {
    DATABASE_URL: databaseUrl,
    AFTERCARE_QUEUE_PREFIX: prefix,
    AFTERCARE_API_TOKEN: PROCESS_TOKEN,
    AFTERCARE_CONFIG: FAST_CLOCKS,
    AFTERCARE_OUTBOX_SWEEP_INTERVAL: '1s',
  };
  // One at a time: the first creates and migrates the database.
  processes.push(await startAppProcess('api', env, 'api'));
  processes.push(...(await Promise.all([startAppProcess('worker', env, 'worker#1'), startAppProcess('worker', env, 'worker#2')])));
}, 300_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill9()));
  await cluster.stop();
  await deleteRedisKeys(prefix);
}, 60_000);

// Starts a cluster and three processes, then restarts PostgreSQL four times: minutes on a busy machine.
describe('a PostgreSQL restart under load', { timeout: 240_000 }, () => {
  it('kills no process; requests in flight get 503 with Retry-After and succeed on retry; no acknowledged ticket is lost', async () => {
    const api = processes[0]!;
    const outcomes: Outcome[] = [];
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop && processes.every((p) => p.running())) outcomes.push(await postTicket(api, `restart-${n++}`));
    };
    const load = Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const succeeded = () => outcomes.filter((o) => o.status === 201).length;

    try {
      for (const mode of RESTARTS) {
        // Let the pools reconnect and the load run at full speed before the next restart.
        const before = succeeded();
        await waitFor(() => succeeded() >= before + CONCURRENCY || !processes.every((p) => p.running()), 30_000, 'tickets to be created');
        if (!processes.every((p) => p.running())) break;
        await cluster.restart(mode);
      }
      const before = succeeded();
      await waitFor(() => succeeded() >= before + CONCURRENCY || !processes.every((p) => p.running()), 30_000, 'tickets after the last restart');
    } finally {
      stop = true;
      await load;
    }

    expect(processes.filter((p) => !p.running()).map((p) => p.name), logs()).toEqual([]);
    await waitFor(async () => (await fetch(`${api.url}/healthz`)).status === 200, 20_000, '/healthz to recover');

    // Every answer was a success or a 503 telling when to retry: no 500, no hang, no dropped connection.
    const unexpected = outcomes.filter((o) => !(o.status === 201 || (o.status === 503 && o.retryAfter && o.code === 'service_unavailable')));
    expect(unexpected, logs()).toEqual([]);
    const unavailable = outcomes.filter((o) => o.status === 503);
    expect(unavailable.length, 'no request was in flight during a restart: raise the load').toBeGreaterThan(0);

    // Retrying with the same Idempotency-Key succeeds (200 when the first try had committed after all).
    const retries = await Promise.all(unavailable.map((o) => postTicket(api, o.key)));
    expect(retries.filter((r) => r.status !== 201 && r.status !== 200)).toEqual([]);

    const acknowledged = [...outcomes, ...retries].filter((o) => o.number).map((o) => o.number!);
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ number: string }[]>`select number from tickets where number in ${sql(acknowledged)}`;
      expect(new Set(rows.map((r) => r.number)).size).toBe(new Set(acknowledged).size);
    } finally {
      await sql.end({ timeout: 5 });
    }
    expect(processes.filter((p) => !p.running()).map((p) => p.name), logs()).toEqual([]);
  }, 120_000);
});
