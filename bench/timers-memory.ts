import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { TimerSpec } from '../src/app/ports.js';
import { slaTimerId } from '../src/app/timers.js';
import { makeQueues } from '../src/jobs/queues.js';
import { BullTimerScheduler } from '../src/jobs/scheduler.js';
import { deleteKeys, log, redisUsedMemory, round, sleep } from './lib/common.js';
import type { BenchContext } from './lib/context.js';
import { cpuPerOp, cpuSnapshot } from './lib/cpu.js';

export interface TimerMemoryResult {
  scheduled: number;
  pending: number;
  scheduleSeconds: number;
  scheduledPerSecond: number;
  /** CPU µs per scheduled timer: Redis (running BullMQ's add script) and this process (BullMQ client). */
  cpuMicrosPerTimer: { redis: number; client: number };
  usedMemoryBefore: number;
  usedMemoryAfter: number;
  /** (used_memory after − before) / timers. */
  bytesPerTimer: number;
  /** Σ MEMORY USAGE (SAMPLES 0) over the prefix's keys / timers: not disturbed by other Redis clients. */
  bytesPerTimerKeySum: number;
  keys: number;
  /** The biggest contributors, by key kind (job hashes, the delayed set, the events stream…). */
  bytesByKeyKind: Record<string, number>;
}

/** BullMQ's own keys of a queue (everything else under `<prefix>:<queue>:` is one job's hash). */
const QUEUE_KEYS = /^[^:]+:(delayed|events|meta|id|marker|wait|active|completed|failed|paused|prioritized|pc|stalled|stalled-check|limiter|repeat|de)$/;

/**
 * Schedules `count` SLA timers with the app's BullTimerScheduler (delays spread over 1–21 h,
 * ids, names and data as the app makes them) on a scratch prefix and measures what Redis holds for them.
 */
export async function benchTimerMemory(ctx: BenchContext, o: { count: number }): Promise<TimerMemoryResult> {
  const prefix = ctx.prefix('timers');
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  const queues = makeQueues({ prefix, connection: redis });
  try {
    await queues.timers.waitUntilReady();
    const now = Date.now();
    const timers: TimerSpec[] = Array.from({ length: o.count }, (_, i) => {
      const ticketId = randomUUID();
      return {
        id: slaTimerId(ticketId, 'resolution', 'remind', 1),
        at: new Date(now + 3_600_000 + Math.random() * 20 * 3_600_000),
        data: { type: 'sla', ticketId, clock: 'resolution', kind: 'remind', version: 1 },
        // As the app names jobs (ticket number, clock, step): the name is part of what a timer costs.
        ticketNumber: `AC-${String(i + 1).padStart(6, '0')}`,
      };
    });
    const scheduler = new BullTimerScheduler(queues.timers, () => new Date());
    await sleep(200);
    const usedMemoryBefore = await redisUsedMemory(redis);
    const cpu0 = cpuSnapshot(undefined);
    const t0 = performance.now();
    await scheduler.schedule(timers);
    const scheduleSeconds = (performance.now() - t0) / 1000;
    const cpu = cpuPerOp(cpu0, cpuSnapshot(undefined), o.count / 1000); // ms per 1000 = µs per timer
    await sleep(200);
    const usedMemoryAfter = await redisUsedMemory(redis);
    const pending = await queues.timers.getDelayedCount();

    // Σ MEMORY USAGE over every key of the prefix.
    const bytesByKeyKind: Record<string, number> = {};
    let keys = 0;
    let total = 0;
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 2000);
      cursor = next;
      if (batch.length === 0) continue;
      const pipe = redis.pipeline();
      for (const k of batch) pipe.memory('USAGE', k, 'SAMPLES', 0);
      const res = (await pipe.exec()) ?? [];
      batch.forEach((k, i) => {
        const bytes = Number(res[i]?.[1] ?? 0);
        const rest = k.slice(prefix.length + 1);
        const kind = QUEUE_KEYS.test(rest) ? rest : `${rest.split(':')[0]}:<job hash>`;
        bytesByKeyKind[kind] = (bytesByKeyKind[kind] ?? 0) + bytes;
        total += bytes;
        keys++;
      });
    } while (cursor !== '0');

    const result: TimerMemoryResult = {
      scheduled: o.count,
      pending,
      scheduleSeconds: round(scheduleSeconds, 2),
      scheduledPerSecond: round(o.count / scheduleSeconds),
      cpuMicrosPerTimer: { redis: round(cpu.redis), client: round(cpu.bench) },
      usedMemoryBefore,
      usedMemoryAfter,
      bytesPerTimer: round((usedMemoryAfter - usedMemoryBefore) / o.count),
      bytesPerTimerKeySum: round(total / o.count),
      keys,
      bytesByKeyKind: Object.fromEntries(Object.entries(bytesByKeyKind).sort((a, b) => b[1] - a[1]).slice(0, 8)),
    };
    log(
      `timers: ${pending} pending, ${result.bytesPerTimer} B/timer (used_memory), ${result.bytesPerTimerKeySum} B/timer (Σ MEMORY USAGE), ` +
        `scheduled at ${result.scheduledPerSecond}/s (CPU µs/timer ${JSON.stringify(result.cpuMicrosPerTimer)}); by key: ${JSON.stringify(result.bytesByKeyKind)}`,
    );
    return result;
  } finally {
    await queues.timers.close();
    await queues.outbox.close();
    await deleteKeys(redis, `${prefix}:*`);
    redis.disconnect();
  }
}
