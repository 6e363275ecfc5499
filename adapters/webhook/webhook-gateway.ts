import { createHmac } from 'node:crypto';
import type { ChatGateway, DeliveryResult, OutboundMessage, RateLane } from '../../src/app/chat-gateway.js';

export interface WebhookGatewayOptions {
  url: string;
  /** HMAC-SHA256 key for the `X-Aftercare-Signature` header. */
  secret?: string | undefined;
  /** Messages per second over all destinations. */
  ratePerSecond: number;
  /** Messages per second to one destination. */
  perDestinationPerSecond: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Seconds or an HTTP date, as in `Retry-After`. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return Math.ceil(secs * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Delivers outbox messages as signed JSON POSTs to one URL (a CRM, an e-mail bridge, a
 * test double). 2xx delivers (an optional `{"messageId"}` is kept), 429 waits for
 * Retry-After, 5xx and network errors retry with back-off, other 4xx fail for good.
 */
export class WebhookGateway implements ChatGateway {
  private readonly fetch: typeof fetch;

  constructor(private readonly o: WebhookGatewayOptions) {
    this.fetch = o.fetch ?? fetch;
  }

  lanes(destination: string): Promise<RateLane[]> {
    return Promise.resolve([
      { key: `webhook:dest:${destination}`, max: Math.max(1, Math.round(this.o.perDestinationPerSecond)), perMs: 1000 / Math.min(1, this.o.perDestinationPerSecond) },
      { key: 'webhook:global', max: Math.max(1, Math.round(this.o.ratePerSecond)), perMs: 1000 },
    ]);
  }

  async deliver(m: OutboundMessage): Promise<DeliveryResult> {
    const body = JSON.stringify({
      id: m.id,
      destination: m.destination,
      kind: m.kind,
      ticketId: m.ticketId,
      payload: m.payload,
      attempt: m.attempt,
    });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-aftercare-delivery': String(m.id) };
    if (this.o.secret) headers['x-aftercare-signature'] = `sha256=${createHmac('sha256', this.o.secret).update(body).digest('hex')}`;
    let res: Response;
    try {
      res = await this.fetch(this.o.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000) });
    } catch (err) {
      return { status: 'retry', error: `network: ${err instanceof Error ? err.message : String(err)}` };
    }
    const text = await res.text().catch(() => '');
    if (res.ok) {
      let messageId: string | undefined;
      try {
        const parsed = JSON.parse(text) as { messageId?: unknown };
        if (typeof parsed.messageId === 'string' || typeof parsed.messageId === 'number') messageId = String(parsed.messageId);
      } catch {
        // A body that is not JSON is fine: delivered without a message id.
      }
      return { status: 'delivered', ...(messageId !== undefined && { messageIds: { webhook: messageId } }) };
    }
    const error = `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    if (res.status === 429) return { status: 'retry', error, afterMs: parseRetryAfter(res.headers.get('retry-after')) ?? 1000 };
    if (res.status >= 500 || res.status === 408) return { status: 'retry', error };
    return { status: 'failed', error };
  }
}
