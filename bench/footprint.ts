import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { FakeSlack } from '../src/emulators/slack.js';
import { FakeTelegram } from '../src/emulators/telegram.js';
import { BENCH_TOKEN } from './lib/app-process.js';
import { log, sleep } from './lib/common.js';
import type { BenchContext } from './lib/context.js';

export interface FootprintResult {
  /** Resident memory after 5 s idle, per AFTERCARE_ROLE, with Telegram and Slack configured. */
  rssMb: Record<'all' | 'api' | 'worker', number>;
  /** `npm start`'s command (`node <its options> dist/src/main.js`, role all) from spawn until "aftercare listening" (migrations already applied). */
  startToReadyMs: number;
}

/**
 * The Node options `npm start` runs the bundle with (package.json's `start` script, e.g. V8's
 * young-generation size): the footprint is measured as the server is started.
 */
export function startNodeArgs(): string[] {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts.start!.trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/src/main.js') throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  return words.slice(1, -1);
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return Math.round(kb / 102.4) / 10;
}

/**
 * Idle memory per role and time to ready, of the built output (`npm run build`, no tsc or
 * tsx at start) run with the Node options of `npm start`, against the run's database and local Telegram and Slack emulators.
 */
export async function benchFootprint(ctx: BenchContext): Promise<FootprintResult> {
  execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
  const nodeArgs = startNodeArgs();
  const tg = await new FakeTelegram('777:FOOTPRINT').start();
  const slack = await new FakeSlack().start();
  const own = /^(AFTERCARE_|TELEGRAM_|SLACK_|DISCORD_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$)/;
  const base = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !own.test(e[0])));
  const start = async (role: 'all' | 'api' | 'worker'): Promise<{ rss: number; readyMs: number }> => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, 'dist/src/main.js'], {
      env: {
        ...base,
        DATABASE_URL: ctx.databaseUrl,
        REDIS_URL: ctx.redisUrl,
        PORT: '0',
        LOG_LEVEL: 'info',
        NODE_ENV: 'production',
        AFTERCARE_ROLE: role,
        AFTERCARE_QUEUE_PREFIX: ctx.prefix(`footprint-${role}`),
        AFTERCARE_API_TOKEN: BENCH_TOKEN,
        AFTERCARE_CONFIG: 'config/aftercare.example.yaml',
        TELEGRAM_BOT_TOKEN: '777:FOOTPRINT',
        TELEGRAM_API_URL: tg.apiRoot,
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: 'bench-slack-signing-secret',
        SLACK_API_URL: slack.apiUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ready = role === 'worker' ? 'aftercare worker running' : 'aftercare listening';
    try {
      const readyMs = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${role} not ready in 60 s`)), 60_000);
        createInterface({ input: child.stdout }).on('line', (line) => {
          if (!line.includes(ready)) return;
          clearTimeout(timer);
          resolve(Math.round(performance.now() - t0));
        });
        child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
      });
      await sleep(5000);
      return { rss: rssMb(child.pid!), readyMs };
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  };
  try {
    await start('all'); // applies nothing new, but warms the file cache
    const all = await start('all');
    const api = await start('api');
    const worker = await start('worker');
    const result = { rssMb: { all: all.rss, api: api.rss, worker: worker.rss }, startToReadyMs: all.readyMs };
    log(`footprint: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await slack.stop();
    await tg.stop();
  }
}
