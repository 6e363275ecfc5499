import type postgres from 'postgres';
import { DateTime } from 'luxon';
import { SLA_CLOCKS } from '../core/reports/facts.js';
import { at } from './report-rollups.js';
import { round1, type ReportDimension, type ReportInterval, type ReportQuery, type Timeseries } from '../core/reports/summary.js';

type Sql = postgres.Sql;

/**
 * A metric over time: the moment that puts a ticket in a bucket, the rows it takes, and its
 * figure and n as aggregates over those rows. `value` and `n` put the given {@link Filter} after
 * each aggregate, which restricts it to the metric's rows (nothing when the statement's WHERE
 * already does), so metrics sharing a moment are computed in one scan (see
 * {@link timeseriesGroupFromFacts}).
 * `n` counts exactly the rows the metric takes: it is 0 where the metric has no row.
 */
interface MetricDef {
  at: string;
  /** Only these rows count (besides being in the bucket). */
  where?: string;
  value: (filter: Filter) => string;
  n: (filter: Filter) => string;
}

/** An aggregate's `filter (where …)` clause: the metric's rows, narrowed by `also` (may be empty). */
type Filter = (also?: string) => string;

const count = (at: string, where?: string): MetricDef => ({ at, ...(where && { where }), value: (f) => `count(*)${f()}`, n: (f) => `count(*)${f()}` });
const percentile = (at: string, col: string, p: number): MetricDef => ({
  at,
  where: `${col} is not null`,
  value: (f) => `percentile_cont(${p}) within group (order by ${col})${f()}`,
  n: (f) => `count(${col})${f()}`,
});
const share = (at: string, condition: string, where?: string): MetricDef => ({
  at,
  ...(where && { where }),
  value: (f) => `round(100.0 * count(*)${f(condition)} / nullif(count(*)${f()}, 0), 1)`,
  n: (f) => `count(*)${f()}`,
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
  csat_mean: { at: 'first_resolved_at', where: 'csat is not null', value: (f) => `avg(csat)${f()}`, n: (f) => `count(csat)${f()}` },
  csat_satisfied_pct: share('first_resolved_at', 'csat >= 4', 'csat is not null'),
  nps: {
    at: 'first_resolved_at',
    where: 'nps is not null',
    value: (f) => `round(100.0 * (count(*)${f('nps >= 9')} - count(*)${f('nps <= 6')}) / nullif(count(*)${f()}, 0), 1)`,
    n: (f) => `count(*)${f()}`,
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

export interface TrendsQuery extends ReportQuery {
  metrics: readonly string[];
  interval: ReportInterval;
  by?: ReportDimension | undefined;
}

const metricDef = (name: string): MetricDef => {
  const m = METRICS[name];
  if (!m) throw new Error(`unknown metric ${name}`);
  return m;
};

/** The metrics by the moment that buckets them (first appearance first): one scan each. */
export function metricGroups(metrics: readonly string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const name of metrics) {
    const at = metricDef(name).at;
    const group = groups.get(at);
    if (group) group.push(name);
    else groups.set(at, [name]);
  }
  return [...groups.values()];
}

/**
 * One metric's series: {@link timeseriesGroupFromFacts} for a group of one. Buckets start at
 * local midnight (weeks on Monday, months on the 1st) in `tz`; empty buckets are left out.
 */
export async function timeseriesFromFacts(sql: Sql, q: TimeseriesQuery, filters: postgres.PendingQuery<postgres.Row[]>): Promise<Timeseries> {
  const { metric, ...rest } = q;
  const [series] = await timeseriesGroupFromFacts(sql, { ...rest, metrics: [metric] }, filters);
  return series!;
}

/**
 * The series of metrics that share one moment (`at`), in one statement: the period is tested
 * on that moment alone, so the statement is a range scan of its index (schema.ts). The WHERE
 * takes the rows any of the metrics takes (the OR of their `where`, none if one has none);
 * each metric's aggregates are filtered to its own rows, and a metric's point is left out
 * where its n is 0, so each series is what the metric alone would give. Buckets start at
 * local midnight (weeks on Monday, months on the 1st) in `tz`; empty buckets are left out.
 */
export async function timeseriesGroupFromFacts(sql: Sql, q: TrendsQuery, filters: postgres.PendingQuery<postgres.Row[]>): Promise<Timeseries[]> {
  const defs = q.metrics.map(metricDef);
  const moment = defs[0]?.at;
  if (moment === undefined) return [];
  if (defs.some((m) => m.at !== moment)) throw new Error(`metrics ${q.metrics.join(', ')} do not share one moment`);
  const wheres = defs.some((m) => m.where === undefined) ? [] : [...new Set(defs.map((m) => m.where!))];
  const where = wheres.length === 0 ? undefined : wheres.length === 1 ? wheres[0]! : wheres.map((w) => `(${w})`).join(' or ');
  const filterOf =
    (m: MetricDef): Filter =>
    (also) => {
      const parts = [...(m.where !== undefined && m.where !== where ? [m.where] : []), ...(also ? [also] : [])];
      return parts.length === 0 ? '' : ` filter (where ${parts.map((p) => `(${p})`).join(' and ')})`;
    };
  const figures = defs.map((m, i) => `(${m.value(filterOf(m))})::float8 as v${i}, ${m.n(filterOf(m))} as n${i}`).join(', ');
  const members = defs.map((_, i) => `(${i}, x.v${i}, x.n${i})`).join(', ');
  const key = q.by ? sql.unsafe(`coalesce(${DIMENSION_COLUMNS[q.by]}, '(none)')`) : sql.unsafe(`'all'`);
  const step = sql`('1 ' || ${q.interval})::interval`;
  const col = sql.unsafe(moment);
  // One range scan per bucket (bucket starts are local times in tz, stepped in local time), so
  // the rows never need sorting by bucket: only each bucket's own values are sorted.
  const rows = await sql<{ i: number; key: string; t: number; value: string | number | null; n: string }[]>`
    with buckets as (
      select l at time zone ${q.tz} as start, (l + ${step}) at time zone ${q.tz} as stop
      from generate_series(date_trunc(${q.interval}, ${at(sql, q.from)}, ${q.tz}) at time zone ${q.tz}, ${at(sql, q.to)} at time zone ${q.tz}, ${step}) as l
    )
    select m.i, x.key, extract(epoch from b.start)::float8 * 1000 as t, m.value, m.n
    from buckets b cross join lateral (
      select ${key} as key, ${sql.unsafe(figures)}
      from ticket_facts
      where ${col} >= greatest(b.start, ${at(sql, q.from)}) and ${col} < least(b.stop, ${at(sql, q.to)}) ${filters}
        ${where ? sql`and (${sql.unsafe(where)})` : sql``}
      group by 1
    ) x cross join lateral (values ${sql.unsafe(members)}) as m(i, value, n)
    where m.n > 0
    order by 1, 2, 3`;
  const series = defs.map(() => new Map<string, Timeseries['series'][number]>());
  for (const r of rows) {
    const byKey = series[r.i]!;
    let s = byKey.get(r.key);
    if (!s) byKey.set(r.key, (s = { key: r.key, points: [] }));
    s.points.push({
      t: DateTime.fromMillis(Number(r.t), { zone: q.tz }).toISO({ suppressMilliseconds: true }) ?? new Date(Number(r.t)).toISOString(),
      value: r.value === null ? null : round1(Number(r.value)),
      n: Number(r.n),
    });
  }
  return q.metrics.map((metric, i) => ({ metric, interval: q.interval, series: [...series[i]!.values()] }));
}

/**
 * Several metrics' series, each what {@link timeseriesFromFacts} gives for it, in the order
 * asked: one statement per moment the metrics share, each run by `run`.
 */
export async function trendsFromFacts(q: TrendsQuery, run: (group: TrendsQuery) => Promise<Timeseries[]>): Promise<Timeseries[]> {
  const answers = await Promise.all(metricGroups(q.metrics).map((metrics) => run({ ...q, metrics })));
  const byMetric = new Map(answers.flat().map((s) => [s.metric, s]));
  return q.metrics.map((m) => byMetric.get(m)!);
}
