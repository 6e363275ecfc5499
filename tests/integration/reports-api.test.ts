/**
 * The reports API on real Postgres: tickets driven through the use cases with an injected
 * clock, then every figure checked against the value worked out by hand from that timeline.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actOnTicket, type TicketCommand } from '../../src/app/act-on-ticket.js';
import { createTicket } from '../../src/app/create-ticket.js';
import { customerAct, type CustomerCommand } from '../../src/app/customer-actions.js';
import { reportSummary } from '../../src/app/reports.js';
import { PgReports } from '../../src/db/reports.js';
import type { ReportSummary } from '../../src/core/reports/summary.js';
import { agentsResponse, departmentsResponse, reportSummaryResponse, timeseriesResponse, trendsResponse } from '../../src/http/report-openapi.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { wallClockConfig } from '../helpers/config.js';

// Far ahead of the real clock, so no BullMQ timer fires during the test.
const T0 = Date.parse('2030-01-07T00:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;
let now = T0;
let app: TestApp;

const at = (ms: number) => {
  now = T0 + ms;
};
const staff = (number: string, cmd: TicketCommand) => actOnTicket(app.deps, number, { actorId: 'dave', source: 'slack' }, cmd);
const customer = (number: string, customerId: string, cmd: CustomerCommand) => customerAct(app.deps, number, customerId, 'telegram', cmd);
const open = (input: { category: 'fault' | 'complaint'; severity: 'normal' | 'urgent' }) =>
  createTicket(app.deps, {
    customer: { name: 'Li Lei', phone: '+86 138 0013 8000', language: 'zh-CN' },
    product: 'Model X printer',
    orderNumber: 'SO-1',
    description: input.category === 'complaint' ? 'I want to complain about the delivery' : 'The printer shows error E02',
    source: 'telegram',
    actor: { kind: 'api' },
    ...input,
  });
const resolve: TicketCommand = { type: 'resolve', measures: 'replaced the fuser', advice: 'keep it dry' };

beforeAll(async () => {
  app = await startTestApp({ config: wallClockConfig(), now: () => new Date(now), env: { AFTERCARE_ROLE: 'api' } });
  // A: claimed at 10 min, answered at 30 min, resolved at 2 h, rated 5 / NPS 10.
  at(0);
  const a = (await open({ category: 'fault', severity: 'normal' })).state;
  at(10 * MIN);
  await staff(a.ticket.number, { type: 'claim' });
  at(30 * MIN);
  await staff(a.ticket.number, { type: 'reply', text: 'We are on it' });
  at(2 * HOUR);
  await staff(a.ticket.number, resolve);
  at(3 * HOUR);
  await customer(a.ticket.number, a.customer.id, { type: 'survey', csat: 5, nps: 10 });

  // B (created at 1 h): answered and claimed at 1 h 20, waits on the customer 2 h, resolved at 5 h,
  // "not resolved" at 6 h (reopen, escalation), resolved again at 8 h, rated 2 / NPS 3.
  at(HOUR);
  const b = (await open({ category: 'fault', severity: 'urgent' })).state;
  at(HOUR + 20 * MIN);
  await staff(b.ticket.number, { type: 'reply', text: 'Which model?', waitForCustomer: true });
  at(3 * HOUR + 20 * MIN);
  await customer(b.ticket.number, b.customer.id, { type: 'message', text: 'Model X' });
  at(5 * HOUR);
  await staff(b.ticket.number, resolve);
  at(6 * HOUR);
  await customer(b.ticket.number, b.customer.id, { type: 'confirm', resolved: false });
  at(8 * HOUR);
  await staff(b.ticket.number, resolve);
  at(9 * HOUR);
  await customer(b.ticket.number, b.customer.id, { type: 'survey', csat: 2, nps: 3 });

  // C (created at 2 h): a complaint nobody has touched (open, escalated at creation).
  at(2 * HOUR);
  await open({ category: 'complaint', severity: 'normal' });
  at(24 * HOUR);
});
afterAll(async () => {
  await app?.stop();
});

const period = `from=2030-01-07&to=2030-01-07&tz=UTC`;
const json = async (path: string) => {
  const res = await app.api(path);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
};

describe('GET /api/reports/summary', () => {
  it('answers the figures worked out by hand', async () => {
    const s = await json(`/api/reports/summary?${period}`);
    expect(s.period).toEqual({ from: '2030-01-07T00:00:00.000Z', to: '2030-01-08T00:00:00.000Z', tz: 'UTC' });
    expect(s.volume).toEqual({ created: 3, resolved: 2, closed: 0, reopened: 1 });
    expect(s.backlog).toMatchObject({ open: 1, bySeverity: { normal: 1, urgent: 0, critical: 0 } });
    // FRT 30 min and 20 min; wall-clock calendars, so business = calendar.
    expect(s.firstResponse).toEqual({ n: 2, medianS: 1500, p90S: 1740, meanS: 1500, businessMedianS: 1500, businessP90S: 1740 });
    expect(s.timeToClaim).toMatchObject({ n: 2, medianS: 900, meanS: 900 });
    // Final resolve: A at 2 h, B at 7 h after creation.
    expect(s.resolution).toMatchObject({ n: 2, medianS: 16_200, p90S: 23_400, meanS: 16_200 });
    // First resolve: A at 2 h, B at 4 h after creation.
    expect(s.resolutionFirst).toMatchObject({ n: 2, medianS: 10_800, meanS: 10_800 });
    expect(s.within24hPct).toBe(100);
    expect(s.fcrPct).toBe(50);
    expect(s.reopenRatePct).toBe(50);
    expect(s.csat).toEqual({ n: 2, mean: 3.5, satisfiedPct: 50, responseRatePct: 100 });
    expect(s.nps).toEqual({ n: 2, score: 0, promoters: 1, passives: 0, detractors: 1 });
    expect(s.complaintRatePct).toBe(33.3);
    expect(s.escalations).toEqual({ n: 2, byTrigger: { complaint: 1, reopened: 1 }, ackMedianS: null });
    expect((s.sla as Record<string, unknown>).first_response).toEqual({ met: 2, breached: 0, compliancePct: 100 });
    expect((s.sla as Record<string, unknown>).diagnosis_plan).toEqual({ met: 0, breached: 0, compliancePct: null });
    expect(s.verification).toEqual({ n: 0, stillFixedPct: null });
    // The answer has the shape the OpenAPI document gives.
    expect(reportSummaryResponse.safeParse(s).success).toBe(true);
  });

  it('filters by department and gives null, not 0, where there is no denominator', async () => {
    const s = await json(`/api/reports/summary?${period}&department=technical`);
    expect(s.volume).toMatchObject({ created: 2 });
    expect(s.complaintRatePct).toBe(0);
    const empty = await json(`/api/reports/summary?from=2030-02-01&to=2030-02-02`);
    expect(empty.volume).toEqual({ created: 0, resolved: 0, closed: 0, reopened: 0 });
    expect([empty.fcrPct, empty.complaintRatePct, (empty.firstResponse as { medianS: unknown }).medianS]).toEqual([null, null, null]);
  });

  it('counts the backlog at the period end from the facts timestamps', async () => {
    const end = async (to: string) => ((await json(`/api/reports/summary?from=2030-01-07T00:00:00Z&to=${to}`)).backlog as { atPeriodEnd: unknown }).atPeriodEnd;
    // End of the day: A and B resolved, C (normal) open.
    expect((await json(`/api/reports/summary?${period}`)).backlog).toMatchObject({ atPeriodEnd: { open: 1, bySeverity: { normal: 1, urgent: 0, critical: 0 } } });
    // 1 h 30: A (normal) and B (urgent) open; C not created yet.
    expect(await end('2030-01-07T01:30:00Z')).toEqual({ open: 2, bySeverity: { normal: 1, urgent: 1, critical: 0 } });
    // 5 h 30: A resolved, B resolved at 5 h and not reopened yet, C open.
    expect(await end('2030-01-07T05:30:00Z')).toEqual({ open: 1, bySeverity: { normal: 1, urgent: 0, critical: 0 } });
    // 7 h: B reopened at 6 h, resolved again only at 8 h.
    expect(await end('2030-01-07T07:00:00Z')).toEqual({ open: 2, bySeverity: { normal: 1, urgent: 1, critical: 0 } });
  });

  it('is what reportSummary gives the chat command', async () => {
    const viaApi = await json(`/api/reports/summary?${period}&severity=urgent`);
    const direct = await reportSummary(
      { reports: new PgReports(app.database.sql), now: () => new Date(now) },
      { from: new Date(T0), to: new Date(T0 + 24 * HOUR), severity: 'urgent' },
    );
    expect(JSON.parse(JSON.stringify(direct))).toEqual(viaApi);
  });

  it.each([
    ['from=yesterday', 'query.from'],
    ['tz=Mars/Base', 'query.tz'],
    ['from=2030-01-08&to=2030-01-07', 'query.to'],
    ['department=nowhere', 'query.department'],
    ['severity=high', 'query.severity'],
    ['colour=red', 'query.colour'],
  ])('400 validation_failed for %s naming %s', async (q, path) => {
    const res = await app.api(`/api/reports/summary?${q}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; fields: { path: string }[] } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.fields.map((f) => f.path)).toContain(path);
  });

  it('needs the API token', async () => {
    const res = await fetch(`${app.url}/api/reports/summary`);
    expect(res.status).toBe(401);
  });
});

describe('GET /api/reports/timeseries', () => {
  it('buckets by day in the time zone, one series per breakdown value', async () => {
    const all = await json(`/api/reports/timeseries?${period}&metric=created&interval=day`);
    expect(timeseriesResponse.safeParse(all).success).toBe(true);
    expect(all).toEqual({ metric: 'created', interval: 'day', series: [{ key: 'all', points: [{ t: '2030-01-07T00:00:00Z', value: 3, n: 3 }] }] });
    // In Shanghai (UTC+8) every ticket was created on 7 January local time, the bucket starts at local midnight.
    const bySeverity = await json(`/api/reports/timeseries?from=2030-01-07T00:00:00Z&to=2030-01-08T00:00:00Z&tz=Asia/Shanghai&metric=first_response_median&by=severity`);
    expect(bySeverity.series).toEqual([
      { key: 'normal', points: [{ t: '2030-01-07T00:00:00+08:00', value: 1800, n: 1 }] },
      { key: 'urgent', points: [{ t: '2030-01-07T00:00:00+08:00', value: 1200, n: 1 }] },
    ]);
  });

  it('400 for an unknown metric', async () => {
    const res = await app.api(`/api/reports/timeseries?metric=happiness`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { fields: { path: string }[] } }).error.fields[0]!.path).toBe('query.metric');
  });
});

describe('GET /api/reports/trends', () => {
  it('answers, per metric in the order asked, what /timeseries answers for it', async () => {
    const metrics = ['nps', 'created', 'first_response_median', 'complaint_rate_pct', 'csat_mean', 'first_response_p90', 'reopen_rate_pct'];
    for (const extra of ['&interval=day', '&interval=week&by=severity', '&by=department&severity=urgent']) {
      const q = `from=2030-01-06&to=2030-01-08&tz=Asia/Shanghai${extra}`;
      const body = await json(`/api/reports/trends?${q}&metrics=${metrics.join(',')}`);
      expect(trendsResponse.safeParse(body).success).toBe(true);
      const alone = await Promise.all(metrics.map((m) => json(`/api/reports/timeseries?${q}&metric=${m}`)));
      expect(body).toEqual({ interval: extra.includes('week') ? 'week' : 'day', trends: alone });
    }
    const one = await json(`/api/reports/trends?${period}&metrics=created`);
    expect(one.trends).toEqual([{ metric: 'created', interval: 'day', series: [{ key: 'all', points: [{ t: '2030-01-07T00:00:00Z', value: 3, n: 3 }] }] }]);
  });

  it.each([
    ['', 'query.metrics'],
    ['metrics=', 'query.metrics'],
    ['metrics=,', 'query.metrics'],
    ['metrics=created,happiness', 'query.metrics'],
    ['metrics=created,nps,created', 'query.metrics'],
    [`metrics=${['created', 'resolved', 'closed', 'reopened', 'first_response_median', 'first_response_p90', 'first_response_business_median', 'time_to_claim_median', 'time_to_claim_p90', 'resolution_median', 'resolution_p90', 'resolution_business_median', 'nps'].join(',')}`, 'query.metrics'],
    ['metrics=created&metrics=nps', 'query.metrics'],
    ['metrics=created&interval=year', 'query.interval'],
    ['metrics=created&by=colour', 'query.by'],
    ['metrics=created&tz=Mars/Base', 'query.tz'],
    ['metrics=created&department=nowhere', 'query.department'],
    ['metrics=created&metric=nps', 'query.metric'],
  ])('400 validation_failed for %s naming %s', async (q, path) => {
    const res = await app.api(`/api/reports/trends?${q}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; fields: { path: string; message: string }[] } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.fields.map((f) => f.path)).toContain(path);
    for (const f of body.error.fields) expect(f.message).not.toMatch(/^Invalid/);
  });

  it('needs the API token', async () => {
    expect((await fetch(`${app.url}/api/reports/trends?metrics=created`)).status).toBe(401);
  });
});

describe('GET /api/reports/agents', () => {
  it('gives one row per owner', async () => {
    const body = await json(`/api/reports/agents?${period}`);
    expect(agentsResponse.safeParse(body).success).toBe(true);
    expect(body.agents).toEqual([{ staffId: 'dave', claimed: 2, resolved: 2, frtMedianS: 1500, ttrMedianS: 16_200, csatMean: 3.5, reopenRatePct: 50 }]);
  });
});

describe('GET /api/reports/departments', () => {
  it('gives per department the figures its summary gives', async () => {
    const body = await json(`/api/reports/departments?${period}`);
    expect(departmentsResponse.safeParse(body).success).toBe(true);
    const rows = body.departments as { departmentId: string }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const s = (await json(`/api/reports/summary?${period}&department=${row.departmentId}`)) as unknown as ReportSummary;
      expect(row).toEqual({
        departmentId: row.departmentId,
        created: s.volume.created,
        resolved: s.volume.resolved,
        open: s.backlog.open,
        frtMedianS: s.firstResponse.medianS,
        ttrMedianS: s.resolution.medianS,
        csatMean: s.csat.mean,
        reopenRatePct: s.reopenRatePct,
      });
    }
  });
});

describe('GET /api/reports/tickets.csv', () => {
  it('streams one row per ticket with a header, RFC 4180 quoting and a UTF-8 BOM', async () => {
    const res = await app.api(`/api/reports/tickets.csv?from=2030-01-07T00:00:00Z&to=2030-01-08T00:00:00Z&tz=Asia/Shanghai`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const header = lines[0]!.split(',');
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
    expect(rows.map((r) => [r.category, r.first_response_s, r.resolution_last_s, r.reopen_count, r.fcr, r.csat])).toEqual([
      ['fault', '1800', '7200', '0', 'true', '5'],
      ['fault', '1200', '25200', '1', 'false', '2'],
      ['complaint', '', '', '0', '', ''],
    ]);
    // Times in the requested zone.
    expect(rows[0]!.created_at).toBe('2030-01-07 08:00:00');
  });
});

describe('GET /metrics', () => {
  it('reports the database-backed series', async () => {
    const res = await app.api('/metrics');
    const families = parsePrometheusTextFormat(await res.text());
    const family = (name: string) => families.find((f) => f.name === name);
    const sum = (name: string) => (family(name)?.metrics ?? []).reduce((s, m) => s + Number(m.value), 0);
    expect(sum('aftercare_tickets_created_total')).toBe(3);
    expect(family('aftercare_tickets_created_total')?.metrics).toContainEqual({
      labels: { department: 'technical', category: 'fault', severity: 'urgent', channel: 'telegram' },
      value: '1',
    });
    expect(sum('aftercare_tickets_open')).toBe(1);
    expect(family('aftercare_escalations_total')?.metrics).toContainEqual({ labels: { trigger: 'reopened', level: '1' }, value: '1' });
    const frt = family('aftercare_first_response_seconds')?.metrics[0];
    expect([frt?.count, frt?.sum]).toEqual(['2', '3000']);
    expect(frt?.buckets?.['1800']).toBe('2');
    expect(frt?.buckets?.['900']).toBe('0');
    expect(family('aftercare_resolution_seconds')?.type).toBe('HISTOGRAM');
  });
});
