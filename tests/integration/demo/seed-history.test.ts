import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load-config.js';
import { seedHistory } from '../../../src/demo/seed-history.js';
import { DEMO_CONFIG_PATH } from '../../../src/demo/start-demo.js';
import { freshDatabase, type TestDatabase } from '../../helpers/db.js';

const config = parseConfigText(readFileSync(DEMO_CONFIG_PATH(), 'utf8'), 'demo');
const NOW = new Date('2026-12-02T08:00:00Z');
let t: TestDatabase;

beforeAll(async () => {
  t = await freshDatabase(config);
  await seedHistory(t.database, config, { count: 60, now: NOW });
});
afterAll(async () => {
  await t?.drop();
});

const count = async (q: Promise<{ n: number }[]>) => (await q)[0]!.n;

describe('seeded demo history', () => {
  it('opens N tickets over the last 30 days through the use cases, each with a valid event chain start', async () => {
    const sql = t.database.sql;
    const rows = await sql<{ n: number; first: Date; last: Date }[]>`select count(*)::int as n, min(created_at) as first, max(created_at) as last from tickets`;
    expect(rows[0]!.n).toBe(60);
    expect(new Date(rows[0]!.first).getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 30 * 86_400_000);
    expect(new Date(rows[0]!.last).getTime()).toBeLessThan(NOW.getTime());
    expect(await count(sql`select count(*)::int as n from ticket_events where type = 'ticket.created'`)).toBe(60);
  });

  it('has realistic outcomes: breaches, reopens, survey answers, every ticket closed', async () => {
    const sql = t.database.sql;
    expect(await count(sql`select count(*)::int as n from tickets where status = 'closed'`)).toBe(60);
    expect(await count(sql`select count(*)::int as n from ticket_events where type = 'sla.breached'`)).toBeGreaterThan(0);
    expect(await count(sql`select count(*)::int as n from ticket_events where type = 'ticket.reopened'`)).toBeGreaterThan(0);
    expect(await count(sql`select count(*)::int as n from surveys`)).toBeGreaterThan(20);
  });

  it('leaves nothing for the live demo to send or fire: no running clock, no open escalation, no pending message', async () => {
    const sql = t.database.sql;
    expect(await count(sql`select count(*)::int as n from sla_clocks where status = 'running'`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from escalations where status = 'open'`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from outbox where status in ('pending', 'sending')`)).toBe(0);
  });
});
