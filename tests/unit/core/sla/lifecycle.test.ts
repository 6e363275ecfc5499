import { describe, it, expect } from 'vitest';
import type { ClockContext, SlaClock } from '../../../../src/core/sla/clocks.js';
import { applyClockTrigger, type ClockSet, type ClockTrigger } from '../../../../src/core/sla/lifecycle.js';
import type { ClockKind } from '../../../../src/core/types.js';
import { wallClockConfig, exampleClockContext } from '../../../helpers/config.js';

const M = 60_000;
const H = 60 * M;

const wall = wallClockConfig();

const ctx = exampleClockContext;

const utc = (iso: string): Date => new Date(iso);

function clock(set: ClockSet, kind: ClockKind): SlaClock {
  const c = set[kind];
  if (!c) throw new Error(`no ${kind} clock in ${Object.keys(set).join(', ')}`);
  return c;
}

/** Applies the triggers in order, merging each change into the full set. */
function run(steps: [ClockTrigger, string][], c: ClockContext = ctx()): ClockSet {
  let all: ClockSet = {};
  for (const [trigger, at] of steps) all = { ...all, ...applyClockTrigger(all, trigger, c, utc(at)) };
  return all;
}

const FRI_1700 = '2027-01-08T09:00:00Z'; // Friday 17:00 Asia/Shanghai
const FRI_1730 = '2027-01-08T09:30:00Z';
const MON_0900 = '2027-01-11T01:00:00Z';
const MON_0910 = '2027-01-11T01:10:00Z';
const MON_1100 = '2027-01-11T03:00:00Z';

describe('created', () => {
  it('starts first response and resolution on business hours for a normal ticket', () => {
    const changed = applyClockTrigger({}, { type: 'created' }, ctx(), utc(FRI_1700));
    expect(Object.keys(changed).sort()).toEqual(['first_response', 'resolution']);
    const first = clock(changed, 'first_response');
    expect(first).toMatchObject({ status: 'running', version: 1, calendarId: 'office', budgetMs: 2 * H });
    expect(first.deadline).toEqual(utc('2027-01-11T02:00:00Z')); // Monday 10:00
    const resolution = clock(changed, 'resolution');
    expect(resolution).toMatchObject({ status: 'running', version: 1, calendarId: 'office', budgetMs: 24 * H });
    // Fri 17–18, Mon 8h, Tue 8h, Wed 09–12 + 13–17 → Wed 17:00
    expect(resolution.deadline).toEqual(utc('2027-01-13T09:00:00Z'));
  });

  it('urgent: first response 15 min, resolution 12 h', () => {
    const changed = applyClockTrigger({}, { type: 'created' }, ctx({ severity: 'urgent' }), utc(MON_0900));
    expect(clock(changed, 'first_response').deadline).toEqual(utc('2027-01-11T01:15:00Z'));
    expect(clock(changed, 'resolution').deadline).toEqual(utc('2027-01-12T06:00:00Z')); // Tue 14:00
    expect(changed.critical_start).toBeUndefined();
  });

  it('critical: first response 15 min, resolution 12 h and critical start 2 h, all on wall-clock time', () => {
    const changed = applyClockTrigger({}, { type: 'created' }, ctx({ severity: 'critical' }), utc(FRI_1700));
    expect(Object.keys(changed).sort()).toEqual(['critical_start', 'first_response', 'resolution']);
    for (const c of Object.values(changed)) expect(c.calendarId).toBeNull();
    expect(clock(changed, 'first_response').deadline).toEqual(utc('2027-01-08T09:15:00Z'));
    expect(clock(changed, 'resolution').deadline).toEqual(utc('2027-01-08T21:00:00Z'));
    expect(clock(changed, 'critical_start').deadline).toEqual(utc('2027-01-08T11:00:00Z'));
  });

  it('vip halves tiered clocks, at-risk takes 75 %', () => {
    const vip = applyClockTrigger({}, { type: 'created' }, ctx({ tier: 'vip', departmentCalendar: undefined }), utc(MON_0900));
    expect(clock(vip, 'first_response').deadline).toEqual(utc('2027-01-11T02:00:00Z'));
    expect(clock(vip, 'resolution').deadline).toEqual(utc('2027-01-11T13:00:00Z'));
    const atRisk = applyClockTrigger({}, { type: 'created' }, ctx({ tier: 'at-risk', departmentCalendar: undefined }), utc(MON_0900));
    expect(clock(atRisk, 'first_response').deadline).toEqual(utc('2027-01-11T02:30:00Z'));
    expect(clock(atRisk, 'resolution').deadline).toEqual(utc('2027-01-11T19:00:00Z'));
  });

  it('reminds at 75 % of the budget', () => {
    const changed = applyClockTrigger({}, { type: 'created' }, ctx({ departmentCalendar: undefined }), utc('2027-01-11T00:00:00Z'));
    expect(clock(changed, 'first_response').remindAt).toEqual(utc('2027-01-11T01:30:00Z'));
    expect(clock(changed, 'resolution').remindAt).toEqual(utc('2027-01-11T18:00:00Z'));
  });
});

describe('claimed / contacted', () => {
  it('claim stops first response and starts contact customer (1 working hour)', () => {
    const created = applyClockTrigger({}, { type: 'created' }, ctx(), utc(FRI_1700));
    const changed = applyClockTrigger(created, { type: 'claimed' }, ctx(), utc(FRI_1730));
    expect(Object.keys(changed).sort()).toEqual(['contact_customer', 'first_response']);
    expect(clock(changed, 'first_response')).toMatchObject({ status: 'stopped', version: 2, deadline: null, remindAt: null });
    expect(clock(changed, 'first_response').stoppedAt).toEqual(utc(FRI_1730));
    const contact = clock(changed, 'contact_customer');
    expect(contact).toMatchObject({ status: 'running', version: 1, budgetMs: H, calendarId: 'office' });
    expect(contact.deadline).toEqual(utc('2027-01-11T01:30:00Z')); // Monday 09:30
  });

  it('a second claim (reassign) does not restart a live contact-customer clock', () => {
    const all = run([
      [{ type: 'created' }, FRI_1700],
      [{ type: 'claimed' }, FRI_1730],
    ]);
    expect(applyClockTrigger(all, { type: 'claimed' }, ctx(), utc(MON_0900))).toEqual({});
  });

  it('contacted stops contact customer and leaves the resolution clock running', () => {
    const all = run([
      [{ type: 'created' }, FRI_1700],
      [{ type: 'claimed' }, FRI_1730],
    ]);
    const changed = applyClockTrigger(all, { type: 'contacted' }, ctx(), utc(MON_0910));
    expect(Object.keys(changed)).toEqual(['contact_customer']);
    expect(clock(changed, 'contact_customer')).toMatchObject({ status: 'stopped', version: 2 });
    expect(clock(changed, 'contact_customer').stoppedAt).toEqual(utc(MON_0910));
  });

  it('contacting the customer before anyone claims also stops first response', () => {
    const created = applyClockTrigger({}, { type: 'created' }, ctx(), utc(FRI_1700));
    const changed = applyClockTrigger(created, { type: 'contacted' }, ctx(), utc(FRI_1730));
    expect(Object.keys(changed)).toEqual(['first_response']);
    expect(clock(changed, 'first_response').status).toBe('stopped');
  });

  it('a claim after contact_customer was stopped starts it again with a higher version', () => {
    const all = run([
      [{ type: 'created' }, FRI_1700],
      [{ type: 'claimed' }, FRI_1730],
      [{ type: 'contacted' }, MON_0910],
    ]);
    const changed = applyClockTrigger(all, { type: 'claimed' }, ctx(), utc(MON_1100));
    const contact = clock(changed, 'contact_customer');
    expect(contact.status).toBe('running');
    expect(contact.version).toBe(3);
    expect(contact.deadline).toEqual(utc('2027-01-11T04:00:00Z')); // 1 working hour: 11:00–12:00 +08
  });
});

describe('diagnosis plan', () => {
  it('marked complex starts a 4-working-hour clock once; diagnosed stops it', () => {
    const all = run([
      [{ type: 'created' }, FRI_1700],
      [{ type: 'claimed' }, FRI_1730],
    ]);
    const marked = applyClockTrigger(all, { type: 'marked_complex' }, ctx(), utc(MON_1100));
    const plan = clock(marked, 'diagnosis_plan');
    expect(plan).toMatchObject({ status: 'running', budgetMs: 4 * H, version: 1 });
    expect(plan.deadline).toEqual(utc('2027-01-11T08:00:00Z')); // 11–12, 13–16 → 16:00
    expect(plan.remindAt).toEqual(utc('2027-01-11T07:00:00Z')); // 3h → 15:00

    const withPlan = { ...all, ...marked };
    expect(applyClockTrigger(withPlan, { type: 'marked_complex' }, ctx(), utc('2027-01-11T06:00:00Z'))).toEqual({});

    const diagnosed = applyClockTrigger(withPlan, { type: 'diagnosed' }, ctx(), utc('2027-01-11T06:00:00Z'));
    expect(Object.keys(diagnosed)).toEqual(['diagnosis_plan']);
    expect(clock(diagnosed, 'diagnosis_plan')).toMatchObject({ status: 'stopped', version: 2 });
  });
});

describe('waiting on the customer', () => {
  it('pauses resolution; the reply resumes it with the deadline moved by the paused working time', () => {
    const all = run([
      [{ type: 'created' }, MON_0900],
      [{ type: 'claimed' }, MON_0910],
    ]);
    expect(clock(all, 'resolution').deadline).toEqual(utc('2027-01-13T10:00:00Z')); // Wed 18:00

    const paused = applyClockTrigger(all, { type: 'waiting_customer' }, ctx(), utc(MON_1100));
    expect(Object.keys(paused)).toEqual(['resolution']);
    expect(clock(paused, 'resolution')).toMatchObject({ status: 'paused', consumedMs: 2 * H, deadline: null, version: 2 });

    const merged = { ...all, ...paused };
    // Tue 10:00 +08: 7 working hours later (Mon 11–12, 13–18, Tue 09–10).
    const resumed = applyClockTrigger(merged, { type: 'customer_replied' }, ctx(), utc('2027-01-12T02:00:00Z'));
    const resolution = clock(resumed, 'resolution');
    expect(resolution).toMatchObject({ status: 'running', consumedMs: 2 * H, version: 3 });
    expect(resolution.deadline).toEqual(utc('2027-01-14T09:00:00Z')); // Thu 17:00 = Wed 18:00 + 7 working hours
  });

  it('on wall-clock time a 3-hour wait moves the deadline by 3 hours', () => {
    const c = ctx({ departmentCalendar: undefined });
    const all = run(
      [
        [{ type: 'created' }, '2027-01-11T00:00:00Z'],
        [{ type: 'waiting_customer' }, '2027-01-11T04:00:00Z'],
        [{ type: 'customer_replied' }, '2027-01-11T07:00:00Z'],
      ],
      c,
    );
    expect(clock(all, 'resolution').deadline).toEqual(utc('2027-01-12T03:00:00Z'));
  });

  it('waiting does not pause the first-response clock', () => {
    const created = applyClockTrigger({}, { type: 'created' }, ctx(), utc(MON_0900));
    const paused = applyClockTrigger(created, { type: 'waiting_customer' }, ctx(), utc(MON_0910));
    expect(paused.first_response).toBeUndefined();
  });

  it('contacting the customer resumes a paused resolution clock', () => {
    const all = run([
      [{ type: 'created' }, MON_0900],
      [{ type: 'waiting_customer' }, MON_0910],
    ]);
    const changed = applyClockTrigger(all, { type: 'contacted' }, ctx(), utc(MON_1100));
    expect(clock(changed, 'resolution').status).toBe('running');
  });
});

describe('critical work started', () => {
  it('stops critical start and first response, leaves resolution running', () => {
    const c = ctx({ severity: 'critical' });
    const created = applyClockTrigger({}, { type: 'created' }, c, utc(FRI_1700));
    const changed = applyClockTrigger(created, { type: 'work_started' }, c, utc(FRI_1730));
    expect(Object.keys(changed).sort()).toEqual(['critical_start', 'first_response']);
    expect(clock(changed, 'critical_start').status).toBe('stopped');
    expect(clock(changed, 'first_response').status).toBe('stopped');
  });
});

describe('resolved', () => {
  const RESOLVED = '2027-01-11T06:00:00Z'; // Monday 14:00 +08

  it('a fault: stops every running clock, starts result notice (24 h) and verification callback (3 days) on wall-clock time', () => {
    const all = run([
      [{ type: 'created' }, FRI_1700],
      [{ type: 'marked_complex' }, FRI_1730],
    ]);
    const changed = applyClockTrigger(all, { type: 'resolved', category: 'fault' }, ctx(), utc(RESOLVED));
    for (const k of ['first_response', 'resolution', 'diagnosis_plan'] as const) {
      expect(clock(changed, k).status).toBe('stopped');
      expect(clock(changed, k).stoppedAt).toEqual(utc(RESOLVED));
    }
    const notice = clock(changed, 'result_notice');
    expect(notice).toMatchObject({ status: 'running', calendarId: null, version: 1 });
    expect(notice.deadline).toEqual(utc('2027-01-12T06:00:00Z'));
    const callback = clock(changed, 'verification_callback');
    expect(callback).toMatchObject({ status: 'running', calendarId: null, version: 1 });
    expect(callback.deadline).toEqual(utc('2027-01-14T06:00:00Z'));
  });

  it.each(['inquiry', 'complaint', 'suggestion'] as const)('a %s gets no verification callback', (category) => {
    const all = run([[{ type: 'created' }, FRI_1700]]);
    const changed = applyClockTrigger(all, { type: 'resolved', category }, ctx(), utc(RESOLVED));
    expect(changed.verification_callback).toBeUndefined();
    expect(clock(changed, 'result_notice').status).toBe('running');
  });

  it('also stops a paused resolution clock and a running critical start', () => {
    const c = ctx({ severity: 'critical' });
    const all = run(
      [
        [{ type: 'created' }, FRI_1700],
        [{ type: 'waiting_customer' }, FRI_1730],
      ],
      c,
    );
    expect(clock(all, 'resolution').status).toBe('paused');
    const changed = applyClockTrigger(all, { type: 'resolved', category: 'fault' }, c, utc(RESOLVED));
    expect(clock(changed, 'resolution').status).toBe('stopped');
    expect(clock(changed, 'critical_start').status).toBe('stopped');
  });

  it('does not touch clocks that are already stopped', () => {
    const all = run([
      [{ type: 'created' }, FRI_1700],
      [{ type: 'claimed' }, FRI_1730],
      [{ type: 'contacted' }, MON_0910],
    ]);
    const changed = applyClockTrigger(all, { type: 'resolved', category: 'inquiry' }, ctx(), utc(RESOLVED));
    expect(changed.first_response).toBeUndefined();
    expect(changed.contact_customer).toBeUndefined();
  });

  it('result notice sent stops the result-notice clock only', () => {
    const all = run([
      [{ type: 'created' }, FRI_1700],
      [{ type: 'resolved', category: 'fault' }, RESOLVED],
    ]);
    const changed = applyClockTrigger(all, { type: 'result_notice_sent' }, ctx(), utc('2027-01-11T07:00:00Z'));
    expect(Object.keys(changed)).toEqual(['result_notice']);
    expect(clock(changed, 'result_notice').status).toBe('stopped');
  });
});

describe('reopened', () => {
  const RESOLVED = '2027-01-11T06:00:00Z'; // Monday 14:00 +08
  const REOPENED = '2027-01-12T01:00:00Z'; // Tuesday 09:00 +08

  const resolvedTicket = (): ClockSet =>
    run([
      [{ type: 'created' }, FRI_1700],
      [{ type: 'claimed' }, FRI_1730],
      [{ type: 'contacted' }, MON_0910],
      [{ type: 'resolved', category: 'fault' }, RESOLVED],
    ]);

  it('restarts resolution with a higher version and a fresh budget, and contact customer when owned', () => {
    const before = resolvedTicket();
    const changed = applyClockTrigger(before, { type: 'reopened', hasOwner: true }, ctx(), utc(REOPENED));
    const resolution = clock(changed, 'resolution');
    expect(resolution.status).toBe('running');
    expect(resolution.version).toBeGreaterThan(clock(before, 'resolution').version);
    expect(resolution.version).toBe(3);
    expect(resolution.consumedMs).toBe(0);
    expect(resolution.startedAt).toEqual(utc(REOPENED));
    expect(resolution.deadline).toEqual(utc('2027-01-14T10:00:00Z')); // Thu 18:00
    expect(clock(changed, 'contact_customer')).toMatchObject({ status: 'running', version: 3 });
    expect(changed.first_response).toBeUndefined();
    expect(clock(changed, 'result_notice').status).toBe('stopped');
    expect(clock(changed, 'verification_callback').status).toBe('stopped');
  });

  it('without an owner restarts first response instead', () => {
    const before = resolvedTicket();
    const changed = applyClockTrigger(before, { type: 'reopened', hasOwner: false }, ctx(), utc(REOPENED));
    const first = clock(changed, 'first_response');
    expect(first.status).toBe('running');
    expect(first.version).toBe(3);
    expect(first.deadline).toEqual(utc('2027-01-12T03:00:00Z')); // Tue 11:00
    expect(changed.contact_customer).toBeUndefined();
  });

  it('a critical ticket gets a new critical-start clock', () => {
    const c = ctx({ severity: 'critical' });
    const before = run(
      [
        [{ type: 'created' }, FRI_1700],
        [{ type: 'work_started' }, FRI_1730],
        [{ type: 'resolved', category: 'fault' }, RESOLVED],
      ],
      c,
    );
    const changed = applyClockTrigger(before, { type: 'reopened', hasOwner: true }, c, utc(REOPENED));
    const start = clock(changed, 'critical_start');
    expect(start.status).toBe('running');
    expect(start.version).toBe(3);
    expect(start.deadline).toEqual(utc('2027-01-12T03:00:00Z'));
  });
});

describe('closed', () => {
  it('stops every clock except the verification callback', () => {
    const all = run([
      [{ type: 'created' }, FRI_1700],
      [{ type: 'resolved', category: 'fault' }, MON_0900],
    ]);
    const changed = applyClockTrigger(all, { type: 'closed' }, ctx(), utc(MON_1100));
    expect(Object.keys(changed)).toEqual(['result_notice']);
    expect(clock(changed, 'result_notice').status).toBe('stopped');
    expect(changed.verification_callback).toBeUndefined();
  });
});

describe('reclassified', () => {
  it('normal → critical rebudgets live clocks on wall-clock time and starts critical start', () => {
    const all = run([[{ type: 'created' }, MON_0900]]);
    const c = ctx({ severity: 'critical' });
    const changed = applyClockTrigger(all, { type: 'reclassified' }, c, utc(MON_0910));
    const first = clock(changed, 'first_response');
    expect(first).toMatchObject({ budgetMs: 15 * M, calendarId: null, version: 2 });
    expect(first.deadline).toEqual(utc('2027-01-11T01:15:00Z')); // from the original start
    expect(clock(changed, 'resolution').deadline).toEqual(utc('2027-01-11T13:00:00Z'));
    const start = clock(changed, 'critical_start');
    expect(start.version).toBe(1);
    expect(start.deadline).toEqual(utc('2027-01-11T03:10:00Z'));
  });

  it('leaves stopped clocks alone', () => {
    const all = run([
      [{ type: 'created' }, MON_0900],
      [{ type: 'contacted' }, MON_0910],
    ]);
    const changed = applyClockTrigger(all, { type: 'reclassified' }, ctx({ severity: 'urgent' }), utc(MON_1100));
    expect(changed.first_response).toBeUndefined();
    expect(clock(changed, 'resolution').budgetMs).toBe(12 * H);
  });
});

describe('wallClockConfig', () => {
  it('departments have no calendar, so clocks count exact hours', () => {
    const dept = wall.departments.find((d) => d.id === 'technical');
    expect(dept).toBeDefined();
    const c: ClockContext = {
      severity: 'normal',
      tier: 'standard',
      departmentCalendar: dept?.calendar,
      policy: wall.sla,
      calendars: wall.calendars,
    };
    const changed = applyClockTrigger({}, { type: 'created' }, c, utc(FRI_1700));
    expect(clock(changed, 'first_response').deadline).toEqual(utc('2027-01-08T11:00:00Z'));
    expect(clock(changed, 'resolution').deadline).toEqual(utc('2027-01-09T09:00:00Z'));
  });
});
