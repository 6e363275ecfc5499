import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SLA_CLOCKS } from '../src/core/reports/facts.js';
import type { ReportQuery } from '../src/core/reports/summary.js';
import type { Sql } from '../src/db/client.js';
import { PgReports } from '../src/db/reports.js';
import { log, percentile, round, timed } from './lib/common.js';
import type { BenchContext } from './lib/context.js';

export interface ReportsResult {
  tickets: number;
  seedSeconds: number;
  rollupSeconds: number;
  periodDays: number;
  rowsInPeriod: number;
  summaryMs: { all: Timing; department: Timing };
  timeseriesMs: { byDay: Timing; byDayPerDepartment: Timing };
  csv: { rows: number; bytes: number; seconds: number; rowsPerSecond: number };
}

interface Timing {
  runs: number;
  p50: number;
  p95: number;
  max: number;
}

const DAY = 86_400_000;
const DEPARTMENTS = ['technical', 'customer-service', 'logistics', 'sales', 'product', 'cs-supervisor'];
const CATEGORIES = ['fault', 'fault', 'fault', 'inquiry', 'inquiry', 'complaint', 'suggestion'];
const SEVERITIES = ['normal', 'normal', 'normal', 'normal', 'urgent', 'urgent', 'critical'];
const CHANNELS = ['telegram', 'telegram', 'telegram', 'api', 'slack', 'discord'];
const TRIGGERS = ['sla_breach', 'complaint', 'critical', 'reopened', 'manual'];
const STAFF = ['dave', 'erin', 'alice', 'bob', 'frank', 'grace', 'heidi'];
const FOLD = JSON.stringify({ pausedSince: null, pausedMs: 0, pausedBusinessMs: 0, customerSpokeAfterResponse: false, clocks: {} });

/** A deterministic pseudo-random sequence, so runs seed the same data. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const uuid = (tag: string, i: number) => {
  const h = createHash('md5').update(`t:${tag}:${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const iso = (ms: number) => new Date(ms).toISOString();
const N = '\\N';

/** COPY text format: tab-separated, \N for null. */
async function copyRows(sql: Sql, table: string, columns: string[], rows: Iterable<string[]>): Promise<void> {
  const writable = await sql.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable();
  function* lines() {
    let batch: string[] = [];
    for (const r of rows) {
      batch.push(r.join('\t'));
      if (batch.length === 2000) {
        yield batch.join('\n') + '\n';
        batch = [];
      }
    }
    if (batch.length) yield batch.join('\n') + '\n';
  }
  await pipeline(Readable.from(lines()), writable);
}

const FACT_COLUMNS = [
  'ticket_id', 'number', 'channel', 'category', 'severity', 'tier', 'department_id', 'departments', 'owner_id', 'status', 'created_at', 'updated_at',
  'first_claimed_at', 'first_response_at', 'first_contact_at', 'first_resolved_at', 'last_resolved_at', 'first_reopened_at', 'closed_at',
  'time_to_claim_s', 'time_to_claim_bs', 'first_response_s', 'first_response_bs', 'time_to_contact_s', 'time_to_contact_bs',
  'resolution_first_s', 'resolution_first_bs', 'resolution_last_s', 'resolution_last_bs', 'paused_s', 'paused_bs', 'resolution_net_s', 'resolution_net_bs',
  'reopen_count', 'fcr', 'complaint',
  ...SLA_CLOCKS.flatMap((k) => [`sla_${k}`, `sla_${k}_at`]),
  'escalation_count', 'escalation_trigger', 'escalation_level', 'escalation_ack_s', 'escalations', 'survey_sent', 'csat', 'nps', 'verification', 'fold',
];

/** Realistic per-ticket facts: most resolved within a day, some reopened, breached, escalated, rated. */
function* factRows(tag: string, count: number, now: number, spanDays: number): Generator<string[]> {
  const r = rng(42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)]!;
  const exp = (mean: number) => Math.round(-Math.log(1 - r()) * mean);
  for (let i = 1; i <= count; i++) {
    const created = now - Math.floor(r() * spanDays * DAY);
    const age = now - created;
    const category = pick(CATEGORIES);
    const severity = pick(SEVERITIES);
    const department = pick(DEPARTMENTS);
    const claim = Math.min(exp(900), age);
    const claimed = age > 60_000 || r() < 0.5;
    const frt = claimed ? claim + exp(600) : null;
    const responded = frt !== null && frt * 1000 < age;
    const resFirst = responded ? (frt ?? 0) + exp(20 * 3600) : null;
    const resolved = resFirst !== null && resFirst * 1000 < age;
    const reopened = resolved && r() < 0.06;
    const resLast = resolved ? (reopened ? resFirst + exp(8 * 3600) : resFirst) : null;
    const lastResolved = resLast !== null && resLast * 1000 < age;
    const closed = lastResolved && r() < 0.8 ? created + (resLast + exp(48 * 3600)) * 1000 : null;
    const paused = resolved && r() < 0.3 ? exp(3 * 3600) : 0;
    const status = !claimed ? 'new' : !resolved ? 'in_progress' : reopened && !lastResolved ? 'reopened' : closed !== null && closed < now ? 'closed' : 'resolved';
    const at = (s: number | null) => (s === null ? N : iso(created + s * 1000));
    const bs = (s: number | null) => (s === null ? N : String(Math.round(s * 0.4)));
    const sla = SLA_CLOCKS.flatMap((k) => {
      if (k === 'critical_start' && severity !== 'critical') return ['n/a', N];
      if (k === 'diagnosis_plan' && r() < 0.8) return ['n/a', N];
      const end = k === 'first_response' ? frt : k === 'contact_customer' ? frt : resFirst;
      if (end === null || end * 1000 > age) return ['running', N];
      return r() < 0.12 ? ['breached', at(Math.round(end * 0.8))] : ['met', at(end)];
    });
    const escalated = severity === 'critical' || category === 'complaint' || r() < 0.05;
    const trigger = severity === 'critical' ? 'critical' : category === 'complaint' ? 'complaint' : pick(TRIGGERS);
    const level = 1 + Math.floor(r() * r() * 3);
    const ackS = r() < 0.9 ? exp(900) : null;
    const csat = resolved && r() < 0.6 ? 1 + Math.min(4, Math.floor(r() * r() * 5 + r() * 3)) : null;
    const nps = csat !== null && r() < 0.8 ? Math.min(10, Math.floor(r() * 11 + csat / 2)) : null;
    const updated = Math.min(now, Math.max(created, closed ?? 0, created + (resLast ?? frt ?? 0) * 1000));
    yield [
      uuid(tag, i), `AC-${String(i).padStart(7, '0')}`, pick(CHANNELS), category, severity, r() < 0.1 ? 'vip' : 'standard', department,
      `{${department}}`, claimed ? pick(STAFF) : N, status, iso(created), iso(updated),
      claimed ? at(claim) : N, responded ? at(frt) : N, responded ? at(frt) : N, resolved ? at(resFirst) : N, lastResolved ? at(resLast) : resolved ? at(resFirst) : N,
      reopened ? at(resFirst + 3600) : N, closed !== null && closed < now ? iso(closed) : N,
      claimed ? String(claim) : N, claimed ? bs(claim) : N, responded ? String(frt) : N, bs(responded ? frt : null), responded ? String(frt - claim) : N, bs(responded ? frt - claim : null),
      resolved ? String(resFirst) : N, bs(resolved ? resFirst : null), lastResolved ? String(resLast) : resolved ? String(resFirst) : N, bs(lastResolved ? resLast : resolved ? resFirst : null),
      String(paused), String(Math.round(paused * 0.4)), resolved ? String(Math.max(0, (lastResolved ? resLast : resFirst) - paused)) : N, resolved ? String(Math.round(Math.max(0, (lastResolved ? resLast : resFirst) - paused) * 0.4)) : N,
      reopened ? '1' : '0', resolved ? String(!reopened && r() < 0.75) : N, String(category === 'complaint'),
      ...sla,
      escalated ? '1' : '0', escalated ? trigger : N, escalated ? String(level) : '0', escalated && ackS !== null ? String(ackS) : N,
      escalated ? JSON.stringify([{ id: `e${i}`, trigger, level, at: iso(created), ackS }]) : '[]',
      String(resolved), csat === null ? N : String(csat), nps === null ? N : String(nps),
      category === 'fault' && resolved && r() < 0.5 ? (r() < 0.85 ? 'still_fixed' : 'problem_again') : N, FOLD,
    ];
  }
}

function* ticketRows(tag: string, count: number, customerId: string, now: number, spanDays: number): Generator<string[]> {
  // Same sequence as factRows for created_at is not needed: the reports read ticket_facts only.
  for (let i = 1; i <= count; i++) {
    const created = iso(now - (i % (spanDays * 24)) * 3_600_000);
    yield [uuid(tag, i), `AC-${String(i).padStart(7, '0')}`, 'resolved', 'fault', 'normal', 'standard', customerId, 'technical', 'Model X', 'SO-1', 'seeded', 'api', created, created];
  }
}

async function time(runs: number, fn: () => Promise<unknown>): Promise<Timing> {
  await fn(); // warm-up: plans and caches
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { runs, p50: round(percentile(ms, 50), 1), p95: round(percentile(ms, 95), 1), max: round(ms.at(-1)!, 1) };
}

/** `count` tickets with realistic facts created over the `spanDays` before `now`, by COPY. */
export async function seedReportFacts(sql: Sql, tag: string, count: number, now: number, spanDays: number): Promise<void> {
  const customerId = uuid(`${tag}-c`, 0);
  await sql`insert into customers (id, name, language, tier, created_at) values (${customerId}, 'Bench customer', 'en', 'standard', now())`;
  const ticketCols = ['id', 'number', 'status', 'category', 'severity', 'tier', 'customer_id', 'primary_department_id', 'product', 'order_number', 'description', 'source', 'created_at', 'updated_at'];
  await copyRows(sql, 'tickets', ticketCols, ticketRows(tag, count, customerId, now, spanDays));
  await copyRows(sql, 'ticket_facts', FACT_COLUMNS, factRows(tag, count, now, spanDays));
  // What autovacuum does after a bulk insert (insert-triggered vacuum): statistics and the
  // visibility map, without which the reports' index-only scans visit the table.
  await sql`vacuum (analyze) ticket_facts`;
}

/**
 * `tickets` tickets' facts seeded with COPY over a year, then the summary (90 days, without and
 * with a department filter), the daily time series and the CSV export of the 90 days, through
 * the same PgReports the HTTP routes call.
 */
export async function benchReports(ctx: BenchContext, o: { tickets: number; runs: number }): Promise<ReportsResult> {
  const sql = ctx.database.sql;
  const tag = `${ctx.runId}-rp`;
  const now = Date.now();
  const spanDays = 365;
  const seeded = await timed(() => seedReportFacts(sql, tag, o.tickets, now, spanDays));
  log(`reports: seeded ${o.tickets} tickets' facts in ${round(seeded.seconds, 1)} s`);
  const reports = new PgReports(sql);
  const q: ReportQuery = { from: new Date(now - 90 * DAY), to: new Date(now), tz: 'Asia/Shanghai', filters: {} };
  const dq: ReportQuery = { ...q, filters: { department: 'technical' } };
  const [inPeriod] = await sql<{ n: number }[]>`select count(*)::int as n from ticket_facts where created_at >= ${q.from.toISOString()}::timestamptz`;
  // The first summary starts rolling up the period's days (in the background, as after an
  // upgrade); the figures are timed once they are built.
  const build = await timed(async () => {
    await reports.summary(q, new Date(now));
    await reports.rollupsSettled();
  });
  log(`reports: rolled up the period's days in ${round(build.seconds, 1)} s`);
  const summaryAll = await time(o.runs, () => reports.summary(q, new Date(now)));
  const summaryDept = await time(o.runs, () => reports.summary(dq, new Date(now)));
  log(`reports: summary p95 ${summaryAll.p95} ms, with a department ${summaryDept.p95} ms`);
  const byDay = await time(o.runs, () => reports.timeseries({ ...q, metric: 'first_response_median', interval: 'day' }));
  const perDept = await time(o.runs, () => reports.timeseries({ ...q, metric: 'resolution_p90', interval: 'day', by: 'department' }));
  log(`reports: timeseries p95 ${byDay.p95} ms, per department ${perDept.p95} ms`);
  let bytes = 0;
  let rows = 0;
  const csv = await timed(async () => {
    for await (const chunk of reports.ticketsCsv(q)) {
      const s = String(chunk);
      bytes += Buffer.byteLength(s);
      for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) rows++;
    }
  });
  rows -= 1; // the header
  log(`reports: CSV ${rows} rows in ${round(csv.seconds, 2)} s`);
  return {
    tickets: o.tickets,
    seedSeconds: round(seeded.seconds, 1),
    rollupSeconds: round(build.seconds, 1),
    periodDays: 90,
    rowsInPeriod: inPeriod!.n,
    summaryMs: { all: summaryAll, department: summaryDept },
    timeseriesMs: { byDay, byDayPerDepartment: perDept },
    csv: { rows, bytes, seconds: round(csv.seconds, 2), rowsPerSecond: Math.round(rows / csv.seconds) },
  };
}
