import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import postgres from 'postgres';
import { packageRoot, parseConfigText, parseEnv, type LoadedConfig } from '../config/load-config.js';
import type { AftercareConfig } from '../core/types.js';
import { openDatabase } from '../db/client.js';
import { ensureDatabase, runMigrations } from '../db/migrate.js';
import { syncDirectory } from '../db/sync-directory.js';
import { deleteRedisKeys } from '../jobs/redis-keys.js';
import { FakeSlack, SlackSender } from '../emulators/slack.js';
import { FakeTelegram } from '../emulators/telegram.js';
import { startApp, type RunningApp } from '../start-app.js';
import { DemoHub } from './demo-hub.js';
import { demoRoutes } from './demo-routes.js';
import { seedHistory } from './seed-history.js';

export const DEMO_CONFIG_PATH = (): string => join(packageRoot(), 'config', 'demo.yaml');

export interface DemoOptions {
  /** The demo's database; recreated unless `keep`. */
  databaseUrl: string;
  redisUrl: string;
  /** HTTP port on 127.0.0.1 (0 = any free port). */
  port: number;
  /** Keep the database (and the queued jobs) of the last run. */
  keep: boolean;
  /** Tickets of seeded history over the last 30 days (0 = none; never with `keep`). */
  seed: number;
  /** Redis key prefix of the demo's queues. */
  queuePrefix: string;
  /** Replaces config/demo.yaml (tests use tighter clocks). */
  config?: AftercareConfig;
  logLevel?: string;
  logger?: Logger;
}

export interface RunningDemo {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The page: <url>/demo */
  pageUrl: string;
  /** The API token of this run (generated). */
  token: string;
  app: RunningApp;
  telegram: FakeTelegram;
  slack: FakeSlack;
  hub: DemoHub;
  /** How many tickets were seeded. */
  seeded: number;
  close(): Promise<void>;
}

/**
 * Starts the demo: local Telegram and Slack emulators, then Aftercare with every role on the
 * demo database, its adapters pointed at the emulators (TELEGRAM_API_URL, SLACK_API_URL and
 * signed requests to /slack/events — the production code paths), and the demo page on the
 * app's own port. Binds 127.0.0.1 only.
 */
export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const config = o.config ?? parseConfigText(readFileSync(DEMO_CONFIG_PATH(), 'utf8'), DEMO_CONFIG_PATH());
  if (!o.keep) {
    await dropDatabase(o.databaseUrl);
    // The demo's queued jobs go with its database, so timers of a dropped database never fire.
    await deleteRedisKeys(o.redisUrl, o.queuePrefix);
  }
  const seeded = o.seed > 0 && !o.keep ? await seed(o.databaseUrl, config, o.seed) : 0;
  const telegram = await new FakeTelegram(`${1_000_000 + randomBytes(2).readUInt16BE()}:DEMO-${randomBytes(12).toString('hex')}`).start();
  const slackUsers = Object.fromEntries(
    config.departments.flatMap((d) => d.staff.filter((s) => s.slack).map((s) => [s.slack!, { name: s.id, real_name: s.name, locale: s.language === 'zh-CN' ? 'zh-CN' : 'en-US', tz: 'Asia/Shanghai' }])),
  );
  const slack = await new FakeSlack({ botToken: `xoxb-demo-${randomBytes(12).toString('hex')}`, users: slackUsers }).start();
  const signingSecret = randomBytes(24).toString('hex');
  const token = randomBytes(24).toString('base64url');
  const hub = new DemoHub(config, telegram, slack);
  const loaded: LoadedConfig = {
    env: parseEnv({
      DATABASE_URL: o.databaseUrl,
      REDIS_URL: o.redisUrl,
      PORT: String(o.port),
      HOST: '127.0.0.1',
      AFTERCARE_API_TOKEN: token,
      AFTERCARE_QUEUE_PREFIX: o.queuePrefix,
      AFTERCARE_OUTBOX_SWEEP_INTERVAL: '1s',
      LOG_LEVEL: o.logLevel ?? 'warn',
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_URL: telegram.apiRoot,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
    }),
    config,
    source: o.config ? 'demo (test)' : DEMO_CONFIG_PATH(),
  };
  let app: RunningApp;
  try {
    app = await startApp(loaded, { routes: [demoRoutes(hub)], ...(o.logger && { logger: o.logger }) });
  } catch (err) {
    await slack.stop();
    await telegram.stop();
    throw err;
  }
  const url = app.url!;
  const sender = new SlackSender(`${url}/slack/events`, signingSecret, { responseUrl: () => slack.responseUrl() });
  hub.attach({
    database: app.database,
    sender,
    // The dashboard is linked only when this build serves one.
    dashboard: async () => (await fetch(`${url}/dashboard`, { method: 'HEAD' })).status !== 404,
  });
  return {
    url,
    pageUrl: `${url}/demo`,
    token,
    app,
    telegram,
    slack,
    hub,
    seeded,
    async close() {
      hub.detach();
      await app.close();
      await slack.stop();
      await telegram.stop();
    },
  };
}

/** Seeds the history on the fresh database before any worker runs. */
async function seed(url: string, config: AftercareConfig, count: number): Promise<number> {
  await ensureDatabase(url);
  await runMigrations(url);
  const database = openDatabase(url, { max: 8 });
  try {
    await syncDirectory(database.db, config);
    return await seedHistory(database, config, { count, now: new Date() });
  } finally {
    await database.close();
  }
}

/** Drops the demo database (connections to it are ended first); it is created again on start. */
async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql.unsafe(`drop database if exists "${name.replaceAll('"', '""')}" with (force)`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
