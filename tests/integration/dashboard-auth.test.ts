import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_TOKEN, type TestApp } from '../helpers/app.js';

/**
 * The dashboard's sign-in over plain HTTP: the API token buys a signed, HttpOnly, SameSite=Strict
 * session cookie that the reports API (and only it) accepts instead of the bearer token, until
 * it expires by the app's clock or the user signs out.
 */

let app: TestApp;
let now = new Date('2026-11-30T08:00:00Z');

beforeAll(async () => {
  app = await startTestApp({ now: () => now });
});
afterAll(async () => {
  await app?.stop();
});

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

async function signIn(): Promise<string> {
  const res = await fetch(`${app.url}/dashboard/login`, form({ token: TEST_TOKEN }));
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/dashboard');
  const setCookie = res.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(/^aftercare_session=/);
  expect(setCookie).toMatch(/HttpOnly/i);
  expect(setCookie).toMatch(/SameSite=Strict/i);
  return setCookie.split(';')[0]!;
}

const withCookie = (cookie: string, path: string) => fetch(`${app.url}${path}`, { headers: { cookie } });

describe('dashboard sign-in', () => {
  it('shows the sign-in form without a session, in the browser language, with a strict CSP', async () => {
    const res = await fetch(`${app.url}/dashboard`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('登录看板');
    expect(html).toContain('name="token"');
    expect(html).not.toContain('dashboard-boot');
  });

  it('refuses an empty or wrong token with the form again (400, 401), and a bad language with 400 naming it', async () => {
    const empty = await fetch(`${app.url}/dashboard/login`, form({ token: '' }));
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Enter the API token.');
    const wrong = await fetch(`${app.url}/dashboard/login`, form({ token: 'not-the-api-token-at-all' }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const badLang = await fetch(`${app.url}/dashboard?lang=fr`);
    expect(badLang.status).toBe(400);
    const body = (await badLang.json()) as { error: { code: string; fields: { path: string }[] } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.fields.map((f) => f.path)).toEqual(['query.lang']);
  });

  it('a session opens the dashboard and the reports API, but not the rest of the API', async () => {
    const cookie = await signIn();
    const page = await withCookie(cookie, '/dashboard');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="dashboard-boot"');
    expect((await withCookie(cookie, '/api/reports/summary')).status).toBe(200);
    expect((await withCookie(cookie, '/api/tickets')).status).toBe(401);
    expect((await withCookie(cookie, '/metrics')).status).toBe(401);
    // A cookie whose signature does not match is no session.
    const forged = cookie.replace(/\.[^.]+$/, '.AAAA');
    expect((await withCookie(forged, '/api/reports/summary')).status).toBe(401);
  });

  it('a session ends after 12 hours by the app clock, and on signing out', async () => {
    const cookie = await signIn();
    now = new Date(now.getTime() + 11 * 3600_000);
    expect((await withCookie(cookie, '/api/reports/summary')).status).toBe(200);
    now = new Date(now.getTime() + 2 * 3600_000);
    expect((await withCookie(cookie, '/api/reports/summary')).status).toBe(401);
    expect(await (await withCookie(cookie, '/dashboard')).text()).toContain('name="token"');

    const fresh = await signIn();
    const out = await fetch(`${app.url}/dashboard/logout`, { method: 'POST', headers: { cookie: fresh }, redirect: 'manual' });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^aftercare_session=;.*Expires=Thu, 01 Jan 1970/i);
  });

  it('remembers a language picked with ?lang= over the browser language', async () => {
    const cookie = await signIn();
    const pick = await fetch(`${app.url}/dashboard?lang=zh-CN`, { headers: { cookie } });
    const lang = (pick.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(lang).toBe('aftercare_lang=zh-CN');
    const again = await fetch(`${app.url}/dashboard`, { headers: { cookie: `${cookie}; ${lang}`, 'accept-language': 'en' } });
    expect(await again.text()).toContain('<html lang="zh-CN">');
  });

  it('serves the bundled client and style, and nothing else from the folder', async () => {
    const js = await fetch(`${app.url}/dashboard/assets/dashboard.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await js.text()).length).toBeGreaterThan(10_000);
    expect((await fetch(`${app.url}/dashboard/assets/dashboard.css`)).status).toBe(200);
    expect((await fetch(`${app.url}/dashboard/assets/package.json`)).status).toBe(404);
    expect((await fetch(`${app.url}/dashboard/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
  });
});
