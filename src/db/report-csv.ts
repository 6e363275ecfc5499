import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type postgres from 'postgres';
import { SLA_CLOCKS } from '../core/reports/facts.js';
import type { ReportQuery } from '../core/reports/summary.js';

type Sql = postgres.Sql;

const TIMES = ['created_at', 'first_claimed_at', 'first_response_at', 'first_contact_at', 'first_resolved_at', 'last_resolved_at', 'first_reopened_at', 'closed_at'];
const DURATIONS = ['time_to_claim', 'first_response', 'time_to_contact', 'resolution_first', 'resolution_last', 'paused', 'resolution_net'];

/** Epoch milliseconds as float8 (date_part, not extract: extract returns numeric, several times slower). */
const epoch = (col: string) => `date_part('epoch', ${col}) * 1000`;
const TIME_HEADERS = new Set([...TIMES, ...SLA_CLOCKS.map((k) => `sla_${k}_at`)]);

/** The CSV's columns in order: header name → SQL expression (times as epoch ms, written as local time in `tz`). */
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
  ...TIMES.map((c): [string, string] => [c, epoch(c)]),
  ...DURATIONS.flatMap((d): [string, string][] => [
    [`${d}_s`, `${d}_s`],
    [`${d}_business_s`, `${d}_bs`],
  ]),
  ['reopen_count', 'reopen_count'],
  ['fcr', 'fcr'],
  ['complaint', 'complaint'],
  ...SLA_CLOCKS.flatMap((k): [string, string][] => [
    [`sla_${k}`, `sla_${k}`],
    [`sla_${k}_at`, epoch(`sla_${k}_at`)],
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
 * `YYYY-MM-DD HH:MM:SS` local time in `timeZone`. Zone offsets change only at instants on a
 * quarter hour, so the offset is looked up (Intl) once per quarter hour and cached for the
 * export instead of formatting every value through Intl.
 */
function localTimeFormatter(timeZone: string): (ms: number) => string {
  const offsets = new Map<number, number>();
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
  const offsetAt = (ms: number): number => {
    const bucket = Math.floor(ms / 900_000);
    let off = offsets.get(bucket);
    if (off === undefined) {
      const at = bucket * 900_000;
      const p = Object.fromEntries(parts.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
      off = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute)) - at;
      offsets.set(bucket, off);
    }
    return off;
  };
  return (ms) => {
    const iso = new Date(Math.round(ms) + offsetAt(ms)).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  };
}

/**
 * One row per ticket created in the period, oldest first, as CSV (RFC 4180 quoting, header
 * row, UTF-8 with a BOM so Excel reads Chinese text), streamed from a cursor.
 */
export function ticketsCsv(sql: Sql, q: ReportQuery, batch = 2000): Readable {
  const f = q.filters;
  const params: string[] = [q.from.toISOString(), q.to.toISOString()];
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
  const text = `select ${SELECT} from ticket_facts where created_at >= $1::timestamptz and created_at < $2::timestamptz ${conds.join(' ')} order by created_at, ticket_id`;
  const cursor = sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]).cursor(batch);
  const keys = COLUMNS.map((_c, i) => `c${i}`);
  const isTime = COLUMNS.map(([h]) => TIME_HEADERS.has(h));
  const local = localTimeFormatter(q.tz);
  async function* rows(): AsyncGenerator<unknown[]> {
    for await (const chunk of cursor) {
      for (const r of chunk as Record<string, unknown>[]) {
        yield keys.map((k, i) => {
          const v = r[k];
          return isTime[i] && v !== null && v !== undefined ? local(Number(v)) : v;
        });
      }
    }
  }
  const csv = stringify({ header: true, columns: CSV_HEADER, bom: true, cast: { boolean: (b) => (b ? 'true' : 'false') } });
  const source = Readable.from(rows());
  // A failing query ends the download with an error instead of a silently short file.
  source.on('error', (err) => csv.destroy(err));
  return source.pipe(csv);
}
