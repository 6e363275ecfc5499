import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../src/demo/start-demo.js';
import { deleteRedisKeys } from '../helpers/app.js';
import { dropDatabase, newDatabaseUrl, REDIS_URL } from '../helpers/db.js';

const databaseUrl = newDatabaseUrl();
const queuePrefix = `tdemo${randomBytes(4).toString('hex')}`;
let demo: RunningDemo;

beforeAll(async () => {
  demo = await startDemo({ databaseUrl, redisUrl: REDIS_URL, port: 0, keep: false, seed: 0, queuePrefix, logLevel: 'silent' });
});
afterAll(async () => {
  await demo?.close();
  await dropDatabase(databaseUrl);
  await deleteRedisKeys(queuePrefix);
});

const post = (path: string, body: unknown) =>
  fetch(`${demo.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the demo server', () => {
  it('listens on 127.0.0.1 only and serves the page and its local assets', async () => {
    expect(new URL(demo.url).hostname).toBe('127.0.0.1');
    const page = await fetch(demo.pageUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const id of ['customer-input', 'customer-send', 'customer-messages', 'customer-language', 'staff-as', 'staff-dm']) expect(html).toContain(`data-testid="${id}"`);
    // Every script and stylesheet comes from this server.
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect((await fetch(`${demo.url}/demo/assets/demo.js`)).status).toBe(200);
    expect((await fetch(`${demo.url}/demo/assets/nope.js`)).status).toBe(404);
  });

  it('the API token it generated opens the API', async () => {
    expect((await fetch(`${demo.url}/api/tickets`, { headers: { authorization: `Bearer ${demo.token}` } })).status).toBe(200);
    expect((await fetch(`${demo.url}/api/tickets`)).status).toBe(401);
  });

  it('a customer message travels as a Telegram update; the bot’s answer arrives as a Server-Sent Event and in the state', async () => {
    const events = await fetch(`${demo.url}/demo/events`);
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    const reader = events.body!.getReader();
    const sawChange = (async () => {
      let text = '';
      while (!text.includes('event: change')) text += new TextDecoder().decode((await reader.read()).value);
    })();
    expect((await post('/demo/customer/send', { text: '/new' })).status).toBe(204);
    await sawChange;
    await reader.cancel();
    await demo.telegram.waitForMessage(demo.hub.chatId, 'What is your name', 10_000);
    const state = (await (await fetch(`${demo.url}/demo/state`)).json()) as { customer: { messages: { from: string; text: string }[] }; channels: { id: string }[]; staff: { id: string }[] };
    expect(state.customer.messages[0]).toMatchObject({ from: 'customer', text: '/new' });
    expect(state.customer.messages.some((m) => m.from === 'bot' && m.text.includes('What is your name'))).toBe(true);
    expect(state.channels.map((c) => c.id)).toEqual(expect.arrayContaining(['technical', 'customer-service', 'escalations']));
    expect(state.staff.map((s) => s.id)).toContain('dave');
  });

  it('answers a bad request with 400 naming the field and the rule', async () => {
    const empty = await post('/demo/customer/send', { text: '   ' });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: { code: 'validation_failed', fields: [{ path: 'text', message: expect.stringContaining('empty') }] } });

    const badLanguage = await post('/demo/customer/language', { language: 'fr' });
    expect(badLanguage.status).toBe(400);
    expect(((await badLanguage.json()) as { error: { fields: { path: string }[] } }).error.fields[0]!.path).toBe('language');

    const unknownStaff = await post('/demo/staff/action', { staff: 'mallory', channel: 'C0TECH', ts: '1700000000.000100', actionId: 'ac:claim' });
    expect(unknownStaff.status).toBe(400);
    expect(((await unknownStaff.json()) as { error: { fields: { path: string }[] } }).error.fields[0]!.path).toBe('staff');

    const badTs = await post('/demo/staff/action', { staff: 'dave', channel: 'C0TECH', ts: 'yesterday', actionId: 'ac:claim' });
    expect(badTs.status).toBe(400);

    const noSuchButton = await post('/demo/customer/press', { messageId: 999, data: 'x' });
    expect(noSuchButton.status).toBe(400);

    const noModal = await post('/demo/staff/submit', { staff: 'dave', viewId: 'V123', values: {} });
    expect(noModal.status).toBe(400);
    expect(((await noModal.json()) as { error: { fields: { path: string }[] } }).error.fields[0]!.path).toBe('viewId');
  });
});
