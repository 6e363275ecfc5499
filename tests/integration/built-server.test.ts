import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../scripts/build-server.js';
import { dropDatabase, newDatabaseUrl, REDIS_URL } from '../helpers/db.js';

// The bundle is built under tests/artifacts (ignored by git): inside the package, so it finds
// package.json, migrations/, dist/web and the external packages in node_modules as dist/src does.
const OUT = join('tests', 'artifacts', `server-bundle-${process.pid}`);
const TOKEN = 'built-server-test-token-0123456789';

describe('the bundled server (dist/src/main.js as `npm run build` writes it)', () => {
  const databaseUrl = newDatabaseUrl();
  let child: ChildProcess;
  let url = '';
  const output: string[] = [];

  beforeAll(async () => {
    await buildServer(OUT);
    const own = /^(AFTERCARE_|TELEGRAM_|SLACK_|DISCORD_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$)/;
    const base = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !own.test(e[0])));
    child = spawn(process.execPath, [join(OUT, 'main.js')], {
      env: { ...base, DATABASE_URL: databaseUrl, REDIS_URL, PORT: '0', LOG_LEVEL: 'info', AFTERCARE_ROLE: 'all', AFTERCARE_API_TOKEN: TOKEN, AFTERCARE_QUEUE_PREFIX: `built-${process.pid}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: child.stderr! }).on('line', (l) => output.push(l));
    url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        output.push(line);
        if (!line.includes('aftercare listening')) return;
        const { port } = JSON.parse(line) as { port: number };
        resolve(`http://127.0.0.1:${port}`);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output.join('\n')}`)));
    });
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(OUT, { recursive: true, force: true });
    await dropDatabase(databaseUrl);
  });

  it('migrates a new database, serves the API, the dashboard bundle and the queue UI (loaded on demand)', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const tickets = await fetch(`${url}/api/tickets`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(tickets.status).toBe(200);
    const asset = await fetch(`${url}/dashboard/assets/dashboard.css`);
    expect(asset.status).toBe(200);
    const board = await fetch(`${url}/admin/queues`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('<html');
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
