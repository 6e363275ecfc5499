import { describe, expect, it } from 'vitest';
import { statsLines, worstClock } from '../../../src/app/stats-lines.js';
import { SLA_CLOCKS } from '../../../src/core/reports/facts.js';
import type { DurationStats, ReportSummary } from '../../../src/core/reports/summary.js';

const durations = (medianS: number | null, p90S: number | null, n: number): DurationStats => ({ n, medianS, p90S, meanS: medianS, businessMedianS: medianS, businessP90S: p90S });

function summary(over: Partial<ReportSummary> = {}): ReportSummary {
  const sla = Object.fromEntries(SLA_CLOCKS.map((k) => [k, { met: 0, breached: 0, compliancePct: null }])) as ReportSummary['sla'];
  return {
    period: { from: '2026-11-23T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z', tz: 'Asia/Shanghai' },
    filters: {},
    volume: { created: 12, resolved: 9, closed: 7, reopened: 1 },
    backlog: {
      open: 3,
      bySeverity: { normal: 2, urgent: 1, critical: 0 },
      byAge: { lt1d: 1, '1to3d': 2, '3to7d': 0, gt7d: 0 },
      atPeriodEnd: { open: 4, bySeverity: { normal: 3, urgent: 1, critical: 0 } },
    },
    firstResponse: durations(1500, 5400, 11),
    timeToClaim: durations(600, 1200, 11),
    timeToContact: durations(900, 1800, 10),
    resolution: durations(90_000, 200_000, 9),
    resolutionFirst: durations(80_000, 190_000, 9),
    sla,
    within24hPct: 44.4,
    fcrPct: 66.7,
    reopenRatePct: 11.1,
    csat: { n: 6, mean: 4.17, satisfiedPct: 83.3, responseRatePct: 66.7 },
    nps: { n: 6, score: 33.3, promoters: 3, passives: 2, detractors: 1 },
    complaintRatePct: 8.3,
    escalations: { n: 2, byTrigger: { complaint: 1, sla_breach: 1 }, ackMedianS: 600 },
    verification: { n: 0, stillFixedPct: null },
    ...over,
  };
}

describe('statsLines', () => {
  it('names the clock missed most: lowest compliance, ties by breaches', () => {
    const s = summary();
    s.sla.first_response = { met: 9, breached: 1, compliancePct: 90 };
    s.sla.resolution = { met: 6, breached: 3, compliancePct: 66.7 };
    s.sla.contact_customer = { met: 2, breached: 1, compliancePct: 66.7 };
    expect(worstClock(s)).toEqual({ clock: 'resolution', compliancePct: 66.7, breached: 3 });
    expect(worstClock(summary())).toBeUndefined();
  });

  it('gives the headline figures in English, times in the reader zone', () => {
    const s = summary();
    s.sla.resolution = { met: 6, breached: 3, compliancePct: 66.7 };
    const lines = statsLines(s, 'en', 'Asia/Shanghai', 'Technical support');
    expect(lines[0]).toContain('23 Nov 2026');
    expect(lines[0]).toContain('08:00');
    expect(lines).toContain('Department: Technical support');
    expect(lines).toContain('Tickets: 12 new · 9 resolved · 3 open now');
    expect(lines).toContain('First-contact resolution 66.7% · reopen rate 11.1% · resolved within 24 h 44.4%');
    expect(lines).toContain('CSAT 4.17 (6 answers, 83.3% satisfied) · NPS 33.3');
    expect(lines.at(-1)).toBe('Clock missed most: Resolution, 66.7% met (3 breached)');
  });

  it('speaks Chinese and shows a dash where there is nothing to divide by', () => {
    const lines = statsLines(summary({ fcrPct: null, csat: { n: 0, mean: null, satisfiedPct: null, responseRatePct: null } }), 'zh-CN', 'Asia/Shanghai');
    expect(lines).toContain('工单：新建 12 · 已解决 9 · 当前未结 3');
    expect(lines.find((l) => l.startsWith('一次解决率'))).toContain('一次解决率 — ·');
    expect(lines.find((l) => l.startsWith('满意度'))).toContain('满意度 —（0 份回复');
    expect(lines.at(-1)).toBe('本期没有结束的 SLA 时钟。');
  });
});
