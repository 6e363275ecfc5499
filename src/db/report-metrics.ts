import type postgres from 'postgres';
import { SLA_CLOCKS } from '../core/reports/facts.js';
import type { HistogramSnapshot, LabelledValue, MetricsSnapshot } from '../core/reports/metrics-snapshot.js';

type Sql = postgres.Sql;

/** Seconds: 1 min … 1 week. */
export const DURATION_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800, 604_800] as const;

const histogramSelect = (sql: Sql, col: string) => sql`
  select ${sql.unsafe(DURATION_BUCKETS.map((b) => `count(*) filter (where ${col} <= ${b}) as b${b}`).join(', '))},
    coalesce(sum(${sql.unsafe(col)}), 0)::float8 as sum, count(${sql.unsafe(col)}) as count
  from ticket_facts where ${sql.unsafe(col)} is not null`;

function histogram(r: Record<string, unknown> | undefined): HistogramSnapshot {
  return {
    buckets: DURATION_BUCKETS,
    cumulative: DURATION_BUCKETS.map((b) => Number(r?.[`b${b}`] ?? 0)),
    sum: Number(r?.sum ?? 0),
    count: Number(r?.count ?? 0),
  };
}

const labelled = (rows: Record<string, unknown>[], names: string[]): LabelledValue[] =>
  rows.map((r) => ({ labels: Object.fromEntries(names.map((n) => [n, typeof r[n] === 'string' ? r[n] : ''])), value: Number(r.n) }));

/**
 * The database-backed Prometheus series, read from ticket_facts on every scrape so every
 * replica reports the same figures: counts since the first ticket (Prometheus takes rates).
 */
export async function metricsSnapshot(sql: Sql): Promise<MetricsSnapshot> {
  const breachUnion = SLA_CLOCKS.map((k) => `select '${k}' as clock, department_id from ticket_facts where sla_${k} = 'breached'`).join(' union all ');
  const [created, open, breaches, escalations, [frt], [res]] = await Promise.all([
    sql`select department_id as department, category, severity, channel, count(*) as n from ticket_facts group by 1, 2, 3, 4`,
    sql`select department_id as department, severity, count(*) as n from ticket_facts where status not in ('resolved', 'closed') group by 1, 2`,
    sql`select clock, department_id as department, count(*) as n from (${sql.unsafe(breachUnion)}) b group by 1, 2`,
    sql`select e.trigger, e.level::text as level, count(*) as n
        from ticket_facts f, jsonb_to_recordset(f.escalations) as e(trigger text, level int)
        where f.escalation_count > 0 group by 1, 2`,
    histogramSelect(sql, 'first_response_s'),
    histogramSelect(sql, 'resolution_last_s'),
  ]);
  return {
    created: labelled(created, ['department', 'category', 'severity', 'channel']),
    open: labelled(open, ['department', 'severity']),
    slaBreaches: labelled(breaches, ['clock', 'department']),
    escalations: labelled(escalations, ['trigger', 'level']),
    firstResponse: histogram(frt),
    resolution: histogram(res),
  };
}
