import type postgres from 'postgres';
import { SLA_CLOCKS, type SlaClockKind } from '../core/reports/facts.js';
import {
  BACKLOG_AGES,
  pct,
  round1,
  type AgentRow,
  type BacklogAge,
  type ClockCompliance,
  type DepartmentRow,
  type DurationStats,
  type ReportQuery,
  type ReportSummary,
} from '../core/reports/summary.js';
import { SEVERITIES, type Severity } from '../core/types.js';
import { at, candidatesSql, countsStatement, inPeriod, reportSettings, RUNS, runStatement, runStats, type ReportRollups, type RunKey, type RunStats } from './report-rollups.js';

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

/** The rows that can contribute to the query's period, with its filters (see report-rollups.ts). */
const candidates = (sql: Sql, q: ReportQuery): Fragment => candidatesSql(sql, q, filterSql(sql, q));

/** Runs report statements in a transaction with {@link reportSettings} (JIT off, room to sort in memory). */
export async function reportStatement<T>(sql: Sql, run: (tx: Sql) => Promise<T> | postgres.PendingQuery<postgres.Row[]>): Promise<T> {
  return (await sql.begin(async (tx) => {
    await reportSettings(tx as unknown as Sql);
    return (await run(tx as unknown as Sql)) as T;
  })) as T;
}

type Duration = 'firstResponse' | 'timeToClaim' | 'timeToContact' | 'resolution' | 'resolutionFirst';
const PERCENTILES = [0.5, 0.9] as const;

type Row = Record<string, unknown>;

const n = (v: unknown): number => Number(v ?? 0);

function durationStats(runs: Map<RunKey, RunStats>, name: Duration): DurationStats {
  const s = runs.get(`${name}_s`)!;
  const bs = runs.get(`${name}_bs`)!;
  const p = (r: RunStats, q: number) => round1(r.percentiles.get(q));
  return {
    n: s.n,
    medianS: p(s, 0.5),
    p90S: p(s, 0.9),
    meanS: s.n > 0 ? round1(s.sum / s.n) : null,
    businessMedianS: p(bs, 0.5),
    businessP90S: p(bs, 0.9),
  };
}

/**
 * Every figure of the summary (SPEC §8) from ticket_facts. Each figure counts the tickets
 * whose own moment falls in the period: created (created_at), resolved (final resolve),
 * closed, reopened (first reopen), FRT (first response), time to claim (first claim),
 * resolution (final resolve); rates over resolutions (within 24 h, FCR, reopen rate, CSAT,
 * NPS, verification) use the tickets first resolved in the period; SLA compliance the clocks
 * whose outcome was decided in the period (breach or stop). The figures are defined once in
 * report-rollups.ts and read from the per-day roll-ups for whole days and from the rows for
 * the rest of the period.
 */
export async function summaryFromFacts(sql: Sql, rollups: ReportRollups, q: ReportQuery, now: Date): Promise<ReportSummary> {
  const plan = await rollups.plan(q);
  const keys = Object.keys(RUNS) as RunKey[];
  const runGroup = (part: RunKey[]) =>
    reportStatement(sql, (tx) =>
      Promise.all(part.map(async (key) => [key, runStats(await tx<never[]>`${runStatement(tx, key, plan, filterSql(tx, q), PERCENTILES)}`)] as const)),
    );
  // Four transactions on four connections, each sending its statements at once (postgres.js pipelines them).
  const [[countRows, backlog], ...runParts] = await Promise.all([
    reportStatement(sql, (tx) => Promise.all([tx<{ metric: string; n: number }[]>`${countsStatement(tx, plan, filterSql(tx, q))}`, backlogOf(tx, q, now)])),
    runGroup(keys.slice(0, 4)),
    runGroup(keys.slice(4, 8)),
    runGroup(keys.slice(8)),
  ]);
  const runs = new Map<RunKey, RunStats>(runParts.flat());
  const row: Record<string, number> = {};
  const byTrigger: Record<string, number> = {};
  let escN = 0;
  for (const r of countRows) {
    row[r.metric] = n(r.n);
    if (r.metric.startsWith('escalations:')) {
      byTrigger[r.metric.slice('escalations:'.length)] = n(r.n);
      escN += n(r.n);
    }
  }
  const count = (metric: string) => row[metric] ?? 0;

  const sla = Object.fromEntries(
    SLA_CLOCKS.map((k): [SlaClockKind, ClockCompliance] => {
      const met = count(`sla_${k}_met`);
      const breached = count(`sla_${k}_breached`);
      return [k, { met, breached, compliancePct: pct(met, met + breached) }];
    }),
  ) as Record<SlaClockKind, ClockCompliance>;
  const firstResolvedN = count('first_resolved');
  const npsN = count('nps_n');
  const promoters = count('nps_promoters');
  const detractors = count('nps_detractors');
  const npsScore = npsN > 0 ? round1((100 * (promoters - detractors)) / npsN) : null;
  const csatN = count('csat_n');
  return {
    period: { from: q.from.toISOString(), to: q.to.toISOString(), tz: q.tz },
    filters: q.filters,
    volume: { created: count('created'), resolved: count('resolved'), closed: count('closed'), reopened: count('reopened') },
    backlog,
    firstResponse: durationStats(runs, 'firstResponse'),
    timeToClaim: durationStats(runs, 'timeToClaim'),
    timeToContact: durationStats(runs, 'timeToContact'),
    resolution: durationStats(runs, 'resolution'),
    resolutionFirst: durationStats(runs, 'resolutionFirst'),
    sla,
    within24hPct: pct(count('within_24h'), firstResolvedN),
    fcrPct: pct(count('fcr'), firstResolvedN),
    reopenRatePct: pct(count('reopened_of_resolved'), firstResolvedN),
    csat: {
      n: csatN,
      mean: csatN > 0 ? Math.round((count('csat_sum') / csatN) * 100) / 100 : null,
      satisfiedPct: pct(count('csat_satisfied'), csatN),
      responseRatePct: pct(count('surveys_answered'), count('surveys_sent')),
    },
    nps: { n: npsN, score: npsScore, promoters, passives: count('nps_passives'), detractors },
    complaintRatePct: pct(count('complaints'), count('created')),
    escalations: { n: escN, byTrigger, ackMedianS: round1(runs.get('escalationAck_s')!.percentiles.get(0.5)) },
    verification: { n: count('verification_n'), stillFixedPct: pct(count('still_fixed'), count('verification_n')) },
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

/** The figures of one group of tickets (a staff member's, a department's) as the breakdown tables show them. */
interface BreakdownRow extends Omit<DepartmentRow, 'departmentId'> {
  key: string;
  /** Has tickets with something in the period (not only open ones). */
  inPeriod: boolean;
  claimed: number;
}

/** The breakdown tables' groupings: by owning department and by current owner. */
const BREAKDOWN_COLUMNS = { departments: 'department_id', agents: 'owner_id' } as const;
type Breakdown = keyof typeof BREAKDOWN_COLUMNS;

/**
 * One row per owning department and one per current owner among the tickets with something in
 * the period, plus the groups with tickets open now: the moments as in the summary (created,
 * first claim, final resolve, first response, first resolve for CSAT and reopen rate). Both
 * tables come from one scan of the period's rows (grouping sets).
 */
async function breakdownsFromFacts(sql: Sql, q: ReportQuery): Promise<Record<Breakdown, BreakdownRow[]>> {
  const firstResolved = inPeriod(sql, 'first_resolved_at', q);
  const sets = sql.unsafe(Object.values(BREAKDOWN_COLUMNS).map((c) => `(${c})`).join(', '));
  // Which grouping a row belongs to: grouping(department_id) is 0 in the department rows.
  const byKey = sql.unsafe(`case when grouping(department_id) = 0 then 'departments' else 'agents' end as breakdown, coalesce(department_id, owner_id) as key`);
  const rows = await sql<Row[]>`
    select breakdown, key, sum(created) as created, sum(claimed) as claimed, sum(resolved) as resolved, sum(open) as open,
      max(frt_median) as frt_median, max(ttr_median) as ttr_median, max(csat_mean) as csat_mean,
      sum(first_resolved) as first_resolved, sum(reopened) as reopened, bool_or(in_period) as in_period
    from (
      select ${byKey},
        count(*) filter (where ${inPeriod(sql, 'created_at', q)}) as created,
        count(*) filter (where ${inPeriod(sql, 'first_claimed_at', q)}) as claimed,
        count(*) filter (where ${inPeriod(sql, 'last_resolved_at', q)}) as resolved,
        0 as open,
        percentile_cont(0.5) within group (order by first_response_s) filter (where ${inPeriod(sql, 'first_response_at', q)}) as frt_median,
        percentile_cont(0.5) within group (order by resolution_last_s) filter (where ${inPeriod(sql, 'last_resolved_at', q)}) as ttr_median,
        avg(csat) filter (where ${firstResolved})::float8 as csat_mean,
        count(*) filter (where ${firstResolved}) as first_resolved,
        count(*) filter (where ${firstResolved} and reopen_count > 0) as reopened,
        true as in_period
      from ticket_facts
      where ${candidates(sql, q)}
      group by grouping sets (${sets})
      union all
      select ${byKey}, 0, 0, 0, count(*), null, null, null, 0, 0, false
      from ticket_facts
      where status not in ('resolved', 'closed') ${filterSql(sql, q)}
      group by grouping sets (${sets})
    ) g
    where key is not null
    group by breakdown, key
    order by breakdown, key`;
  const out: Record<Breakdown, BreakdownRow[]> = { departments: [], agents: [] };
  for (const r of rows) {
    out[r.breakdown as Breakdown].push({
      key: String(r.key),
      inPeriod: r.in_period === true,
      created: n(r.created),
      claimed: n(r.claimed),
      resolved: n(r.resolved),
      open: n(r.open),
      frtMedianS: round1(r.frt_median as number | null),
      ttrMedianS: round1(r.ttr_median as number | null),
      csatMean: r.csat_mean === null ? null : Math.round(Number(r.csat_mean) * 100) / 100,
      reopenRatePct: pct(n(r.reopened), n(r.first_resolved)),
    });
  }
  return out;
}

/** The department and agent tables of a period, from one scan. */
export async function breakdownTables(sql: Sql, q: ReportQuery): Promise<{ departments: DepartmentRow[]; agents: AgentRow[] }> {
  const rows = await breakdownsFromFacts(sql, q);
  return {
    // One row per staff member owning tickets with something in the period (the ticket's current owner).
    agents: rows.agents
      .filter((r) => r.inPeriod)
      .map(({ key, claimed, resolved, frtMedianS, ttrMedianS, csatMean, reopenRatePct }) => ({ staffId: key, claimed, resolved, frtMedianS, ttrMedianS, csatMean, reopenRatePct })),
    // One row per owning department with tickets in the period or open now.
    departments: rows.departments.map(({ key, created, resolved, open, frtMedianS, ttrMedianS, csatMean, reopenRatePct }) => ({
      departmentId: key,
      created,
      resolved,
      open,
      frtMedianS,
      ttrMedianS,
      csatMean,
      reopenRatePct,
    })),
  };
}
