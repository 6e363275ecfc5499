import { z } from 'zod';
import { SLA_CLOCKS } from '../core/reports/facts.js';
import { BACKLOG_AGES, REPORT_INTERVALS } from '../core/reports/summary.js';
import { SEVERITIES } from '../core/types.js';
import { CSV_HEADER } from '../db/report-csv.js';
import { reportQuery, timeseriesQuery, trendsQuery } from './report-schemas.js';

/** Response shapes of GET /api/reports/* (documentation; the SQL layer builds them). */
const pct = z.number().min(0).max(100).nullable().describe('0–100 with one decimal; null when there is no denominator');
const seconds = z.number().nullable();
const durations = z.object({ n: z.int(), medianS: seconds, p90S: seconds, meanS: seconds, businessMedianS: seconds, businessP90S: seconds });
const period = z.object({ from: z.iso.datetime(), to: z.iso.datetime(), tz: z.string() });
const filters = z.record(z.string(), z.string()).describe('the filters applied');

export const reportSummaryResponse = z.object({
  period,
  filters,
  volume: z.object({ created: z.int(), resolved: z.int(), closed: z.int(), reopened: z.int() }),
  backlog: z.object({
    open: z.int(),
    bySeverity: z.object(Object.fromEntries(SEVERITIES.map((s) => [s, z.int()]))),
    byAge: z.object(Object.fromEntries(BACKLOG_AGES.map((a) => [a, z.int()]))),
    atPeriodEnd: z
      .object({ open: z.int(), bySeverity: z.object(Object.fromEntries(SEVERITIES.map((s) => [s, z.int()]))) })
      .describe('open at `to`: created before it and not resolved or closed then'),
  }),
  firstResponse: durations,
  timeToClaim: durations,
  timeToContact: durations,
  resolution: durations.describe('created → final resolve'),
  resolutionFirst: durations.describe('created → first resolve'),
  sla: z.object(Object.fromEntries(SLA_CLOCKS.map((k) => [k, z.object({ met: z.int(), breached: z.int(), compliancePct: pct })]))),
  within24hPct: pct,
  fcrPct: pct,
  reopenRatePct: pct,
  csat: z.object({ n: z.int(), mean: z.number().nullable(), satisfiedPct: pct, responseRatePct: pct }),
  nps: z.object({ n: z.int(), score: z.number().min(-100).max(100).nullable(), promoters: z.int(), passives: z.int(), detractors: z.int() }),
  complaintRatePct: pct,
  escalations: z.object({ n: z.int(), byTrigger: z.record(z.string(), z.int()), ackMedianS: seconds }),
  verification: z.object({ n: z.int(), stillFixedPct: pct }),
});

export const timeseriesResponse = z.object({
  metric: z.string(),
  interval: z.enum(REPORT_INTERVALS),
  series: z.array(z.object({ key: z.string(), points: z.array(z.object({ t: z.string().describe('bucket start, ISO 8601 with the offset of tz'), value: z.number().nullable(), n: z.int() })) })),
});

export const trendsResponse = z.object({
  interval: z.enum(REPORT_INTERVALS),
  trends: z.array(timeseriesResponse).describe('one per metric asked, in that order: what GET /api/reports/timeseries answers for it'),
});

export const agentsResponse = z.object({
  period,
  filters,
  agents: z.array(
    z.object({
      staffId: z.string(),
      claimed: z.int(),
      resolved: z.int(),
      frtMedianS: seconds,
      ttrMedianS: seconds,
      csatMean: z.number().nullable(),
      reopenRatePct: pct,
    }),
  ),
});

export const departmentsResponse = z.object({
  period,
  filters,
  departments: z.array(
    z.object({
      departmentId: z.string(),
      created: z.int(),
      resolved: z.int(),
      open: z.int().describe('open now'),
      frtMedianS: seconds,
      ttrMedianS: seconds,
      csatMean: z.number().nullable(),
      reopenRatePct: pct,
    }),
  ),
});

type Json = (schema: z.ZodType, io?: 'input' | 'output') => unknown;
type Body = (description: string, schema: string) => unknown;

/** The components and paths of the reports API, merged into the OpenAPI document. */
export function reportOpenApi(json: Json, body: Body, errors: Record<string, unknown>): { schemas: Record<string, unknown>; paths: Record<string, unknown> } {
  const params = (schema: z.ZodType) =>
    Object.entries((json(schema) as { properties: Record<string, unknown> }).properties).map(([name, s]) => ({ name, in: 'query', required: false, schema: s }));
  const get = (summary: string, query: z.ZodType, ok: unknown) => ({ get: { summary, parameters: params(query), responses: { '200': ok, ...errors } } });
  return {
    schemas: {
      ReportSummary: json(reportSummaryResponse, 'output'),
      ReportTimeseries: json(timeseriesResponse, 'output'),
      ReportTrends: json(trendsResponse, 'output'),
      ReportAgents: json(agentsResponse, 'output'),
      ReportDepartments: json(departmentsResponse, 'output'),
    },
    paths: {
      '/api/reports/summary': get('Service figures over a period and filters (SPEC §8); defaults: last 30 days, UTC', reportQuery, body('The figures', 'ReportSummary')),
      '/api/reports/timeseries': get('One figure over time, by day, week or month in tz, optionally one series per department, owner, category, severity or channel', timeseriesQuery, body('The series', 'ReportTimeseries')),
      '/api/reports/trends': get(
        'Several figures over time in one request: for each metric asked, what /api/reports/timeseries answers for it (metrics bucketed by the same moment share one scan)',
        trendsQuery,
        body('The series, one per metric in the order asked', 'ReportTrends'),
      ),
      '/api/reports/agents': get('One row per staff member (current owner of the tickets)', reportQuery, body('The rows', 'ReportAgents')),
      '/api/reports/departments': get('One row per owning department: the department table of the dashboard', reportQuery, body('The rows', 'ReportDepartments')),
      '/api/reports/tickets.csv': get('One CSV row per ticket created in the period (UTF-8 with BOM, RFC 4180), streamed; times in tz', reportQuery, {
        description: `CSV with the header row: ${CSV_HEADER.join(', ')}`,
        content: { 'text/csv': { schema: { type: 'string' } } },
      }),
    },
  };
}
