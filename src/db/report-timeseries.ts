import type postgres from 'postgres';
import { DateTime } from 'luxon';
import { SLA_CLOCKS } from '../core/reports/facts.js';
import { at } from './report-rollups.js';
import { round1, type ReportDimension, type ReportInterval, type ReportQuery, type Timeseries } from '../core/reports/summary.js';

type Sql = postgres.Sql;

/** A metric over time: the moment that puts a ticket in a bucket, the figure, and its n (SQL over ticket_facts). */
interface MetricDef {
  at: string;
  /** Only these rows count (besides being in the bucket). */
  where?: string;
  value: string;
  n: string;
}

const count = (at: string, where?: string): MetricDef => ({ at, ...(where && { where }), value: 'count(*)', n: 'count(*)' });
const percentile = (at: string, col: string, p: number): MetricDef => ({
  at,
  where: `${col} is not null`,
  value: `percentile_cont(${p}) within group (order by ${col})`,
  n: `count(${col})`,
});
const share = (at: string, condition: string, where?: string): MetricDef => ({
  at,
  ...(where && { where }),
  value: `round(100.0 * count(*) filter (where ${condition}) / nullif(count(*), 0), 1)`,
  n: 'count(*)',
});

/** The metrics of GET /api/reports/timeseries, by name. */
export const METRICS: Record<string, MetricDef> = {
  created: count('created_at'),
  resolved: count('last_resolved_at'),
  closed: count('closed_at'),
  reopened: count('first_reopened_at'),
  first_response_median: percentile('first_response_at', 'first_response_s', 0.5),
  first_response_p90: percentile('first_response_at', 'first_response_s', 0.9),
  first_response_business_median: percentile('first_response_at', 'first_response_bs', 0.5),
  time_to_claim_median: percentile('first_claimed_at', 'time_to_claim_s', 0.5),
  time_to_claim_p90: percentile('first_claimed_at', 'time_to_claim_s', 0.9),
  resolution_median: percentile('last_resolved_at', 'resolution_last_s', 0.5),
  resolution_p90: percentile('last_resolved_at', 'resolution_last_s', 0.9),
  resolution_business_median: percentile('last_resolved_at', 'resolution_last_bs', 0.5),
  within_24h_pct: share('first_resolved_at', 'resolution_first_s <= 86400'),
  fcr_pct: share('first_resolved_at', 'fcr'),
  reopen_rate_pct: share('first_resolved_at', 'reopen_count > 0'),
  complaint_rate_pct: share('created_at', 'complaint'),
  csat_mean: { at: 'first_resolved_at', where: 'csat is not null', value: 'avg(csat)', n: 'count(csat)' },
  csat_satisfied_pct: share('first_resolved_at', 'csat >= 4', 'csat is not null'),
  nps: {
    at: 'first_resolved_at',
    where: 'nps is not null',
    value: 'round(100.0 * (count(*) filter (where nps >= 9) - count(*) filter (where nps <= 6)) / nullif(count(*), 0), 1)',
    n: 'count(*)',
  },
  ...Object.fromEntries(SLA_CLOCKS.map((k) => [`sla_${k}_pct`, share(`sla_${k}_at`, `sla_${k} = 'met'`, `sla_${k} in ('met', 'breached')`)])),
};

export const METRIC_NAMES = Object.keys(METRICS) as [string, ...string[]];

const DIMENSION_COLUMNS: Record<ReportDimension, string> = {
  department: 'department_id',
  owner: 'owner_id',
  category: 'category',
  severity: 'severity',
  channel: 'channel',
};

export interface TimeseriesQuery extends ReportQuery {
  metric: string;
  interval: ReportInterval;
  by?: ReportDimension | undefined;
}

/**
 * Buckets start at local midnight (weeks on Monday, months on the 1st) in `tz`; empty buckets
 * are left out. The period is tested on the metric's moment alone, so the statement is a
 * range scan of that moment's index (schema.ts).
 */
export async function timeseriesFromFacts(sql: Sql, q: TimeseriesQuery, filters: postgres.PendingQuery<postgres.Row[]>): Promise<Timeseries> {
  const m = METRICS[q.metric];
  if (!m) throw new Error(`unknown metric ${q.metric}`);
  const key = q.by ? sql.unsafe(`coalesce(${DIMENSION_COLUMNS[q.by]}, '(none)')`) : sql.unsafe(`'all'`);
  const step = sql`('1 ' || ${q.interval})::interval`;
  // One range scan per bucket (bucket starts are local times in tz, stepped in local time), so
  // the rows never need sorting by bucket: only each bucket's own values are sorted.
  const rows = await sql<{ key: string; t: number; value: string | number | null; n: string }[]>`
    with buckets as (
      select l at time zone ${q.tz} as start, (l + ${step}) at time zone ${q.tz} as stop
      from generate_series(date_trunc(${q.interval}, ${at(sql, q.from)}, ${q.tz}) at time zone ${q.tz}, ${at(sql, q.to)} at time zone ${q.tz}, ${step}) as l
    )
    select x.key, extract(epoch from b.start)::float8 * 1000 as t, x.value, x.n
    from buckets b cross join lateral (
      select ${key} as key, (${sql.unsafe(m.value)})::float8 as value, ${sql.unsafe(m.n)} as n
      from ticket_facts
      where ${sql.unsafe(m.at)} >= greatest(b.start, ${at(sql, q.from)}) and ${sql.unsafe(m.at)} < least(b.stop, ${at(sql, q.to)}) ${filters}
        ${m.where ? sql`and ${sql.unsafe(m.where)}` : sql``}
      group by 1
    ) x
    order by 1, 2`;
  const series = new Map<string, Timeseries['series'][number]>();
  for (const r of rows) {
    let s = series.get(r.key);
    if (!s) series.set(r.key, (s = { key: r.key, points: [] }));
    s.points.push({
      t: DateTime.fromMillis(Number(r.t), { zone: q.tz }).toISO({ suppressMilliseconds: true }) ?? new Date(Number(r.t)).toISOString(),
      value: r.value === null ? null : round1(Number(r.value)),
      n: Number(r.n),
    });
  }
  return { metric: q.metric, interval: q.interval, series: [...series.values()] };
}
