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
  constructor(private readonly queue: Queue) {}

  /** `delayMs`: when the job may run (the hot path's fallback waits a little). */
  async kick(rows: QueuedOutboxRow[], delayMs = 0): Promise<void> {
    const first = new Map<string, number>();
    for (const r of rows) if (!first.has(r.destination) || r.id < first.get(r.destination)!) first.set(r.destination, r.id);
    await this.queue.addBulk(
      [...first].map(([destination, id]) => ({
        name: outboxJobName(destination),
        data: { destination },
        opts: { jobId: outboxJobId(destination, id, 0), ...(delayMs > 0 && { delay: delayMs }) },
      })),
    );
  }
}
