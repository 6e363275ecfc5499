import type { ChatGateway, DeliveryResult, OutboundMessage, RateLane } from './chat-gateway.js';

/** Several gateways; a message goes to the first whose `accepts` says yes. */
export class GatewayRouter implements ChatGateway {
  constructor(private readonly routes: { accepts: (destination: string) => boolean; gateway: ChatGateway }[]) {}

  private pick(destination: string): ChatGateway | undefined {
    return this.routes.find((r) => r.accepts(destination))?.gateway;
  }

  lanes(destination: string): RateLane[] {
    return this.pick(destination)?.lanes(destination) ?? [];
  }

  async deliver(m: OutboundMessage): Promise<DeliveryResult> {
    const g = this.pick(m.destination);
    if (!g) return { status: 'skipped', reason: `no chat platform configured for ${m.destination}` };
    return g.deliver(m);
  }
}
