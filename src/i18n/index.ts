import i18next, { type TFunction } from 'i18next';
import type { Language } from '../core/types.js';
import { en } from './en.js';
import { zhCN } from './zh-CN.js';

const instance = i18next.createInstance();
void instance.init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  lng: 'en',
  fallbackLng: 'en',
  initAsync: false,
  // Texts are HTML for Telegram; values are escaped by the caller where needed.
  interpolation: { escapeValue: false },
  returnNull: false,
  showSupportNotice: false,
});

/** Texts in `language` (en or zh-CN) from the shared catalogue. */
export function translator(language: string): TFunction {
  return instance.getFixedT(toLanguage(language));
}

/** Maps a Telegram/Slack/Discord language code to one we speak: zh* → zh-CN, else en. */
export function toLanguage(code: string | undefined | null): Language {
  return code && /^zh/i.test(code) ? 'zh-CN' : 'en';
}

/** A configured text in both languages (department names, progress presets) as `language` reads it. */
export function localized(text: Readonly<Record<Language, string>>, language: string | undefined | null): string {
  return text[toLanguage(language)];
}

const UNITS = [
  ['days', 86_400_000],
  ['hours', 3_600_000],
  ['minutes', 60_000],
  ['seconds', 1000],
] as const;

/**
 * A span of time for people, in `language`: the largest unit and the next one, each rounded
 * down, so a countdown never shows more time than is left or a promise more than the budget
 * ("1 min 30 s" for 90 s, "10 s" under a minute; "1 d 2 h" drops the minutes). The sign is
 * ignored: callers say "due in" or "overdue by". `short` is for staff ("1 h 30 min"),
 * `long` for customers ("1 hour 30 minutes"); Chinese is the same in both ("1 小时 30 分钟").
 */
export function formatSpan(ms: number, language: string, style: 'short' | 'long' = 'short'): string {
  const t = translator(language);
  const total = Math.floor(Math.abs(ms) / 1000) * 1000;
  const largest = UNITS.findIndex(([, size]) => total >= size);
  const top = largest === -1 ? UNITS.length - 1 : largest;
  const parts: string[] = [];
  let rest = total;
  for (const [unit, size] of UNITS.slice(top, top + 2)) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length === 0) parts.push(t(style === 'short' ? `duration.short.${unit}` : `duration.${unit}`, { count }));
  }
  return parts.join(' ');
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

function dateTimeFormat(locale: string, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}`;
  let f = dateTimeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, {
      year: 'numeric',
      month: locale === 'en-GB' ? 'short' : 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone,
      timeZoneName: 'shortOffset',
    });
    dateTimeFormats.set(key, f);
  }
  return f;
}

/**
 * A moment for people, in `language` and in `timeZone` (an IANA name; an unknown one falls
 * back to UTC), to the minute and always with the zone's offset on that date, so nobody has
 * to guess whose 22:00 it is: "1 Mar 2027, 22:00 UTC+8" in English, "2027年3月1日 22:00（UTC+8）"
 * in Chinese; "UTC" for a zero offset. A string is read as an ISO date-time; one that is not a
 * date is returned as it is.
 */
export function formatDateTime(at: Date | string, language: string, timeZone = 'UTC'): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return String(at);
  const zh = toLanguage(language) === 'zh-CN';
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = dateTimeFormat(zh ? 'zh-CN' : 'en-GB', timeZone).formatToParts(d);
  } catch {
    parts = dateTimeFormat(zh ? 'zh-CN' : 'en-GB', 'UTC').formatToParts(d);
  }
  const p = (type: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === type)?.value ?? '';
  const offset = p('timeZoneName').replace(/^GMT/, '');
  const zone = offset === '' || /^[+-]0$/.test(offset) ? 'UTC' : `UTC${offset}`;
  const time = `${p('hour')}:${p('minute')}`;
  return zh ? `${p('year')}年${p('month')}月${p('day')}日 ${time}（${zone}）` : `${p('day')} ${p('month')} ${p('year')}, ${time} ${zone}`;
}
