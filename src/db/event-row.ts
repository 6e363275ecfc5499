import { z } from 'zod';
import type { Source, StoredEvent } from '../app/ports.js';
import { plainFields } from '../core/plain-issues.js';

/**
 * A ticket_events row as read back: checked before anything reads it, so a row written by an
 * older or broken writer fails here, naming the ticket, the event and the field, instead of
 * somewhere in a view. The payload stays a JSON object; views read its fields through
 * core/payload.ts.
 */

const SOURCES = ['api', 'web', 'slack', 'discord', 'telegram', 'system'] as const satisfies readonly Source[];

const actor = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('staff'), staffId: z.string().min(1) }),
  z.looseObject({ kind: z.literal('customer'), customerId: z.string().min(1) }),
  z.looseObject({ kind: z.literal('system') }),
  z.looseObject({ kind: z.literal('api') }),
]);

const eventRow = z.object({
  seq: z.number().int().positive(),
  type: z.string().min(1),
  actor,
  platform: z.enum(SOURCES),
  data: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});

export function readEventRow(row: unknown, ticketNumber: string): StoredEvent {
  const parsed = eventRow.safeParse(row);
  if (!parsed.success) {
    const seq = (row as { seq?: unknown } | null)?.seq;
    const problems = plainFields(parsed.error).map((f) => `${f.path} ${f.message}`).join('; ');
    throw new Error(`event ${String(seq)} of ${ticketNumber} cannot be read: ${problems}`);
  }
  const { platform, actor: who, ...e } = parsed.data;
  return { ...e, source: platform, actor: who };
}
