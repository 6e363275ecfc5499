import type { ChatGateway, DeliveryResult, OutboundMessage, RateLane } from './chat-gateway.js';

/**
 * Several gateways in order of preference: a message goes to the first that can reach its
 * destination (e.g. a customer's Telegram chat, else the webhook); none → skipped.
 */
export class GatewayRouter implements ChatGateway {
  constructor(private readonly gateways: ChatGateway[]) {}

  private async pick(destination: string): Promise<{ gateway: ChatGateway; lanes: RateLane[] } | undefined> {
    for (const gateway of this.gateways) {
      const lanes = await gateway.lanes(destination);
      if (lanes) return { gateway, lanes };
    }
    return undefined;
  }

  async lanes(destination: string): Promise<RateLane[] | undefined> {
    return (await this.pick(destination))?.lanes ?? [];
  }

  async deliver(m: OutboundMessage): Promise<DeliveryResult> {
    const picked = await this.pick(m.destination);
    if (!picked) return { status: 'skipped', reason: `no chat platform configured for ${m.destination}` };
    return picked.gateway.deliver(m);
  }
}
