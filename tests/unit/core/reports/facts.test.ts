import { describe, expect, it } from 'vitest';
import { foldFacts, type FactsContext, type FactsEvent, type FactsTicket, type TicketFacts } from '../../../../src/core/reports/facts.js';
import type { Calendar, WeeklyHours } from '../../../../src/core/types.js';

const nineToSix = [{ start: 9 * 60, end: 18 * 60 }];
const weekdays: WeeklyHours = { 1: nineToSix, 2: nineToSix, 3: nineToSix, 4: nineToSix, 5: nineToSix, 6: [], 7: [] };
const berlin: Calendar = { id: 'berlin', timeZone: 'Europe/Berlin', weekly: weekdays, holidays: [] };
const ctx: FactsContext = { calendarOf: (d) => (d === 'technical' ? berlin : undefined) };
const H = 3600;

function ticket(over: Partial<FactsTicket> = {}): FactsTicket {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    number: 'AC-000001',
    source: 'telegram',
    category: 'fault',
    severity: 'normal',
    tier: 'standard',
    primaryDepartmentId: 'technical',
    departments: ['technical'],
    ownerId: null,
    status: 'new',
    createdAt: new Date('2026-11-02T08:00:00Z'),
    ...over,
  };
}

const staff = { kind: 'staff' };
const customer = { kind: 'customer' };
const system = { kind: 'system' };
const ev = (iso: string, type: string, data: Record<string, unknown> = {}, actor = staff): FactsEvent => ({ type, actor, data, at: new Date(iso) });
const status = (iso: string, from: string, to: string) => ev(iso, 'ticket.status_changed', { from, to });

/** Folds the events one change at a time, as a store does, so incremental folding is exercised too. */
function fold(changes: FactsEvent[][], t: FactsTicket = ticket()): TicketFacts {
  let f: TicketFacts | undefined;
  for (const events of changes) f = foldFacts(f, t, events, ctx);
  return f!;
}

describe('foldFacts', () => {
  // Monday 2 Nov 2026, 09:00 Berlin (CET, UTC+1) = 08:00Z.
  it('measures claim, first response and contact in calendar and business seconds', () => {
    const f = fold([
      [ev('2026-11-02T08:00:00Z', 'ticket.created', {}, { kind: 'api' })],
      [ev('2026-11-02T09:00:00Z', 'ticket.claimed', { owner: 'ana' }), status('2026-11-02T09:00:00Z', 'new', 'assigned')],
      // The bot's acknowledgement and automatic messages are not events of a staff actor.
      [ev('2026-11-02T09:30:00Z', 'ticket.progress', {}, system)],
      [ev('2026-11-02T10:30:00Z', 'ticket.replied', { text: 'hi' }), status('2026-11-02T10:30:00Z', 'assigned', 'in_progress')],
      [ev('2026-11-02T11:00:00Z', 'ticket.replied', { text: 'again' })],
    ]);
    expect(f.firstClaimedAt?.toISOString()).toBe('2026-11-02T09:00:00.000Z');
    expect([f.timeToClaimS, f.timeToClaimBs]).toEqual([H, H]);
    expect([f.firstResponseS, f.firstResponseBs]).toEqual([2.5 * H, 2.5 * H]);
    expect([f.timeToContactS, f.timeToContactBs]).toEqual([1.5 * H, 1.5 * H]);
    expect(f.fcr).toBeNull();
    expect(f.channel).toBe('telegram');
  });

  it('counts business time across a weekend and a DST change', () => {
    // Friday 23 Oct 2026 17:00 CEST (15:00Z); Berlin leaves summer time on Sunday 25 Oct.
    const t = ticket({ createdAt: new Date('2026-10-23T15:00:00Z') });
    const f = fold(
      [
        [ev('2026-10-23T15:00:00Z', 'ticket.created', {}, customer)],
        // Monday 26 Oct 10:00 CET = 09:00Z.
        [ev('2026-10-26T09:00:00Z', 'ticket.replied', { text: 'x' }), status('2026-10-26T09:00:00Z', 'new', 'in_progress')],
        [status('2026-10-26T10:00:00Z', 'in_progress', 'resolved'), ev('2026-10-26T10:00:00Z', 'ticket.resolved')],
      ],
      t,
    );
    // Friday 17:00 → Monday 10:00 is 65 h on the wall clock but 66 real hours (the clocks went
    // back); Friday 17–18 and Monday 9–10 are working hours.
    expect([f.firstResponseS, f.firstResponseBs]).toEqual([66 * H, 2 * H]);
    expect([f.resolutionFirstS, f.resolutionFirstBs]).toEqual([67 * H, 3 * H]);
  });

  it('uses calendar time for both figures of a critical ticket', () => {
    const t = ticket({ severity: 'critical', createdAt: new Date('2026-10-23T15:00:00Z') });
    const f = fold([[ev('2026-10-23T15:00:00Z', 'ticket.created', {}, customer)], [ev('2026-10-26T09:00:00Z', 'ticket.replied')]], t);
    expect(f.firstResponseBs).toBe(f.firstResponseS);
  });

  it('keeps paused time and the resolution net of pauses', () => {
    const f = fold([
      [ev('2026-11-02T08:00:00Z', 'ticket.created', {}, customer)],
      [ev('2026-11-02T08:30:00Z', 'ticket.replied'), status('2026-11-02T08:30:00Z', 'new', 'in_progress'), status('2026-11-02T08:30:00Z', 'in_progress', 'waiting_customer')],
      // The customer answers next morning: 09:00 → 09:00 is 24 h calendar, 9 h business (Mon 9:30–18:00 + Tue 9:00–9:30 = 8.5 + 0.5).
      [ev('2026-11-03T08:30:00Z', 'customer.message', {}, customer), status('2026-11-03T08:30:00Z', 'waiting_customer', 'in_progress')],
      [status('2026-11-03T09:00:00Z', 'in_progress', 'resolved'), ev('2026-11-03T09:00:00Z', 'ticket.resolved')],
    ]);
    expect([f.pausedS, f.pausedBs]).toEqual([24 * H, 9 * H]);
    expect([f.resolutionLastS, f.resolutionLastBs]).toEqual([25 * H, 10 * H]);
    expect([f.resolutionNetS, f.resolutionNetBs]).toEqual([H, H]);
    // The customer wrote between the first response and the resolve: not first-contact.
    expect(f.fcr).toBe(false);
  });

  it('keeps first and last resolve across a reopen and counts the reopen', () => {
    const f = fold([
      [ev('2026-11-02T08:00:00Z', 'ticket.created', {}, customer)],
      [ev('2026-11-02T09:00:00Z', 'ticket.replied'), status('2026-11-02T09:00:00Z', 'new', 'in_progress')],
      [status('2026-11-02T10:00:00Z', 'in_progress', 'resolved'), ev('2026-11-02T10:00:00Z', 'ticket.resolved')],
      [status('2026-11-02T12:00:00Z', 'resolved', 'reopened'), ev('2026-11-02T12:00:00Z', 'ticket.reopened', { by: 'customer' }, customer)],
      [ev('2026-11-02T13:00:00Z', 'ticket.replied'), status('2026-11-02T13:00:00Z', 'reopened', 'in_progress')],
      [status('2026-11-02T14:00:00Z', 'in_progress', 'resolved'), ev('2026-11-02T14:00:00Z', 'ticket.resolved')],
      [status('2026-11-02T15:00:00Z', 'resolved', 'closed'), ev('2026-11-02T15:00:00Z', 'ticket.closed')],
    ]);
    expect(f.resolutionFirstS).toBe(2 * H);
    expect(f.resolutionLastS).toBe(6 * H);
    // FRT is measured once: the reply after the reopen does not move it.
    expect(f.firstResponseS).toBe(H);
    expect(f.reopenCount).toBe(1);
    expect(f.firstReopenedAt?.toISOString()).toBe('2026-11-02T12:00:00.000Z');
    expect(f.closedAt?.toISOString()).toBe('2026-11-02T15:00:00.000Z');
    expect(f.fcr).toBe(false);
  });

  it('is first-contact resolution when resolved without a reopen or a customer message after the response', () => {
    const f = fold([
      [ev('2026-11-02T08:00:00Z', 'ticket.created', {}, customer), ev('2026-11-02T08:00:00Z', 'customer.message', {}, customer)],
      [ev('2026-11-02T09:00:00Z', 'ticket.replied'), status('2026-11-02T09:00:00Z', 'new', 'in_progress')],
      [status('2026-11-02T10:00:00Z', 'in_progress', 'resolved'), ev('2026-11-02T10:00:00Z', 'ticket.resolved')],
      // After the resolve, a message no longer matters.
      [ev('2026-11-02T11:00:00Z', 'customer.message', {}, customer)],
    ]);
    expect(f.fcr).toBe(true);
  });

  it('records a breach that a later run meets as breached, and a met clock with its stop time', () => {
    const f = fold([
      [ev('2026-11-02T08:00:00Z', 'sla.clock_started', { clock: 'resolution' }, system), ev('2026-11-02T08:00:00Z', 'sla.clock_started', { clock: 'first_response' }, system)],
      [ev('2026-11-02T09:00:00Z', 'sla.clock_stopped', { clock: 'first_response' }, system)],
      [ev('2026-11-02T12:00:00Z', 'sla.breached', { clock: 'resolution' }, system)],
      [ev('2026-11-02T13:00:00Z', 'sla.clock_stopped', { clock: 'resolution' }, system), ev('2026-11-02T13:00:00Z', 'sla.clock_started', { clock: 'result_notice' }, system)],
      [ev('2026-11-02T14:00:00Z', 'sla.clock_started', { clock: 'resolution' }, system)],
      [ev('2026-11-02T15:00:00Z', 'sla.clock_stopped', { clock: 'resolution' }, system)],
    ]);
    expect([f.slaFirstResponse, f.slaFirstResponseAt?.toISOString()]).toEqual(['met', '2026-11-02T09:00:00.000Z']);
    expect([f.slaResolution, f.slaResolutionAt?.toISOString()]).toEqual(['breached', '2026-11-02T12:00:00.000Z']);
    expect([f.slaResultNotice, f.slaResultNoticeAt]).toEqual(['running', null]);
    expect(f.slaDiagnosisPlan).toBe('n/a');
  });

  it('leaves CSAT and NPS empty for an unanswered survey, and records answers given step by step', () => {
    const resolved = [
      [ev('2026-11-02T08:00:00Z', 'ticket.created', {}, customer)],
      [status('2026-11-02T10:00:00Z', 'new', 'resolved'), ev('2026-11-02T10:00:00Z', 'ticket.resolved')],
    ];
    const unanswered = fold(resolved);
    expect([unanswered.surveySent, unanswered.csat, unanswered.nps]).toEqual([true, null, null]);
    const answered = fold([
      ...resolved,
      [ev('2026-11-02T11:00:00Z', 'survey.answered', { csat: 4, nps: null }, customer)],
      [ev('2026-11-02T11:01:00Z', 'survey.answered', { csat: null, nps: 9 }, customer)],
    ]);
    expect([answered.csat, answered.nps]).toEqual([4, 9]);
  });

  it('records the verification callback outcome', () => {
    const sent = fold([[ev('2026-11-05T08:00:00Z', 'followup.verification_sent', {}, system)]]);
    expect(sent.verification).toBe('no_answer');
    const again = fold([[ev('2026-11-05T08:00:00Z', 'followup.verification_sent', {}, system)], [ev('2026-11-05T09:00:00Z', 'followup.verification_answered', { stillFixed: false }, customer)]]);
    expect(again.verification).toBe('problem_again');
  });

  it('records escalations: trigger, highest level and time to acknowledge', () => {
    const f = fold([
      [ev('2026-11-02T08:00:00Z', 'ticket.escalated', { escalationId: 'e1', level: 1, trigger: 'critical' }, system)],
      [ev('2026-11-02T08:30:00Z', 'escalation.level_up', { escalationId: 'e1', level: 2 }, system)],
      [ev('2026-11-02T08:45:00Z', 'escalation.acknowledged', { escalationId: 'e1', level: 2 })],
      [ev('2026-11-02T10:00:00Z', 'ticket.escalated', { escalationId: 'e2', level: 1, trigger: 'reopened' }, system)],
    ]);
    expect(f.escalationCount).toBe(2);
    expect(f.escalationTrigger).toBe('critical');
    expect(f.escalationLevel).toBe(2);
    expect(f.escalationAckS).toBe(45 * 60);
    expect(f.escalations.map((e) => [e.trigger, e.level, e.ackS])).toEqual([
      ['critical', 2, 2700],
      ['reopened', 1, null],
    ]);
  });

  it('does not change the facts it continues from', () => {
    const first = fold([[ev('2026-11-02T08:00:00Z', 'ticket.escalated', { escalationId: 'e1', level: 1, trigger: 'manual' }, system)]]);
    const snapshot = structuredClone(first);
    foldFacts(first, ticket(), [ev('2026-11-02T09:00:00Z', 'escalation.acknowledged', { escalationId: 'e1' })], ctx);
    expect(first).toEqual(snapshot);
  });
});
