/**
 * Whether an error means the database could not be reached (connection refused, closed or
 * reset, or the server shutting down or starting up) rather than that the query was wrong.
 * Such a request may simply be tried again a moment later.
 */

/** Codes postgres.js and Node's net module give a connection that failed or went away. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of an unreachable server: class 08 (connection exception) and 57P01–57P05
 * (admin/crash shutdown, cannot connect now, idle session timeout, ...).
 */
function isUnavailableSqlState(code: string): boolean {
  return /^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-5]$/.test(code);
}

/** The code that shows the database is unreachable (e.g. `CONNECTION_CLOSED`, `57P01`), else undefined. */
export function databaseUnavailableCode(err: unknown): string | undefined {
  // Drizzle wraps the driver's error in DrizzleQueryError (and others) as `cause`.
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || isUnavailableSqlState(code))) return code;
  }
  return undefined;
}
