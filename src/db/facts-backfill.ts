import { sql } from 'drizzle-orm';
import { factsFromLog } from '../app/ticket-facts.js';
import type { FactsContext } from '../core/reports/facts.js';
import type { Db } from './client.js';
import { factsColumnsJson } from './facts-rows.js';
import { eventLog, loadStates } from './ticket-store.js';

/**
 * Writes the facts row of every ticket that has none (tickets created before the table
 * existed), folded from its event log, a batch at a time. A ticket changed meanwhile keeps
 * the row its change wrote: the insert leaves existing rows alone. Returns how many were written.
 */
export async function backfillFacts(db: Db, ctx: FactsContext, batch = 200): Promise<number> {
  let written = 0;
  for (;;) {
    const missing = (await db.execute(sql`
      select t.id from tickets t where not exists (select 1 from ticket_facts f where f.ticket_id = t.id) limit ${batch}`)) as unknown as { id: string }[];
    if (missing.length === 0) return written;
    const states = await loadStates(db, missing.map((r) => r.id));
    for (const state of states.values()) {
      const facts = factsFromLog(state, await eventLog(db, state.ticket.id), ctx);
      await db.execute(sql`
        insert into ticket_facts select * from json_populate_record(null::ticket_facts, ${factsColumnsJson(facts)}::json)
        on conflict (ticket_id) do nothing`);
      written++;
    }
  }
}
