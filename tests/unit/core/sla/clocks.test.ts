import { describe, it, expect } from 'vitest';
import { addWorkingTime, workingTimeBetween } from '../../../../src/core/sla/calendar.js';
import {
  budgetFor,
  calendarFor,
  pauseClock,
  rebudgetClock,
  remainingMs,
  resumeClock,
  startClock,
  stopClock,
  type ClockContext,
} from '../../../../src/core/sla/clocks.js';
import type { Calendar, ClockKind, Severity, Tier, TimeRange } from '../../../../src/core/types.js';
import { exampleConfig, exampleClockContext } from '../../../helpers/config.js';

const M = 60_000;
const H = 60 * M;

const config = exampleConfig();

const ctx = exampleClockContext;

const utc = (iso: string): Date => new Date(iso);

describe('budgetFor — SPEC §4 defaults from the example config', () => {
  it.each([
    ['first_response', 'normal', 2 * H],
    ['first_response', 'urgent', 15 * M],
    ['first_response', 'critical', 15 * M],
    ['contact_customer', 'normal', H],
    ['contact_customer', 'urgent', H],
    ['diagnosis_plan', 'normal', 4 * H],
    ['diagnosis_plan', 'critical', 4 * H],
    ['resolution', 'normal', 24 * H],
    ['resolution', 'urgent', 12 * H],
    ['critical_start', 'critical', 2 * H],
    ['result_notice', 'normal', 24 * H],
    ['verification_callback', 'normal', 72 * H],
    ['verification_callback', 'urgent', 72 * H],
  ] as [ClockKind, Severity, number][])('%s / %s → %d ms', (kind, severity, ms) => {
    expect(budgetFor(kind, ctx({ severity }))).toBe(ms);
  });

  it.each([
    ['first_response', 'vip', 'normal', H],
    ['first_response', 'at-risk', 'normal', 90 * M],
    ['resolution', 'vip', 'normal', 12 * H],
    ['resolution', 'at-risk', 'urgent', 9 * H],
    ['contact_customer', 'vip', 'normal', 30 * M],
    ['diagnosis_plan', 'at-risk', 'normal', 3 * H],
    // not tiered: the multiplier does not apply
    ['critical_start', 'vip', 'critical', 2 * H],
    ['result_notice', 'vip', 'normal', 24 * H],
    ['verification_callback', 'at-risk', 'normal', 72 * H],
  ] as [ClockKind, Tier, Severity, number][])('%s for a %s customer (%s) → %d ms', (kind, tier, severity, ms) => {
    expect(budgetFor(kind, ctx({ tier, severity }))).toBe(ms);
  });

  it('never goes below one second', () => {
    const policy = { ...config.sla, tiers: { ...config.sla.tiers, vip: 0.000001 } };
    expect(budgetFor('first_response', { severity: 'urgent', tier: 'vip', policy })).toBe(1000);
  });
});

describe('calendarFor', () => {
  it('business-hours clocks use the department calendar', () => {
    expect(calendarFor('first_response', ctx())).toBe('office');
    expect(calendarFor('resolution', ctx({ severity: 'urgent', departmentCalendar: 'support-desk' }))).toBe('support-desk');
  });

  it('critical tickets run on wall-clock time', () => {
    for (const kind of ['first_response', 'resolution', 'contact_customer', 'critical_start'] as const) {
      expect(calendarFor(kind, ctx({ severity: 'critical' }))).toBeNull();
    }
  });

  it('wall-clock clocks ignore the calendar', () => {
    expect(calendarFor('result_notice', ctx())).toBeNull();
    expect(calendarFor('verification_callback', ctx())).toBeNull();
    expect(calendarFor('critical_start', ctx())).toBeNull();
  });

  it('a department without a calendar runs around the clock', () => {
    expect(calendarFor('first_response', ctx({ departmentCalendar: undefined }))).toBeNull();
  });
});

describe('startClock on the office calendar (Asia/Shanghai, 09–12 + 13–18 Mon–Fri)', () => {
  it('normal first response created Friday 17:00 → Monday 10:00, reminder Monday 09:30', () => {
    const c = startClock('first_response', ctx(), utc('2027-01-08T09:00:00Z')); // Fri 17:00 +08
    expect(c.status).toBe('running');
    expect(c.calendarId).toBe('office');
    expect(c.budgetMs).toBe(2 * H);
    expect(c.consumedMs).toBe(0);
    expect(c.version).toBe(1);
    expect(c.startedAt).toEqual(utc('2027-01-08T09:00:00Z'));
    expect(c.segmentStartedAt).toEqual(utc('2027-01-08T09:00:00Z'));
    expect(c.deadline).toEqual(utc('2027-01-11T02:00:00Z')); // Mon 10:00 +08
    expect(c.remindAt).toEqual(utc('2027-01-11T01:30:00Z')); // Mon 09:30 +08
    expect(c.stoppedAt).toBeNull();
  });

  it('skips the lunch break: Monday 11:00 + 2h → 14:00, reminder 13:30', () => {
    const c = startClock('first_response', ctx(), utc('2027-01-11T03:00:00Z')); // Mon 11:00 +08
    expect(c.deadline).toEqual(utc('2027-01-11T06:00:00Z')); // 14:00 +08
    expect(c.remindAt).toEqual(utc('2027-01-11T05:30:00Z')); // 13:30 +08
  });

  it('skips a holiday: Thursday 2026-12-31 17:00 → Monday 2027-01-04 10:00 (2027-01-01 is a Friday holiday)', () => {
    const c = startClock('first_response', ctx(), utc('2026-12-31T09:00:00Z'));
    expect(c.deadline).toEqual(utc('2027-01-04T02:00:00Z'));
    // Without the holiday the same start would land on Friday 10:00.
    const noHoliday: Calendar = { ...config.calendars.office!, id: 'office-no-holiday', holidays: [] };
    const plain = startClock(
      'first_response',
      ctx({ departmentCalendar: noHoliday.id, calendars: { ...config.calendars, [noHoliday.id]: noHoliday } }),
      utc('2026-12-31T09:00:00Z'),
    );
    expect(plain.deadline).toEqual(utc('2027-01-01T02:00:00Z'));
  });

  it('a ticket created on the holiday itself starts counting on the next working day', () => {
    const c = startClock('first_response', ctx(), utc('2027-01-01T02:00:00Z')); // Fri 10:00 +08, holiday
    expect(c.deadline).toEqual(utc('2027-01-04T03:00:00Z')); // Mon 11:00 +08
  });

  it('urgent first response: 15 min, Friday 17:50 → Monday 09:05', () => {
    const c = startClock('first_response', ctx({ severity: 'urgent' }), utc('2027-01-08T09:50:00Z'));
    expect(c.budgetMs).toBe(15 * M);
    expect(c.deadline).toEqual(utc('2027-01-11T01:05:00Z'));
    expect(c.remindAt).toEqual(utc('2027-01-11T01:01:15Z')); // 75 % of 15 min = 11m15s
  });

  it('normal resolution: 24 working hours from Monday 09:00 → Wednesday 18:00', () => {
    const c = startClock('resolution', ctx(), utc('2027-01-11T01:00:00Z'));
    expect(c.deadline).toEqual(utc('2027-01-13T10:00:00Z'));
    expect(c.remindAt).toEqual(utc('2027-01-13T03:00:00Z')); // 18h: Wed 11:00 +08
  });

  it('urgent resolution: 12 working hours from Monday 09:00 → Tuesday 14:00', () => {
    const c = startClock('resolution', ctx({ severity: 'urgent' }), utc('2027-01-11T01:00:00Z'));
    expect(c.deadline).toEqual(utc('2027-01-12T06:00:00Z'));
  });

  it('contact customer: 1 working hour, Friday 17:30 → Monday 09:30', () => {
    const c = startClock('contact_customer', ctx(), utc('2027-01-08T09:30:00Z'));
    expect(c.deadline).toEqual(utc('2027-01-11T01:30:00Z'));
  });

  it('diagnosis plan: 4 working hours, Monday 11:00 → 16:00', () => {
    const c = startClock('diagnosis_plan', ctx(), utc('2027-01-11T03:00:00Z'));
    expect(c.deadline).toEqual(utc('2027-01-11T08:00:00Z'));
  });

  it('result notice (24h) and verification callback (3 days) run on wall-clock time even on the office calendar', () => {
    const now = utc('2027-01-08T09:00:00Z'); // Fri 17:00 +08
    const notice = startClock('result_notice', ctx(), now);
    expect(notice.calendarId).toBeNull();
    expect(notice.deadline).toEqual(utc('2027-01-09T09:00:00Z')); // Saturday
    const callback = startClock('verification_callback', ctx(), now);
    expect(callback.calendarId).toBeNull();
    expect(callback.deadline).toEqual(utc('2027-01-11T09:00:00Z'));
    expect(callback.remindAt).toEqual(utc('2027-01-10T15:00:00Z')); // 54h
  });

  it('critical tickets run on wall-clock time although the department has a calendar', () => {
    const now = utc('2027-01-08T09:00:00Z'); // Fri 17:00 +08
    const c = ctx({ severity: 'critical' });
    const first = startClock('first_response', c, now);
    expect(first.calendarId).toBeNull();
    expect(first.deadline).toEqual(utc('2027-01-08T09:15:00Z'));
    const resolution = startClock('resolution', c, now);
    expect(resolution.deadline).toEqual(utc('2027-01-08T21:00:00Z'));
    const start = startClock('critical_start', c, now);
    expect(start.budgetMs).toBe(2 * H);
    expect(start.deadline).toEqual(utc('2027-01-08T11:00:00Z'));
    expect(start.remindAt).toEqual(utc('2027-01-08T10:30:00Z'));
  });

  it('tier multipliers: vip halves, at-risk takes 75 %', () => {
    const now = utc('2027-01-08T09:00:00Z'); // Fri 17:00 +08
    const vip = startClock('first_response', ctx({ tier: 'vip' }), now);
    expect(vip.budgetMs).toBe(H);
    expect(vip.deadline).toEqual(utc('2027-01-08T10:00:00Z')); // Fri 18:00 +08
    const atRisk = startClock('first_response', ctx({ tier: 'at-risk' }), now);
    expect(atRisk.budgetMs).toBe(90 * M);
    expect(atRisk.deadline).toEqual(utc('2027-01-11T01:30:00Z')); // Mon 09:30 +08
    const vipResolution = startClock('resolution', ctx({ tier: 'vip' }), utc('2027-01-11T01:00:00Z'));
    expect(vipResolution.deadline).toEqual(utc('2027-01-12T06:00:00Z')); // 12h: Mon 8h + Tue 09–12, 13–14 → Tue 14:00 +08
  });

  it('a department without a calendar counts wall-clock hours', () => {
    const c = startClock('first_response', ctx({ departmentCalendar: undefined }), utc('2027-01-08T09:00:00Z'));
    expect(c.calendarId).toBeNull();
    expect(c.deadline).toEqual(utc('2027-01-08T11:00:00Z'));
  });

  it('takes the version it is given', () => {
    expect(startClock('resolution', ctx(), utc('2027-01-11T01:00:00Z'), 7).version).toBe(7);
  });
});

describe('startClock on the support-desk calendar (08–22 weekdays, 09–18 weekends)', () => {
  const desk = (over: Partial<ClockContext> = {}) => ctx({ departmentCalendar: 'support-desk', ...over });

  it('Saturday 17:00 + 2h → Sunday 10:00', () => {
    const c = startClock('first_response', desk(), utc('2027-01-09T09:00:00Z'));
    expect(c.deadline).toEqual(utc('2027-01-10T02:00:00Z'));
  });

  it('Monday 21:30 + 2h → Tuesday 09:30', () => {
    const c = startClock('first_response', desk(), utc('2027-01-11T13:30:00Z'));
    expect(c.deadline).toEqual(utc('2027-01-12T01:30:00Z'));
  });
});

describe('reminder fraction', () => {
  it('follows policy.reminderAt', () => {
    const now = utc('2027-01-11T00:00:00Z');
    const wall = ctx({ departmentCalendar: undefined });
    expect(startClock('resolution', wall, now).remindAt).toEqual(utc('2027-01-11T18:00:00Z'));
    const half = ctx({ departmentCalendar: undefined, policy: { ...config.sla, reminderAt: 0.5 } });
    expect(startClock('resolution', half, now).remindAt).toEqual(utc('2027-01-11T12:00:00Z'));
  });
});

describe('pauseClock / resumeClock', () => {
  it('pausing records the working time used; resuming moves the deadline by the paused working time', () => {
    const c = ctx();
    const started = startClock('resolution', c, utc('2027-01-11T01:00:00Z')); // Mon 09:00 +08
    expect(started.deadline).toEqual(utc('2027-01-13T10:00:00Z')); // Wed 18:00 +08

    const pausedAt = utc('2027-01-11T03:00:00Z'); // Mon 11:00 +08
    const paused = pauseClock(started, c, pausedAt);
    expect(paused.status).toBe('paused');
    expect(paused.consumedMs).toBe(2 * H);
    expect(paused.deadline).toBeNull();
    expect(paused.remindAt).toBeNull();
    expect(paused.segmentStartedAt).toBeNull();
    expect(paused.version).toBe(2);

    const resumedAt = utc('2027-01-12T02:00:00Z'); // Tue 10:00 +08
    const resumed = resumeClock(paused, c, resumedAt);
    expect(resumed.status).toBe('running');
    expect(resumed.version).toBe(3);
    expect(resumed.consumedMs).toBe(2 * H);
    expect(resumed.segmentStartedAt).toEqual(resumedAt);
    expect(resumed.startedAt).toEqual(started.startedAt);
    // Paused working time: Mon 11–12, 13–18, Tue 09–10 = 7h.
    const office = config.calendars.office;
    expect(workingTimeBetween(pausedAt, resumedAt, office)).toBe(7 * H);
    expect(resumed.deadline).toEqual(addWorkingTime(started.deadline!, 7 * H, office));
    expect(resumed.deadline).toEqual(utc('2027-01-14T09:00:00Z')); // Thu 17:00 +08
    expect(resumed.remindAt).toEqual(utc('2027-01-14T02:00:00Z')); // 16h left to 18h: Thu 10:00 +08
  });

  it('a pause over a weekend only moves the deadline by the working hours it covered', () => {
    const c = ctx();
    const started = startClock('resolution', c, utc('2027-01-14T01:00:00Z')); // Thu 09:00 +08
    expect(started.deadline).toEqual(utc('2027-01-18T10:00:00Z')); // Mon 18:00 +08
    const paused = pauseClock(started, c, utc('2027-01-15T09:00:00Z')); // Fri 17:00 +08
    expect(paused.consumedMs).toBe(15 * H);
    const resumed = resumeClock(paused, c, utc('2027-01-18T01:00:00Z')); // Mon 09:00 +08
    expect(resumed.deadline).toEqual(utc('2027-01-19T02:00:00Z')); // Tue 10:00 +08 (1h later)
  });

  it('on wall-clock time the deadline moves by exactly the paused hours', () => {
    const c = ctx({ departmentCalendar: undefined });
    const started = startClock('resolution', c, utc('2027-01-11T00:00:00Z'));
    expect(started.deadline).toEqual(utc('2027-01-12T00:00:00Z'));
    const paused = pauseClock(started, c, utc('2027-01-11T05:00:00Z'));
    expect(paused.consumedMs).toBe(5 * H);
    const resumed = resumeClock(paused, c, utc('2027-01-11T08:00:00Z'));
    expect(resumed.deadline).toEqual(utc('2027-01-12T03:00:00Z'));
    expect(resumed.remindAt).toEqual(utc('2027-01-11T21:00:00Z'));
  });

  it('no reminder after resuming once the reminder point has passed', () => {
    const c = ctx({ departmentCalendar: undefined });
    const started = startClock('first_response', c, utc('2027-01-11T00:00:00Z'));
    const paused = pauseClock(started, c, utc('2027-01-11T01:40:00Z')); // 100 of 120 min used
    const resumed = resumeClock(paused, c, utc('2027-01-11T03:00:00Z'));
    expect(resumed.remindAt).toBeNull();
    expect(resumed.deadline).toEqual(utc('2027-01-11T03:20:00Z'));
  });

  it('an overrun budget gives a deadline of the resume instant', () => {
    const c = ctx({ departmentCalendar: undefined });
    const started = startClock('first_response', c, utc('2027-01-11T00:00:00Z'));
    const paused = pauseClock(started, c, utc('2027-01-11T05:00:00Z'));
    const resumed = resumeClock(paused, c, utc('2027-01-11T06:00:00Z'));
    expect(resumed.deadline).toEqual(utc('2027-01-11T06:00:00Z'));
  });

  it('pausing a paused clock and resuming a running one change nothing', () => {
    const c = ctx();
    const running = startClock('resolution', c, utc('2027-01-11T01:00:00Z'));
    expect(resumeClock(running, c, utc('2027-01-11T02:00:00Z'))).toBe(running);
    const paused = pauseClock(running, c, utc('2027-01-11T02:00:00Z'));
    expect(pauseClock(paused, c, utc('2027-01-11T03:00:00Z'))).toBe(paused);
  });
});

describe('stopClock', () => {
  it('stops once and bumps the version', () => {
    const running = startClock('first_response', ctx(), utc('2027-01-11T01:00:00Z'));
    const at = utc('2027-01-11T01:20:00Z');
    const stopped = stopClock(running, at);
    expect(stopped).toMatchObject({ status: 'stopped', stoppedAt: at, deadline: null, remindAt: null, segmentStartedAt: null, version: 2 });
    expect(stopClock(stopped, utc('2027-01-11T02:00:00Z'))).toBe(stopped);
  });
});

describe('remainingMs', () => {
  it('counts working time to the deadline, negative wall time when overdue, null unless running', () => {
    const c = ctx();
    const clock = startClock('first_response', c, utc('2027-01-08T09:00:00Z')); // Fri 17:00 +08, due Mon 10:00
    expect(remainingMs(clock, config.calendars, utc('2027-01-08T09:30:00Z'))).toBe(90 * M);
    expect(remainingMs(clock, config.calendars, utc('2027-01-09T04:00:00Z'))).toBe(H); // Saturday: Mon 09–10 left
    expect(remainingMs(clock, config.calendars, utc('2027-01-11T02:30:00Z'))).toBe(-30 * M);
    expect(remainingMs(pauseClock(clock, c, utc('2027-01-08T09:30:00Z')), config.calendars, utc('2027-01-08T09:40:00Z'))).toBeNull();
  });
});

describe('rebudgetClock', () => {
  it('applies the new severity from the original segment start, keeping the calendar', () => {
    const started = startClock('resolution', ctx(), utc('2027-01-11T01:00:00Z')); // Mon 09:00 +08
    const urgent = rebudgetClock(started, ctx({ severity: 'urgent' }));
    expect(urgent.budgetMs).toBe(12 * H);
    expect(urgent.version).toBe(2);
    expect(urgent.deadline).toEqual(utc('2027-01-12T06:00:00Z')); // Tue 14:00 +08
  });

  it('switching to critical moves the clock to wall-clock time', () => {
    const started = startClock('resolution', ctx(), utc('2027-01-11T01:00:00Z'));
    const critical = rebudgetClock(started, ctx({ severity: 'critical' }));
    expect(critical.calendarId).toBeNull();
    expect(critical.deadline).toEqual(utc('2027-01-11T13:00:00Z'));
  });

  it('keeps a paused clock paused and leaves a stopped one alone', () => {
    const c = ctx();
    const paused = pauseClock(startClock('resolution', c, utc('2027-01-11T01:00:00Z')), c, utc('2027-01-11T02:00:00Z'));
    const re = rebudgetClock(paused, ctx({ severity: 'urgent' }));
    expect(re.status).toBe('paused');
    expect(re.budgetMs).toBe(12 * H);
    expect(re.consumedMs).toBe(H);
    expect(re.deadline).toBeNull();
    const stopped = stopClock(paused, utc('2027-01-11T03:00:00Z'));
    expect(rebudgetClock(stopped, ctx({ severity: 'urgent' }))).toBe(stopped);
  });
});

describe('daylight saving time (custom Europe/Berlin 09:00–18:00 Mon–Fri calendar)', () => {
  const nineToSix: TimeRange[] = [{ start: 9 * 60, end: 18 * 60 }];
  const berlin: Calendar = {
    id: 'berlin',
    timeZone: 'Europe/Berlin',
    weekly: { 1: nineToSix, 2: nineToSix, 3: nineToSix, 4: nineToSix, 5: nineToSix, 6: [], 7: [] },
    holidays: [],
  };
  const bctx = (over: Partial<ClockContext> = {}) =>
    ctx({ departmentCalendar: 'berlin', calendars: { ...config.calendars, berlin }, ...over });

  it('spring forward (2027-03-28): Friday 17:00 CET + 2h → Monday 10:00 CEST', () => {
    const c = startClock('first_response', bctx(), utc('2027-03-26T16:00:00Z')); // Fri 17:00 CET
    expect(c.deadline).toEqual(utc('2027-03-29T08:00:00Z')); // Mon 10:00 CEST
    expect(c.remindAt).toEqual(utc('2027-03-29T07:30:00Z')); // Mon 09:30 CEST
  });

  it('spring forward: 24 working hours from Friday 17:00 CET → Wednesday 14:00 CEST', () => {
    const c = startClock('resolution', bctx(), utc('2027-03-26T16:00:00Z'));
    expect(c.deadline).toEqual(utc('2027-03-31T12:00:00Z'));
  });

  it('spring forward: 24 working hours from Thursday 09:00 CET → Monday 15:00 CEST', () => {
    const c = startClock('resolution', bctx(), utc('2027-03-25T08:00:00Z'));
    expect(c.deadline).toEqual(utc('2027-03-29T13:00:00Z'));
    expect(c.remindAt).toEqual(utc('2027-03-26T17:00:00Z')); // 18h: Fri 18:00 CET
  });

  it('spring forward: a pause across the change resumes on CEST working hours', () => {
    const c = bctx();
    const started = startClock('resolution', c, utc('2027-03-26T08:00:00Z')); // Fri 09:00 CET
    const paused = pauseClock(started, c, utc('2027-03-26T11:00:00Z')); // Fri 12:00 CET
    expect(paused.consumedMs).toBe(3 * H);
    const resumed = resumeClock(paused, c, utc('2027-03-29T07:00:00Z')); // Mon 09:00 CEST
    expect(resumed.deadline).toEqual(utc('2027-03-31T10:00:00Z')); // Wed 12:00 CEST
  });

  it('fall back (2027-10-31): Friday 17:00 CEST + 2h → Monday 10:00 CET', () => {
    const c = startClock('first_response', bctx(), utc('2027-10-29T15:00:00Z'));
    expect(c.deadline).toEqual(utc('2027-11-01T09:00:00Z'));
  });

  it('critical tickets ignore the Berlin calendar and the DST change', () => {
    const c = startClock('resolution', bctx({ severity: 'critical' }), utc('2027-03-27T20:00:00Z'));
    expect(c.deadline).toEqual(utc('2027-03-28T08:00:00Z'));
  });
});
