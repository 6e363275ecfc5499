import { chromium } from 'playwright-core';
import { buildWeb } from '../scripts/build-web.js';
import { ticketBody } from '../tests/helpers/app.js';
import { BENCH_TOKEN, startApiApp } from './lib/app-process.js';
import { log, round, summarize, type Summary } from './lib/common.js';
import type { BenchContext } from './lib/context.js';

const CHROMIUM = '/usr/bin/chromium';

export interface DashboardLoadResult {
  tickets: number;
  loads: number;
  /** Navigation to /dashboard until every figure is drawn, cold cache each time (ms). */
  firstLoadMs: Summary;
}

/**
 * The dashboard's first load in headless Chromium: a fresh browser context (empty cache)
 * with a session cookie opens /dashboard, and the clock stops once the client has drawn the
 * tiles, charts and tables from the reports API (it marks #dashboard). Uses the tickets the
 * database holds (seeds `seedTickets` through the API when there are fewer).
 */
export async function benchDashboardLoad(ctx: BenchContext, o: { loads: number; seedTickets: number }): Promise<DashboardLoadResult> {
  await buildWeb();
  const prefix = ctx.prefix('dashboard');
  const app = await startApiApp(ctx, prefix);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const [row] = await ctx.database.sql<{ n: number }[]>`select count(*)::int as n from tickets`;
    let tickets = row?.n ?? 0;
    for (; tickets < o.seedTickets; tickets++) {
      const res = await fetch(`${app.url}/api/tickets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(ticketBody({ severity: ['normal', 'urgent', 'critical'][tickets % 3], category: tickets % 5 === 0 ? 'complaint' : 'fault' })),
      });
      if (res.status !== 201) throw new Error(`seeding: POST /api/tickets answered ${res.status}`);
    }
    log(`dashboard: ${tickets} tickets, ${o.loads} cold loads`);
    const signIn = await fetch(`${app.url}/dashboard/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: BENCH_TOKEN }).toString(),
      redirect: 'manual',
    });
    const cookie = /^aftercare_session=([^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')?.[1];
    if (!cookie) throw new Error(`sign-in answered ${signIn.status} without a session cookie`);
    const times: number[] = [];
    for (let i = 0; i < o.loads; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
      await context.addCookies([{ name: 'aftercare_session', value: cookie, url: app.url, httpOnly: true, sameSite: 'Strict' }]);
      const page = await context.newPage();
      const t = performance.now();
      await page.goto(`${app.url}/dashboard`);
      await page.locator('#dashboard[aria-busy=false][data-loaded]').waitFor({ timeout: 60_000 });
      times.push(performance.now() - t);
      if ((await page.locator('.status.error').count()) > 0) throw new Error(`the dashboard showed an error: ${await page.locator('.status').textContent()}`);
      await context.close();
    }
    const s = summarize(times);
    return { tickets, loads: o.loads, firstLoadMs: { ...s, mean: round(s.mean), p50: round(s.p50), p90: round(s.p90), p99: round(s.p99), min: round(s.min), max: round(s.max) } };
  } finally {
    await browser.close();
    await app.stop();
  }
}
