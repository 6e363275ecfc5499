import { cpus } from 'node:os';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { ticketBody } from '../tests/helpers/app.js';
import { BENCH_TOKEN, startApiApp } from './lib/app-process.js';
import { summariseProfile, type ProfileSummary } from './lib/cpu-profile.js';
import { log, round } from './lib/common.js';
import type { BenchContext } from './lib/context.js';
import { cpuPerOp, cpuSnapshot, cpuUtilisation, type CpuSnapshot } from './lib/cpu.js';


export interface LoadRun {
  connections: number;
  seconds: number;
  requests: number;
  created: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  perSecond: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
}

export interface IntakeResult {
  /** How the app ran: a child process `node --import tsx src/main.ts`, AFTERCARE_ROLE=api. */
  mode: string;
  body: Record<string, unknown>;
  warmup: LoadRun;
  atRate: LoadRun & { targetRate: number };
  sustained: LoadRun & { cpuMsPerTicket: CpuSnapshot; cpuPercentOfMachine: CpuSnapshot & { other: number } };
  /** Rows and jobs each created ticket left behind (sanity check of "a full ticket creation"). */
  perTicket: { tickets: number; events: number; clocks: number; outbox: number; timerJobs: number; outboxJobs: number };
  /** With --cpu-prof: where the app process spent its CPU (whole process life, mostly intake). */
  cpuProfile?: ProfileSummary;
}

async function load(url: string, o: { connections: number; seconds: number; overallRate?: number; body: string }): Promise<LoadRun> {
  const r = await autocannon({
    url: `${url}/api/tickets`,
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' },
    body: o.body,
    connections: o.connections,
    duration: o.seconds,
    ...(o.overallRate !== undefined && { overallRate: o.overallRate }),
    timeout: 10,
  });
  const created = r['2xx'];
  return {
    connections: o.connections,
    seconds: r.duration,
    requests: r.requests.total,
    created,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    perSecond: round(created / r.duration),
    latencyMs: { mean: round(r.latency.mean, 2), p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
  };
}

const fmtRun = (r: LoadRun) =>
  `${r.perSecond}/s, ${r.created} created, ${r.non2xx} non-2xx, ${r.errors} errors; latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`;

/**
 * POST /api/tickets against the real app in a child process (role api: it writes the
 * ticket and queues its timers and outbox wake-ups, no workers consume them).
 * Warm-up, then a fixed 500 req/s for the latency figure, then as fast as it goes.
 */
export async function benchIntake(
  ctx: BenchContext,
  o: {
    connections: number;
    seconds: number;
    warmupSeconds: number;
    rate: number;
    rateConnections: number;
    rateSeconds: number;
    cpuProfileDir?: string | undefined;
  },
): Promise<IntakeResult> {
  const prefix = ctx.prefix('intake');
  const app = await startApiApp(ctx, prefix, o.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfileDir}`] : []);
  log(`intake: app process ${app.pid} listening at ${app.url}`);
  const bodyObj = ticketBody();
  const body = JSON.stringify(bodyObj);
  let result: IntakeResult;
  try {
    const warmup = await load(app.url, { connections: o.connections, seconds: o.warmupSeconds, body });
    log(`intake warm-up: ${fmtRun(warmup)}`);
    if (warmup.created === 0) throw new Error(`warm-up created no tickets; app output:\n${app.output()}`);

    const atRate = { ...(await load(app.url, { connections: o.rateConnections, seconds: o.rateSeconds, overallRate: o.rate, body })), targetRate: o.rate };
    log(`intake at ${o.rate} req/s: ${fmtRun(atRate)}`);

    const before = cpuSnapshot(app.pid);
    const run = await load(app.url, { connections: o.connections, seconds: o.seconds, body });
    const after = cpuSnapshot(app.pid);
    const sustained = {
      ...run,
      cpuMsPerTicket: cpuPerOp(before, after, run.created),
      cpuPercentOfMachine: cpuUtilisation(before, after, run.seconds, cpus().length),
    };
    log(`intake sustained (${o.connections} connections): ${fmtRun(run)}`);
    log(`intake CPU ms/ticket: ${JSON.stringify(sustained.cpuMsPerTicket)}; % of machine: ${JSON.stringify(sustained.cpuPercentOfMachine)}`);

    const perTicket = await countPerTicket(ctx, prefix);
    result = { mode: 'child process: node --import tsx src/main.ts, AFTERCARE_ROLE=api', body: bodyObj, warmup, atRate, sustained, perTicket };
  } finally {
    await app.stop();
  }
  if (o.cpuProfileDir) {
    result.cpuProfile = summariseProfile(o.cpuProfileDir, process.cwd());
    log(`intake CPU profile (${result.cpuProfile.file}):`);
    for (const m of result.cpuProfile.selfByModule) log(`  self ${String(m.percent).padStart(5)} %  ${m.module}`);
    for (const f of result.cpuProfile.selfByFunction) log(`  self ${String(f.percent).padStart(5)} %  ${f.fn}`);
    for (const f of result.cpuProfile.inclusiveProject) log(`  incl ${String(f.percent).padStart(5)} %  ${f.fn}`);
  }
  return result;
}

/**
 * Runs `run` with the database discarding every ticket_facts write: a BEFORE trigger drops the
 * row (no heap tuple, no index entry) and the roll-up triggers are off. The app still computes
 * and sends the row, so the difference to a normal run is the database's share of the facts
 * table (computing the row in the app is left in both).
 */
export async function withoutFactsWrites<T>(ctx: BenchContext, run: () => Promise<T>): Promise<T> {
  const sql = ctx.database.sql;
  await sql.unsafe(`
    create or replace function bench_discard_facts() returns trigger language plpgsql as $$ begin return null; end $$;
    create trigger bench_discard_facts before insert or update on ticket_facts for each row execute function bench_discard_facts();
    alter table ticket_facts disable trigger ticket_facts_report_inserted;
    alter table ticket_facts disable trigger ticket_facts_report_updated;`);
  try {
    return await run();
  } finally {
    await sql.unsafe(`
      drop trigger bench_discard_facts on ticket_facts;
      drop function bench_discard_facts();
      alter table ticket_facts enable trigger ticket_facts_report_inserted;
      alter table ticket_facts enable trigger ticket_facts_report_updated;`);
  }
}

async function countPerTicket(ctx: BenchContext, prefix: string): Promise<IntakeResult['perTicket']> {
  const [c] = await ctx.database.sql<{ tickets: number; events: number; clocks: number; outbox: number }[]>`
    select (select count(*) from tickets)::int as tickets, (select count(*) from ticket_events)::int as events,
           (select count(*) from sla_clocks)::int as clocks, (select count(*) from outbox)::int as outbox`;
  const redis = new Redis(ctx.redisUrl);
  try {
    const [timerJobs, outboxJobs] = await Promise.all([redis.zcard(`${prefix}:timers:delayed`), redis.llen(`${prefix}:outbox:wait`)]);
    const n = c!.tickets || 1;
    return {
      tickets: c!.tickets,
      events: round(c!.events / n, 2),
      clocks: round(c!.clocks / n, 2),
      outbox: round(c!.outbox / n, 2),
      timerJobs: round(timerJobs / n, 2),
      outboxJobs: round(outboxJobs / n, 2),
    };
  } finally {
    redis.disconnect();
  }
}
