import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';
import { SLA_CLOCKS } from '../core/reports/facts.js';
import type { ReportQuery } from '../core/reports/summary.js';
import { reportSettings } from './report-rollups.js';

type Sql = postgres.Sql;

const TIMES = ['created_at', 'first_claimed_at', 'first_response_at', 'first_contact_at', 'first_resolved_at', 'last_resolved_at', 'first_reopened_at', 'closed_at'];
const DURATIONS = ['time_to_claim', 'first_response', 'time_to_contact', 'resolution_first', 'resolution_last', 'paused', 'resolution_net'];

/** Where the export's zone goes in a column's expression. */
const TZ = '@tz';
/**
 * `YYYY-MM-DD HH:MM:SS` local time in the export's zone, rounded to the millisecond first (as
 * the instants were recorded in milliseconds).
 */
const local = (col: string) => `to_char((${col} + interval '500 microseconds') at time zone ${TZ}, 'YYYY-MM-DD HH24:MI:SS')`;
/** `true` / `false` (COPY would write a boolean as `t` / `f`). */
const bool = (col: string) => `${col}::text`;
/** Text as it stands; an empty string is written like a missing value (COPY would quote it). */
const txt = (col: string) => `nullif(${col}, '')`;

/** The CSV's columns in order: header name → SQL expression over ticket_facts. */
const COLUMNS: [string, string][] = [
  ['number', txt('number')],
  ['channel', txt('channel')],
  ['category', txt('category')],
  ['severity', txt('severity')],
  ['tier', txt('tier')],
  ['department', txt('department_id')],
  ['departments', txt(`array_to_string(departments, ';')`)],
  ['owner', txt('owner_id')],
  ['status', txt('status')],
  ...TIMES.map((c): [string, string] => [c, local(c)]),
  ...DURATIONS.flatMap((d): [string, string][] => [
    [`${d}_s`, `${d}_s`],
    [`${d}_business_s`, `${d}_bs`],
  ]),
  ['reopen_count', 'reopen_count'],
  ['fcr', bool('fcr')],
  ['complaint', bool('complaint')],
  ...SLA_CLOCKS.flatMap((k): [string, string][] => [
    [`sla_${k}`, txt(`sla_${k}`)],
    [`sla_${k}_at`, local(`sla_${k}_at`)],
  ]),
  ['escalations', 'escalation_count'],
  ['escalation_trigger', txt('escalation_trigger')],
  ['escalation_level', 'escalation_level'],
  ['escalation_ack_s', 'escalation_ack_s'],
  ['survey_sent', bool('survey_sent')],
  ['csat', 'csat'],
  ['nps', 'nps'],
  ['verification', txt('verification')],
];

export const CSV_HEADER = COLUMNS.map(([h]) => h);

const SELECT = COLUMNS.map(([h, expr]) => `${expr} as "${h}"`).join(', ');

/** UTF-8 byte order mark, so that Excel reads the file as UTF-8. */
const BOM = '\uFEFF';

/**
 * A value as an SQL string literal. COPY takes no bound parameters, so the period, zone and
 * filters are written into the statement; with standard_conforming_strings (on since
 * Postgres 9.1) doubling the quote is the whole escaping. The values were validated before
 * (instants, an IANA zone, configured ids and enum values).
 */
function literal(v: string): string {
  if (v.includes('\0')) throw new Error('a NUL character cannot be part of a report filter');
  return `'${v.replaceAll("'", "''")}'`;
}

/** The COPY statement of an export: one row per ticket created in the period, oldest first. */
export function csvCopyStatement(q: ReportQuery): string {
  const f = q.filters;
  const conds: string[] = [];
  const add = (col: string, v: string | undefined) => {
    if (v !== undefined) conds.push(`and ${col} = ${literal(v)}`);
  };
  add('department_id', f.department);
  add('owner_id', f.owner);
  add('category', f.category);
  add('severity', f.severity);
  add('channel', f.channel);
  add('tier', f.tier);
  const select =
    `select ${SELECT.replaceAll(TZ, literal(q.tz))} from ticket_facts ` +
    `where created_at >= ${literal(q.from.toISOString())}::timestamptz and created_at < ${literal(q.to.toISOString())}::timestamptz ${conds.join(' ')} ` +
    `order by ticket_facts.created_at, ticket_facts.ticket_id`;
  return `copy (${select}) to stdout with (format csv, header true)`;
}

/**
 * One row per ticket created in the period, oldest first, as CSV (RFC 4180 quoting, header
 * row, UTF-8 with a BOM so Excel reads Chinese text), streamed. Postgres writes the CSV
 * itself (COPY … TO STDOUT), so rows go from the server's output to the response without
 * being parsed and formatted again in Node.
 */
export function ticketsCsv(sql: Sql, q: ReportQuery): Readable {
  const out = new PassThrough();
  out.write(BOM);
  void sql
    .begin(async (tx) => {
      // JIT compiles the row expressions for longer than the export takes; the sort by creation stays in memory.
      await reportSettings(tx as unknown as Sql, { whole: true });
      const copy = await tx.unsafe(csvCopyStatement(q)).readable();
      await pipeline(copy, out);
    })
    .catch((err: unknown) => {
      // A failing query ends the download with an error instead of a silently short file.
      out.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  return out;
}
