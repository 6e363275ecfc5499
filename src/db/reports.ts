import type { Readable } from 'node:stream';
import type { MetricsSource, ReportSource, TimeseriesRequest, TrendsRequest } from '../app/reports.js';
import type { MetricsSnapshot } from '../core/reports/metrics-snapshot.js';
import type { AgentRow, DepartmentRow, ReportQuery, ReportSummary, Timeseries } from '../core/reports/summary.js';
import type { Sql } from './client.js';
import { ticketsCsv } from './report-csv.js';
import { metricsSnapshot } from './report-metrics.js';
import { breakdownTables, filterSql, reportStatement, summaryFromFacts } from './report-queries.js';
import { ReportRollups } from './report-rollups.js';
import { timeseriesFromFacts, timeseriesGroupFromFacts, trendsFromFacts } from './report-timeseries.js';

/** {@link ReportSource} and {@link MetricsSource} over the `ticket_facts` table. */
export class PgReports implements ReportSource, MetricsSource {
  private readonly rollups: ReportRollups;
  /** Breakdown tables being computed, by query: the department and agent tables of one period share one scan. */
  private readonly breakdowns = new Map<string, Promise<Awaited<ReturnType<typeof breakdownTables>>>>();

  /** `rollups: false` reads every figure from the rows (the roll-ups' reference). */
  constructor(
    private readonly sql: Sql,
    options: { rollups?: boolean } = {},
  ) {
    this.rollups = new ReportRollups(sql, options.rollups ?? true);
  }

  /** Waits for the report roll-ups being built (see report-rollups.ts). */
  rollupsSettled(): Promise<void> {
    return this.rollups.settled();
  }

  summary(q: ReportQuery, now: Date): Promise<ReportSummary> {
    return summaryFromFacts(this.sql, this.rollups, q, now);
  }

  timeseries(q: TimeseriesRequest): Promise<Timeseries> {
    return reportStatement(this.sql, (tx) => timeseriesFromFacts(tx, q, filterSql(tx, q)));
  }

  /** One statement per moment the metrics share, each in its own transaction (so on its own connection). */
  trends(q: TrendsRequest): Promise<Timeseries[]> {
    return trendsFromFacts(q, (group) => reportStatement(this.sql, (tx) => timeseriesGroupFromFacts(tx, group, filterSql(tx, group))));
  }

  async agents(q: ReportQuery): Promise<AgentRow[]> {
    return (await this.breakdown(q)).agents;
  }

  async departments(q: ReportQuery): Promise<DepartmentRow[]> {
    return (await this.breakdown(q)).departments;
  }

  /**
   * Both breakdown tables of `q`. A dashboard asks for the two at once with the same period:
   * the second request joins the computation the first one started (nothing is kept after it).
   */
  private breakdown(q: ReportQuery): ReturnType<typeof breakdownTables> {
    const key = JSON.stringify([q.from, q.to, q.tz, q.filters]);
    let running = this.breakdowns.get(key);
    if (!running) {
      running = reportStatement(this.sql, (tx) => breakdownTables(tx, q)).finally(() => this.breakdowns.delete(key));
      this.breakdowns.set(key, running);
    }
    return running;
  }

  ticketsCsv(q: ReportQuery): Readable {
    return ticketsCsv(this.sql, q);
  }

  metricsSnapshot(): Promise<MetricsSnapshot> {
    return metricsSnapshot(this.sql);
  }
}
