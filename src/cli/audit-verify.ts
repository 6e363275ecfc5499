import { ConfigError, parseEnv } from '../config/load-config.js';
import { openDatabase } from '../db/client.js';
import { verifyAllChains } from '../db/verify-audit.js';

/** `npm run audit:verify`: exit 0 with counts when every chain verifies, 1 naming the first break. */
async function main(): Promise<number> {
  let env;
  try {
    env = parseEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.issues) console.error(`config error: ${line}`);
      return 2;
    }
    throw err;
  }
  const database = openDatabase(env.DATABASE_URL, { max: 2 });
  try {
    const report = await verifyAllChains(database.db);
    if (report.broken) {
      const b = report.broken;
      console.error(`audit FAILED: ticket ${b.number} event ${b.seq} does not verify (${b.reason})`);
      return 1;
    }
    console.log(`audit ok: ${report.tickets} tickets, ${report.events} events verified`);
    return 0;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`audit error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
