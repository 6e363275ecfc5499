/**
 * The retention rule (`privacy.retentionDays`, SPEC §9) with an injected clock: customers whose
 * last ticket closed longer ago than that are erased, nobody else; `privacy:erase-expired
 * --dry-run` lists them without erasing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actOnTicket } from '../../src/app/act-on-ticket.js';
import { createTicket } from '../../src/app/create-ticket.js';
import { customerAct } from '../../src/app/customer-actions.js';
import { eraseExpired } from '../../src/app/privacy.js';
import { BUILT_IN_CONFIG_PATH } from '../../src/config/load-config.js';
import { PgPrivacyStore } from '../../src/db/privacy-store.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { wallClockConfig } from '../helpers/config.js';
import { dropDatabase, newDatabaseUrl } from '../helpers/db.js';

const DAY = 86_400_000;
// Real dates in the past, so the CLI (on the real clock) finds the first customer expired too.
const T0 = Date.now() - 200 * DAY;
let now = T0;
let app: TestApp;
const databaseUrl = newDatabaseUrl();

const open = async (name: string, email: string) =>
  (
    await createTicket(app.deps, {
      customer: { name, email, language: 'en' },
      product: 'Kettle',
      orderNumber: 'SO-RET-1',
      description: 'The kettle switches itself off before the water boils.',
      category: 'fault',
      source: 'api',
      actor: { kind: 'api' },
    })
  ).state;

const closeNow = async (number: string, customerId: string) => {
  await actOnTicket(app.deps, number, { actorId: 'dave', source: 'slack' }, { type: 'claim' });
  await actOnTicket(app.deps, number, { actorId: 'dave', source: 'slack' }, { type: 'resolve', measures: 'new thermostat', advice: 'descale it' });
  await customerAct(app.deps, number, customerId, 'api', { type: 'confirm', resolved: true });
};

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node_modules/.bin/tsx', ['src/cli/privacy-erase-expired.ts', ...args], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

let oldOne: { customerId: string; number: string };
let recent: { customerId: string };
let stillOpen: { customerId: string };

beforeAll(async () => {
  const config = { ...wallClockConfig(), privacy: { retentionDays: 30, consentNotice: undefined } };
  app = await startTestApp({ config, now: () => new Date(now), env: { AFTERCARE_ROLE: 'api' }, databaseUrl });
  now = T0;
  const a = await open('Old Customer', 'old@example.org');
  await closeNow(a.ticket.number, a.customer.id);
  oldOne = { customerId: a.customer.id, number: a.ticket.number };
  now = T0 + 190 * DAY;
  const b = await open('Recent Customer', 'recent@example.org');
  await closeNow(b.ticket.number, b.customer.id);
  recent = { customerId: b.customer.id };
  now = T0;
  stillOpen = { customerId: (await open('Open Customer', 'open@example.org')).customer.id };
});

afterAll(async () => {
  await app?.stop();
  await dropDatabase(databaseUrl);
});

describe('retention', () => {
  it('erases only customers whose last ticket closed longer ago than retentionDays', async () => {
    const deps = { ...app.deps, privacy: new PgPrivacyStore(app.database.db) };
    now = T0 + 29 * DAY;
    expect((await eraseExpired(deps)).customers).toEqual([]);

    now = T0 + 31 * DAY;
    const dry = await eraseExpired(deps, { dryRun: true });
    expect(dry.customers.map((c) => c.id)).toEqual([oldOne.customerId]);
    expect(dry.erased).toBe(0);
    expect((await deps.privacy.customer(oldOne.customerId))?.erasedAt).toBeNull();

    const run = await eraseExpired(deps);
    expect(run.erased).toBe(1);
    expect((await deps.privacy.customer(oldOne.customerId))?.erasedAt).toEqual(new Date(T0 + 31 * DAY));
    expect((await deps.privacy.customer(recent.customerId))?.erasedAt).toBeNull();
    expect((await deps.privacy.customer(stillOpen.customerId))?.erasedAt).toBeNull();
    const detail = await app.deps.store.get(oldOne.number);
    expect(detail?.events.filter((e) => e.type === 'customer.erased').map((e) => e.actor)).toEqual([{ kind: 'system' }]);
    // Run again: nothing more to do.
    expect((await eraseExpired(deps)).customers).toEqual([]);
  });

  it('npm run privacy:erase-expired --dry-run lists the expired customers on the real clock without erasing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-retention-'));
    const file = join(dir, 'aftercare.yaml');
    writeFileSync(file, `${readFileSync(BUILT_IN_CONFIG_PATH(), 'utf8')}\nprivacy:\n  retentionDays: 100\n`);
    const privacy = new PgPrivacyStore(app.database.db);
    now = T0;
    const c = await open('Cli Customer', 'cli@example.org');
    await closeNow(c.ticket.number, c.customer.id);
    const env = { DATABASE_URL: databaseUrl, AFTERCARE_CONFIG: file };
    const dry = await runCli(['--dry-run'], { ...env, npm_config_dry_run: '' });
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toContain(`would erase customer ${c.customer.id}`);
    expect(dry.out).toContain('dry run, nothing erased');
    expect((await privacy.customer(c.customer.id))?.erasedAt).toBeNull();
    expect(dry.out).not.toContain(stillOpen.customerId);
    expect(dry.out).not.toContain(recent.customerId);
    expect((await privacy.customer(recent.customerId))?.erasedAt).toBeNull();

    const viaNpmFlag = await runCli([], { ...env, npm_config_dry_run: 'true' });
    expect(viaNpmFlag.out).toContain(`would erase customer ${c.customer.id}`);
    expect((await privacy.customer(c.customer.id))?.erasedAt).toBeNull();
  });
});
