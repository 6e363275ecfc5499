import type postgres from 'postgres';
import { SLA_CLOCKS, type SlaClockKind } from '../core/reports/facts.js';
import {
  BACKLOG_AGES,
  pct,
  round1,
  type AgentRow,
  type BacklogAge,
  type ClockCompliance,
  type DurationStats,
  type ReportQuery,
  type ReportSummary,
} from '../core/reports/summary.js';
import { SEVERITIES, type Severity } from '../core/types.js';

type Sql = postgres.Sql;
type Fragment = postgres.PendingQuery<postgres.Row[]>;

/**
 * The filters as SQL (`and …` conditions on ticket_facts). The department is the owning
 * (primary) department; values are bound parameters.
 */
export function filterSql(sql: Sql, q: ReportQuery): Fragment {
  const f = q.filters;
  return sql`
    ${f.department === undefined ? sql`` : sql`and department_id = ${f.department}`}
    ${f.owner === undefined ? sql`` : sql`and owner_id = ${f.owner}`}
    ${f.category === undefined ? sql`` : sql`and category = ${f.category}`}
    ${f.severity === undefined ? sql`` : sql`and severity = ${f.severity}`}
    ${f.channel === undefined ? sql`` : sql`and channel = ${f.channel}`}
    ${f.tier === undefined ? sql`` : sql`and tier = ${f.tier}`}`;
}

/**
 * Rows that can contribute to a period: every instant a facts row records lies between its
 * `created_at` and its `updated_at` (the last event), so a ticket with anything in [from, to)
 * was created before `to` and last changed at or after `from`.
 */
export function candidatesSql(sql: Sql, q: ReportQuery): Fragment {
  return sql`updated_at >= ${at(sql, q.from)} and created_at < ${at(sql, q.to)} ${filterSql(sql, q)}`;
}

/** An instant as a bound timestamptz (the client is set up to take dates as ISO strings). */
export const at = (sql: Sql, d: Date): Fragment => sql`${d.toISOString()}::timestamptz`;

/**
 * Runs report statements in a transaction with JIT off: compiling the dozens of aggregate
 * expressions of a report costs more than it saves (seconds at a million rows), and the
 * setting stays local to the report's transaction.
 */
export async function withoutJit<T>(sql: Sql, run: (tx: Sql) => Promise<T> | postgres.PendingQuery<postgres.Row[]>): Promise<T> {
  return (await sql.begin(async (tx) => {
    await tx`set local jit = off`;
    return (await run(tx as unknown as Sql)) as T;
  })) as T;
}

/** `col` falls in the period. Column names come from this module only. */
const inP = (sql: Sql, col: string, q: ReportQuery): Fragment => sql`${sql.unsafe(col)} >= ${at(sql, q.from)} and ${sql.unsafe(col)} < ${at(sql, q.to)}`;

/**
 * Runs a report statement like {@link withoutJit}, with room to sort the period's durations
 * in memory (the default 4 MB spills a median over a quarter of a million tickets to disk).
 */
async function reportStatement<T>(sql: Sql, run: (tx: Sql) => Promise<T> | postgres.PendingQuery<postgres.Row[]>): Promise<T> {
  return (await sql.begin(async (tx) => {
    await tx`select set_config('jit', 'off', true), set_config('work_mem', '64MB', true)`;
    return (await run(tx as unknown as Sql)) as T;
  })) as T;
}

/** The statistics of one duration over the tickets whose moment `at` falls in the period (index-only on its own index). */
function durationStatement(sql: Sql, name: string, d: { at: string; col: string }, q: ReportQuery): Fragment {
  const s = sql.unsafe(`${d.col}_s`);
  const bs = sql.unsafe(`${d.col}_bs`);
  return sql`
    select
      count(${s}) as ${sql.unsafe(name)}_n,
      percentile_cont(array[0.5, 0.9]) within group (order by ${s}) as ${sql.unsafe(name)}_p,
      percentile_cont(array[0.5, 0.9]) within group (order by ${bs}) as ${sql.unsafe(name)}_bp,
      avg(${s})::float8 as ${sql.unsafe(name)}_mean
    from ticket_facts
    where ${inP(sql, d.at, q)} ${filterSql(sql, q)}`;
}

const DURATIONS = {
  firstResponse: { at: 'first_response_at', col: 'first_response' },
  timeToClaim: { at: 'first_claimed_at', col: 'time_to_claim' },
  timeToContact: { at: 'first_contact_at', col: 'time_to_contact' },
  resolution: { at: 'last_resolved_at', col: 'resolution_last' },
} as const;

type Row = Record<string, unknown>;

const n = (v: unknown): number => Number(v ?? 0);
const pair = (v: unknown): [number | null, number | null] => (Array.isArray(v) ? [round1(Number(v[0])), round1(Number(v[1]))] : [null, null]);

function durationStats(r: Row, key: string): DurationStats {
  // Unquoted column aliases come back lower-cased.
  const name = key.toLowerCase();
  const [medianS, p90S] = pair(r[`${name}_p`]);
  const [businessMedianS, businessP90S] = pair(r[`${name}_bp`]);
  return { n: n(r[`${name}_n`]), medianS, p90S, meanS: round1(r[`${name}_mean`] as number | null), businessMedianS, businessP90S };
}

/**
 * Every figure of the summary (SPEC §8) from ticket_facts. Each figure counts the tickets
 * whose own moment falls in the period: created (created_at), resolved (final resolve),
 * closed, reopened (first reopen), FRT (first response), time to claim (first claim),
 * resolution (final resolve); rates over resolutions (within 24 h, FCR, reopen rate, CSAT,
 * NPS, verification) use the tickets first resolved in the period; SLA compliance the clocks
 * whose outcome was decided in the period (breach or stop).
 *
 * Each statement is an index-only scan over the period's entries of a narrow index
 * (schema.ts): the volume and SLA counts, the first-resolve figures, one per duration, the
 * escalations, the backlog.
 */
export async function summaryFromFacts(sql: Sql, q: ReportQuery, now: Date): Promise<ReportSummary> {
  // Volume and SLA: the candidate rows (anything in the period), each moment tested once.
  const counts = (sql: Sql) => {
    const flags = SLA_CLOCKS.map((k) => sql`, ${inP(sql, `sla_${k}_at`, q)} as in_${sql.unsafe(k)}, sla_${sql.unsafe(k)} as out_${sql.unsafe(k)}`);
    const slaSelects = SLA_CLOCKS.map(
      (k) => sql`,
        count(*) filter (where in_${sql.unsafe(k)} and out_${sql.unsafe(k)} = 'met') as sla_${sql.unsafe(k)}_met,
        count(*) filter (where in_${sql.unsafe(k)} and out_${sql.unsafe(k)} = 'breached') as sla_${sql.unsafe(k)}_breached`,
    );
    return sql<Row[]>`
      select
        count(*) filter (where created) as created,
        count(*) filter (where resolved) as resolved,
        count(*) filter (where closed) as closed,
        count(*) filter (where reopened) as reopened,
        count(*) filter (where created and complaint) as complaints
        ${slaSelects}
      from (
        select ${inP(sql, 'created_at', q)} as created, ${inP(sql, 'last_resolved_at', q)} as resolved,
          ${inP(sql, 'closed_at', q)} as closed, ${inP(sql, 'first_reopened_at', q)} as reopened, complaint
          ${flags}
        from ticket_facts
        where ${candidatesSql(sql, q)}
        offset 0
      ) c`;
  };
  // The tickets first resolved in the period: the rates over resolutions and created → first resolve.
  const firstResolved = (sql: Sql) => sql<Row[]>`
    select
      count(*) as first_resolved,
      count(*) filter (where resolution_first_s <= 86400) as within_24h,
      count(*) filter (where fcr) as fcr,
      count(*) filter (where reopen_count > 0) as reopened_of_resolved,
      count(*) filter (where survey_sent) as surveys_sent,
      count(*) filter (where survey_sent and (csat is not null or nps is not null)) as surveys_answered,
      count(csat) as csat_n,
      avg(csat)::float8 as csat_mean,
      count(*) filter (where csat >= 4) as csat_satisfied,
      count(nps) as nps_n,
      count(*) filter (where nps >= 9) as nps_promoters,
      count(*) filter (where nps between 7 and 8) as nps_passives,
      count(*) filter (where nps <= 6) as nps_detractors,
      count(*) filter (where verification in ('still_fixed', 'problem_again')) as verification_n,
      count(*) filter (where verification = 'still_fixed') as still_fixed,
      count(resolution_first_s) as resolutionfirst_n,
      percentile_cont(array[0.5, 0.9]) within group (order by resolution_first_s) as resolutionfirst_p,
      percentile_cont(array[0.5, 0.9]) within group (order by resolution_first_bs) as resolutionfirst_bp,
      avg(resolution_first_s)::float8 as resolutionfirst_mean
    from ticket_facts
    where ${inP(sql, 'first_resolved_at', q)} ${filterSql(sql, q)}`;

  // Tickets with up to 8 escalations carry them in ticket_facts_escalated_idx; the rare ones with more are read from the table.
  const escalationRows = (sql: Sql) => sql<{ trigger: string; n: string; ack_median: number | null }[]>`
    select e.trigger, count(*) as n, percentile_cont(0.5) within group (order by e."ackS") as ack_median
    from (
      select escalations from ticket_facts where escalation_count between 1 and 8 and ${candidatesSql(sql, q)}
      union all
      select escalations from ticket_facts where escalation_count > 8 and ${candidatesSql(sql, q)}
    ) f, jsonb_to_recordset(f.escalations) as e(trigger text, at timestamptz, "ackS" int)
    where e.at >= ${at(sql, q.from)} and e.at < ${at(sql, q.to)}
    group by grouping sets ((e.trigger), ())`;
  // Four transactions on four connections, each sending its statements at once (postgres.js
  // pipelines them), with roughly the same CPU each: fewer round trips than one per statement.
  const durations = Object.entries(DURATIONS);
  const [[[countRow], backlog], [[firstResolvedRow], escalations], durationsA, durationsB] = await Promise.all([
    reportStatement(sql, (tx) => Promise.all([counts(tx), backlogOf(tx, q, now)])),
    reportStatement(sql, (tx) => Promise.all([firstResolved(tx), escalationRows(tx)])),
    reportStatement(sql, (tx) => Promise.all(durations.slice(0, 2).map(([name, d]) => tx<Row[]>`${durationStatement(tx, name, d, q)}`))),
    reportStatement(sql, (tx) => Promise.all(durations.slice(2).map(([name, d]) => tx<Row[]>`${durationStatement(tx, name, d, q)}`))),
  ]);
  const durationRows = [...durationsA, ...durationsB];
  const row: Row = { ...countRow, ...firstResolvedRow };
  for (const [r] of durationRows) Object.assign(row, r);
  const byTrigger: Record<string, number> = {};
  let escN = 0;
  let ackMedianS: number | null = null;
  for (const e of escalations) {
    if (e.trigger === null) {
      escN = n(e.n);
      ackMedianS = round1(e.ack_median);
    } else byTrigger[e.trigger] = n(e.n);
  }

  const sla = Object.fromEntries(
    SLA_CLOCKS.map((k): [SlaClockKind, ClockCompliance] => {
      const met = n(row[`sla_${k}_met`]);
      const breached = n(row[`sla_${k}_breached`]);
      return [k, { met, breached, compliancePct: pct(met, met + breached) }];
    }),
  ) as Record<SlaClockKind, ClockCompliance>;
  const firstResolvedN = n(row.first_resolved);
  const npsN = n(row.nps_n);
  const promoters = n(row.nps_promoters);
  const detractors = n(row.nps_detractors);
  const npsScore = npsN > 0 ? round1((100 * (promoters - detractors)) / npsN) : null;
  const csatN = n(row.csat_n);
  return {
    period: { from: q.from.toISOString(), to: q.to.toISOString(), tz: q.tz },
    filters: q.filters,
    volume: { created: n(row.created), resolved: n(row.resolved), closed: n(row.closed), reopened: n(row.reopened) },
    backlog,
    firstResponse: durationStats(row, 'firstResponse'),
    timeToClaim: durationStats(row, 'timeToClaim'),
    timeToContact: durationStats(row, 'timeToContact'),
    resolution: durationStats(row, 'resolution'),
    resolutionFirst: durationStats(row, 'resolutionFirst'),
    sla,
    within24hPct: pct(n(row.within_24h), firstResolvedN),
    fcrPct: pct(n(row.fcr), firstResolvedN),
    reopenRatePct: pct(n(row.reopened_of_resolved), firstResolvedN),
    csat: {
      n: csatN,
      mean: csatN > 0 ? Math.round(Number(row.csat_mean) * 100) / 100 : null,
      satisfiedPct: pct(n(row.csat_satisfied), csatN),
      responseRatePct: pct(n(row.surveys_answered), n(row.surveys_sent)),
    },
    nps: { n: npsN, score: npsScore, promoters, passives: n(row.nps_passives), detractors },
    complaintRatePct: pct(n(row.complaints), n(row.created)),
    escalations: { n: escN, byTrigger, ackMedianS },
    verification: { n: n(row.verification_n), stillFixedPct: pct(n(row.still_fixed), n(row.verification_n)) },
  };
}

/**
 * Open at `to`, from the facts' timestamps: created before `to` and not resolved or closed
 * then, i.e. not resolved or closed before `to` at all, or reopened before `to` and not
 * settled again for good before `to` (still open now, or its final resolve / last close at or
 * after `to`). The facts keep the first reopen only, so a ticket reopened twice counts as open
 * from its first reopen to its final resolve.
 */
function openAtSql(sql: Sql, to: Date, openNow: boolean): Fragment {
  const t = at(sql, to);
  const settledAgain = openNow
    ? sql`true`
    : sql`coalesce(case when status = 'resolved' then last_resolved_at
                        when last_resolved_at > first_reopened_at then least(last_resolved_at, closed_at)
                        else closed_at end, 'infinity') >= ${t}`;
  return sql`created_at < ${t} and (coalesce(least(first_resolved_at, closed_at), 'infinity') >= ${t} or (first_reopened_at < ${t} and ${settledAgain}))`;
}

/** Open tickets now (not resolved or closed), by severity and by age; and open at the period's end by severity. */
async function backlogOf(sql: Sql, q: ReportQuery, now: Date): Promise<ReportSummary['backlog']> {
  // Open at `to` means open now, or settled now but changed at or after `to` (settling is a change);
  // each part is an index-only scan (ticket_facts_open_idx, ticket_facts_period_idx).
  const rows = await sql<{ now: boolean; severity: string; age: BacklogAge | null; n: string }[]>`
    select true as now, severity,
      case when created_at > ${now.toISOString()}::timestamptz - interval '1 day' then 'lt1d'
           when created_at > ${now.toISOString()}::timestamptz - interval '3 days' then '1to3d'
           when created_at > ${now.toISOString()}::timestamptz - interval '7 days' then '3to7d'
           else 'gt7d' end as age,
      count(*) as n
    from ticket_facts
    where status not in ('resolved', 'closed') ${filterSql(sql, q)}
    group by 1, 2, 3
    union all
    select false, severity, null, count(*)
    from ticket_facts
    where status not in ('resolved', 'closed') and ${openAtSql(sql, q.to, true)} ${filterSql(sql, q)}
    group by 1, 2
    union all
    select false, severity, null, count(*)
    from ticket_facts
    where status in ('resolved', 'closed') and updated_at >= ${at(sql, q.to)} and ${openAtSql(sql, q.to, false)} ${filterSql(sql, q)}
    group by 1, 2`;
  const zero = () => Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const bySeverity = zero();
  const endBySeverity = zero();
  const byAge = Object.fromEntries(BACKLOG_AGES.map((a) => [a, 0])) as Record<BacklogAge, number>;
  let open = 0;
  let endOpen = 0;
  for (const r of rows) {
    const c = n(r.n);
    if (r.now) {
      open += c;
      if (r.severity in bySeverity) bySeverity[r.severity as Severity] += c;
      if (r.age) byAge[r.age] += c;
    } else {
      endOpen += c;
      if (r.severity in endBySeverity) endBySeverity[r.severity as Severity] += c;
    }
  }
  return { open, bySeverity, byAge, atPeriodEnd: { open: endOpen, bySeverity: endBySeverity } };
}

/** One row per staff member owning tickets with something in the period (the ticket's current owner). */
export async function agentsFromFacts(sql: Sql, q: ReportQuery): Promise<AgentRow[]> {
  const firstResolved = inP(sql, 'first_resolved_at', q);
  const rows = await sql<Row[]>`
    select owner_id,
      count(*) filter (where ${inP(sql, 'first_claimed_at', q)}) as claimed,
      count(*) filter (where ${inP(sql, 'last_resolved_at', q)}) as resolved,
      percentile_cont(0.5) within group (order by first_response_s) filter (where ${inP(sql, 'first_response_at', q)}) as frt_median,
      percentile_cont(0.5) within group (order by resolution_last_s) filter (where ${inP(sql, 'last_resolved_at', q)}) as ttr_median,
      avg(csat) filter (where ${firstResolved})::float8 as csat_mean,
      count(*) filter (where ${firstResolved}) as first_resolved,
      count(*) filter (where ${firstResolved} and reopen_count > 0) as reopened
    from ticket_facts
    where owner_id is not null and ${candidatesSql(sql, q)}
    group by owner_id
    order by owner_id`;
  return rows.map((r) => ({
    staffId: String(r.owner_id),
    claimed: n(r.claimed),
    resolved: n(r.resolved),
    frtMedianS: round1(r.frt_median as number | null),
    ttrMedianS: round1(r.ttr_median as number | null),
    csatMean: r.csat_mean === null ? null : Math.round(Number(r.csat_mean) * 100) / 100,
    reopenRatePct: pct(n(r.reopened), n(r.first_resolved)),
  }));
}
