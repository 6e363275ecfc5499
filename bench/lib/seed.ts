import type { Sql } from '../../src/db/client.js';
import type { ClockKind } from '../../src/core/types.js';

export interface SeedClock {
  kind: ClockKind;
  budgetMs: number;
}

export interface SeedOptions {
  /** Distinguishes the rows of one seeding from another's (ids and numbers derive from it). */
  tag: string;
  count: number;
  /** Running clocks per ticket (none: tickets without clocks). */
  clocks: SeedClock[];
  /**
   * When each clock's reminder is due, as SQL over `i` (1..count), e.g.
   * `now() + interval '1 hour' + random() * interval '20 hours'`. The deadline follows at a quarter of the budget.
   */
  remindAtSql: string;
}

const cleanTag = (tag: string) => tag.replace(/[^A-Za-z0-9-]/g, '');

/** A version-4 UUID made from md5('<kind>:<tag>:<i>') (the app validates ids as RFC 9562 UUIDs). */
function derivedUuidSql(kind: 'c' | 't', tag: string, iSql: string): string {
  return `overlay(overlay(md5('${kind}:${cleanTag(tag)}:' || (${iSql})) placing '4' from 13) placing '8' from 17)::uuid`;
}

/** SQL for the id of seeded ticket number `iSql` (1-based) of `tag`. */
export const seededTicketIdSql = (tag: string, iSql: string): string => derivedUuidSql('t', tag, iSql);

/**
 * Bulk-inserts open tickets straight into Postgres (no HTTP, no events): customers, tickets
 * routed to the technical department, their department rows and running SLA clocks with
 * reminders not sent yet. Ids derive from the tag and the row number: see {@link seededTicketIdSql}.
 */
export async function seedOpenTickets(sql: Sql, o: SeedOptions): Promise<void> {
  const tag = cleanTag(o.tag);
  const ids = (kind: 'c' | 't') => derivedUuidSql(kind, tag, 'i');
  await sql.begin(async (tx) => {
    await tx.unsafe(`
      insert into customers (id, name, company, phone, language, tier, created_at)
      select ${ids('c')}, 'Bench customer ' || i, 'Acme Ltd', '+86 138 ' || lpad((i % 100000000)::text, 8, '0'), 'zh-CN', 'standard', now()
      from generate_series(1, ${o.count}) i`);
    await tx.unsafe(`
      insert into tickets (id, number, status, category, severity, tier, customer_id, primary_department_id, product, order_number,
        description, source, version, event_count, created_at, updated_at)
      select ${ids('t')}, 'BN-${tag}-' || lpad(i::text, 7, '0'), 'new', 'fault', 'normal', 'standard', ${ids('c')}, 'technical',
        'Model X printer', 'SO-2026-' || i, 'The printer is broken and shows error E02 since yesterday; restarting did not help.',
        'api', 1, 0, now(), now()
      from generate_series(1, ${o.count}) i`);
    await tx.unsafe(`
      insert into ticket_departments (ticket_id, department_id, role, added_at)
      select ${ids('t')}, 'technical', 'primary', now() from generate_series(1, ${o.count}) i`);
    if (o.clocks.length) {
      const kinds = o.clocks.map((c) => `('${c.kind}', ${Math.round(c.budgetMs)})`).join(', ');
      await tx.unsafe(`
        insert into sla_clocks (ticket_id, kind, status, budget_ms, consumed_ms, started_at, segment_started_at, deadline, remind_at, version)
        select ticket_id, kind, 'running', budget, 0, now(), now(), remind_at + budget * interval '0.25 millisecond', remind_at, 1
        from (
          select ${ids('t')} as ticket_id, k.kind, k.budget, (${o.remindAtSql}) as remind_at
          from generate_series(1, ${o.count}) i cross join (values ${kinds}) as k(kind, budget)
        ) s`);
    }
  });
  await sql.unsafe('analyze customers, tickets, ticket_departments, sla_clocks');
}
