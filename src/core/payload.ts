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

/** A text configured in both languages (a progress preset's label) as it was stored; undefined when it is not one. */
export function bilingual(v: unknown): { en: string; 'zh-CN': string } | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  return typeof r.en === 'string' && typeof r['zh-CN'] === 'string' ? { en: r.en, 'zh-CN': r['zh-CN'] } : undefined;
}
