import { DateTime } from 'luxon';
import type { Directory } from '../../core/directory.js';
import { neutraliseBidi } from '../../core/text.js';
import type { ClockKind } from '../../core/types.js';
import { formatDateTime, formatSpan, localized, toLanguage, translator } from '../../i18n/index.js';
import type { TicketState } from '../ports.js';

/**
 * What staff see on Slack and Discord, as a platform-neutral model: pure functions of the
 * ticket (and the time). Texts come from the shared catalogue in the reader's language;
 * every string is plain text — the adapters escape it for their platform (through
 * {@link fitEscaped}, which also drops bidi controls), so customer text can never become
 * markup or a mention, nor reorder what staff read.
 */

export interface ViewContext {
  directory: Directory;
  now: Date;
  language: string;
}

/**
 * The time zone staff read a ticket's times in: its owning (primary) department's calendar
 * zone, UTC when that department has no calendar.
 */
export function ticketTimeZone(state: Pick<TicketState, 'ticket'>, directory: Directory): string {
  return directory.timeZoneOf(state.ticket.primaryDepartmentId);
}

/**
 * "2027-03-01 14:00", "2027-03-01T14:00:00Z" or an ISO string from a date-time picker → a Date.
 * A time without a zone or offset is wall-clock time in `timeZone` (the ticket's department's,
 * as the hint staff see names it); "Z"/"UTC" or an offset say otherwise.
 */
export function parseWhen(s: string, timeZone = 'UTC'): Date | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i.exec(s.trim());
  if (!m) return undefined;
  const local = `${m[1]}T${m[2]}${m[3] ?? ':00'}`;
  let d: Date;
  if (m[4]) {
    d = new Date(`${local}${/^(z|utc)$/i.test(m[4]) ? 'Z' : m[4]}`);
  } else {
    // A wall-clock time that does not exist (skipped by a DST change) is refused, not shifted.
    const dt = DateTime.fromISO(local, { zone: timeZone });
    if (!dt.isValid || dt.toFormat("yyyy-MM-dd'T'HH:mm") !== local.slice(0, 16)) return undefined;
    d = dt.toJSDate();
  }
  if (Number.isNaN(d.getTime())) return undefined;
  // Reject dates the parser would roll over (2027-02-30 → 2027-03-02).
  const [y, mo, day] = m[1]!.split('-').map(Number) as [number, number, number];
  const probe = new Date(Date.UTC(y, mo - 1, day));
  return probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === day ? d : undefined;
}

/** The running clock due first, if any. */
export function nextDeadline(state: Pick<TicketState, 'clocks'>): { kind: ClockKind; at: Date } | undefined {
  let best: { kind: ClockKind; at: Date } | undefined;
  for (const c of Object.values(state.clocks)) {
    if (c.status !== 'running' || !c.deadline) continue;
    if (!best || c.deadline.getTime() < best.at.getTime()) best = { kind: c.kind, at: c.deadline };
  }
  return best;
}

/** The next deadline as staff read it; its moment in `timeZone` (see {@link ticketTimeZone}). */
export function deadlineText(state: Pick<TicketState, 'clocks'>, now: Date, language: string, timeZone = 'UTC'): { text: string; overdue: boolean } {
  const t = translator(language);
  const next = nextDeadline(state);
  if (!next) {
    const paused = Object.values(state.clocks).some((c) => c.status === 'paused');
    return { text: t(paused ? 'desk.card.paused' : 'desk.card.noDeadline'), overdue: false };
  }
  const left = next.at.getTime() - now.getTime();
  const clock = t(`desk.clock.${next.kind}`);
  const text = t(left >= 0 ? 'desk.card.dueIn' : 'desk.card.overdueBy', { clock, left: formatSpan(left, language) });
  return { text: `${text} (${formatDateTime(next.at, language, timeZone)})`, overdue: left < 0 };
}

/**
 * The language a staff member reads: theirs from the configuration, else the language their chat
 * client reports (Discord's locale), else the configured default.
 */
export function staffLanguage(directory: Directory, staff: { language?: string | undefined } | undefined, clientLocale?: string): string {
  return staff?.language ?? (clientLocale ? toLanguage(clientLocale) : directory.config.defaultLanguage);
}

export function staffName(directory: Directory, id: string | null | undefined): string {
  if (!id) return '';
  return directory.staff(id)?.name ?? id;
}

export function departmentName(directory: Directory, id: string, language: string): string {
  const d = directory.department(id);
  if (!d) return id;
  return localized(d.name, language);
}

/** Cuts `text` to `limit` characters on a character boundary, marking the cut with "…". */
export function truncate(text: string, limit: number): { text: string; truncated: boolean } {
  const chars = [...text];
  if (chars.length <= limit) return { text, truncated: false };
  return { text: `${chars.slice(0, Math.max(0, limit - 1)).join('')}…`, truncated: true };
}

/**
 * The longest prefix of `text` whose escaped form, plus "…" when cut, fits in `limit`
 * characters (escaping can only grow a text, so a binary search over the prefix length works).
 * Every text the staff surfaces render passes through here, so this is also where bidi
 * controls are removed: a customer's RLO must not make staff read a name, a number or a file
 * name reversed.
 */
export function fitEscaped(raw: string, limit: number, escape: (s: string) => string): string {
  const text = neutraliseBidi(raw);
  const whole = escape(text);
  if (whole.length <= limit) return whole;
  const chars = [...text];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (escape(chars.slice(0, mid).join('')).length + 1 <= limit) lo = mid;
    else hi = mid - 1;
  }
  return `${escape(chars.slice(0, lo).join(''))}…`;
}
