/** Number, percentage and duration formatting in the page's language. */
export type Texts = Record<string, unknown>;

/** The text at a dotted key (`tiles.created`) with {{placeholders}} filled; the key itself when missing. */
export function text(texts: Texts, key: string, values: Record<string, string | number> = {}): string {
  let node: unknown = texts;
  for (const part of key.split('.')) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  const template = typeof node === 'string' ? node : key;
  return template.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => String(values[name] ?? ''));
}

export function formatNumber(value: number | null | undefined, locale: string, digits = 0): string | undefined {
  if (value === null || value === undefined || !Number.isFinite(value)) return undefined;
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value);
}

export function formatPct(value: number | null | undefined, locale: string): string | undefined {
  const n = formatNumber(value, locale, 1);
  return n === undefined ? undefined : `${n} %`;
}

/** Seconds for people: the largest fitting unit with one decimal below ten ("45 s", "3.5 min", "12 h", "2.1 d"). */
export function formatSeconds(seconds: number | null | undefined, texts: Texts, locale: string): string | undefined {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return undefined;
  const units: [string, number][] = [['d', 86_400], ['h', 3600], ['min', 60], ['s', 1]];
  const [unit, size] = units.find(([, s]) => seconds >= s) ?? ['s', 1];
  const v = seconds / size;
  return text(texts, `units.${unit}`, { n: formatNumber(v, locale, v < 10 && unit !== 's' ? 1 : 0) ?? '0' });
}

/** The unit a duration chart is drawn in: the largest that its biggest value reaches (s, min, h or d). */
export function durationUnit(maxSeconds: number): { unit: 's' | 'min' | 'h' | 'd'; size: number } {
  const units = [['d', 86_400], ['h', 3600], ['min', 60]] as const;
  const found = units.find(([, size]) => maxSeconds >= size);
  return found ? { unit: found[0], size: found[1] } : { unit: 's', size: 1 };
}
