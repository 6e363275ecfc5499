import type { Readable } from 'node:stream';
import type { AgentRow, DepartmentRow, ReportDimension, ReportFilters, ReportInterval, ReportQuery, ReportSummary, Timeseries } from '../core/reports/summary.js';
import type { MetricsSnapshot } from '../core/reports/metrics-snapshot.js';
import type { Clock } from './ports.js';

export interface TimeseriesRequest extends ReportQuery {
  metric: string;
  interval: ReportInterval;
  by?: ReportDimension | undefined;
}

/** Several metrics over time at once (GET /api/reports/trends): each as {@link ReportSource.timeseries} gives it. */
export interface TrendsRequest extends ReportQuery {
  metrics: readonly string[];
  interval: ReportInterval;
  by?: ReportDimension | undefined;
}

/** Aggregates over the per-ticket facts (SPEC §8); implemented in SQL over `ticket_facts`. */
export interface ReportSource {
  summary(q: ReportQuery, now: Date): Promise<ReportSummary>;
  timeseries(q: TimeseriesRequest): Promise<Timeseries>;
  /** One series per metric, in the order asked; metrics bucketed by the same moment share one scan. */
  trends(q: TrendsRequest): Promise<Timeseries[]>;
  agents(q: ReportQuery): Promise<AgentRow[]>;
  departments(q: ReportQuery): Promise<DepartmentRow[]>;
  /** One CSV row per ticket created in the period, streamed. */
  ticketsCsv(q: ReportQuery): Readable;
}

export interface ReportDeps {
  reports: ReportSource;
  now: Clock;
}

export const DEFAULT_PERIOD_DAYS = 30;

/** A period with the defaults filled in: up to now, 30 days back, UTC. */
export function reportPeriod(now: Date, p: { from?: Date | undefined; to?: Date | undefined; tz?: string | undefined }): { from: Date; to: Date; tz: string } {
  const to = p.to ?? now;
  const from = p.from ?? new Date(to.getTime() - DEFAULT_PERIOD_DAYS * 86_400_000);
  return { from, to, tz: p.tz ?? 'UTC' };
}

/**
 * The summary for a period and filters: what `/aftercare stats` shows (through
 * core/reports/stats-lines.ts) and what GET /api/reports/summary answers.
 */
export function reportSummary(
  deps: ReportDeps,
  q: { from?: Date | undefined; to?: Date | undefined; tz?: string | undefined } & ReportFilters,
): Promise<ReportSummary> {
  const { from, to, tz, ...filters } = q;
  const now = deps.now();
  const clean = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as ReportFilters;
  return deps.reports.summary({ ...reportPeriod(now, { from, to, tz }), filters: clean }, now);
}

/** The figures behind the database-backed Prometheus series, read on every scrape. */
export interface MetricsSource {
  metricsSnapshot(): Promise<MetricsSnapshot>;
}
