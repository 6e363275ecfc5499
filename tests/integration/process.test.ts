import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { dropDatabase, newDatabaseUrl, REDIS_URL } from '../helpers/db.js';

const TSX = ['node_modules/.bin/tsx'] as const;
const dbs: string[] = [];
afterAll(async () => {
  for (const url of dbs) await dropDatabase(url);
});

/** Starts `src/main.ts` and resolves once it logs that it listens, with the port. */
async function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; port: number; output: string[] }> {
  const child = spawn(TSX[0], ['src/main.ts'], {
    env: { ...process.env, REDIS_URL, LOG_LEVEL: 'info', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  createInterface({ input: child.stderr }).on('line', (l) => output.push(l));
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      output.push(line);
      if (line.includes('aftercare listening')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${output.join('\n')}`)));
  });
  return { child, port, output };
}

// Each test starts real processes: on a busy machine a start alone can take most of a minute.
describe('the aftercare process', { timeout: 240_000 }, () => {
  it('two processes starting at once on a database that does not exist both come up, and exit 0 on SIGTERM', async () => {
    const url = newDatabaseUrl();
    dbs.push(url);
    const env = { DATABASE_URL: url, AFTERCARE_API_TOKEN: 'process-test-token-123456' };
    const [a, b] = await Promise.all([startProcess(env), startProcess(env)]);
    for (const p of [a, b]) {
      const res = await fetch(`http://127.0.0.1:${p.port}/healthz`);
      expect(await res.json()).toEqual({ status: 'ok', db: 'ok', redis: 'ok' });
    }
    const sql = postgres(url, { max: 1 });
    const [{ n }] = await sql<[{ n: number }]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
    await sql.end();
    expect(n).toBeGreaterThan(0);
    for (const p of [a, b]) p.child.kill('SIGTERM');
    const codes = await Promise.all([a, b].map(async (p) => (await once(p.child, 'exit'))[0] as number));
    expect(codes).toEqual([0, 0]);
  });

  it('generates an API token when none is set, prints it once, and accepts it', async () => {
    const url = newDatabaseUrl();
    dbs.push(url);
    const first = await startProcess({ DATABASE_URL: url, AFTERCARE_API_TOKEN: '' });
    const text = first.output.join('\n');
    const token = /shown only this once\):\s+(\S+)/.exec(text)?.[1];
    expect(token).toBeDefined();
    expect(text).toContain('AFTERCARE_API_TOKEN');
    const ok = await fetch(`http://127.0.0.1:${first.port}/api/tickets`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    first.child.kill('SIGTERM');
    await once(first.child, 'exit');
    const second = await startProcess({ DATABASE_URL: url, AFTERCARE_API_TOKEN: '' });
    expect(second.output.join('\n')).not.toContain('shown only this once');
    const again = await fetch(`http://127.0.0.1:${second.port}/api/tickets`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
  });

  it('a bad configuration stops the process with one line per problem naming the variable', () => {
    const res = spawnSync(TSX[0], ['src/main.ts'], {
      env: { ...process.env, PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' },
      encoding: 'utf8',
    });
    expect(res.status).toBe(1);
    const lines = res.stderr.split('\n').filter((l) => l.startsWith('config error:'));
    expect(lines.map((l) => l.split(':')[1]!.trim()).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT']);
  });
});

describe('npm run audit:verify', () => {
  it('exits 0 on an intact store and 1 naming every broken ticket and event after rows are edited in SQL', async () => {
    const url = newDatabaseUrl();
    dbs.push(url);
    const token = 'audit-test-token-1234567890';
    const app = await startProcess({ DATABASE_URL: url, AFTERCARE_API_TOKEN: token });
    const numbers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`http://127.0.0.1:${app.port}/api/tickets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ customer: { name: 'A', email: 'a@example.com' }, product: 'P', orderNumber: 'O', description: 'how do I reset it?', severity: 'normal' }),
      });
      numbers.push(((await res.json()) as { number: string }).number);
    }
    app.child.kill('SIGTERM');
    await once(app.child, 'exit');

    const verify = () => spawnSync(TSX[0], ['src/cli/audit-verify.ts'], { env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' });
    const ok = verify();
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/3 tickets/);

    // ticket_events refuses UPDATE/DELETE; tampering needs the documented maintenance setting.
    const tamper = async (run: (tx: postgres.TransactionSql) => Promise<unknown>) => {
      const sql = postgres(url, { max: 1 });
      try {
        await sql.begin(async (tx) => {
          await tx`select set_config('aftercare.allow_event_rewrite', 'on', true)`;
          await run(tx);
        });
      } finally {
        await sql.end();
      }
    };
    await tamper((tx) => tx`update ticket_events set data = jsonb_set(data, '{product}', '"Tampered"')
              where seq = 1 and ticket_id = (select id from tickets where number = ${numbers[1]!})`);
    const bad = verify();
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`ticket ${numbers[1]} event 1`);

    // Restore nothing, but check truncation too on another ticket: removing its newest event is caught,
    // and both broken chains are reported.
    await tamper((tx) => tx`delete from ticket_events where ticket_id = (select id from tickets where number = ${numbers[0]!})
               and seq = (select max(seq) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = ${numbers[0]!})`);
    const truncated = verify();
    expect(truncated.status).toBe(1);
    expect(truncated.stderr).toContain(`ticket ${numbers[0]} event`);
    expect(truncated.stderr).toContain(`ticket ${numbers[1]} event 1`);
    expect(truncated.stderr).toContain('2 of 3 tickets have a broken chain');
  });
});

describe('npm run config:check', () => {
  it('prints the routing and SLA table for a valid file and names the path of a bad one', async () => {
    const ok = spawnSync(TSX[0], ['src/cli/config-check.ts', 'config/aftercare.example.yaml'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/fault\s+→ technical/);
    expect(ok.stdout).toMatch(/firstResponse\s+2h\s+15m\s+15m/);
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/aftercare-config-');
    writeFileSync(`${dir}/bad.yaml`, 'departments:\n  - id: a\n    name: {en: A, zh-CN: 甲}\nrouting:\n  inquiry: [a]\n  fault: [b]\n  suggestion: [a]\n  complaint: {defaultResponsible: a}\n');
    const bad = spawnSync(TSX[0], ['src/cli/config-check.ts', `${dir}/bad.yaml`], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('routing.fault[0]: unknown department "b"');
  });
});

