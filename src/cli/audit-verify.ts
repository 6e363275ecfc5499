import { parseEnv } from '../config/load-config.js';
import { loadedOrReported, runCommand } from './load.js';
import { openDatabase } from '../db/client.js';
import type { ChainBreak } from '../core/audit.js';
import { verifyAllChains } from '../db/verify-audit.js';

const WHY: Record<ChainBreak['reason'], string> = {
  hash_mismatch: 'its content no longer matches its hash: the event was changed',
  prev_hash_mismatch: "its prev_hash is not the previous event's hash: an earlier event was changed or replaced",
  sequence_gap: 'the sequence has a gap before it: an event was removed',
  head_mismatch: "the ticket's recorded event count or last hash differs: events at the end were removed or added",
};

/**
 * `npm run audit:verify`: walks every ticket's chain and prints each broken one (ticket, first
 * bad event, why) and a summary; exit 0 when all verify, 1 when any is broken, 2 on other errors.
 */
async function main(): Promise<number> {
  const env = loadedOrReported(() => parseEnv(process.env));
  if (!env) return 2;
  const database = openDatabase(env.DATABASE_URL, { max: 2 });
  try {
    const report = await verifyAllChains(database.db);
    for (const b of report.broken) {
      console.error(`audit FAILED: ticket ${b.number} event ${b.seq} does not verify (${b.reason}: ${WHY[b.reason]})`);
    }
    if (report.broken.length > 0) {
      console.error(`audit FAILED: ${report.broken.length} of ${report.tickets} tickets have a broken chain (${report.events} events checked)`);
      return 1;
    }
    console.log(`audit ok: ${report.tickets} tickets, ${report.events} events verified`);
    return 0;
  } finally {
    await database.close();
  }
}

runCommand('audit', main);
