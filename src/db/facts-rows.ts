import { eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { SLA_CLOCKS, clockColumn, type TicketFacts } from '../core/reports/facts.js';
import { CATEGORIES, SEVERITIES, TIERS } from '../core/types.js';
import type { Db } from './client.js';
import { ticketFacts } from './schema.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Executor = Db | Tx;

const outcome = z.enum(['met', 'breached', 'running', 'n/a']);
const date = z.date();
const maybeDate = z.date().nullable();
const int = z.number().int();
const maybeInt = z.number().int().nullable();

const slaShape: Record<string, z.ZodType> = Object.fromEntries(
  SLA_CLOCKS.flatMap((k): [string, z.ZodType][] => [
    [clockColumn(k), outcome],
    [`${clockColumn(k)}At`, maybeDate],
  ]),
);

const clockState = z.object({ live: z.boolean(), breachedAt: z.number().nullable(), stoppedAt: z.number().nullable() });

/** A facts row as read back: checked, because the next fold continues from it. */
const factsRow = z.object({
  ...slaShape,
  ticketId: z.string(),
  number: z.string(),
  channel: z.string(),
  category: z.enum(CATEGORIES),
  severity: z.enum(SEVERITIES),
  tier: z.enum(TIERS),
  departmentId: z.string(),
  departments: z.array(z.string()),
  ownerId: z.string().nullable(),
  status: z.string(),
  createdAt: date,
  updatedAt: date,
  firstClaimedAt: maybeDate,
  firstResponseAt: maybeDate,
  firstContactAt: maybeDate,
  firstResolvedAt: maybeDate,
  lastResolvedAt: maybeDate,
  firstReopenedAt: maybeDate,
  closedAt: maybeDate,
  timeToClaimS: maybeInt,
  timeToClaimBs: maybeInt,
  firstResponseS: maybeInt,
  firstResponseBs: maybeInt,
  timeToContactS: maybeInt,
  timeToContactBs: maybeInt,
  resolutionFirstS: maybeInt,
  resolutionFirstBs: maybeInt,
  resolutionLastS: maybeInt,
  resolutionLastBs: maybeInt,
  pausedS: int,
  pausedBs: int,
  resolutionNetS: maybeInt,
  resolutionNetBs: maybeInt,
  reopenCount: int,
  fcr: z.boolean().nullable(),
  complaint: z.boolean(),
  escalationCount: int,
  escalationTrigger: z.string().nullable(),
  escalationLevel: int,
  escalationAckS: maybeInt,
  escalations: z.array(z.object({ id: z.string(), trigger: z.string(), level: int, at: z.string(), ackS: maybeInt })),
  surveySent: z.boolean(),
  csat: maybeInt,
  nps: maybeInt,
  verification: z.enum(['still_fixed', 'problem_again', 'no_answer']).nullable(),
  fold: z.object({
    pausedSince: z.number().nullable(),
    pausedMs: z.number(),
    pausedBusinessMs: z.number(),
    customerSpokeAfterResponse: z.boolean(),
    clocks: z.partialRecord(z.enum(SLA_CLOCKS), clockState),
  }),
});

export function parseFactsRow(row: unknown): TicketFacts {
  return factsRow.parse(row) as unknown as TicketFacts;
}

export async function readFacts(ex: Executor, ticketId: string): Promise<TicketFacts | undefined> {
  const [row] = await ex.select().from(ticketFacts).where(eq(ticketFacts.ticketId, ticketId));
  return row ? parseFactsRow(row) : undefined;
}

const columns = getTableColumns(ticketFacts);
/**
 * Writes a ticket's facts row (insert or update). One JSON parameter read by
 * `json_populate_record`, rather than a query builder's 60 bound columns: the statement is
 * the same text every time, and building it cost more than the database's write (about 3 ms
 * against 1.7 ms a change).
 */
export async function writeFacts(ex: Executor, facts: TicketFacts): Promise<void> {
  await ex.execute(sql`
    insert into ticket_facts select * from json_populate_record(null::ticket_facts, ${factsColumnsJson(facts)}::json)
    on conflict (ticket_id) do update set ${sql.raw(FACTS_UPDATE_SET)}`);
}

/** The facts rows of many tickets in one statement, by ticket id. */
export async function readFactsMany(ex: Executor, ticketIds: string[]): Promise<Map<string, TicketFacts>> {
  if (ticketIds.length === 0) return new Map();
  const rows = await ex.select().from(ticketFacts).where(inArray(ticketFacts.ticketId, ticketIds));
  return new Map(rows.map((r) => [r.ticketId, parseFactsRow(r)]));
}

/** The upsert's update of every column but the key, for a raw `insert into ticket_facts … on conflict (ticket_id)`. */
export const FACTS_UPDATE_SET = Object.values(columns)
  .filter((col) => col.name !== 'ticket_id')
  .map((col) => `${col.name} = excluded.${col.name}`)
  .join(', ');

/** The facts keyed by column name, for `json_populate_record(null::ticket_facts, …)` (and `_recordset`). */
export function factsColumns(facts: TicketFacts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, col] of Object.entries(columns)) out[col.name] = facts[key as keyof TicketFacts];
  return out;
}

/** {@link factsColumns} as JSON. */
export function factsColumnsJson(facts: TicketFacts): string {
  return JSON.stringify(factsColumns(facts));
}
