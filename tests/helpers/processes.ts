import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { parseDocument } from 'yaml';
import { deleteRedisKeys, ticketBody } from './app.js';
import { dropDatabase, newDatabaseUrl, PG_BASE, REDIS_URL } from './db.js';
import { waitFor } from './wait.js';

/**
 * Real Aftercare processes (`node_modules/.bin/tsx src/main.ts`) for tests of what only
 * several processes can show: double delivery between workers, a worker killed with
 * SIGKILL, SIGTERM, Redis losing its keys.
 */

export const FAST_CLOCKS = 'tests/fixtures/fast-clocks.yaml';
export const PROCESS_TOKEN = 'process-test-token-0123456789';

export type Role = 'api' | 'worker' | 'all';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AppProcess {
  role: Role;
  name: string;
  child: ChildProcess;
  /** Base URL of the HTTP server (api/all only). */
  url: string | undefined;
  /** Every line it printed, stdout and stderr. */
  output: string[];
  exited: Promise<Exit>;
  running(): boolean;
  /** kill -9 of the whole process group: the tsx wrapper and the node process running main.ts. */
  kill9(): Promise<Exit>;
  /** SIGTERM to the process (tsx relays it to main.ts, as a supervisor would), then waits for the exit. */
  terminate(): Promise<Exit>;
  /** SIGSTOP / SIGCONT of the whole process group: the process is frozen in between. */
  pause(): void;
  resume(): void;
}

/** The parent's environment minus anything that configures Aftercare, so a developer's shell does not leak in. */
function baseEnv(): Record<string, string> {
  const own = /^(AFTERCARE_|TELEGRAM_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$)/;
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !own.test(e[0])));
}

/**
 * Starts `src/main.ts` in a process group of its own and resolves once it logged
 * "aftercare listening" (api, all) or "aftercare worker running" (worker).
 */
export async function startAppProcess(role: Role, env: Record<string, string>, name: string = role, timeoutMs = 120_000): Promise<AppProcess> {
  const child = spawn('node_modules/.bin/tsx', ['src/main.ts'], {
    env: { ...baseEnv(), REDIS_URL, PORT: '0', LOG_LEVEL: 'info', ...env, AFTERCARE_ROLE: role },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  createInterface({ input: child.stderr }).on('line', (l) => output.push(l));
  const ready = role === 'worker' ? 'aftercare worker running' : 'aftercare listening';
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const url = await new Promise<string | undefined>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup();
      reject(new Error(`${name} did not start in ${timeoutMs} ms:\n${output.join('\n')}`));
    }, timeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      if (!line.includes(ready)) return;
      clearTimeout(timer);
      resolve(role === 'worker' ? undefined : `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`);
    });
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${e.code ?? e.signal}) before it was ready:\n${output.join('\n')}`));
    });
  });
  const running = () => exit === undefined;
  return {
    role,
    name,
    child,
    url,
    output,
    exited,
    running,
    async kill9() {
      if (running()) killGroup();
      return exited;
    },
    async terminate() {
      if (running()) child.kill('SIGTERM');
      return exited;
    },
    pause() {
      process.kill(-child.pid!, 'SIGSTOP');
    },
    resume() {
      process.kill(-child.pid!, 'SIGCONT');
    },
  };
}

/**
 * A copy of tests/fixtures/fast-clocks.yaml with every SLA clock set to `clockSeconds` and
 * every escalation level to `ackSeconds`, written to a temporary file; returns its path.
 */
export function clocksConfig(dir: string, clockSeconds: number, ackSeconds: number): string {
  const doc = parseDocument(readFileSync(FAST_CLOCKS, 'utf8'));
  const clocks = doc.getIn(['sla', 'clocks']) as { items: { key: { value: string } }[] };
  for (const item of clocks.items) {
    for (const sev of ['normal', 'urgent', 'critical']) {
      if (doc.hasIn(['sla', 'clocks', item.key.value, sev])) doc.setIn(['sla', 'clocks', item.key.value, sev], `${clockSeconds}s`);
    }
  }
  doc.setIn(['escalation', 'ackTimeout'], `${ackSeconds}s`);
  const levels = (doc.getIn(['escalation', 'chains', 'default']) as { items: unknown[] }).items.length;
  for (let i = 0; i < levels; i++) {
    if (doc.hasIn(['escalation', 'chains', 'default', i, 'ackTimeout'])) doc.setIn(['escalation', 'chains', 'default', i, 'ackTimeout'], `${ackSeconds}s`);
  }
  const path = join(dir, `clocks-${clockSeconds}s-ack-${ackSeconds}s.yaml`);
  writeFileSync(path, doc.toString());
  return path;
}

export interface OutboxRowState {
  id: number;
  destination: string;
  kind: string;
  status: string;
  attempts: number;
}

/**
 * One Aftercare install for a test: a database of its own, a Redis key prefix of its own,
 * and the processes started on them. `close()` kills the processes and removes both.
 */
export class Install {
  readonly databaseUrl = newDatabaseUrl();
  readonly prefix = `pt${randomBytes(4).toString('hex')}`;
  readonly processes: AppProcess[] = [];
  private client: postgres.Sql | undefined;
  private readonly tmp = mkdtempSync(join(tmpdir(), 'aftercare-processes-'));

  /** Environment of every process started from now on (on top of the install's own). */
  constructor(readonly env: Record<string, string> = {}) {}

  /** The environment every process of this install shares. */
  processEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: this.databaseUrl,
      AFTERCARE_QUEUE_PREFIX: this.prefix,
      AFTERCARE_API_TOKEN: PROCESS_TOKEN,
      AFTERCARE_CONFIG: FAST_CLOCKS,
      ...this.env,
      ...extra,
    };
  }

  /** tests/fixtures/fast-clocks.yaml with other budgets, for the AFTERCARE_CONFIG of this install. */
  config(clockSeconds: number, ackSeconds: number): string {
    return clocksConfig(this.tmp, clockSeconds, ackSeconds);
  }

  async start(role: Role, name?: string, extra: Record<string, string> = {}): Promise<AppProcess> {
    const p = await startAppProcess(role, this.processEnv(extra), name ?? `${role}#${this.processes.length + 1}`);
    this.processes.push(p);
    return p;
  }

  get sql(): postgres.Sql {
    this.client ??= postgres(this.databaseUrl, { max: 2, onnotice: () => {} });
    return this.client;
  }

  get api(): AppProcess {
    const p = this.processes.find((x) => x.role !== 'worker' && x.running());
    if (!p) throw new Error('no api process is running');
    return p;
  }

  /** POST /api/tickets on the api process; returns the ticket's id and number. */
  async createTicket(overrides: Record<string, unknown> = {}): Promise<{ id: string; number: string }> {
    const res = await fetch(`${this.api.url}/api/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PROCESS_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(ticketBody({ category: 'fault', ...overrides })),
    });
    if (res.status !== 201) throw new Error(`POST /api/tickets: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; number: string };
  }

  async outbox(): Promise<OutboxRowState[]> {
    const rows = await this.sql<{ id: string; destination: string; kind: string; status: string; attempts: number }[]>`
      select id::text, destination, kind, status, attempts from outbox order by outbox.id`;
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** Waits until the outbox has rows and none of them is pending or sending; returns them all. */
  async outboxSettled(timeoutMs = 30_000): Promise<OutboxRowState[]> {
    return waitFor(
      async () => {
        const rows = await this.outbox();
        return rows.length > 0 && rows.every((r) => r.status !== 'pending' && r.status !== 'sending') ? rows : undefined;
      },
      timeoutMs,
      'every outbox row to be finished',
    );
  }

  /** Counts of `type` events per ticket number and clock (data.clock). */
  async clockEvents(type: string, clock: string): Promise<Map<string, number>> {
    const rows = await this.sql<{ number: string; n: number }[]>`
      select t.number, count(e.id)::int as n from tickets t
      left join ticket_events e on e.ticket_id = t.id and e.type = ${type} and e.data->>'clock' = ${clock}
      group by t.number`;
    return new Map(rows.map((r) => [r.number, r.n]));
  }

  /** The last lines every process printed, for a failing test's message. */
  logs(lines = 30): string {
    return this.processes.map((p) => `--- ${p.name} (${p.running() ? 'running' : 'exited'})\n${p.output.slice(-lines).join('\n')}`).join('\n');
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill9()));
    await this.client?.end({ timeout: 5 });
    await dropDatabase(this.databaseUrl);
    await deleteRedisKeys(this.prefix);
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

const DELETE_PREFIX = `
local cursor = '0'
local n = 0
repeat
  local r = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = r[1]
  for _, key in ipairs(r[2]) do
    redis.call('DEL', key)
    n = n + 1
  end
until cursor == '0'
return n
`;

/**
 * What FLUSHALL does to one install sharing a Redis with others: every key under `prefix`
 * is gone at once (one script, so no process sees half of them), returns how many.
 */
export async function flushPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    return Number(await redis.eval(DELETE_PREFIX, 0, `${prefix}:*`));
  } finally {
    redis.disconnect();
  }
}

/**
 * Makes the install's database unreachable: refuses new connections and ends every open
 * one (the processes' pools included). Returns a function that lets connections in again.
 */
export async function postgresOutage(databaseUrl: string): Promise<() => Promise<void>> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = postgres(`${PG_BASE}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`alter database "${name}" allow_connections false`);
  await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
  return async () => {
    await admin.unsafe(`alter database "${name}" allow_connections true`);
    await admin.end({ timeout: 5 });
  };
}

/**
 * An HTTP proxy that holds every request `delayMs` before passing it on to `target`, so a
 * worker is reliably in the middle of a delivery. `inFlight` counts requests not yet answered.
 */
export class DelayProxy {
  url = '';
  inFlight = 0;
  private server: Server | undefined;

  constructor(
    private readonly target: string,
    private readonly delayMs: number,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.inFlight++;
        setTimeout(() => {
          const body = Buffer.concat(chunks);
          const headers = { ...req.headers, 'content-length': String(body.length) };
          delete headers.host;
          const out = httpRequest(this.target, { method: req.method, headers }, (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
            up.on('end', () => this.inFlight--);
          });
          out.on('error', () => {
            this.inFlight--;
            res.destroy();
          });
          out.end(body);
        }, this.delayMs);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}
