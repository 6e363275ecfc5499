import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  id: number;
  destination: string;
  kind: string;
  ticketId: string | null;
  payload: Record<string, unknown>;
  attempt: number;
  receivedAt: number;
}

type Rule = (m: ReceivedMessage) => { status: number; headers?: Record<string, string>; body?: string } | 'hang' | undefined;

/**
 * A chat platform behind the webhook gateway's wire format. It records a message only
 * once its 2xx response has been written (a request cut off mid-way never "arrived"), can
 * enforce a rate limit with 429 + Retry-After, and can be told to fail or hang.
 */
export class FakeWebhookPlatform {
  readonly delivered: ReceivedMessage[] = [];
  readonly requests: ReceivedMessage[] = [];
  private rules: Rule[] = [];
  private server: Server | undefined;
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];
  private windowStart = 0;
  private windowCount = 0;
  /** Requests over this many per second get 429 (0 = unlimited). */
  rateLimitPerSecond = 0;
  retryAfterSeconds = 1;
  private nextMessageId = 1;

  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  /** Adds a rule; the first rule that answers decides. */
  use(rule: Rule): () => void {
    this.rules.push(rule);
    return () => {
      this.rules = this.rules.filter((r) => r !== rule);
    };
  }

  /** Resolves once `pred` holds (checked after every request). */
  until(pred: () => boolean, timeoutMs = 20_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fake platform: condition not met in ${timeoutMs} ms (${this.delivered.length} delivered)`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  deliveredTo(destination: string): ReceivedMessage[] {
    return this.delivered.filter((m) => m.destination === destination);
  }

  private notify(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred()) return true;
      w.resolve();
      return false;
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const m = { ...(JSON.parse(Buffer.concat(chunks).toString()) as Omit<ReceivedMessage, 'receivedAt'>), receivedAt: Date.now() };
    this.requests.push(m);
    const send = (status: number, headers: Record<string, string> = {}, body = '') => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body, () => {
        if (status >= 200 && status < 300) this.delivered.push(m);
        this.notify();
      });
    };
    if (this.rateLimitPerSecond > 0) {
      const now = Date.now();
      if (now - this.windowStart >= 1000) {
        this.windowStart = now;
        this.windowCount = 0;
      }
      if (++this.windowCount > this.rateLimitPerSecond) {
        return send(429, { 'retry-after': String(this.retryAfterSeconds) }, JSON.stringify({ ok: false, error: 'rate_limited' }));
      }
    }
    for (const rule of this.rules) {
      const out = rule(m);
      if (out === 'hang') {
        this.notify();
        return; // never answers: the sender is cut off (e.g. killed) before the message "arrives"
      }
      if (out) return send(out.status, out.headers, out.body ?? '');
    }
    send(200, {}, JSON.stringify({ ok: true, messageId: `m${this.nextMessageId++}` }));
  }
}

/** The app's environment for delivering to `platform` with the webhook gateway's own limits out of the way, swept every second. */
export function webhookEnv(platform: FakeWebhookPlatform): Record<string, string> {
  return { AFTERCARE_WEBHOOK_URL: platform.url, AFTERCARE_WEBHOOK_PER_DESTINATION_RATE: '100', AFTERCARE_WEBHOOK_RATE: '1000', AFTERCARE_OUTBOX_SWEEP_INTERVAL: '1s' };
}
