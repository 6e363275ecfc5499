/** A message from the outbox, as a gateway receives it. */
export interface OutboundMessage {
  id: number;
  ticketId: string | null;
  destination: string;
  kind: string;
  payload: Record<string, unknown>;
  /** 1 on the first try. */
  attempt: number;
}

export type DeliveryResult =
  /** Sent; platform message ids (e.g. `{ slack: "C1/1700000000.0001" }`) so cards can be edited later. */
  | { status: 'delivered'; messageIds?: Record<string, string> }
  /** Try again: after `afterMs` when the platform said so (429 Retry-After), else with back-off (5xx, network). */
  | { status: 'retry'; error: string; afterMs?: number }
  /** Will never work (bot blocked, channel not found). */
  | { status: 'failed'; error: string }
  /** Nobody to deliver to (no platform configured for this destination). */
  | { status: 'skipped'; reason: string };

/** A rate limit shared by everything that names the same `key`: `max` messages per `perMs`. */
export interface RateLane {
  key: string;
  max: number;
  perMs: number;
}

/**
 * Delivers outbox messages to people. The Slack, Discord, Telegram and webhook adapters
 * implement it; the outbox worker calls it one message at a time per destination.
 */
export interface ChatGateway {
  /**
   * The rate limits a send to `destination` counts against (per chat, per bot, …), or
   * undefined when this gateway cannot reach the destination. With `kind`, the lanes of
   * that message kind: an edit of a posted message may count against another platform
   * method's limit than a new post. With `message`, the lanes of delivering that very
   * message next (none when it will post nothing); a gateway may keep what it loaded to
   * decide for the delivery that follows.
   */
  lanes(destination: string, kind?: string, message?: OutboundMessage): Promise<RateLane[] | undefined>;
  deliver(message: OutboundMessage): Promise<DeliveryResult>;
}
