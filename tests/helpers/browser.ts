import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import type { AftercareConfig } from '../../src/core/types.js';
import { startDemo, type RunningDemo } from '../../src/demo/start-demo.js';
import { newDatabaseUrl, REDIS_URL } from './db.js';
import { dropDatabase } from './db.js';
import { deleteRedisKeys } from './app.js';
import { randomBytes } from 'node:crypto';

/** Where browser tests put their screenshots (git-ignored). */
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'browser');

/** Debian's Chromium, headless, without anything that calls home. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface DemoUnderTest {
  demo: RunningDemo;
  browser: Browser;
  page: Page;
  shot: (name: string) => Promise<void>;
  stop(): Promise<void>;
}

/** The demo on a fresh database and a free port, and a page open on it. */
export async function openDemo(o: { config?: AftercareConfig; name: string; seed?: number }): Promise<DemoUnderTest> {
  const databaseUrl = newDatabaseUrl();
  const queuePrefix = `tdemo${randomBytes(4).toString('hex')}`;
  const demo = await startDemo({ databaseUrl, redisUrl: REDIS_URL, port: 0, keep: false, seed: o.seed ?? 0, queuePrefix, logLevel: 'silent', ...(o.config && { config: o.config }) });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, locale: 'en-US' });
  await page.goto(demo.pageUrl);
  await page.locator('body[data-ready="1"]').waitFor();
  const dir = join(ARTIFACTS, o.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return {
    demo,
    browser,
    page,
    shot: async (name: string) => {
      await page.screenshot({ path: join(dir, `${String(++n).padStart(2, '0')}-${name}.png`), fullPage: true });
      // The phone as text too, to read what the customer saw.
      writeFileSync(join(dir, `${String(n).padStart(2, '0')}-${name}.txt`), (await phone(page).innerText().catch(() => '')) + '\n');
    },
    async stop() {
      await browser.close().catch(() => undefined);
      await demo.close();
      await dropDatabase(databaseUrl);
      await deleteRedisKeys(queuePrefix);
    },
  };
}

/** The phone's message list. */
export const phone = (page: Page): Locator => page.getByTestId('customer-messages');

/** Types a message on the phone and waits for the bot's answer containing `expect`. */
export async function say(page: Page, text: string, expect: string | RegExp): Promise<Locator> {
  const before = await page.getByTestId('customer-message').count();
  await page.getByTestId('customer-input').fill(text);
  await page.getByTestId('customer-send').click();
  return botSays(page, expect, before);
}

/** Presses the inline button labelled `label` on the latest bot message that has it, and waits for `expect`. */
export async function press(page: Page, label: string | RegExp, expect: string | RegExp): Promise<Locator> {
  const before = await page.getByTestId('customer-message').count();
  await phone(page).getByTestId('customer-message').filter({ has: page.getByRole('button', { name: label }) }).last().getByRole('button', { name: label }).click();
  return botSays(page, expect, before);
}

/** The first bot message after the first `after` messages that contains `expect`. */
export async function botSays(page: Page, expect: string | RegExp, after = 0): Promise<Locator> {
  const m = page.locator(`[data-testid="customer-message"][data-from="bot"]:nth-child(n+${after + 1})`).filter({ hasText: expect }).first();
  // Generous: on a busy machine the outbox may take a while; the wait ends on the message.
  await m.waitFor({ timeout: 45_000 });
  return m;
}
