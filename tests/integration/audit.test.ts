import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../src/app/create-ticket.js';
import type { UseCaseDeps } from '../../src/app/deps.js';
import { Directory } from '../../src/core/directory.js';
import { PgTicketStore } from '../../src/db/ticket-store.js';
import { verifyAllChains } from '../../src/db/verify-audit.js';
import { exampleConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { noJobs } from '../helpers/no-jobs.js';

const config = exampleConfig();
let tdb: TestDatabase;
const numbers: string[] = [];

beforeAll(async () => {
  tdb = await freshDatabase(config);
  const deps: UseCaseDeps = { store: new PgTicketStore(tdb.database.db), directory: new Directory(config), now: () => new Date('2026-11-23T02:00:00Z'), newId: randomUUID, ...noJobs() };
  for (let i = 0; i < 3; i++) {
    const r = await createTicket(deps, {
      customer: { name: 'Zhang San', phone: '13800138000' },
      product: `Router R${i}`,
      orderNumber: `SO-${i}`,
      description: 'how do I reset it?',
      severity: 'normal',
      source: 'api',
      actor: { kind: 'api' },
    });
    numbers.push(r.state.ticket.number);
  }
});
afterAll(async () => {
  await tdb.drop();
});

/** The database error a statement raises (postgres.js PostgresError: code, message, hint). */
async function pgError(run: () => Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await run();
  } catch (err) {
    return err as { code: string; message: string; hint?: string };
  }
  throw new Error('expected the statement to fail');
}

const eventCount = async () => (await tdb.database.sql<{ n: number }[]>`select count(*)::int as n from ticket_events`)[0]!.n;

describe('ticket_events is append-only in the database', () => {
  it('refuses UPDATE, DELETE and TRUNCATE with a clear message, and changes nothing', async () => {
    const sql = tdb.database.sql;
    const before = await eventCount();
    expect(before).toBeGreaterThan(0);
    const update = await pgError(() => sql`update ticket_events set data = '{}'::jsonb where seq = 1`);
    expect(update.code).toBe('23001');
    expect(update.message).toContain('ticket_events is append-only: UPDATE is not allowed');
    expect(update.hint).toContain('aftercare.allow_event_rewrite');
    const del = await pgError(() => sql`delete from ticket_events`);
    expect(del.code).toBe('23001');
    expect(del.message).toContain('DELETE is not allowed');
    const truncate = await pgError(() => sql`truncate ticket_events cascade`);
    expect(truncate.code).toBe('23001');
    expect(truncate.message).toContain('TRUNCATE is not allowed');
    expect(await eventCount()).toBe(before);
    expect((await verifyAllChains(tdb.database.db)).broken).toEqual([]);
  });

  it('the setting only counts inside the transaction that sets it', async () => {
    const sql = tdb.database.sql;
    await sql.begin(async (tx) => {
      await tx`select set_config('aftercare.allow_event_rewrite', 'on', true)`;
    });
    const after = await pgError(() => sql`delete from ticket_events`);
    expect(after.code).toBe('23001');
    const wrongValue = await pgError(() =>
      sql.begin(async (tx) => {
        await tx`select set_config('aftercare.allow_event_rewrite', 'yes', true)`;
        await tx`delete from ticket_events`;
      }),
    );
    expect(wrongValue.code).toBe('23001');
    // A maintenance migration closes the setting again (README): later statements of the same transaction are refused.
    const closed = await pgError(() =>
      sql.begin(async (tx) => {
        await tx`select set_config('aftercare.allow_event_rewrite', 'on', true)`;
        await tx`select set_config('aftercare.allow_event_rewrite', 'off', true)`;
        await tx`delete from ticket_events`;
      }),
    );
    expect(closed.code).toBe('23001');
  });
});

describe('audit:verify', () => {
  it('reports every broken chain with its first bad event, not only the first, after a documented maintenance rewrite', async () => {
    const sql = tdb.database.sql;
    // The documented maintenance path (README, Audit): the setting is local to this transaction.
    await sql.begin(async (tx) => {
      await tx`select set_config('aftercare.allow_event_rewrite', 'on', true)`;
      await tx`update ticket_events set data = jsonb_set(data, '{product}', '"Tampered"')
               where seq = 1 and ticket_id = (select id from tickets where number = ${numbers[2]!})`;
      await tx`delete from ticket_events where ticket_id = (select id from tickets where number = ${numbers[0]!})
               and seq = (select max(seq) from ticket_events e join tickets t on t.id = e.ticket_id where t.number = ${numbers[0]!})`;
    });
    const report = await verifyAllChains(tdb.database.db);
    expect(report.tickets).toBe(3);
    expect(report.broken.map((b) => [b.number, b.reason])).toEqual([
      [numbers[0], 'head_mismatch'],
      [numbers[2], 'hash_mismatch'],
    ]);
    expect(report.broken[1]!.seq).toBe(1);

    const cli = spawnSync('node_modules/.bin/tsx', ['src/cli/audit-verify.ts'], { env: { ...process.env, DATABASE_URL: tdb.url }, encoding: 'utf8' });
    expect(cli.status).toBe(1);
    const lines = cli.stderr.trim().split('\n');
    expect(lines.filter((l) => /^audit FAILED: ticket AC-\d+ event \d+/.test(l)).map((l) => /ticket (AC-\d+)/.exec(l)![1])).toEqual([numbers[0], numbers[2]]);
    expect(lines.at(-1)).toContain('2 of 3 tickets have a broken chain');
  });
});
