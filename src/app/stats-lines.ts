import { SLA_CLOCKS, type SlaClockKind } from '../core/reports/facts.js';
import type { ReportSummary } from '../core/reports/summary.js';
import { formatDateTime, formatSpan, translator } from '../i18n/index.js';

/**
 * The clock missed most in the period: the lowest compliance among clocks that ended, ties
 * broken by the number of breaches; undefined when no clock ended.
 */
export function worstClock(summary: ReportSummary): { clock: SlaClockKind; compliancePct: number; breached: number } | undefined {
  let worst: { clock: SlaClockKind; compliancePct: number; breached: number } | undefined;
  for (const clock of SLA_CLOCKS) {
    const c = summary.sla[clock];
    if (c.compliancePct === null) continue;
    if (!worst || c.compliancePct < worst.compliancePct || (c.compliancePct === worst.compliancePct && c.breached > worst.breached)) {
      worst = { clock, compliancePct: c.compliancePct, breached: c.breached };
    }
  }
  return worst;
}

/**
 * The `/aftercare stats` text: headline figures and the clock missed most, in `language`
 * (en or zh-CN), times in `timeZone`. Pure: the chat adapters post the lines as they are.
 */
export function statsLines(summary: ReportSummary, language: string, timeZone: string, departmentName?: string): string[] {
  const t = translator(language);
  const none = t('stats.none');
  const percent = (v: number | null) => (v === null ? none : `${v.toFixed(1)}%`);
  const span = (s: number | null) => (s === null ? none : formatSpan(s * 1000, language));
  const lines = [
    t('stats.title', {
      from: formatDateTime(summary.period.from, language, timeZone),
      to: formatDateTime(summary.period.to, language, timeZone),
    }),
  ];
  if (departmentName) lines.push(t('stats.scope', { department: departmentName }));
  lines.push(
    t('stats.volume', { created: summary.volume.created, resolved: summary.volume.resolved, open: summary.backlog.open }),
    t('stats.firstResponse', { median: span(summary.firstResponse.medianS), p90: span(summary.firstResponse.p90S), n: summary.firstResponse.n }),
    t('stats.resolution', { median: span(summary.resolution.medianS), p90: span(summary.resolution.p90S), n: summary.resolution.n }),
    t('stats.rates', { fcr: percent(summary.fcrPct), reopen: percent(summary.reopenRatePct), within24h: percent(summary.within24hPct) }),
    t('stats.satisfaction', {
      csat: summary.csat.mean === null ? none : summary.csat.mean.toFixed(2),
      n: summary.csat.n,
      satisfied: percent(summary.csat.satisfiedPct),
      nps: summary.nps.score === null ? none : summary.nps.score.toFixed(1),
    }),
  );
  const worst = worstClock(summary);
  lines.push(
    worst
      ? t('stats.worstClock', { clock: t(`desk.clock.${worst.clock}`), pct: percent(worst.compliancePct), breached: worst.breached })
      : t('stats.noClock'),
  );
  return lines;
}
