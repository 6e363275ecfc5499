import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnRedis } from '../../helpers/own-redis.js';
import { Install, type AppProcess } from '../../helpers/processes.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * Redis goes away under a running process (api + workers): what BullMQ reports goes through
 * the JSON log, nothing raw to stderr, and the process lives on.
 */

const redis = new OwnRedis();
const install = new Install();
let app: AppProcess;

beforeAll(async () => {
  await redis.start();
  app = await install.start('all', 'all', { REDIS_URL: redis.url, AFTERCARE_OUTBOX_SWEEP_INTERVAL: '1s' });
}, 180_000);
afterAll(async () => {
  await install.close();
  await redis.stop();
});

function notJson(lines: string[]): string[] {
  return lines.filter((l) => {
    try {
      return typeof JSON.parse(l) !== 'object';
    } catch {
      return true;
    }
  });
}

describe('BullMQ errors after Redis is lost', () => {
  it('are logged as JSON lines; no raw stack trace reaches stderr', async () => {
    for (let i = 0; i < 3; i++) await install.createTicket();
    await redis.stop();
    const bullErrors = () => app.output.filter((l) => /"msg":"(timer|outbox) (worker|queue) error"/.test(l)).length;
    await waitFor(() => bullErrors() >= 2 || notJson(app.output).length > 0, 30_000, 'BullMQ errors in the log');
    // The ticket API still answers (the ticket is committed; its jobs wait for Redis).
    const created = await install.createTicket();
    expect(created.number).toMatch(/^AC-/);
    expect(app.running()).toBe(true);
    expect(notJson(app.output)).toEqual([]);
  });
});
