import type { ChatGateway, DeliveryResult, OutboundMessage, RateLane } from './chat-gateway.js';

/**
 * Several gateways in order of preference: a message goes to the first that can reach its
 * destination (e.g. a customer's Telegram chat, else the webhook); none → skipped.
 */
export class GatewayRouter implements ChatGateway {
  constructor(private readonly gateways: ChatGateway[]) {}

  private async pick(destination: string, kind?: string, message?: OutboundMessage): Promise<{ gateway: ChatGateway; lanes: RateLane[] } | undefined> {
    for (const gateway of this.gateways) {
      const lanes = await gateway.lanes(destination, kind, message);
      if (lanes) return { gateway, lanes };
    }
    return undefined;
  }

  async lanes(destination: string, kind?: string, message?: OutboundMessage): Promise<RateLane[] | undefined> {
    return (await this.pick(destination, kind, message))?.lanes ?? [];
  }

  async deliver(m: OutboundMessage): Promise<DeliveryResult> {
    const picked = await this.pick(m.destination);
    if (!picked) return { status: 'skipped', reason: `no chat platform configured for ${m.destination}` };
    return picked.gateway.deliver(m);
  }
}

/**
 * Several gateways that all receive a message (the staff side on Slack and on Discord).
 * Each gateway's delivery is idempotent, so a retry after one of them failed re-sends
 * nothing the others already posted. Rate lanes are the union of the reachable gateways'.
 */
export class FanOutGateway implements ChatGateway {
  constructor(private readonly gateways: ChatGateway[]) {}

  async lanes(destination: string, kind?: string, message?: OutboundMessage): Promise<RateLane[] | undefined> {
    const all = await Promise.all(this.gateways.map((g) => g.lanes(destination, kind, message)));
    const reachable = all.filter((l): l is RateLane[] => l !== undefined);
    return reachable.length ? reachable.flat() : undefined;
  }

  async deliver(m: OutboundMessage): Promise<DeliveryResult> {
    const results: DeliveryResult[] = [];
    for (const g of this.gateways) {
      if ((await g.lanes(m.destination)) === undefined) continue;
      results.push(await g.deliver(m));
    }
    if (!results.length) return { status: 'skipped', reason: `no staff platform reaches ${m.destination}` };
    const retry = results.find((r) => r.status === 'retry');
    if (retry) return retry;
    const delivered = results.filter((r): r is Extract<DeliveryResult, { status: 'delivered' }> => r.status === 'delivered');
    if (delivered.length) return { status: 'delivered', messageIds: Object.assign({}, ...delivered.map((r) => r.messageIds ?? {})) as Record<string, string> };
    const failed = results.find((r) => r.status === 'failed');
    return failed ?? results[0]!;
  }
}
