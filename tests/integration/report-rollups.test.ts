/**
 * The report roll-ups: whole UTC days before yesterday are read from per-day roll-ups, the rest
 * of a period from the rows; the summary is the same as reading every row, and stays so when
 * an old day's tickets change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedReportFacts } from '../../bench/reports.js';
import type { ReportFilters, ReportQuery } from '../../src/core/reports/summary.js';
import { PgReports } from '../../src/db/reports.js';
import { exampleConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

const DAY = 86_400_000;
let tdb: TestDatabase;
let rows: PgReports;
const now = Date.now();

beforeAll(async () => {
  tdb = await freshDatabase(exampleConfig());
  // 40 days of tickets up to now, so that most days are old enough to be rolled up.
  await seedReportFacts(tdb.database.sql, 'rollups', 3000, now, 40);
  rows = new PgReports(tdb.database.sql, { rollups: false });
});
afterAll(async () => {
  await tdb.drop();
});

const query = (fromDaysAgo: number, toDaysAgo: number, filters: ReportFilters = {}): ReportQuery => ({
  from: new Date(now - fromDaysAgo * DAY),
  to: new Date(now - toDaysAgo * DAY),
  tz: 'Asia/Shanghai',
  filters,
});

const builtDays = async () => (await tdb.database.sql<{ n: number }[]>`select count(*)::int as n from report_days`)[0]!.n;

/** The summary through the roll-ups, checked against reading every row. */
async function same(reports: PgReports, q: ReportQuery) {
  const [fromRollups, fromRows] = await Promise.all([reports.summary(q, new Date(now)), rows.summary(q, new Date(now))]);
  expect(fromRollups).toEqual(fromRows);
  return fromRollups;
}

describe('report roll-ups', () => {
  it('give the summary the rows give, for periods with and without whole days and by department', async () => {
    const reports = new PgReports(tdb.database.sql);
    // Boundaries at odd times of day, midnight UTC, a period inside one day, and one reaching today.
    const periods: [number, number][] = [[30.37, 0], [20, 10], [35.5, 3.25], [12.9, 12.2], [40, 2.6], [7, 0.1]];
    const filters: ReportFilters[] = [{}, { department: 'technical' }, { department: 'logistics' }];
    for (const [from, to] of periods) for (const f of filters) await same(reports, query(from, to, f));
    // Many stale days are built in the background; then the same periods read them.
    await reports.rollupsSettled();
    expect(await builtDays()).toBeGreaterThan(30);
    for (const [from, to] of periods) for (const f of filters) await same(reports, query(from, to, f));
    const s = await same(reports, query(30, 0));
    expect(s.volume.created).toBeGreaterThan(1000);
    expect(s.firstResponse.n).toBeGreaterThan(1000);
    expect(s.escalations.n).toBeGreaterThan(0);
  });

  it('see a change to an old day: a rating, a transfer, a ticket removed and one added', async () => {
    const reports = new PgReports(tdb.database.sql);
    const sql = tdb.database.sql;
    const q = query(30, 0);
    await reports.summary(q, new Date(now));
    await reports.rollupsSettled();
    const before = await same(reports, q);
    const old = new Date(now - 15 * DAY).toISOString();
    const inPeriod = new Date(now - 28 * DAY).toISOString();
    // A late rating of a ticket first resolved two weeks ago.
    const [rated] = await sql<{ ticket_id: string }[]>`
      select ticket_id from ticket_facts where first_resolved_at < ${old}::timestamptz and first_resolved_at > ${old}::timestamptz - interval '5 days' and csat is null limit 1`;
    await sql`update ticket_facts set csat = 5, nps = 10 where ticket_id = ${rated!.ticket_id}`;
    const afterRating = await same(reports, q);
    expect(afterRating.csat.n).toBe(before.csat.n + 1);
    // A transfer of an old ticket to another department moves all its figures.
    const [moved] = await sql<{ ticket_id: string }[]>`
      select ticket_id from ticket_facts where created_at between ${inPeriod}::timestamptz and ${old}::timestamptz and department_id = 'technical' and first_response_at is not null limit 1`;
    const dept = query(30, 0, { department: 'technical' });
    const technicalBefore = await same(reports, dept);
    await sql`update ticket_facts set department_id = 'logistics' where ticket_id = ${moved!.ticket_id}`;
    const technicalAfter = await same(reports, dept);
    expect(technicalAfter.volume.created).toBe(technicalBefore.volume.created - 1);
    await same(reports, query(30, 0, { department: 'logistics' }));
    // Rows removed and rows added with old moments.
    await sql`delete from ticket_facts where ticket_id = (select ticket_id from ticket_facts where created_at between ${inPeriod}::timestamptz and ${old}::timestamptz order by ticket_id limit 1)`;
    const copies = await sql<{ ticket_id: string }[]>`
      select ticket_id from ticket_facts where created_at between ${inPeriod}::timestamptz and ${old}::timestamptz and escalation_count > 0 order by ticket_id limit 2`;
    const ids = copies.map((c) => c.ticket_id);
    const renamed = sql`jsonb_build_object('id', md5(id::text || 'copy')::uuid, 'number', number || '-copy')`;
    await sql`insert into tickets select (jsonb_populate_record(null::tickets, to_jsonb(t) || ${renamed})).* from tickets t where id = any(${sql.array(ids)}::uuid[])`;
    await sql`
      insert into ticket_facts
      select (jsonb_populate_record(null::ticket_facts, to_jsonb(f) || jsonb_build_object('ticket_id', md5(ticket_id::text || 'copy')::uuid, 'number', number || '-copy'))).*
      from ticket_facts f where ticket_id = any(${sql.array(ids)}::uuid[])`;
    const afterChanges = await same(reports, q);
    // One removed, two added.
    expect(afterChanges.volume.created).toBe(before.volume.created + 1);
  });

  it('build each day once when summaries start together, and forget the roll-ups when the facts are emptied', async () => {
    const sql = tdb.database.sql;
    await sql`truncate report_days, report_dirty, report_day_counts, report_day_runs`;
    const q = query(25, 0);
    const expected = await rows.summary(q, new Date(now));
    const replicas = [new PgReports(sql), new PgReports(sql), new PgReports(sql)];
    const results = await Promise.all(replicas.map((r) => r.summary(q, new Date(now))));
    for (const r of results) expect(r).toEqual(expected);
    await Promise.all(replicas.map((r) => r.rollupsSettled()));
    for (const r of await Promise.all(replicas.map((r) => r.summary(q, new Date(now))))) expect(r).toEqual(expected);
    const [{ built, distinct }] = (await sql`select count(*)::int as built, count(distinct day)::int as distinct from report_days`) as unknown as [{ built: number; distinct: number }];
    expect(built).toBe(distinct);
    expect(built).toBeGreaterThan(20);
    await sql`truncate ticket_facts`;
    expect(await builtDays()).toBe(0);
    const empty = await new PgReports(sql).summary(q, new Date(now));
    expect(empty.volume.created).toBe(0);
  });
});
