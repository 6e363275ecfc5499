/**
 * What-if for Redis memory per SLA timer (not part of `npm run bench`):
 *
 *   npx tsx bench/experiments/timer-encoding.ts [timers]
 *
 * Starts a private, throw-away redis-server (needs the binary on PATH) so that a Redis setting
 * can be changed without touching the shared server, then schedules `timers` delayed jobs with
 * the app's BullTimerScheduler under several values of hash-max-listpack-value. BullMQ keeps a
 * job in a hash; once any field (e.g. the job's options JSON) is longer than that setting, the
 * hash leaves the compact listpack encoding for a hashtable.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { TimerSpec } from '../../src/app/ports.js';
import { slaTimerId } from '../../src/app/timers.js';
import { makeQueues } from '../../src/jobs/queues.js';
import { BullTimerScheduler } from '../../src/jobs/scheduler.js';
import { freePort, redisUsedMemory, sleep } from '../lib/common.js';

const COUNT = Number(process.argv[2] ?? 20_000);

function appTimers(n: number): TimerSpec[] {
  const now = Date.now();
  return Array.from({ length: n }, () => {
    const ticketId = randomUUID();
    return {
      id: slaTimerId(ticketId, 'resolution', 'remind', 1),
      at: new Date(now + 3_600_000 + Math.random() * 20 * 3_600_000),
      data: { type: 'sla', ticketId, clock: 'resolution', kind: 'remind', version: 1 },
    };
  });
}

async function main(): Promise<void> {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  try {
    const redis = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: null, retryStrategy: (n) => (n > 50 ? null : 100) });
    redis.on('error', () => {}); // refused until the server listens; ioredis retries
    await redis.ping();
    const rows: { listpackValue: number; bytesPerTimer: number; encoding: string; sampleJob: string }[] = [];
    for (const listpackValue of [64, 128, 256]) {
      await redis.flushall();
      await redis.config('SET', 'hash-max-listpack-value', String(listpackValue));
      const prefix = 'aftercare';
      const queues = makeQueues({ prefix, connection: redis });
      await queues.timers.waitUntilReady();
      await sleep(100);
      const before = await redisUsedMemory(redis);
      await new BullTimerScheduler(queues.timers, () => new Date()).schedule(appTimers(COUNT));
      await sleep(100);
      const after = await redisUsedMemory(redis);
      const [, keys] = await redis.scan('0', 'MATCH', `${prefix}:timers:s.*`, 'COUNT', 1000);
      const sample = keys[0];
      const fields = sample ? await redis.hgetall(sample) : {};
      rows.push({
        listpackValue,
        bytesPerTimer: Math.round((after - before) / COUNT),
        encoding: sample ? String(await redis.object('ENCODING', sample)) : '?',
        sampleJob: Object.entries(fields)
          .map(([k, v]) => `${k}=${v.length}B`)
          .join(' '),
      });
      await queues.timers.close();
      await queues.outbox.close();
    }
    redis.disconnect();
    console.log(`${COUNT} delayed jobs per setting (app's BullTimerScheduler), private redis-server on port ${port}`);
    console.table(rows);
  } finally {
    server.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
