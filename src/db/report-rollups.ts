import type postgres from 'postgres';
import { SLA_CLOCKS } from '../core/reports/facts.js';
import type { ReportQuery } from '../core/reports/summary.js';

type Sql = postgres.Sql;
type Fragment = postgres.PendingQuery<postgres.Row[]>;

/**
 * The summary's figures, each defined once as a *family*: the rows of ticket_facts it reads and,
 * per row, `(t, metric, n)` — the moment that puts the row in a period, the figure's name and
 * what the row adds to it. The same definitions are summed over raw rows of a period and built
 * into per-day roll-ups (report_day_counts), so both agree by construction; the durations are
 * the *runs* below. Migration 0009 lists the same moments and their inputs for invalidation.
 */

/** A half-open period [from, to). */
export interface Interval {
  from: Date;
  to: Date;
}

/**
 * The figures' source rows restricted to `i`: selects `t`, `department_id`, `metric`, `n`,
 * where `n` adds up over rows (a row may stand for several tickets of one UTC day and
 * department; its `t` then is that day's start). `narrow` (a short part of a period) reads
 * each moment's own index instead of scanning every ticket alive in the interval: the sums are
 * the same.
 */
type Family = (sql: Sql, i: Interval, filters: Fragment, narrow: boolean) => Fragment;

/** Intervals up to this long are read moment by moment (see Family). */
const NARROW_MS = 3 * 86_400_000;
const isNarrow = (i: Interval) => i.to.getTime() - i.from.getTime() <= NARROW_MS;

/**
 * The settings of a report transaction: JIT off (compiling the dozens of aggregate expressions
 * costs more than it saves) and room to sort in memory (the default 4 MB spills a sort over a
 * quarter of a million values to disk), both local to the transaction. A figure's statements
 * also run without parallel workers (a dashboard asks for several reports at once, and
 * statements fanning out over every core queue behind one another) and price random reads as
 * the cached reads they are (a period's rows are a range of the period index, read from
 * memory, rather than a scan of the whole table). An export (`whole`: every row of a period,
 * one statement on its own) keeps the server's parallel workers and prices.
 */
export const reportSettings = (tx: Sql, o: { whole?: boolean } = {}): Fragment =>
  o.whole
    ? tx`select set_config('jit', 'off', true), set_config('work_mem', '64MB', true)`
    : tx`select set_config('jit', 'off', true), set_config('work_mem', '64MB', true), set_config('max_parallel_workers_per_gather', '0', true), set_config('random_page_cost', '1.1', true)`;

/** An instant as a bound timestamptz (the client is set up to take dates as ISO strings). */
export const at = (sql: Sql, d: Date): Fragment => sql`${d.toISOString()}::timestamptz`;
const u = (sql: Sql, s: string): Fragment => sql.unsafe(s) as unknown as Fragment;

/**
 * Rows that can contribute to a period: every instant a facts row records lies between its
 * `created_at` and its `updated_at` (the last event), so a ticket with anything in [from, to)
 * was created before `to` and last changed at or after `from` (ticket_facts_period_idx).
 */
export const candidatesSql = (sql: Sql, i: Interval, filters: Fragment): Fragment =>
  sql`updated_at >= ${at(sql, i.from)} and created_at < ${at(sql, i.to)} ${filters}`;

/** `col` falls in the period. Column names come from the report modules only. */
export const inPeriod = (sql: Sql, col: string, i: Interval): Fragment => sql`${u(sql, col)} >= ${at(sql, i.from)} and ${u(sql, col)} < ${at(sql, i.to)}`;

/**
 * Counts per UTC day and department of the rows of ticket_facts (`f`) at `moment` in `i`, then
 * one row per figure: `figures` maps a metric to its aggregate over those rows.
 */
const dailyFigures = (sql: Sql, i: Interval, filters: Fragment, moment: string, figures: [metric: string, aggregate: string][]): Fragment => {
  const columns = figures.map(([, agg], k) => `${agg} as m${k}`).join(', ');
  const values = figures.map(([metric], k) => `('${metric}', g.m${k})`).join(', ');
  return sql`
    select g.t, g.department_id, m.metric, m.n
    from (
      select date_trunc('day', f.${u(sql, moment)}, 'UTC') as t, f.department_id, ${u(sql, columns)}
      from ticket_facts f where ${inPeriod(sql, `f.${moment}`, i)} ${filters}
      group by 1, 2
    ) g cross join lateral (values ${u(sql, values)}) m(metric, n)`;
};

/** Volume and SLA outcomes: one moment each (created, final resolve, close, first reopen, each clock's decision). */
const MOMENTS: { at: string; metric: string; when?: string }[] = [
  { at: 'created_at', metric: 'created' },
  { at: 'created_at', metric: 'complaints', when: 'f.complaint' },
  { at: 'last_resolved_at', metric: 'resolved' },
  { at: 'closed_at', metric: 'closed' },
  { at: 'first_reopened_at', metric: 'reopened' },
  ...SLA_CLOCKS.flatMap((k) => [
    { at: `sla_${k}_at`, metric: `sla_${k}_met`, when: `f.sla_${k} = 'met'` },
    { at: `sla_${k}_at`, metric: `sla_${k}_breached`, when: `f.sla_${k} = 'breached'` },
  ]),
];

const moments: Family = (sql, i, filters, narrow) => {
  if (narrow) {
    // Each moment on its own index (index-only), the two figures of one moment in one scan.
    const byAt = new Map<string, typeof MOMENTS>();
    for (const m of MOMENTS) byAt.set(m.at, [...(byAt.get(m.at) ?? []), m]);
    const parts = [...byAt].map(([at, ms]) =>
      dailyFigures(
        sql,
        i,
        filters,
        at,
        ms.map((m) => [m.metric, m.when ? `count(*) filter (where ${m.when})` : 'count(*)']),
      ),
    );
    return parts.reduce((a, b) => sql`${a} union all ${b}`);
  }
  const values = MOMENTS.map((m) => `(${m.when ? `case when ${m.when} then f.${m.at} end` : `f.${m.at}`}, '${m.metric}')`).join(', ');
  return sql`
    select m.t, f.department_id, m.metric, 1 as n
    from ticket_facts f cross join lateral (values ${u(sql, values)}) m(t, metric)
    where ${candidatesSql(sql, i, filters)} and m.t >= ${at(sql, i.from)} and m.t < ${at(sql, i.to)}`;
};

/** The rates over resolutions: the tickets first resolved in the period (ticket_facts_first_resolved_idx). */
const firstResolved: Family = (sql, i, filters) =>
  dailyFigures(sql, i, filters, 'first_resolved_at', [
    ['first_resolved', 'count(*)'],
    ['within_24h', 'count(*) filter (where f.resolution_first_s <= 86400)'],
    ['fcr', 'count(*) filter (where f.fcr)'],
    ['reopened_of_resolved', 'count(*) filter (where f.reopen_count > 0)'],
    ['surveys_sent', 'count(*) filter (where f.survey_sent)'],
    ['surveys_answered', 'count(*) filter (where f.survey_sent and (f.csat is not null or f.nps is not null))'],
    ['csat_n', 'count(f.csat)'],
    ['csat_sum', 'sum(f.csat)'],
    ['csat_satisfied', 'count(*) filter (where f.csat >= 4)'],
    ['nps_n', 'count(f.nps)'],
    ['nps_promoters', 'count(*) filter (where f.nps >= 9)'],
    ['nps_passives', 'count(*) filter (where f.nps between 7 and 8)'],
    ['nps_detractors', 'count(*) filter (where f.nps <= 6)'],
    ['verification_n', "count(*) filter (where f.verification in ('still_fixed', 'problem_again'))"],
    ['still_fixed', "count(*) filter (where f.verification = 'still_fixed')"],
  ]);

/**
 * Every escalation raised in the period, with its trigger and time to acknowledge. Tickets with
 * up to 8 escalations carry them in ticket_facts_escalated_idx; the rare ones with more are
 * read from the table.
 */
const escalationRows = (sql: Sql, i: Interval, filters: Fragment, narrow: boolean, select: Fragment): Fragment => {
  const part = (count: string) => sql`
    select ${select}
    from ticket_facts f, jsonb_to_recordset(f.escalations) as e(trigger text, at timestamptz, "ackS" int)
    where ${u(sql, count)} and ${candidatesSql(sql, i, filters)} and e.at >= ${at(sql, i.from)} and e.at < ${at(sql, i.to)}`;
  // A short interval finds its few escalated tickets on ticket_facts_escalated_span_idx (index-only), then reads them.
  if (narrow)
    return sql`
      select ${select}
      from ticket_facts f, jsonb_to_recordset(f.escalations) as e(trigger text, at timestamptz, "ackS" int)
      where f.ticket_id = any(array(select f.ticket_id from ticket_facts f where f.escalation_count > 0 and ${candidatesSql(sql, i, filters)}))
        and e.at >= ${at(sql, i.from)} and e.at < ${at(sql, i.to)}`;
  return sql`${part('f.escalation_count between 1 and 8')} union all ${part('f.escalation_count > 8')}`;
};

const escalations: Family = (sql, i, filters, narrow) => escalationRows(sql, i, filters, narrow, sql`e.at as t, f.department_id, 'escalations:' || e.trigger as metric, 1 as n`);

const FAMILIES: Family[] = [moments, firstResolved, escalations];

/** A duration's values: selects `t`, `department_id`, `v` (not null); `narrow` as for Family. */
type RunSource = (sql: Sql, i: Interval, filters: Fragment, narrow: boolean) => Fragment;

const durationRun =
  (at: string, col: string): RunSource =>
  (sql, i, filters) =>
    sql`select f.${u(sql, at)} as t, f.department_id, f.${u(sql, col)} as v from ticket_facts f where ${inPeriod(sql, `f.${at}`, i)} and f.${u(sql, col)} is not null ${filters}`;

/**
 * The durations whose median, p90 and mean the summary reports, each at its own moment: first
 * response, first claim, first contact, final resolve, first resolve (calendar `_s` and business
 * `_bs` seconds), and the escalations' time to acknowledge.
 */
export const RUNS = {
  firstResponse_s: durationRun('first_response_at', 'first_response_s'),
  firstResponse_bs: durationRun('first_response_at', 'first_response_bs'),
  timeToClaim_s: durationRun('first_claimed_at', 'time_to_claim_s'),
  timeToClaim_bs: durationRun('first_claimed_at', 'time_to_claim_bs'),
  timeToContact_s: durationRun('first_contact_at', 'time_to_contact_s'),
  timeToContact_bs: durationRun('first_contact_at', 'time_to_contact_bs'),
  resolution_s: durationRun('last_resolved_at', 'resolution_last_s'),
  resolution_bs: durationRun('last_resolved_at', 'resolution_last_bs'),
  resolutionFirst_s: durationRun('first_resolved_at', 'resolution_first_s'),
  resolutionFirst_bs: durationRun('first_resolved_at', 'resolution_first_bs'),
  escalationAck_s: ((sql, i, filters, narrow) =>
    sql`select * from (${escalationRows(sql, i, filters, narrow, sql`e.at as t, f.department_id, e."ackS" as v`)}) x where v is not null`) as RunSource,
} satisfies Record<string, RunSource>;
export type RunKey = keyof typeof RUNS;

/**
 * Bucket bounds of the runs' cumulative counts: -1, 0, 1, 2, … growing by ~15 % up to a year and
 * a bit, then the int4 maximum, so every value v falls in the first bucket k with v ≤ bound k.
 */
export const BOUNDS: readonly number[] = (() => {
  const b = [-1, 0];
  for (let x = 1; x < 40_000_000; x = Math.max(x + 1, Math.round(x * 1.15))) b.push(x);
  b.push(2_147_483_647);
  return b;
})();
const boundsSql = `'{${BOUNDS.join(',')}}'::int4[]`;

/** What a summary reads: the whole UTC days taken from the roll-ups and the rest of the period from ticket_facts. */
export interface PeriodPlan {
  /** Roll-up days ('YYYY-MM-DD'), read for `department` ('' = every department). */
  days: string[];
  department: string;
  raw: Interval[];
}

const DAY_MS = 86_400_000;
/** Stale days up to this many are rolled up before a summary answers; more are built in the background. */
const SYNC_BUILD_DAYS = 14;

/**
 * Days as a date[] computed once per statement (a cast of the bound text[] in a condition would
 * be evaluated for every row); the driver cannot type an empty array.
 */
const dates = (sql: Sql, days: string[]): Fragment =>
  days.length === 0 ? sql`'{}'::date[]` : sql`array(select d::date from unnest(${sql.array(days)}::text[]) as d)`;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The filters the roll-ups keep apart: none, or the owning department alone. */
export function rollupDepartment(q: ReportQuery): string | null {
  const { department, ...others } = q.filters;
  if (Object.values(others).some((v) => v !== undefined)) return null;
  return department ?? '';
}

/** The whole UTC days of [from, to) before `lastDay` (inclusive). */
export function wholeDays(i: Interval, lastDay: string): string[] {
  const days: string[] = [];
  const end = Math.min(Math.floor(i.to.getTime() / DAY_MS) * DAY_MS, Date.parse(`${lastDay}T00:00:00Z`) + DAY_MS);
  for (let d = Math.ceil(i.from.getTime() / DAY_MS) * DAY_MS; d + DAY_MS <= end; d += DAY_MS) days.push(dayOf(d));
  return days;
}

/** [from, to) without the given (sorted) days, as intervals. */
export function rawIntervals(i: Interval, days: string[]): Interval[] {
  const out: Interval[] = [];
  let cursor = i.from.getTime();
  for (const day of days) {
    const start = Date.parse(`${day}T00:00:00Z`);
    if (start > cursor) out.push({ from: new Date(cursor), to: new Date(start) });
    cursor = Math.max(cursor, start + DAY_MS);
  }
  if (cursor < i.to.getTime()) out.push({ from: new Date(cursor), to: i.to });
  return out;
}

/**
 * Keeps the report roll-ups current and plans a period over them. A day is cached once it is
 * before yesterday (UTC, by the database's clock) — a later change to it marks it dirty (the
 * triggers of migration 0009) and it is rebuilt before it is read again. One build runs at a
 * time: in this process the callers share it, across processes an advisory lock orders them.
 */
export class ReportRollups {
  private building: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sql: Sql,
    private readonly enabled = true,
  ) {}

  /** Waits for the builds started so far. */
  async settled(): Promise<void> {
    await this.building;
  }

  async plan(q: ReportQuery): Promise<PeriodPlan> {
    const period = { from: q.from, to: q.to };
    const department = rollupDepartment(q);
    if (department === null || !this.enabled) return { days: [], department: '', raw: [period] };
    const [{ today }] = (await this.sql`select aftercare_report_today()::text as today`) as unknown as [{ today: string }];
    const lastDay = dayOf(Date.parse(`${today}T00:00:00Z`) - 2 * DAY_MS);
    const days = wholeDays(period, lastDay);
    if (days.length === 0) return { days: [], department, raw: [period] };
    let stale = await this.staleDays(days);
    if (stale.length > 0) {
      const build = this.building.then(() => this.build(stale));
      // A failed build leaves its days stale: they are read from the rows.
      this.building = build.catch(() => undefined);
      // A few days are built before answering; many (a first report over months) in the
      // background, the answer reading them from the rows meanwhile.
      if (stale.length <= SYNC_BUILD_DAYS) {
        await this.building;
        stale = await this.staleDays(days);
      }
    }
    const cached = days.filter((d) => !stale.includes(d));
    return { days: cached, department, raw: rawIntervals(period, cached) };
  }

  private async staleDays(days: string[]): Promise<string[]> {
    const rows = await this.sql<{ day: string }[]>`
      select d.day::text as day
      from unnest(${dates(this.sql, days)}) as d(day)
      where not exists (select 1 from report_days r where r.day = d.day)
         or exists (select 1 from report_dirty x where x.day = d.day)`;
    return rows.map((r) => r.day);
  }

  /** Rebuilds the roll-ups of the days still stale once this process holds the build lock. */
  private async build(days: string[]): Promise<void> {
    const conn = await this.sql.reserve();
    try {
      await conn`select pg_advisory_lock(hashtext('aftercare_report_rollups'))`;
      try {
        const stale = (await this.staleDays(days)).sort();
        if (stale.length === 0) return;
        await conn.unsafe('begin isolation level repeatable read');
        try {
          await buildDays(conn, stale);
          await conn.unsafe('commit');
        } catch (e) {
          await conn.unsafe('rollback');
          // A concurrent change made the build's snapshot conflict: the days stay stale and are read raw.
          if (!(e instanceof Error && 'code' in e && (e.code === '40001' || e.code === '23505'))) throw e;
        }
      } finally {
        await conn`select pg_advisory_unlock(hashtext('aftercare_report_rollups'))`;
      }
    } finally {
      conn.release();
    }
  }
}

/** Builds the roll-ups of `days` (sorted) in the caller's transaction, from one snapshot; each moment is read on its own index. */
async function buildDays(sql: Sql, days: string[]): Promise<void> {
  const span: Interval = { from: new Date(`${days[0]}T00:00:00Z`), to: new Date(Date.parse(`${days.at(-1)}T00:00:00Z`) + DAY_MS) };
  const none = sql``;
  const dayList = dates(sql, days);
  await reportSettings(sql);
  await sql`delete from report_dirty where day = any(${dayList})`;
  await sql`delete from report_day_counts where day = any(${dayList})`;
  await sql`delete from report_day_runs where day = any(${dayList})`;
  for (const family of FAMILIES) {
    await sql`
      insert into report_day_counts (day, department_id, metric, n)
      select day, coalesce(department_id, ''), metric, sum(n)
      from (select (t at time zone 'UTC')::date as day, department_id, metric, n from (${family(sql, span, none, true)}) s) s
      where day = any(${dayList}) and n is not null
      group by grouping sets ((day, department_id, metric), (day, metric))`;
  }
  for (const [key, source] of Object.entries(RUNS)) {
    await sql`
      insert into report_day_runs (day, department_id, col, n, total, sorted, cum)
      select day, coalesce(department_id, ''), ${key}, cardinality(a), s, a, array(select width_bucket(b, a) from unnest(${u(sql, boundsSql)}) b)
      from (
        select day, department_id, array_agg(v order by v) as a, sum(v) as s
        from (select (t at time zone 'UTC')::date as day, department_id, v from (${source(sql, span, none, true)}) s) s
        where day = any(${dayList})
        group by grouping sets ((day, department_id), (day))
      ) r`;
  }
  await sql`insert into report_days (day, built_at) select unnest(${dayList}), now() on conflict (day) do update set built_at = excluded.built_at`;
}

const unionAll = (sql: Sql, parts: Fragment[]): Fragment =>
  parts.length === 0 ? sql`select null::timestamptz as t, null::text as department_id, null::text as metric, null::int as n where false` : parts.reduce((a, b) => sql`${a} union all ${b}`);

/** Every family's figures over the plan: the roll-ups' days plus the raw rest. Keyed by metric name. */
export function countsStatement(sql: Sql, plan: PeriodPlan, filters: Fragment): Fragment {
  const raw = unionAll(sql, plan.raw.flatMap((i) => FAMILIES.map((f) => f(sql, i, filters, isNarrow(i)))));
  return sql`
    select metric, sum(n)::float8 as n from (
      select metric, n from report_day_counts where department_id = ${plan.department} and day = any(${dates(sql, plan.days)})
      union all
      select metric, n from (${raw}) r where n is not null
    ) c
    group by metric`;
}

export interface RunStats {
  n: number;
  sum: number;
  /** Per requested percentile, the value (percentile_cont's interpolation). */
  percentiles: Map<number, number>;
}

/**
 * Count, sum and exact percentiles (as percentile_cont) of one duration over the plan, in one
 * statement: the roll-ups' runs of the plan's days and one run sorted from the raw rest; their
 * cumulative counts at the bucket bounds locate, per percentile, the bucket holding its rank,
 * and only that bucket's slice of each run is sorted.
 */
export function runStatement(sql: Sql, key: RunKey, plan: PeriodPlan, filters: Fragment, percentiles: readonly number[]): Fragment {
  const rawParts = plan.raw.map((i) => RUNS[key](sql, i, filters, isNarrow(i)));
  const raw = rawParts.length === 0 ? sql`select null::int as v where false` : rawParts.reduce((a, b) => sql`${a} union all ${b}`);
  const ps = u(sql, `'{${percentiles.join(',')}}'::float8[]`);
  return sql`
    with runs as materialized (
      select cum, sorted, n, total from report_day_runs
      where col = ${key} and department_id = ${plan.department} and day = any(${dates(sql, plan.days)})
      union all
      select array(select width_bucket(b, r.a) from unnest(${u(sql, boundsSql)}) b), r.a, cardinality(r.a), r.s
      from (select array_agg(v order by v) as a, sum(v) as s from (${raw}) src) r
      where r.a is not null
    ),
    tot as (select coalesce(sum(n), 0)::int8 as n, coalesce(sum(total), 0)::float8 as s from runs),
    hist as (select k, sum(c)::int8 as c from runs, unnest(cum) with ordinality as h(c, k) group by k),
    want as (select p, floor(p * (tot.n - 1))::int8 as r, tot.n from tot, unnest(${ps}) p where tot.n > 0),
    located as (
      select w.p, w.r,
        (select min(k) from hist where c > w.r) as ka,
        (select min(k) from hist where c > least(w.r + 1, w.n - 1)) as kb
      from want w
    ),
    bounded as (select l.*, coalesce((select c from hist where k = l.ka - 1), 0) as before from located l)
    select tot.n, tot.s, b.p,
      array(select v from (select unnest(sorted[coalesce(cum[b.ka - 1], 0) + 1 : cum[b.kb]]) as v from runs) x order by v offset b.r - b.before limit 2) as vals
    from tot left join bounded b on true`;
}

/** percentile_cont's value from the two values at and after the rank (float8 arithmetic, as PostgreSQL). */
export function interpolate(p: number, n: number, vals: number[]): number {
  const x = p * (n - 1);
  const first = Math.floor(x);
  const a = vals[0]!;
  if (Math.ceil(x) === first || vals.length < 2) return a;
  return a + (x - first) * (vals[1]! - a);
}

export function runStats(rows: { n: number | string; s: number; p: number | null; vals: number[] | null }[]): RunStats {
  const n = Number(rows[0]?.n ?? 0);
  const percentiles = new Map<number, number>();
  for (const r of rows) if (r.p !== null && r.vals && r.vals.length > 0) percentiles.set(r.p, interpolate(r.p, n, r.vals));
  return { n, sum: Number(rows[0]?.s ?? 0), percentiles };
}
