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
 */
export class HotPathKicker implements OutboxKicker {
  private sender: OutboxSender | undefined;
  private readonly running = new Map<string, Promise<void>>();
  /** Destinations that got rows while their drain ran: drained once more when it ends. */
  private readonly again = new Set<string>();

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
    for (const destination of new Set(rows.map((r) => r.destination))) this.start(sender, destination);
    await this.bull.kick(rows, this.fallbackDelayMs);
  }

  private start(sender: OutboxSender, destination: string): void {
    if (this.running.has(destination)) {
      this.again.add(destination);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(destination);
        await sender.drain(destination, 'hot');
      } while (this.again.has(destination) && !sender.signal.stopping);
    })()
      .catch((err: unknown) => {
        // Postgres or Redis hiccup: the delivery job (queued with the rows) sends them.
        this.log?.warn({ err: safeError(err), destination }, 'hot-path delivery failed; the outbox worker will send');
      })
      .finally(() => this.running.delete(destination));
    this.running.set(destination, run);
  }

  /** Stops starting sends and waits for the ones in progress. */
  async close(): Promise<void> {
    if (this.sender) this.sender.signal.stopping = true;
    await Promise.allSettled([...this.running.values()]);
  }
}
