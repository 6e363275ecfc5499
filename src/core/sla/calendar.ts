/**
 * Working-time arithmetic on business-hours calendars.
 *
 * A calendar's weekly ranges are local wall-clock times in its IANA zone. Each local day is turned
 * into real instants with luxon (`DateTime.fromObject(..., { zone })`), so a range on a DST-change
 * day lasts exactly the real time between its local start and end. Local times that do not exist
 * (spring-forward gap) map to luxon's forward-shifted instant; ambiguous ones (fall-back) to the
 * instant luxon picks. Every function derives the working intervals of a day the same way, so
 * {@link addWorkingTime} and {@link workingTimeBetween} are exact inverses.
 *
 * Pure: no I/O, no clock.
 */
import { DateTime } from 'luxon';
import type { Calendar, TimeRange } from '../types.js';

const DAY_MS = 86_400_000;
const MINUTES_PER_DAY = 1440;
/** Consecutive days without any working time after which we give up (about ten years). */
const MAX_IDLE_DAYS = 3660;

/** A half-open interval [start, end) of epoch milliseconds. */
interface Interval {
  start: number;
  end: number;
}

type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Calendar prepared for repeated day lookups within one call. */
interface Prepared {
  cal: Calendar;
  holidays: Set<string>;
  /** Memoised raw and owned intervals per day number. */
  raw: Map<number, Interval[]>;
  owned: Map<number, Interval[]>;
}

/** The instant when `durationMs` of working time has elapsed after `start`. Without a calendar: start + durationMs (wall clock). durationMs <= 0 returns start unchanged. */
export function addWorkingTime(start: Date, durationMs: number, calendar: Calendar | undefined): Date {
  const from = start.getTime();
  if (!(durationMs > 0)) return new Date(from);
  if (calendar === undefined) return new Date(from + durationMs);
  assertInstant(from, 'start');
  if (!Number.isFinite(durationMs)) throw new RangeError(`duration must be finite, got ${durationMs}`);
  const p = prepare(calendar);

  let remaining = durationMs;
  let idle = 0;
  // Start one day early: a previous day's range may end after local midnight (e.g. at 24:00
  // shifted by a DST gap), and owned intervals are strictly ordered across days anyway.
  for (let day = localDay(from, calendar) - 1; ; day++) {
    let worked = false;
    for (const iv of ownedIntervals(p, day)) {
      if (iv.end <= from) continue;
      worked = true;
      const s = Math.max(iv.start, from);
      const len = iv.end - s;
      if (remaining <= len) return new Date(s + remaining);
      remaining -= len;
    }
    if (worked) idle = 0;
    else if (++idle > MAX_IDLE_DAYS) {
      throw new Error(`calendar ${calendar.id} has no working time within ${MAX_IDLE_DAYS} days`);
    }
  }
}

/** Working milliseconds in [from, to). 0 if to <= from. Without a calendar: to - from. */
export function workingTimeBetween(from: Date, to: Date, calendar: Calendar | undefined): number {
  const a = from.getTime();
  const b = to.getTime();
  if (!(b > a)) return 0;
  if (calendar === undefined) return b - a;
  assertInstant(a, 'from');
  assertInstant(b, 'to');
  const p = prepare(calendar);

  let total = 0;
  const last = localDay(b, calendar) + 1;
  for (let day = localDay(a, calendar) - 1; day <= last; day++) {
    for (const iv of ownedIntervals(p, day)) {
      const s = Math.max(iv.start, a);
      const e = Math.min(iv.end, b);
      if (e > s) total += e - s;
    }
  }
  return total;
}

/** Whether `at` falls inside working time. Without a calendar: always true. */
export function isWorkingTime(at: Date, calendar: Calendar | undefined): boolean {
  if (calendar === undefined) return true;
  const t = at.getTime();
  assertInstant(t, 'at');
  const p = prepare(calendar);
  const day = localDay(t, calendar);
  for (let d = day - 1; d <= day + 1; d++) {
    for (const iv of ownedIntervals(p, d)) {
      if (iv.start <= t && t < iv.end) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------

function assertInstant(ms: number, name: string): void {
  if (!Number.isFinite(ms)) throw new RangeError(`${name} is not a valid date`);
}

/**
 * Prepared calendars, kept per Calendar object (configuration is immutable), so the per-day
 * span caches are reused across calls instead of being rebuilt on every deadline. The day
 * caches are bounded so a long-running process does not grow without limit.
 */
const PREPARED = new WeakMap<Calendar, Prepared>();
const MAX_CACHED_DAYS = 4000;

function prepare(cal: Calendar): Prepared {
  const cached = PREPARED.get(cal);
  if (cached) {
    if (cached.raw.size > MAX_CACHED_DAYS) cached.raw.clear();
    if (cached.owned.size > MAX_CACHED_DAYS) cached.owned.clear();
    return cached;
  }
  const prepared = prepareUncached(cal);
  PREPARED.set(cal, prepared);
  return prepared;
}

function prepareUncached(cal: Calendar): Prepared {
  const hasHours = ([1, 2, 3, 4, 5, 6, 7] as const).some((wd) =>
    (cal.weekly[wd] ?? []).some((r) => r.end > r.start),
  );
  if (!hasHours) throw new Error(`calendar ${cal.id} has no working hours`);
  if (!DateTime.now().setZone(cal.timeZone).isValid) {
    throw new Error(`calendar ${cal.id} has an invalid time zone "${cal.timeZone}"`);
  }
  return { cal, holidays: new Set(cal.holidays), raw: new Map(), owned: new Map() };
}

/** Day number (days since 1970-01-01) of the local date of an instant in the calendar's zone. */
function localDay(ms: number, cal: Calendar): number {
  const dt = DateTime.fromMillis(ms, { zone: cal.timeZone });
  return Math.floor(Date.UTC(dt.year, dt.month - 1, dt.day) / DAY_MS);
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
  weekday: IsoWeekday;
  key: string;
}

function dateOf(dayNumber: number): LocalDate {
  const d = new Date(dayNumber * DAY_MS);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  const weekday = (((d.getUTCDay() + 6) % 7) + 1) as IsoWeekday;
  const key = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { year, month, day, weekday, key };
}

/** Instant of local `minutes` after midnight on `dayNumber` (1440 = next day's midnight). */
function instantOf(dayNumber: number, minutes: number, zone: string): number {
  const dn = dayNumber + Math.floor(minutes / MINUTES_PER_DAY);
  const m = minutes - Math.floor(minutes / MINUTES_PER_DAY) * MINUTES_PER_DAY;
  const { year, month, day } = dateOf(dn);
  const whole = Math.floor(m);
  const dt = DateTime.fromObject(
    { year, month, day, hour: Math.floor(whole / 60), minute: whole % 60 },
    { zone },
  );
  return dt.toMillis() + Math.round((m - whole) * 60_000);
}

/** The day's ranges as real instants, merged and with empty ones dropped (no holiday check, no clipping). */
function rawIntervals(p: Prepared, dayNumber: number): Interval[] {
  const cached = p.raw.get(dayNumber);
  if (cached) return cached;
  const date = dateOf(dayNumber);
  if (p.holidays.has(date.key)) return [];
  const ranges: readonly TimeRange[] = p.cal.weekly[date.weekday] ?? [];
  const out: Interval[] = [];
  for (const r of ranges) {
    if (!(r.end > r.start)) continue;
    const start = instantOf(dayNumber, r.start, p.cal.timeZone);
    const end = instantOf(dayNumber, r.end, p.cal.timeZone);
    if (end > start) out.push({ start, end });
  }
  out.sort((x, y) => x.start - y.start);
  const merged: Interval[] = [];
  for (const iv of out) {
    const prev = merged[merged.length - 1];
    if (prev && iv.start <= prev.end) prev.end = Math.max(prev.end, iv.end);
    else merged.push({ ...iv });
  }
  p.raw.set(dayNumber, merged);
  return merged;
}

/**
 * Working intervals attributed to a day: its raw intervals clipped to start after the previous
 * day's last raw end. This depends only on the day and its predecessor, so every walk sees the
 * same disjoint, time-ordered intervals no matter where it starts.
 */
function ownedIntervals(p: Prepared, dayNumber: number): Interval[] {
  const cached = p.owned.get(dayNumber);
  if (cached) return cached;
  const prev = rawIntervals(p, dayNumber - 1);
  const floor = prev[prev.length - 1]?.end ?? -Infinity;
  const owned: Interval[] = [];
  for (const iv of rawIntervals(p, dayNumber)) {
    const start = Math.max(iv.start, floor);
    if (iv.end > start) owned.push({ start, end: iv.end });
  }
  p.owned.set(dayNumber, owned);
  return owned;
}
