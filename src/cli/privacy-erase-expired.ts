import { randomUUID } from 'node:crypto';
import { eraseExpired } from '../app/privacy.js';
import { loadConfig } from '../config/load-config.js';
import { loadedOrReported, runCommand } from './load.js';
import { Directory } from '../core/directory.js';
import { openDatabase } from '../db/client.js';
import { PgPrivacyStore } from '../db/privacy-store.js';
import { PgTicketStore } from '../db/ticket-store.js';
import { factsContextFor } from '../core/reports/facts.js';

/**
 * `npm run privacy:erase-expired [-- --dry-run]`: the retention rule (`privacy.retentionDays`)
 * on demand. Lists the customers whose last ticket closed longer ago than that and, without
 * --dry-run, erases them (the running app redraws their cards from the outbox). Exit 0 when
 * done, 2 on errors.
 */
async function main(): Promise<number> {
  // `npm run privacy:erase-expired --dry-run` hands the flag to npm, which passes it on as npm_config_dry_run.
  const dryRun = process.argv.includes('--dry-run') || process.env.npm_config_dry_run === 'true';
  const loaded = loadedOrReported(() => loadConfig(process.env));
  if (!loaded) return 2;
  const { env, config } = loaded;
  if (config.privacy.retentionDays === undefined) {
    console.log('privacy.retentionDays is off in the configuration: nothing is erased by retention');
    return 0;
  }
  const database = openDatabase(env.DATABASE_URL, { max: 2 });
  try {
    const deps = {
      store: new PgTicketStore(database.db, factsContextFor(config)),
      privacy: new PgPrivacyStore(database.db),
      directory: new Directory(config),
      now: () => new Date(),
      newId: randomUUID,
      // The running app's outbox sweep and reconciliation deliver the card updates and tidy the timers.
      scheduler: { schedule: () => Promise.resolve(), cancel: () => Promise.resolve() },
      kicker: { kick: () => Promise.resolve() },
    };
    const result = await eraseExpired(deps, { dryRun });
    for (const c of result.customers) console.log(`${dryRun ? 'would erase' : 'erased'} customer ${c.id} (last ticket closed ${c.lastClosedAt})`);
    console.log(
      `${result.customers.length} customer(s) with every ticket closed before ${result.cutoff} (${config.privacy.retentionDays} days)${dryRun ? ': dry run, nothing erased' : `: ${result.erased} erased`}`,
    );
    return 0;
  } finally {
    await database.close();
  }
}

runCommand('privacy:erase-expired', main);
