import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_TOKEN, ticketBody, type TestApp } from '../helpers/app.js';

/**
 * The reports dashboard in real headless Chromium (Debian's /usr/bin/chromium): sign in with
 * the API token, see the tiles and the charts drawn from the reports API, change the period,
 * switch to Chinese (remembered), sign out; the browser logs no error on the way.
 */

const CHROMIUM = '/usr/bin/chromium';
/** The fill of the backlog chart's by-severity bars (web/dashboard/main.ts). */
const SEVERITY_BAR = '#bf5700';
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

let app: TestApp;
let browser: Browser;
let page: Page;
const problems: string[] = [];

async function ticket(overrides: Record<string, unknown>): Promise<string> {
  const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody(overrides) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { number: string }).number;
}

async function act(number: string, json: Record<string, unknown>): Promise<void> {
  const res = await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json });
  expect(res.status).toBe(200);
}

/** Waits until the client drew the figures for the filters in `query` (it marks #dashboard). */
async function loaded(query: string): Promise<void> {
  await page.locator(`#dashboard[aria-busy=false][data-loaded=${JSON.stringify(query)}]`).waitFor();
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  app = await startTestApp();
  const resolved = await ticket({ category: 'fault', severity: 'urgent' });
  await act(resolved, { type: 'claim', actor: 'dave' });
  await act(resolved, { type: 'reply', actor: 'dave', text: 'We are looking at the printer now.' });
  await act(resolved, { type: 'resolve', actor: 'dave', measures: 'Replaced the fuser unit.', advice: 'Restart once a week.' });
  await ticket({ category: 'complaint', severity: 'normal' });
  await ticket({ category: 'inquiry', severity: 'critical' });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 1600 } });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('the reports dashboard in Chromium', () => {
  it('asks for the API token, refuses a wrong one, and shows the figures after signing in', async () => {
    await page.goto(`${app.url}/dashboard`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in to the dashboard');
    await page.fill('#token', 'not-the-token-at-all');
    await Promise.all([page.waitForURL(/\/dashboard\/login$/), page.click('button[type=submit]')]);
    await expect(page.locator('.error').textContent()).resolves.toMatch(/not right/);
    problems.length = 0; // the refused sign-in is a 401 the browser reports on its console

    // The first load reads the reports API four times: the summary, all the trends at once, the departments, the agents.
    const requests: string[] = [];
    const onRequest = (r: { url(): string }) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/reports/')) requests.push(path);
    };
    page.on('request', onRequest);
    await page.fill('#token', TEST_TOKEN);
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click('button[type=submit]')]);
    await loaded('days=30');
    page.off('request', onRequest);
    expect(requests.sort()).toEqual(['/api/reports/agents', '/api/reports/departments', '/api/reports/summary', '/api/reports/trends']);
    const cookie = (await page.context().cookies()).find((c) => c.name === 'aftercare_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    expect(await page.locator('.tile').count()).toBe(12);
    await expect(page.locator('[data-tile=created] .value').textContent()).resolves.toBe('3');
    await expect(page.locator('[data-tile=open] .value').textContent()).resolves.toBe('2');
    await expect(page.locator('[data-tile=resolved] .value').textContent()).resolves.toBe('1');
    // A figure links to the tickets behind it: the CSV export with the same filters.
    expect(await page.locator('[data-tile=created]').getAttribute('href')).toMatch(/^\/api\/reports\/tickets\.csv\?from=.*&tz=Asia%2FShanghai/);

    // The charts are drawn (ECharts, SVG renderer): the backlog has bars (its severity colour) for the open tickets.
    await page.locator(`[data-chart=backlog] svg path[fill="${SEVERITY_BAR}"]`).first().waitFor();
    expect(await page.locator(`[data-chart=backlog] svg path[fill="${SEVERITY_BAR}"]`).count()).toBeGreaterThanOrEqual(2);
    for (const id of ['firstResponse', 'resolution', 'sla', 'backlog', 'satisfaction', 'complaints']) {
      expect(await page.locator(`[data-chart=${id}] svg`).count(), id).toBe(1);
    }
    // The trends (one request for all of them) reach the line charts: today's bucket at least.
    for (const id of ['firstResponse', 'resolution', 'complaints']) {
      expect(Number(await page.locator(`[data-chart=${id}]`).getAttribute('data-points')), id).toBeGreaterThanOrEqual(1);
    }
    expect(await page.locator('[data-table=departments] tbody tr').count()).toBeGreaterThan(0);
    await expect(page.locator('[data-table=agents] tbody').textContent()).resolves.toContain('Dave');
    expect(problems).toEqual([]);
  });

  it('changing the period reloads the figures for it and keeps it in the address', async () => {
    await page.selectOption('#filter-days', '7');
    await loaded('days=7');
    expect(new URL(page.url()).searchParams.get('days')).toBe('7');
    await expect(page.locator('[data-tile=created] .value').textContent()).resolves.toBe('3');
    expect(problems).toEqual([]);
  });

  it('switches to Chinese, keeps the filters, and remembers the language', async () => {
    await Promise.all([page.waitForURL(/lang=zh-CN/), page.click('nav.lang a[data-lang=zh-CN]')]);
    await loaded('days=7');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
    await expect(page.locator('h1').textContent()).resolves.toBe('Aftercare 服务看板');
    await expect(page.locator('[data-tile=created] .label').textContent()).resolves.toBe('新建工单');
    await page.locator(`[data-chart=backlog] svg path[fill="${SEVERITY_BAR}"]`).first().waitFor();
    await expect(page.locator('[data-chart=backlog] svg').textContent()).resolves.toContain('按严重程度');

    await page.goto(`${app.url}/dashboard`);
    await loaded('days=30');
    await expect(page.locator('h1').textContent()).resolves.toBe('Aftercare 服务看板');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-zh-CN.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('signing out ends the session: the page asks for the token again and the API refuses the old cookie', async () => {
    await Promise.all([page.waitForURL(/\/dashboard$/), page.click('form.logout button')]);
    await expect(page.locator('#token').count()).resolves.toBe(1);
    const res = await page.request.get(`${app.url}/api/reports/summary`);
    expect(res.status()).toBe(401);
    expect(problems).toEqual([]);
  });
});
