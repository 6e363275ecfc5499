import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { addWorkingTime, isWorkingTime, workingTimeBetween } from '../../../../src/core/sla/calendar.js';
import type { Calendar, TimeRange, WeeklyHours } from '../../../../src/core/types.js';

const H = 3_600_000;
const M = 60_000;
const DAY = 24 * H;

const nineToSix: TimeRange[] = [{ start: 9 * 60, end: 18 * 60 }];
const withLunch: TimeRange[] = [
  { start: 9 * 60, end: 12 * 60 },
  { start: 13 * 60, end: 18 * 60 },
];

function weekly(weekdays: TimeRange[], sat: TimeRange[] = [], sun: TimeRange[] = []): WeeklyHours {
  return { 1: weekdays, 2: weekdays, 3: weekdays, 4: weekdays, 5: weekdays, 6: sat, 7: sun };
}

function cal(id: string, timeZone: string, w: WeeklyHours, holidays: string[] = []): Calendar {
  return { id, timeZone, weekly: w, holidays };
}

/** Local wall time → Date. */
function local(zone: string, iso: string): Date {
  const dt = DateTime.fromISO(iso, { zone });
  if (!dt.isValid) throw new Error(`bad ${iso}`);
  return dt.toJSDate();
}

const utc = (iso: string): Date => new Date(iso);

const shanghai = cal('cn-office', 'Asia/Shanghai', weekly(nineToSix));
const everyNight: TimeRange[] = [{ start: 60, end: 300 }];
const berlinNights = cal('berlin-nights', 'Europe/Berlin', weekly(everyNight, everyNight, everyNight));

describe('addWorkingTime / workingTimeBetween / isWorkingTime — examples', () => {
  it('Friday 17:00 + 2h lands on Monday 10:00 (Asia/Shanghai)', () => {
    const start = local('Asia/Shanghai', '2026-01-09T17:00'); // Friday
    const end = addWorkingTime(start, 2 * H, shanghai);
    expect(end).toEqual(local('Asia/Shanghai', '2026-01-12T10:00'));
    expect(end.toISOString()).toBe('2026-01-12T02:00:00.000Z');
    expect(workingTimeBetween(start, end, shanghai)).toBe(2 * H);
  });

  it('starting on Saturday 12:00 + 1h lands on Monday 10:00', () => {
    const start = local('Asia/Shanghai', '2026-01-10T12:00');
    expect(isWorkingTime(start, shanghai)).toBe(false);
    expect(addWorkingTime(start, H, shanghai)).toEqual(local('Asia/Shanghai', '2026-01-12T10:00'));
  });

  it('a holiday Monday is skipped entirely', () => {
    const withHoliday = cal('cn-holiday', 'Asia/Shanghai', weekly(nineToSix), ['2026-01-12']);
    const start = local('Asia/Shanghai', '2026-01-09T17:00');
    const end = addWorkingTime(start, 2 * H, withHoliday);
    expect(end).toEqual(local('Asia/Shanghai', '2026-01-13T10:00'));
    expect(isWorkingTime(local('Asia/Shanghai', '2026-01-12T10:00'), withHoliday)).toBe(false);
    expect(workingTimeBetween(start, end, withHoliday)).toBe(2 * H);
  });

  it('the lunch break is skipped', () => {
    const lunch = cal('cn-lunch', 'Asia/Shanghai', weekly(withLunch));
    const start = local('Asia/Shanghai', '2026-01-12T11:00');
    expect(addWorkingTime(start, 2 * H, lunch)).toEqual(local('Asia/Shanghai', '2026-01-12T14:00'));
    expect(addWorkingTime(start, H, lunch)).toEqual(local('Asia/Shanghai', '2026-01-12T12:00'));
    expect(isWorkingTime(local('Asia/Shanghai', '2026-01-12T12:30'), lunch)).toBe(false);
    expect(isWorkingTime(local('Asia/Shanghai', '2026-01-12T13:00'), lunch)).toBe(true);
    expect(isWorkingTime(local('Asia/Shanghai', '2026-01-12T12:00'), lunch)).toBe(false);
    expect(
      workingTimeBetween(local('Asia/Shanghai', '2026-01-12T00:00'), local('Asia/Shanghai', '2026-01-13T00:00'), lunch),
    ).toBe(8 * H);
  });

  it('24h of working time on a 9–18 Mon–Fri calendar spans several days', () => {
    const start = local('Asia/Shanghai', '2026-01-12T09:00'); // Monday
    // 9h Mon + 9h Tue + 6h Wed
    expect(addWorkingTime(start, 24 * H, shanghai)).toEqual(local('Asia/Shanghai', '2026-01-14T15:00'));
  });

  it('a long duration (1000 working days) lands on the right day', () => {
    const start = local('Asia/Shanghai', '2026-01-12T09:00');
    const end = addWorkingTime(start, 1000 * 9 * H, shanghai); // 1000 working days = 200 weeks
    // Monday + 199 weeks + Friday of the 200th week.
    expect(end).toEqual(local('Asia/Shanghai', '2029-11-09T18:00'));
    expect(DateTime.fromJSDate(end, { zone: 'Asia/Shanghai' }).weekday).toBe(5);
    expect(workingTimeBetween(start, end, shanghai)).toBe(1000 * 9 * H);
  });

  it('Europe/Berlin spring-forward: 01:00–05:00 on 2026-03-29 is 3 real hours', () => {
    const dayStart = utc('2026-03-29T00:00:00Z'); // 01:00 CET
    expect(addWorkingTime(dayStart, 3 * H, berlinNights).toISOString()).toBe('2026-03-29T03:00:00.000Z'); // 05:00 CEST
    expect(workingTimeBetween(utc('2026-03-28T22:00:00Z'), utc('2026-03-29T22:00:00Z'), berlinNights)).toBe(3 * H);
    // One more half hour rolls over to 01:30 CEST on Monday.
    expect(addWorkingTime(dayStart, 3.5 * H, berlinNights).toISOString()).toBe('2026-03-29T23:30:00.000Z');
    // One hour from 01:00 CET ends at 02:00 CET = 03:00 CEST.
    expect(addWorkingTime(dayStart, H, berlinNights).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(isWorkingTime(utc('2026-03-29T01:00:00Z'), berlinNights)).toBe(true);
    expect(isWorkingTime(utc('2026-03-29T03:00:00Z'), berlinNights)).toBe(false);
  });

  it('Europe/Berlin fall-back: 01:00–05:00 on 2026-10-25 is 5 real hours', () => {
    const dayStart = utc('2026-10-24T23:00:00Z'); // 01:00 CEST
    expect(addWorkingTime(dayStart, 5 * H, berlinNights).toISOString()).toBe('2026-10-25T04:00:00.000Z'); // 05:00 CET
    expect(workingTimeBetween(utc('2026-10-24T21:00:00Z'), utc('2026-10-25T21:00:00Z'), berlinNights)).toBe(5 * H);
    // The day before is a normal 4h day (01:00–05:00 CEST).
    expect(workingTimeBetween(utc('2026-10-23T21:00:00Z'), utc('2026-10-24T21:00:00Z'), berlinNights)).toBe(4 * H);
    // Both occurrences of 02:30 are working time.
    expect(isWorkingTime(utc('2026-10-25T00:30:00Z'), berlinNights)).toBe(true); // 02:30 CEST
    expect(isWorkingTime(utc('2026-10-25T01:30:00Z'), berlinNights)).toBe(true); // 02:30 CET
    // 6h from Sunday 01:00 CEST → Monday 02:00 CET.
    expect(addWorkingTime(dayStart, 6 * H, berlinNights).toISOString()).toBe('2026-10-26T01:00:00.000Z');
  });

  it('without a calendar uses wall-clock time', () => {
    const start = utc('2026-01-09T09:00:00Z');
    expect(addWorkingTime(start, 2 * H, undefined).toISOString()).toBe('2026-01-09T11:00:00.000Z');
    expect(workingTimeBetween(start, utc('2026-01-10T09:00:00Z'), undefined)).toBe(DAY);
    expect(workingTimeBetween(utc('2026-01-10T09:00:00Z'), start, undefined)).toBe(0);
    expect(isWorkingTime(utc('2026-01-10T03:00:00Z'), undefined)).toBe(true);
  });

  it('non-positive durations return the start unchanged', () => {
    const start = local('Asia/Shanghai', '2026-01-10T12:00'); // Saturday, outside hours
    expect(addWorkingTime(start, 0, shanghai)).toEqual(start);
    expect(addWorkingTime(start, -H, shanghai)).toEqual(start);
    expect(addWorkingTime(start, 0, undefined)).toEqual(start);
    expect(workingTimeBetween(start, start, shanghai)).toBe(0);
  });

  it('a calendar without any working hours throws', () => {
    const empty = cal('empty', 'Asia/Shanghai', weekly([]));
    const start = utc('2026-01-09T09:00:00Z');
    expect(() => addWorkingTime(start, H, empty)).toThrow('calendar empty has no working hours');
    expect(() => workingTimeBetween(start, utc('2026-01-10T09:00:00Z'), empty)).toThrow(
      'calendar empty has no working hours',
    );
    expect(() => isWorkingTime(start, empty)).toThrow('calendar empty has no working hours');
  });

  it('a calendar whose only working days are holidays gives up instead of looping', () => {
    const mondays: string[] = [];
    for (let d = DateTime.fromISO('2026-01-05'); d.year < 2040; d = d.plus({ weeks: 1 })) mondays.push(d.toISODate()!);
    const onlyMondays: WeeklyHours = { 1: nineToSix, 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] };
    const c = cal('mondays-off', 'Asia/Shanghai', onlyMondays, mondays);
    expect(() => addWorkingTime(utc('2026-01-01T00:00:00Z'), H, c)).toThrow(/mondays-off/);
  });
});

// ---------------------------------------------------------------------------------------------
// Property-based tests

function holidaysIn(years: number[]): string[] {
  const out: string[] = [];
  for (const y of years) {
    for (let m = 1; m <= 12; m++) {
      for (const d of [1, 2, 3, 15]) out.push(`${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    }
  }
  return out;
}

const calendars: Calendar[] = [
  // Office hours with lunch, plus Sunday night hours across the EU DST switch.
  cal('berlin', 'Europe/Berlin', weekly(withLunch, [], [{ start: 60, end: 300 }])),
  // US DST switches at 02:00 local on Sundays; Sunday has a range ending inside the gap/overlap.
  cal(
    'new-york',
    'America/New_York',
    weekly([{ start: 8 * 60, end: 20 * 60 }], [{ start: 0, end: 1440 }], [
      { start: 0, end: 150 },
      { start: 180, end: 1440 },
    ]),
  ),
  // Many holidays, no DST.
  cal('shanghai-holidays', 'Asia/Shanghai', weekly(nineToSix), holidaysIn([2026, 2027, 2028])),
  // Ranges whose edges sit inside the spring-forward gap and fall-back overlap; back-to-back days.
  cal(
    'berlin-edges',
    'Europe/Berlin',
    weekly(
      [
        { start: 120, end: 150 },
        { start: 150, end: 180 },
        { start: 180, end: 210 },
        { start: 1380, end: 1440 },
      ],
      [{ start: 0, end: 1440 }],
      [
        { start: 0, end: 135 },
        { start: 165, end: 1440 },
      ],
    ),
  ),
  // Chile switches DST at local midnight; Lord Howe has a 30-minute DST shift.
  cal('santiago', 'America/Santiago', weekly([{ start: 0, end: 60 }, { start: 23 * 60, end: 1440 }], [{ start: 0, end: 1440 }])),
  cal('lord-howe', 'Australia/Lord_Howe', weekly(nineToSix, [], [{ start: 60, end: 180 }]), ['2026-04-06']),
];

const RUNS = 200;
const instant = fc
  .integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2028, 0, 1) - 1 })
  .map((ms) => new Date(ms));
const duration = fc.integer({ min: 0, max: 10 * DAY });
const calendar = fc.constantFrom(...calendars);

describe('working-time properties', () => {
  it('workingTimeBetween(start, addWorkingTime(start, d)) === d', () => {
    fc.assert(
      fc.property(calendar, instant, duration, (c, start, d) => {
        const end = addWorkingTime(start, d, c);
        expect(end.getTime()).toBeGreaterThanOrEqual(start.getTime());
        expect(workingTimeBetween(start, end, c)).toBe(d);
      }),
      { numRuns: RUNS },
    );
  });

  it('addWorkingTime is monotonic in the duration', () => {
    fc.assert(
      fc.property(calendar, instant, duration, duration, (c, start, d1, d2) => {
        const [lo, hi] = d1 <= d2 ? [d1, d2] : [d2, d1];
        expect(addWorkingTime(start, lo, c).getTime()).toBeLessThanOrEqual(addWorkingTime(start, hi, c).getTime());
      }),
      { numRuns: RUNS },
    );
  });

  it('a positive addition ends inside working time or exactly at the end of a range', () => {
    fc.assert(
      fc.property(calendar, instant, fc.integer({ min: 1, max: 10 * DAY }), (c, start, d) => {
        const end = addWorkingTime(start, d, c);
        expect(isWorkingTime(new Date(end.getTime() - 1), c)).toBe(true);
        // …and the last millisecond counted is working time too.
        expect(workingTimeBetween(new Date(end.getTime() - 1), end, c)).toBe(1);
      }),
      { numRuns: RUNS },
    );
  });

  it('workingTimeBetween is additive', () => {
    fc.assert(
      fc.property(calendar, instant, duration, duration, (c, a, x, y) => {
        const b = new Date(a.getTime() + x);
        const d = new Date(b.getTime() + y);
        expect(workingTimeBetween(a, d, c)).toBe(workingTimeBetween(a, b, c) + workingTimeBetween(b, d, c));
      }),
      { numRuns: RUNS },
    );
  });

  it('workingTimeBetween never exceeds elapsed time and is 0 for reversed ranges', () => {
    fc.assert(
      fc.property(calendar, instant, fc.integer({ min: -10 * DAY, max: 60 * DAY }), (c, a, offset) => {
        const b = new Date(a.getTime() + offset);
        const w = workingTimeBetween(a, b, c);
        if (b.getTime() <= a.getTime()) expect(w).toBe(0);
        else {
          expect(w).toBeGreaterThanOrEqual(0);
          expect(w).toBeLessThanOrEqual(b.getTime() - a.getTime());
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('isWorkingTime agrees with a 1-ms window of workingTimeBetween', () => {
    fc.assert(
      fc.property(calendar, instant, (c, t) => {
        const w = workingTimeBetween(t, new Date(t.getTime() + 1), c);
        expect(isWorkingTime(t, c)).toBe(w === 1);
      }),
      { numRuns: RUNS },
    );
  });

  it('holidays contain no working time', () => {
    const c = calendars[2]!;
    fc.assert(
      fc.property(fc.constantFrom(...c.holidays), fc.integer({ min: 0, max: DAY - 1 }), (date, offset) => {
        const midnight = DateTime.fromISO(date, { zone: c.timeZone });
        const t = new Date(midnight.toMillis() + offset);
        expect(isWorkingTime(t, c)).toBe(false);
        expect(workingTimeBetween(midnight.toJSDate(), midnight.plus({ days: 1 }).toJSDate(), c)).toBe(0);
      }),
      { numRuns: 50 },
    );
  });

  it('matches a minute-by-minute wall-clock oracle around DST changes', () => {
    // Calendars whose range edges avoid the DST transition hours, so local wall time is unambiguous
    // at every edge and the working time is simply the minutes whose local time lies in a range.
    const oracleCals = [calendars[0]!, calendars[2]!, berlinNights];
    const transitions = ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2027-03-28T01:00:00Z', '2027-10-31T01:00:00Z'].map(
      (s) => Date.parse(s),
    );
    const inRange = (c: Calendar, ms: number): boolean => {
      const dt = DateTime.fromMillis(ms, { zone: c.timeZone });
      if (c.holidays.includes(dt.toISODate()!)) return false;
      const minute = dt.hour * 60 + dt.minute;
      return c.weekly[dt.weekday as 1].some((r) => r.start <= minute && minute < r.end);
    };
    fc.assert(
      fc.property(
        fc.constantFrom(...oracleCals),
        fc.constantFrom(...transitions),
        fc.integer({ min: -36 * 60, max: 12 * 60 }),
        fc.integer({ min: 0, max: 36 * 60 }),
        (c, tr, fromMin, lenMin) => {
          const a = tr + fromMin * M;
          const b = a + lenMin * M;
          let expected = 0;
          for (let t = a; t < b; t += M) if (inRange(c, t)) expected += M;
          expect(workingTimeBetween(new Date(a), new Date(b), c)).toBe(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
