import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

export type Metrics = Record<string, number>;

export interface Target {
  op: '>=' | '<=' | '<' | '==';
  value: number;
  unit: string;
}

/** The figures with a target (SPEC §10 and the benchmark brief). */
export const TARGETS: Record<string, Target> = {
  intake_tickets_per_s: { op: '>=', value: 1500, unit: 'tickets/s' },
  intake_p99_ms_at_500rps: { op: '<', value: 50, unit: 'ms' },
  intake_facts_cost_pct: { op: '<=', value: 10, unit: '% fewer tickets/s than with ticket_facts writes discarded' },
  timers_pending: { op: '==', value: 100_000, unit: 'jobs' },
  redis_bytes_per_timer: { op: '<=', value: 1024, unit: 'B' },
  timer_fire_lateness_p99_ms: { op: '<', value: 500, unit: 'ms' },
  reconcile_100k_open_tickets_s: { op: '<', value: 10, unit: 's' },
  reconcile_100k_steady_s: { op: '<', value: 10, unit: 's' },
  outbox_msgs_per_s: { op: '>=', value: 27, unit: 'msg/s (90 % of the 30/s limit)' },
  outbox_dropped: { op: '==', value: 0, unit: 'rows' },
  outbox_duplicates: { op: '==', value: 0, unit: 'posts' },
  outbox_order_violations: { op: '==', value: 0, unit: 'pairs' },
  reports_summary_1m_p95_ms: { op: '<=', value: 300, unit: 'ms (90 days, worse of no filter / one department)' },
  reports_timeseries_1m_p95_ms: { op: '<=', value: 500, unit: 'ms (90 days by day, worse of one series / per department)' },
  reports_csv_1m_rows_per_s: { op: '>=', value: 50_000, unit: 'rows/s' },
  dashboard_first_load_ms: { op: '<=', value: 1500, unit: 'ms (p90 of cold loads in headless Chromium)' },
  relay_customer_to_staff_ms_p50: { op: '<=', value: 20, unit: 'ms, Telegram update → Slack thread post' },
  relay_customer_to_staff_ms_p99: { op: '<=', value: 60, unit: 'ms' },
  relay_staff_to_customer_ms_p50: { op: '<=', value: 20, unit: 'ms, reply action → sendMessage' },
  relay_staff_to_customer_ms_p99: { op: '<=', value: 60, unit: 'ms' },
  relay_after_flood_p95_ms: { op: '<=', value: 1500, unit: 'ms, follow-ups after a 50-customer flood' },
  outbox_backlog_after_flood_s: { op: '<=', value: 60, unit: 's until the outbox is empty' },
  takeover_after_kill_s: { op: '<=', value: 15, unit: 's after the replacement worker started' },
  takeover_lost: { op: '==', value: 0, unit: 'rows' },
  takeover_double: { op: '==', value: 0, unit: 'posts' },
  timer_storm_10k_fired_per_s: { op: '>=', value: 1000, unit: 'fires/s, 10 000 due at once' },
  timer_storm_10k_lateness_p99_ms: { op: '<=', value: 10_000, unit: 'ms' },
  rss_idle_mb_all: { op: '<=', value: 110, unit: 'MB, role all, idle' },
  start_to_ready_ms: { op: '<=', value: 1000, unit: 'ms, built output' },
};

/** Figures shown without a target, for context. */
const INFO_UNITS: Record<string, string> = {
  dashboard_first_load_median_ms: 'ms, median cold load',
  pg_baseline_inserts_per_s: 'inserts/s',
  pg_baseline_inserts_per_s_pool10: 'inserts/s',
  intake_vs_pg_baseline: 'ratio',
  intake_p99_ms_sustained: 'ms',
  intake_without_facts_tickets_per_s: 'tickets/s, the same intake with ticket_facts writes discarded by the database',
  intake_facts_cpu_cost_pct: '% more app + Postgres CPU per ticket than without the facts writes',
  intake_achieved_rps_at_500rps: 'req/s',
  intake_app_cpu_ms_per_ticket: 'ms CPU in the app process',
  intake_postgres_cpu_ms_per_ticket: 'ms CPU in Postgres',
  intake_redis_cpu_ms_per_ticket: 'ms CPU in Redis',
  intake_ceiling_one_app_process_per_s: 'tickets/s: 1000 / app CPU ms',
  intake_ceiling_this_machine_per_s: 'tickets/s: all CPUs / (app+pg+redis) ms',
  intake_sql_statements_per_ticket: 'statements',
  intake_facts_write_ms: 'ms, one ticket_facts row written (upsert, every report index), sequential',
  intake_facts_write_share_pct: '% of the mean creation transaction',
  intake_in_process_per_s: 'tickets/s',
  redis_bytes_per_timer_key_sum: 'B',
  timers_scheduled_per_s: 'jobs/s',
  timer_fire_lateness_real_p99_ms: 'ms, real worker, due over 5 s',
  timer_real_fired_per_s: 'fires/s, real worker, all due at once',
  timer_real_burst_lateness_p99_ms: 'ms, real worker, all due at once',
  timer_real_sql_statements_per_fire: 'statements',
  timer_real_worker_cpu_ms_per_fire: 'ms CPU in the worker process',
  outbox_429s: 'responses',
  outbox_workaround_msgs_per_s: 'msg/s at AFTERCARE_WEBHOOK_RATE=25',
  outbox_workaround_dropped: 'rows, rate 25',
  outbox_workaround_429s: 'responses, rate 25',
  outbox_workaround_duplicates: 'posts, rate 25',
  outbox_workaround_order_violations: 'pairs, rate 25',
  reports_summary_1m_p95_ms_all: 'ms, 90 days, no filter',
  reports_summary_1m_p95_ms_department: 'ms, 90 days, one department',
  reports_seed_1m_s: 's to COPY 1,000,000 tickets and their facts',
  reports_rollup_1m_s: 's to roll up the 90 days of the 1,000,000 tickets (first summary, in the background)',
  relay_customer_to_staff_ms_p95: 'ms',
  relay_staff_to_customer_ms_p95: 'ms',
  relay_timeouts: 'samples not relayed within 10 s',
  flood_card_refreshes_coalesced: 'rows',
  timer_storm_sql_statements_per_fire: 'statements',
  timer_storm_worker_cpu_ms_per_fire: 'ms CPU in the worker process',
  rss_idle_mb_api: 'MB, role api, idle',
  rss_idle_mb_worker: 'MB, role worker, idle',
};

export function meets(value: number, t: Target): boolean {
  switch (t.op) {
    case '>=':
      return value >= t.value;
    case '<=':
      return value <= t.value;
    case '<':
      return value < t.value;
    case '==':
      return value === t.value;
  }
}

/** The commit measured, and whether src/ or adapters/ had uncommitted changes (read-only git). */
export function codeVersion(): { commit: string; uncommittedChanges: boolean } | undefined {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['--no-optional-locks', 'status', '--porcelain', '--', 'src', 'adapters', 'migrations', 'package.json'], { encoding: 'utf8' }).trim() !== '';
    return { commit, uncommittedChanges: dirty };
  } catch {
    return undefined;
  }
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  totalMemoryMB: number;
  loadAverageAtStart: number[];
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    totalMemoryMB: Math.round(totalmem() / 2 ** 20),
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const fmt = (v: number) => (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 3 }));

export function printTable(metrics: Metrics, o: { runtimeSeconds: number; machine: MachineInfo; quick: boolean; file: string }): void {
  const rows: string[][] = [['figure', 'value', 'target', 'ok']];
  for (const [key, t] of Object.entries(TARGETS)) {
    const v = metrics[key];
    if (v === undefined) continue;
    rows.push([key, fmt(v), `${t.op} ${fmt(t.value)} ${t.unit}`, meets(v, t) ? 'yes' : 'NO']);
  }
  for (const [key, unit] of Object.entries(INFO_UNITS)) {
    const v = metrics[key];
    if (v === undefined) continue;
    rows.push([key, fmt(v), `(info, ${unit})`, '']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  console.log('');
  console.log(`Aftercare benchmark${o.quick ? ' (QUICK: not comparable)' : ''}: ${o.machine.cpus} × ${o.machine.cpuModel}, Node ${o.machine.node}, ${o.runtimeSeconds} s`);
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
  console.log(`\nwritten to ${o.file}`);
}
