import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { UseCaseDeps } from '../app/deps.js';
import { DEFAULT_PERIOD_DAYS, type ReportSource } from '../app/reports.js';
import type { ReportFilters, ReportQuery } from '../core/reports/summary.js';
import { periodOf, reportQuery, timeseriesQuery, trendsQuery, type ReportQueryInput } from './report-schemas.js';

export interface ReportRouteContext {
  reports: ReportSource;
  deps: UseCaseDeps;
  /** Parses the query string, or answers 400 `validation_failed` and returns undefined. */
  parseQuery<S extends z.ZodType>(reply: FastifyReply, schema: S, value: unknown): z.output<S> | undefined;
  /** Answers 400 `validation_failed` for one parameter. */
  invalid(reply: FastifyReply, path: string, message: string): FastifyReply;
}

/** GET /api/reports/* (behind the API token of the enclosing plugin). */
export function registerReportRoutes(api: FastifyInstance, ctx: ReportRouteContext): void {
  const { reports, deps } = ctx;

  /** The period and filters, checked against the directory; undefined when a 400 was sent. */
  const query = (reply: FastifyReply, q: ReportQueryInput): ReportQuery | undefined => {
    const period = periodOf(q, deps.now(), DEFAULT_PERIOD_DAYS);
    if (!period.ok) {
      ctx.invalid(reply, period.path, period.message);
      return undefined;
    }
    if (q.department !== undefined && !deps.directory.department(q.department)) {
      ctx.invalid(reply, 'query.department', 'must be a configured department id');
      return undefined;
    }
    if (q.owner !== undefined && !deps.directory.staff(q.owner)) {
      ctx.invalid(reply, 'query.owner', 'must be a configured staff id');
      return undefined;
    }
    const filters: ReportFilters = Object.fromEntries(
      (['department', 'owner', 'category', 'severity', 'channel', 'tier'] as const).filter((k) => q[k] !== undefined).map((k) => [k, q[k]]),
    );
    return { from: period.from!, to: period.to!, tz: q.tz ?? 'UTC', filters };
  };

  api.get('/api/reports/summary', async (req, reply) => {
    const raw = ctx.parseQuery(reply, reportQuery, req.query);
    const q = raw && query(reply, raw);
    if (!q) return reply;
    return reports.summary(q, deps.now());
  });

  api.get('/api/reports/timeseries', async (req, reply) => {
    const raw = ctx.parseQuery(reply, timeseriesQuery, req.query);
    const q = raw && query(reply, raw);
    if (!raw || !q) return reply;
    return reports.timeseries({ ...q, metric: raw.metric, interval: raw.interval, by: raw.by });
  });

  // Several metrics' series in one request (the dashboard's trends): each what /timeseries gives.
  api.get('/api/reports/trends', async (req, reply) => {
    const raw = ctx.parseQuery(reply, trendsQuery, req.query);
    const q = raw && query(reply, raw);
    if (!raw || !q) return reply;
    return { interval: raw.interval, trends: await reports.trends({ ...q, metrics: raw.metrics, interval: raw.interval, by: raw.by }) };
  });

  api.get('/api/reports/agents', async (req, reply) => {
    const raw = ctx.parseQuery(reply, reportQuery, req.query);
    const q = raw && query(reply, raw);
    if (!q) return reply;
    return { period: { from: q.from.toISOString(), to: q.to.toISOString(), tz: q.tz }, filters: q.filters, agents: await reports.agents(q) };
  });

  api.get('/api/reports/departments', async (req, reply) => {
    const raw = ctx.parseQuery(reply, reportQuery, req.query);
    const q = raw && query(reply, raw);
    if (!q) return reply;
    return { period: { from: q.from.toISOString(), to: q.to.toISOString(), tz: q.tz }, filters: q.filters, departments: await reports.departments(q) };
  });

  api.get('/api/reports/tickets.csv', (req, reply) => {
    const raw = ctx.parseQuery(reply, reportQuery, req.query);
    const q = raw && query(reply, raw);
    if (!q) return reply;
    const day = (d: Date) => d.toISOString().slice(0, 10);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="tickets-${day(q.from)}-${day(q.to)}.csv"`)
      .send(reports.ticketsCsv(q));
  });
}
