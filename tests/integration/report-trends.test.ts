/**
 * Several metrics' series at once (PgReports.trends, GET /api/reports/trends): metrics bucketed
 * by the same moment share one statement, and each series is exactly what the single-metric
 * time series gives, for every metric, with and without a breakdown, by day and by week.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedReportFacts } from '../../bench/reports.js';
import type { ReportDimension, ReportFilters, ReportInterval, ReportQuery } from '../../src/core/reports/summary.js';
import { PgReports } from '../../src/db/reports.js';
import { METRIC_NAMES, metricGroups } from '../../src/db/report-timeseries.js';
import { exampleConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

const DAY = 86_400_000;
let tdb: TestDatabase;
let reports: PgReports;
const now = Date.now();

beforeAll(async () => {
  tdb = await freshDatabase(exampleConfig());
  await seedReportFacts(tdb.database.sql, 'trends', 3000, now, 40);
  reports = new PgReports(tdb.database.sql);
});
afterAll(async () => {
  await tdb.drop();
});

const query = (filters: ReportFilters = {}): ReportQuery => ({ from: new Date(now - 30.4 * DAY), to: new Date(now - 0.3 * DAY), tz: 'Asia/Shanghai', filters });

async function same(q: ReportQuery, interval: ReportInterval, by?: ReportDimension) {
  const [together, alone] = await Promise.all([
    reports.trends({ ...q, metrics: METRIC_NAMES, interval, by }),
    Promise.all(METRIC_NAMES.map((metric) => reports.timeseries({ ...q, metric, interval, by }))),
  ]);
  expect(together.map((t) => t.metric)).toEqual(METRIC_NAMES);
  for (const [i, metric] of METRIC_NAMES.entries()) expect(together[i], `${metric} ${interval} by ${by ?? '-'}`).toEqual(alone[i]);
  return together;
}

describe('report trends', () => {
  it('group the metrics by their moment, in the order asked', () => {
    expect(metricGroups(['first_response_median', 'created', 'first_response_p90', 'nps', 'complaint_rate_pct', 'csat_mean'])).toEqual([
      ['first_response_median', 'first_response_p90'],
      ['created', 'complaint_rate_pct'],
      ['nps', 'csat_mean'],
    ]);
    expect(metricGroups(METRIC_NAMES).length).toBeLessThan(METRIC_NAMES.length);
  });

  it.each([
    ['day', undefined],
    ['day', 'department'],
    ['week', undefined],
    ['week', 'owner'],
  ] as const)('equal the time series of each metric alone, by %s, broken down by %s', async (interval, by) => {
    const trends = await same(query(), interval, by);
    // The data reach every metric, so the comparison is not between empty answers.
    for (const t of trends) expect(t.series.flatMap((s) => s.points).length, t.metric).toBeGreaterThan(0);
    if (by) expect(trends[0]!.series.length).toBeGreaterThan(1);
  });

  it('equal them with filters and a breakdown whose series have gaps', async () => {
    await same(query({ department: 'technical', severity: 'critical' }), 'day', 'channel');
    await same(query({ channel: 'telegram' }), 'week', 'severity');
  });

  it('answer the dashboard trends in the order asked, one series each', async () => {
    const metrics = ['first_response_median', 'first_response_p90', 'resolution_median', 'resolution_p90', 'csat_mean', 'nps', 'complaint_rate_pct'];
    const trends = await reports.trends({ ...query(), metrics, interval: 'day' });
    expect(trends.map((t) => t.metric)).toEqual(metrics);
    expect(metricGroups(metrics)).toHaveLength(4);
  });
});
