import { FakeWebhookPlatform, type ReceivedMessage } from '../tests/fakes/fake-webhook-platform.js';
import { Install } from '../tests/helpers/processes.js';
import { waitFor } from '../tests/helpers/wait.js';
import { log, round } from './lib/common.js';
import type { BenchContext } from './lib/context.js';

export interface TakeoverResult {
  leaseMs: number;
  /** From the replacement worker being ready until the killed worker's row reached the platform. */
  takeoverSeconds: number;
  /** From the kill until then. */
  sinceKillSeconds: number;
  lost: number;
  double: number;
}

/**
 * kill -9 of the worker process holding a row mid-send (the platform never answers it),
 * then a replacement worker: how long until that destination's next message arrives, and
 * whether anything was lost or posted twice. Real processes (`tsx src/main.ts`), the
 * default lease (AFTERCARE_OUTBOX_LEASE) and the webhook gateway to a fake platform.
 */
export async function benchTakeover(_ctx: BenchContext): Promise<TakeoverResult> {
  const platform = await new FakeWebhookPlatform().start();
  const install = new Install({
    AFTERCARE_WEBHOOK_URL: platform.url,
    AFTERCARE_WEBHOOK_RATE: '1000',
    AFTERCARE_WEBHOOK_PER_DESTINATION_RATE: '100',
    AFTERCARE_OUTBOX_SWEEP_INTERVAL: '1s',
  });
  try {
    install.env.AFTERCARE_CONFIG = install.config(600, 600);
    const [, first] = await Promise.all([install.start('api'), install.start('worker', 'worker A')]);
    let stuck: ReceivedMessage | undefined;
    const release = platform.use((m) => {
      if (m.destination !== 'department:technical' || (stuck && stuck.id !== m.id)) return undefined;
      stuck ??= m;
      return 'hang';
    });
    await install.createTicket();
    await platform.until(() => stuck !== undefined, 30_000);
    for (let i = 0; i < 3; i++) await install.createTicket();
    await waitFor(
      async () => (await install.outbox()).filter((r) => r.destination.startsWith('customer:') && r.status === 'delivered').length === 4,
      30_000,
      'the acknowledgements to be delivered',
    );
    await first.kill9();
    const killedAt = Date.now();
    release();
    await install.start('worker', 'worker B');
    const readyAt = Date.now();
    await platform.until(() => platform.delivered.some((m) => m.id === stuck!.id), 120_000);
    const arrived = platform.delivered.find((m) => m.id === stuck!.id)!.receivedAt;
    const rows = await install.outboxSettled(60_000);
    const ids = platform.delivered.map((m) => m.id);
    const result: TakeoverResult = {
      leaseMs: 10_000,
      takeoverSeconds: round((arrived - readyAt) / 1000, 2),
      sinceKillSeconds: round((arrived - killedAt) / 1000, 2),
      lost: rows.filter((r) => r.status === 'delivered' && !ids.includes(r.id)).length + rows.filter((r) => r.status !== 'delivered' && r.status !== 'skipped').length,
      double: ids.length - new Set(ids).size,
    };
    log(`takeover: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await install.close();
    await platform.stop();
  }
}
