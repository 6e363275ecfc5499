import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { settings } from './schema.js';

const KEY = 'api_token_sha256';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The SHA-256 of the API token. With `AFTERCARE_API_TOKEN` set, that one. Otherwise the
 * token generated on the first start (only its hash is stored); `generated` carries the
 * token the one time it is created, so the caller can print it.
 */
export async function resolveApiToken(db: Db, configured: string | undefined): Promise<{ hash: string; generated?: string }> {
  if (configured) return { hash: hashToken(configured) };
  const token = randomBytes(24).toString('base64url');
  const inserted = await db
    .insert(settings)
    .values({ key: KEY, value: hashToken(token) })
    .onConflictDoNothing()
    .returning({ value: settings.value });
  if (inserted[0]) return { hash: inserted[0].value, generated: token };
  const [row] = await db.select().from(settings).where(eq(settings.key, KEY));
  return { hash: row!.value };
}
