/**
 * Reads one field of a payload that came back from a row or a job (`unknown` at the
 * boundary): the only place event data and outbox payloads are coerced for display.
 */

/** A string, or a number as its digits; anything else reads as ''. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** A finite number (or a numeric string); anything else reads as undefined. */
export function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}
