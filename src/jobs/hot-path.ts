import type { OutboxKicker, QueuedOutboxRow } from '../app/ports.js';
import type { UseCaseLog } from '../app/deps.js';
import { safeError } from '../core/safe-error.js';
import type { OutboxSender } from './outbox-sender.js';
import type { BullOutboxKicker } from './scheduler.js';

/**
 * How long the fallback delivery job waits behind the hot path. Should this process die
 * before its rows are sent, the job sends them; when it runs, it usually finds them sent.
 */
export const HOT_PATH_FALLBACK_DELAY_MS = 1000;

/**
 * {@link OutboxKicker} with a hot path: the process that committed rows sends them at once
 * (under the same row lease and order as the outbox worker, while the destination's rate
 * lanes have room) instead of waiting for a delivery job to be picked up. The delivery job
 * is still queued, a little later, as the fallback; the outbox sweep stays the last resort.
 * Once a drain that started after the job was queued finds the destination without an open
 * row, the job is removed again: it would only find the rows sent, and running it costs the
 * next messages of that destination a claim that competes with theirs.
 */
export class HotPathKicker implements OutboxKicker {
  private sender: OutboxSender | undefined;
  private readonly running = new Map<string, Promise<void>>();
  /** Destinations that got rows while their drain ran: drained once more when it ends. */
  private readonly again = new Set<string>();
  /** Fallback jobs queued per destination (the ids once Redis has them), not yet known to be needless. */
  private readonly removals = new Set<Promise<unknown>>();
  private readonly fallbacks = new Map<string, Set<Promise<string | undefined>>>();

  constructor(
    private readonly bull: BullOutboxKicker,
    private readonly log?: UseCaseLog,
    private readonly fallbackDelayMs = HOT_PATH_FALLBACK_DELAY_MS,
  ) {}

  /** Turns the hot path on with `sender` (once the gateways exist); without it, only jobs are queued. */
  attach(sender: OutboxSender): void {
    this.sender = sender;
  }

  async kick(rows: QueuedOutboxRow[]): Promise<void> {
    const sender = this.sender;
    if (!sender || sender.signal.stopping) return this.bull.kick(rows);
    const queued = this.bull.queue(rows, this.fallbackDelayMs);
    for (const destination of new Set(rows.map((r) => r.destination))) {
      const job = queued.then(
        (ids) => ids.get(destination),
        () => undefined,
      );
      let set = this.fallbacks.get(destination);
      if (!set) this.fallbacks.set(destination, (set = new Set()));
      set.add(job);
      this.start(sender, destination);
    }
    await queued;
  }

  private start(sender: OutboxSender, destination: string): void {
    if (this.running.has(destination)) {
      this.again.add(destination);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(destination);
        // Jobs queued before this drain started: needless if it ends with nothing open.
        const covered = [...(this.fallbacks.get(destination) ?? [])];
        const { drained } = await sender.drain(destination, 'hot');
        this.settle(destination, covered, drained);
      } while (this.again.has(destination) && !sender.signal.stopping);
    })()
      .catch((err: unknown) => {
        // Postgres or Redis hiccup: the delivery job (queued with the rows) sends them.
        this.log?.warn({ err: safeError(err), destination }, 'hot-path delivery failed; the outbox worker will send');
      })
      .finally(() => this.running.delete(destination));
    this.running.set(destination, run);
  }

  /**
   * Stops tracking the fallback jobs `covered`; when the drain left nothing open, removes them
   * (in the background: they are harmless if they stay). Otherwise they stay queued and run.
   */
  private settle(destination: string, covered: Promise<string | undefined>[], drained: boolean): void {
    const set = this.fallbacks.get(destination);
    for (const c of covered) set?.delete(c);
    if (set?.size === 0) this.fallbacks.delete(destination);
    if (!drained || covered.length === 0) return;
    const removal = Promise.all(covered)
      .then((ids) => this.bull.forget(ids.filter((id): id is string => id !== undefined)))
      .catch(() => undefined)
      .finally(() => this.removals.delete(removal));
    this.removals.add(removal);
  }

  /** Stops starting sends and waits for the ones in progress. */
  async close(): Promise<void> {
    if (this.sender) this.sender.signal.stopping = true;
    await Promise.allSettled([...this.running.values()]);
    await Promise.allSettled([...this.removals]);
  }
}
