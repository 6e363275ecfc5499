import { sql } from 'drizzle-orm';
import { Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import type { Db } from './client.js';

/** The destination kinds of outbox rows (`customer:<id>`, `department:<id>`, `staff:<id>`, `escalation`). */
export const DESTINATION_KINDS = ['customer', 'department', 'staff', 'escalation'] as const;

const pendingRow = z.object({ kind: z.string(), n: z.coerce.number().int().nonnegative() });

/** Open (pending or sending) outbox rows by destination kind, as the database has them now. */
export async function outboxPendingByKind(db: Db): Promise<Map<string, number>> {
  const rows = await db.execute(sql`
    select split_part(destination, ':', 1) as kind, count(*) as n
    from outbox where status in ('pending', 'sending') group by 1`);
  const counts = new Map<string, number>(DESTINATION_KINDS.map((k) => [k, 0]));
  for (const raw of rows as unknown as unknown[]) {
    const row = pendingRow.parse(raw);
    counts.set(row.kind, row.n);
  }
  return counts;
}

/**
 * `aftercare_outbox_pending{destination_kind}`, read from the database on every scrape so that
 * every replica reports the same backlog. A scrape while the database is down leaves the gauge
 * empty rather than failing /metrics (aftercare_health_check_up says the database is down).
 */
export function registerOutboxPending(registry: Registry, db: Db): void {
  new Gauge({
    name: 'aftercare_outbox_pending',
    help: 'Outbox rows not delivered yet (pending or being sent), by destination kind',
    labelNames: ['destination_kind'],
    registers: [registry],
    async collect() {
      this.reset();
      let counts: Map<string, number>;
      try {
        counts = await outboxPendingByKind(db);
      } catch {
        return;
      }
      for (const [kind, n] of counts) this.set({ destination_kind: kind }, n);
    },
  });
}
