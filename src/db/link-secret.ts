import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { settings } from './schema.js';

const KEY = 'customer_link_secret';

/**
 * The secret that signs customer links: generated on the first start and kept in
 * `settings`, so every process (and every restart) signs and checks with the same one.
 */
export async function resolveLinkSecret(db: Db): Promise<string> {
  const inserted = await db
    .insert(settings)
    .values({ key: KEY, value: randomBytes(32).toString('base64url') })
    .onConflictDoNothing()
    .returning({ value: settings.value });
  if (inserted[0]) return inserted[0].value;
  const [row] = await db.select().from(settings).where(eq(settings.key, KEY));
  return row!.value;
}
