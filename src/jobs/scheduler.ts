import type { Queue } from 'bullmq';
import type { Clock, OutboxKicker, QueuedOutboxRow, TimerScheduler, TimerSpec } from '../app/ports.js';
import { outboxJobId, outboxJobName, timerJobName } from './queues.js';

const CHUNK = 1000;

/** {@link TimerScheduler} on a BullMQ queue: delayed jobs with deterministic ids. */
export class BullTimerScheduler implements TimerScheduler {
  constructor(
    private readonly queue: Queue,
    private readonly now: Clock,
  ) {}

  async schedule(timers: TimerSpec[]): Promise<void> {
    const now = this.now().getTime();
    for (let i = 0; i < timers.length; i += CHUNK) {
      await this.queue.addBulk(
        // Everything the worker needs is in the id (see app/timers.ts): an empty payload keeps
        // each timer small; the name (a few dozen bytes) is what people read in the queue UI.
        timers.slice(i, i + CHUNK).map((t) => ({
          name: timerJobName(t),
          data: {},
          opts: { jobId: t.id, delay: Math.max(0, t.at.getTime() - now) },
        })),
      );
    }
  }

  async cancel(ids: string[]): Promise<void> {
    // A job that is running right now cannot be removed; it will find its clock superseded.
    await Promise.all(ids.map((id) => this.queue.remove(id).catch(() => 0)));
  }
}

/** {@link OutboxKicker}: one delivery job per destination that just got rows. */
export class BullOutboxKicker implements OutboxKicker {
  constructor(private readonly outbox: Queue) {}

  async kick(rows: QueuedOutboxRow[]): Promise<void> {
    await this.queue(rows);
  }

  /**
   * Queues the jobs; `delayMs`: when they may run (the hot path's fallback waits a little).
   * Resolves to the job id queued per destination, once Redis has them.
   */
  async queue(rows: QueuedOutboxRow[], delayMs = 0): Promise<Map<string, string>> {
    const first = new Map<string, number>();
    for (const r of rows) if (!first.has(r.destination) || r.id < first.get(r.destination)!) first.set(r.destination, r.id);
    const ids = new Map([...first].map(([destination, id]) => [destination, outboxJobId(destination, id, 0)]));
    await this.outbox.addBulk(
      [...ids].map(([destination, jobId]) => ({
        name: outboxJobName(destination),
        data: { destination },
        opts: { jobId, ...(delayMs > 0 && { delay: delayMs }) },
      })),
    );
    return ids;
  }

  /**
   * Removes delivery jobs that have nothing left to do. A job that already runs is not
   * removed (BullMQ refuses while it holds the lock): it finds the rows sent.
   */
  async forget(jobIds: string[]): Promise<void> {
    await Promise.all(jobIds.map((id) => this.outbox.remove(id).catch(() => 0)));
  }
}
