import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter, WebhookGateway } from '../../../adapters/webhook/webhook-gateway.js';

const message = { id: 7, ticketId: null, destination: 'department:technical', kind: 'ticket.card', payload: { number: 'AC-000001' }, attempt: 1 };

function gatewayAnswering(status: number, headers: Record<string, string> = {}, body = '') {
  const seen: { headers: Headers; body: string }[] = [];
  const fake: typeof fetch = (_url, init) => {
    seen.push({ headers: new Headers(init?.headers), body: typeof init?.body === 'string' ? init.body : '' });
    return Promise.resolve(new Response(body, { status, headers }));
  };
  return { gw: new WebhookGateway({ url: 'http://x/hook', secret: 's3cret', ratePerSecond: 30, perDestinationPerSecond: 1, fetch: fake }), seen };
}

describe('WebhookGateway', () => {
  it('signs the body and keeps the returned message id', async () => {
    const { gw, seen } = gatewayAnswering(200, {}, '{"messageId":"m-1"}');
    expect(await gw.deliver(message)).toEqual({ status: 'delivered', messageIds: { webhook: 'm-1' } });
    const sig = createHmac('sha256', 's3cret').update(seen[0]!.body).digest('hex');
    expect(seen[0]!.headers.get('x-aftercare-signature')).toBe(`sha256=${sig}`);
    expect(seen[0]!.headers.get('x-aftercare-delivery')).toBe('7');
  });

  it('maps 429 to a retry after Retry-After, 5xx to a retry, other 4xx to a permanent failure', async () => {
    expect(await gatewayAnswering(429, { 'retry-after': '3' }).gw.deliver(message)).toMatchObject({ status: 'retry', afterMs: 3000 });
    const five = await gatewayAnswering(503).gw.deliver(message);
    expect(five.status).toBe('retry');
    expect('afterMs' in five).toBe(false);
    expect(await gatewayAnswering(404).gw.deliver(message)).toMatchObject({ status: 'failed' });
  });

  it('declares a per-destination and a global rate lane', async () => {
    const { gw } = gatewayAnswering(200);
    expect(await gw.lanes('customer:1')).toEqual([
      { key: 'webhook:dest:customer:1', max: 1, perMs: 1000 },
      { key: 'webhook:global', max: 30, perMs: 1000 },
    ]);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(null)).toBeUndefined();
    const future = new Date(Date.now() + 5000).toUTCString();
    expect(parseRetryAfter(future)).toBeGreaterThan(3000);
  });
});
