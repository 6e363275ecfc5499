import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { REPORT_CHANNELS, REPORT_DIMENSIONS, REPORT_INTERVALS } from '../core/reports/summary.js';
import { CATEGORIES, SEVERITIES, TIERS } from '../core/types.js';
import { METRIC_NAMES } from '../db/report-timeseries.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** Longest period a report covers (about three years), so one request cannot scan forever. */
const MAX_PERIOD_DAYS = 1100;

const moment = z
  .string()
  .trim()
  .refine((s) => DATE_ONLY.test(s) || z.iso.datetime({ offset: true }).safeParse(s).success, {
    message: 'must be an ISO date (2026-11-30) or date-time with offset (2026-11-30T09:00:00+08:00)',
  })
  .describe('ISO date (local midnight in tz) or date-time with offset');

const id = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** The period and filters every report route takes. */
export const reportFilterShape = {
  from: moment.optional(),
  to: moment.optional().describe('exclusive; a date means the end of that day in tz'),
  tz: z
    .string()
    .trim()
    .refine((s) => IANAZone.isValidZone(s), { message: 'must be an IANA time zone such as UTC or Asia/Shanghai' })
    .optional()
    .describe('IANA time zone (default UTC)'),
  department: id.optional().describe('owning department id'),
  owner: id.optional().describe('staff id of the owner'),
  category: z.enum(CATEGORIES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  channel: z.enum(REPORT_CHANNELS).optional(),
  tier: z.enum(TIERS).optional(),
};

export const reportQuery = z.object(reportFilterShape).strict();

export const timeseriesQuery = z
  .object({
    ...reportFilterShape,
    metric: z.enum(METRIC_NAMES).describe('what to plot'),
    interval: z.enum(REPORT_INTERVALS).default('day'),
    by: z.enum(REPORT_DIMENSIONS).optional().describe('one series per value of this dimension'),
  })
  .strict();

/** Most metrics one GET /api/reports/trends asks for. */
export const MAX_TREND_METRICS = 12;

/** `metrics=a,b,c`: known metric names, each once, at least one and at most {@link MAX_TREND_METRICS}. */
const metricList = z
  .string()
  .describe(`comma-separated metric names, each once, at most ${MAX_TREND_METRICS}: ${METRIC_NAMES.join(', ')}`)
  .transform((s, ctx) => {
    const fail = (message: string) => {
      ctx.issues.push({ code: 'custom', message, input: s });
      return z.NEVER;
    };
    const names = s.split(',').map((m) => m.trim());
    if (names.every((m) => m === '')) return fail('must name at least one metric');
    const unknown = names.findIndex((m) => !(METRIC_NAMES as readonly string[]).includes(m));
    if (unknown >= 0) return fail(`item ${unknown + 1} is not a metric; the metrics are ${METRIC_NAMES.join(', ')}`);
    const repeated = names.findIndex((m, i) => names.indexOf(m) !== i);
    if (repeated >= 0) return fail(`must name each metric once (${names[repeated]} is repeated)`);
    if (names.length > MAX_TREND_METRICS) return fail(`must name at most ${MAX_TREND_METRICS} metrics`);
    return names;
  });

export const trendsQuery = z
  .object({
    ...reportFilterShape,
    metrics: metricList,
    interval: z.enum(REPORT_INTERVALS).default('day'),
    by: z.enum(REPORT_DIMENSIONS).optional().describe('one series per value of this dimension'),
  })
  .strict();

export type ReportQueryInput = z.output<typeof reportQuery>;

/** A date is local midnight in `tz`; for `to` it is the end of that day (the next midnight). */
function instant(v: string, tz: string, end: boolean): Date {
  if (!DATE_ONLY.test(v)) return new Date(v);
  const day = DateTime.fromISO(v, { zone: tz }).startOf('day');
  return (end ? day.plus({ days: 1 }) : day).toJSDate();
}

export type PeriodCheck = { ok: true; from: Date | undefined; to: Date | undefined } | { ok: false; path: string; message: string };

/** The period's instants, checked together: `from` before `to`, not longer than the maximum. */
export function periodOf(q: { from?: string | undefined; to?: string | undefined; tz?: string | undefined }, now: Date, defaultDays: number): PeriodCheck {
  const tz = q.tz ?? 'UTC';
  const from = q.from === undefined ? undefined : instant(q.from, tz, false);
  const to = q.to === undefined ? undefined : instant(q.to, tz, true);
  if ([from, to].some((d) => d !== undefined && Number.isNaN(d.getTime()))) return { ok: false, path: 'query.from', message: 'must be a real date' };
  const end = to ?? now;
  const start = from ?? new Date(end.getTime() - defaultDays * 86_400_000);
  if (start.getTime() >= end.getTime()) return { ok: false, path: 'query.to', message: 'must be after query.from' };
  if (end.getTime() - start.getTime() > MAX_PERIOD_DAYS * 86_400_000) return { ok: false, path: 'query.from', message: `the period must be at most ${MAX_PERIOD_DAYS} days` };
  return { ok: true, from: start, to: end };
}
