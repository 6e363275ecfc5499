import { describe, expect, it } from 'vitest';
import type { TicketState } from '../../../src/app/ports.js';
import { lifecycleTimerId, parseTimerId, slaTimerId, supersededTimers, timersFor, timerVersions } from '../../../src/app/timers.js';
import type { LifecycleTimer } from '../../../src/core/lifecycle-timers.js';
import type { SlaClock } from '../../../src/core/sla/clocks.js';

const T = '11111111-1111-1111-1111-111111111111';
const E1 = '2f1d6c1e-9b0a-4c55-8e21-5a3b7c9d0e1f';
const E2 = '3a2b1c0d-1e2f-4a5b-8c7d-9e0f1a2b3c4d';
const at = (iso: string) => new Date(iso);

function clock(over: Partial<SlaClock>): SlaClock {
  return {
    kind: 'first_response',
    status: 'running',
    budgetMs: 7_200_000,
    consumedMs: 0,
    startedAt: at('2026-11-23T00:00:00Z'),
    segmentStartedAt: at('2026-11-23T00:00:00Z'),
    deadline: at('2026-11-23T02:00:00Z'),
    remindAt: at('2026-11-23T01:30:00Z'),
    calendarId: null,
    stoppedAt: null,
    remindedAt: null,
    breachedAt: null,
    version: 3,
    ...over,
  };
}

function state(clocks: SlaClock[], escalations: TicketState['escalations'] = []): TicketState {
  return {
    ticket: { id: T } as TicketState['ticket'],
    customer: {} as TicketState['customer'],
    departments: [],
    clocks: Object.fromEntries(clocks.map((c) => [c.kind, c])),
    tasks: [],
    escalations,
  };
}

describe('timersFor', () => {
  it('schedules the reminder first, with a deterministic id carrying the version', () => {
    const [t] = timersFor(state([clock({})]));
    expect(t).toEqual({
      id: slaTimerId(T, 'first_response', 'remind', 3),
      at: at('2026-11-23T01:30:00Z'),
      data: { type: 'sla', ticketId: T, clock: 'first_response', kind: 'remind', version: 3 },
    });
    expect(t!.id).not.toContain(':');
    expect(t!.id.length).toBeLessThanOrEqual(36);
    expect(parseTimerId(t!.id)).toEqual(t!.data);
  });

  it('schedules the breach once the reminder went out, nothing once breached, nothing for stopped or paused clocks', () => {
    expect(timersFor(state([clock({ remindedAt: at('2026-11-23T01:30:00Z') })])).map((t) => t.data)).toEqual([
      { type: 'sla', ticketId: T, clock: 'first_response', kind: 'breach', version: 3 },
    ]);
    expect(timersFor(state([clock({ remindedAt: at('2026-11-23T01:30:00Z'), breachedAt: at('2026-11-23T02:00:00Z') })]))).toEqual([]);
    expect(timersFor(state([clock({ status: 'stopped', deadline: null })]))).toEqual([]);
    expect(timersFor(state([clock({ kind: 'resolution', status: 'paused', deadline: null, remindAt: null })]))).toEqual([]);
  });

  it('schedules the next step of an open escalation only', () => {
    const base = {
      ticketId: T,
      departmentId: 'technical',
      trigger: 'critical',
      reason: '',
      notified: [],
      acknowledgedBy: null,
      acknowledgedAt: null,
      createdAt: at('2026-11-23T00:00:00Z'),
      updatedAt: at('2026-11-23T00:00:00Z'),
    };
    const timers = timersFor(
      state(
        [],
        [
          { ...base, id: E1, level: 2, status: 'open', nextStepAt: at('2026-11-23T00:30:00Z') },
          { ...base, id: E2, level: 1, status: 'acknowledged', nextStepAt: null },
        ],
      ),
    );
    expect(timers.map((t) => t.data)).toEqual([{ type: 'escalation', ticketId: T, escalationId: E1, level: 2 }]);
    expect(parseTimerId(timers[0]!.id)).toEqual(timers[0]!.data);
  });
});

describe('supersededTimers', () => {
  it('names both jobs of each clock version that changed', () => {
    const before = new Map([['first_response', 2], ['resolution', 1]]);
    const ids = supersededTimers(T, before, state([clock({ version: 3 }), clock({ kind: 'resolution', version: 1 })]));
    expect(ids.map(parseTimerId)).toEqual([
      { type: 'sla', ticketId: T, clock: 'first_response', kind: 'remind', version: 2 },
      { type: 'sla', ticketId: T, clock: 'first_response', kind: 'breach', version: 2 },
    ]);
  });

  it('names the pending step of an escalation that is no longer open, and keeps open ladders', () => {
    const base = {
      ticketId: T,
      departmentId: 'technical',
      trigger: 'critical',
      reason: '',
      notified: ['erin'],
      acknowledgedBy: null,
      acknowledgedAt: null,
      createdAt: at('2026-11-23T00:00:00Z'),
      updatedAt: at('2026-11-23T00:00:00Z'),
    };
    const ids = supersededTimers(T, new Map(), state([], [
      { ...base, id: E1, level: 2, status: 'acknowledged', nextStepAt: null },
      { ...base, id: E2, level: 1, status: 'open', nextStepAt: at('2026-11-23T00:15:00Z') },
    ]));
    expect(ids.map(parseTimerId)).toEqual([{ type: 'escalation', ticketId: T, escalationId: E1, level: 2 }]);
  });

  it('rejects ids that are not timer ids', () => {
    expect(parseTimerId('s.short.fr.r.1')).toBeUndefined();
    expect(parseTimerId('x.AAAAAAAAAAAAAAAAAAAAAA.fr.r.1')).toBeUndefined();
  });
});

describe('lifecycle timers', () => {
  const timer = (over: Partial<LifecycleTimer> & Pick<LifecycleTimer, 'kind'>): LifecycleTimer => ({
    status: 'running',
    startedAt: at('2026-11-23T00:00:00Z'),
    deadline: at('2026-11-30T00:00:00Z'),
    firedAt: null,
    stoppedAt: null,
    version: 2,
    ...over,
  });

  it('schedules each running, unfired lifecycle timer at its deadline with an id that parses back', () => {
    const s = { ...state([]), lifecycle: { auto_close: timer({ kind: 'auto_close' }), waiting_reminder: timer({ kind: 'waiting_reminder', firedAt: at('2026-11-24T00:00:00Z') }) } };
    const timers = timersFor(s);
    expect(timers).toHaveLength(1);
    expect(timers[0]!.at).toEqual(at('2026-11-30T00:00:00Z'));
    expect(timers[0]!.id).toBe(lifecycleTimerId(T, 'auto_close', 2));
    expect(timers[0]!.id).not.toContain(':');
    expect(parseTimerId(timers[0]!.id)).toEqual({ type: 'lifecycle', ticketId: T, timer: 'auto_close', version: 2 });
    expect(timersFor({ ...state([]), lifecycle: { auto_close: timer({ kind: 'auto_close', status: 'stopped', deadline: null }) } })).toEqual([]);
  });

  it('cancels the job of a lifecycle timer version that changed', () => {
    const s = { ...state([]), lifecycle: { waiting_close: timer({ kind: 'waiting_close', status: 'stopped', version: 3 }) } };
    const before = timerVersions({ ...state([]), lifecycle: { waiting_close: timer({ kind: 'waiting_close', version: 2 }) } });
    expect(supersededTimers(T, before, s).map(parseTimerId)).toEqual([{ type: 'lifecycle', ticketId: T, timer: 'waiting_close', version: 2 }]);
  });
});
