import { createServer, type Server } from 'node:net';
import { pino } from 'pino';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import { dropDatabase, newDatabaseUrl, PG_BASE } from '../helpers/db.js';

let blocker: Server | undefined;
afterEach(() => new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r())));

describe('startApp', () => {
  it('a start that fails half way (port taken) stops what it started: no database connection is left', async () => {
    blocker = createServer();
    const port = await new Promise<number>((r) => blocker!.listen(0, '127.0.0.1', () => r((blocker!.address() as { port: number }).port)));
    const url = newDatabaseUrl();
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    try {
      await expect(startTestApp({ databaseUrl: url, env: { PORT: String(port), HOST: '127.0.0.1' }, logger })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      const admin = postgres(`${PG_BASE}/postgres`, { max: 1, onnotice: () => {} });
      try {
        const [row] = await admin<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = ${new URL(url).pathname.slice(1)}`;
        expect(row?.n).toBe(0);
      } finally {
        await admin.end({ timeout: 5 });
      }
      expect(lines.filter((l) => l.includes('could not stop cleanly'))).toEqual([]);
    } finally {
      await dropDatabase(url);
    }
  });
});
