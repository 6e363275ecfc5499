import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { ChatGateway } from '../../src/app/chat-gateway.js';
import type { LoadedConfig } from '../../src/config/load-config.js';
import { parseEnv } from '../../src/config/load-config.js';
import type { AftercareConfig } from '../../src/core/types.js';
import { deleteRedisKeys as deleteKeysAt } from '../../src/jobs/redis-keys.js';
import { startApp, type RunningApp } from '../../src/start-app.js';
import { exampleConfig } from './config.js';
import { dropDatabase, newDatabaseUrl, REDIS_URL } from './db.js';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export interface TestApp extends RunningApp {
  /** fetch against the app with the bearer token set. */
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  stop(): Promise<void>;
}

/** Starts the whole app on a fresh database and a random port. */
export async function startTestApp(
  opts: {
    config?: AftercareConfig;
    now?: () => Date;
    env?: Record<string, string>;
    gateway?: ChatGateway;
    databaseUrl?: string;
    /** Replaces the silent test logger (tests that read the log). */
    logger?: Logger;
  } = {},
): Promise<TestApp> {
  const url = opts.databaseUrl ?? newDatabaseUrl();
  const prefix = opts.env?.AFTERCARE_QUEUE_PREFIX ?? `t${randomBytes(4).toString('hex')}`;
  const loaded: LoadedConfig = {
    env: parseEnv({
      DATABASE_URL: url,
      REDIS_URL,
      PORT: '0',
      AFTERCARE_API_TOKEN: TEST_TOKEN,
      LOG_LEVEL: 'silent',
      AFTERCARE_QUEUE_PREFIX: prefix,
      ...opts.env,
    }),
    config: opts.config ?? exampleConfig(),
    source: 'test',
  };
  const app = await startApp(loaded, {
    logger: opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...(opts.now && { now: opts.now }),
    ...(opts.gateway && { gateway: opts.gateway }),
  });
  return Object.assign(app, {
    api(path: string, init: RequestInit & { json?: unknown } = {}) {
      const { json, headers, ...rest } = init;
      return fetch(`${app.url}${path}`, {
        ...rest,
        headers: {
          authorization: `Bearer ${TEST_TOKEN}`,
          ...(json !== undefined && { 'content-type': 'application/json' }),
          ...(headers as Record<string, string> | undefined),
        },
        ...(json !== undefined && { body: JSON.stringify(json) }),
      });
    },
    async stop() {
      await app.close();
      if (!opts.databaseUrl) await dropDatabase(url);
      await deleteRedisKeys(prefix);
    },
  });
}

export function ticketBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customer: { name: 'Li Lei', company: 'Acme Ltd', phone: '+86 138 0013 8000', language: 'zh-CN' },
    product: 'Model X printer',
    orderNumber: 'SO-2026-0001',
    description: 'The printer is broken and shows error E02 since yesterday; restarting did not help.',
    severity: 'normal',
    ...overrides,
  };
}

/** Removes every Redis key under a queue prefix. */
export const deleteRedisKeys = (prefix: string): Promise<void> => deleteKeysAt(REDIS_URL, prefix);
