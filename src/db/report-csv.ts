import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type postgres from 'postgres';
import { SLA_CLOCKS } from '../core/reports/facts.js';
import type { ReportQuery } from '../core/reports/summary.js';

type Sql = postgres.Sql;

const TIMES = ['created_at', 'first_claimed_at', 'first_response_at', 'first_contact_at', 'first_resolved_at', 'last_resolved_at', 'first_reopened_at', 'closed_at'];
const DURATIONS = ['time_to_claim', 'first_response', 'time_to_contact', 'resolution_first', 'resolution_last', 'paused', 'resolution_net'];

/** The CSV's columns in order: header name → SQL expression (times as local time in `tz`, bound as $1). */
const COLUMNS: [string, string][] = [
  ['number', 'number'],
  ['channel', 'channel'],
  ['category', 'category'],
  ['severity', 'severity'],
  ['tier', 'tier'],
  ['department', 'department_id'],
  ['departments', `array_to_string(departments, ';')`],
  ['owner', 'owner_id'],
  ['status', 'status'],
  ...TIMES.map((c): [string, string] => [c, `to_char(${c} at time zone $1, 'YYYY-MM-DD HH24:MI:SS')`]),
  ...DURATIONS.flatMap((d): [string, string][] => [
    [`${d}_s`, `${d}_s`],
    [`${d}_business_s`, `${d}_bs`],
  ]),
  ['reopen_count', 'reopen_count'],
  ['fcr', 'fcr'],
  ['complaint', 'complaint'],
  ...SLA_CLOCKS.flatMap((k): [string, string][] => [
    [`sla_${k}`, `sla_${k}`],
    [`sla_${k}_at`, `to_char(sla_${k}_at at time zone $1, 'YYYY-MM-DD HH24:MI:SS')`],
  ]),
  ['escalations', 'escalation_count'],
  ['escalation_trigger', 'escalation_trigger'],
  ['escalation_level', 'escalation_level'],
  ['escalation_ack_s', 'escalation_ack_s'],
  ['survey_sent', 'survey_sent'],
  ['csat', 'csat'],
  ['nps', 'nps'],
  ['verification', 'verification'],
];

export const CSV_HEADER = COLUMNS.map(([h]) => h);

const SELECT = COLUMNS.map(([, expr], i) => `${expr} as c${i}`).join(', ');

/**
 * One row per ticket created in the period, oldest first, as CSV (RFC 4180 quoting, header
 * row, UTF-8 with a BOM so Excel reads Chinese text), streamed from a cursor.
 */
export function ticketsCsv(sql: Sql, q: ReportQuery, batch = 2000): Readable {
  const f = q.filters;
  const params: string[] = [q.tz, q.from.toISOString(), q.to.toISOString()];
  const conds: string[] = [];
  const add = (col: string, v: string | undefined) => {
    if (v === undefined) return;
    params.push(v);
    conds.push(`and ${col} = $${params.length}`);
  };
  add('department_id', f.department);
  add('owner_id', f.owner);
  add('category', f.category);
  add('severity', f.severity);
  add('channel', f.channel);
  add('tier', f.tier);
  const text = `select ${SELECT} from ticket_facts where created_at >= $2::timestamptz and created_at < $3::timestamptz ${conds.join(' ')} order by created_at, ticket_id`;
  const cursor = sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]).cursor(batch);
  const keys = COLUMNS.map((_c, i) => `c${i}`);
  async function* rows(): AsyncGenerator<unknown[]> {
    for await (const chunk of cursor) {
      for (const r of chunk as Record<string, unknown>[]) yield keys.map((k) => r[k]);
    }
  }
  const csv = stringify({ header: true, columns: CSV_HEADER, bom: true, cast: { boolean: (b) => (b ? 'true' : 'false') } });
  const source = Readable.from(rows());
  // A failing query ends the download with an error instead of a silently short file.
  source.on('error', (err) => csv.destroy(err));
  return source.pipe(csv);
}
