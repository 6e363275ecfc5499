/**
 * Personal data never reaches the logs (SPEC §9): a whole journey — Telegram intake through
 * the Bot API emulator, a follow-up, staff replies over the API, an API ticket with an e-mail,
 * a refused request, export and erasure — logged at the most verbose level, then the captured
 * lines are searched for the customer's name, phone number, e-mail and words.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../../src/emulators/telegram.js';
import { startTestApp, ticketBody, type TestApp } from '../helpers/app.js';
import { fastClocksConfig } from '../helpers/config.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = '123456:LOGS-TOKEN';
const NAME = 'Peregrine Thistlewood';
const PHONE = '+44 20 7946 0958';
const EMAIL = 'peregrine.thistlewood@example.net';
const DESCRIPTION = 'The dishwasher floods the utility room through its door seal';
const FOLLOW_UP = 'Also the drain pump hums loudly at night';
let tg: FakeTelegram;
let app: TestApp;
const lines: string[] = [];

beforeAll(async () => {
  tg = await new FakeTelegram(TOKEN).start();
  const logger = pino({ level: 'trace' }, { write: (l: string) => void lines.push(l) });
  app = await startTestApp({ logger, config: fastClocksConfig({}, 600), env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_URL: tg.apiRoot, AFTERCARE_OUTBOX_SWEEP_INTERVAL: '1s' } });
});
afterAll(async () => {
  await app?.stop();
  await tg?.stop();
});

type Markup = { inline_keyboard?: { text: string; callback_data?: string }[][] };
const chat = 7701;

function press(label: string): void {
  for (const p of [...tg.sent(chat)].reverse()) {
    const b = ((p.reply_markup as Markup | undefined)?.inline_keyboard ?? []).flat().find((x) => x.text.includes(label) && x.callback_data);
    if (b) {
      tg.userPresses(chat, b.callback_data!);
      return;
    }
  }
  throw new Error(`no button ${label}`);
}

async function say(text: string, expected: string | RegExp) {
  const since = tg.mark();
  tg.userSends(chat, text);
  return tg.waitForMessage(chat, expected, 10_000, since);
}

async function pressFor(label: string, expected: string | RegExp) {
  const since = tg.mark();
  press(label);
  return tg.waitForMessage(chat, expected, 10_000, since);
}

describe('logs', () => {
  it('hold no name, phone number, e-mail or customer text after a full journey', async () => {
    tg.addChat(chat, { languageCode: 'en', firstName: 'Peregrine', lastName: 'Thistlewood' });
    await say('/new', 'What is your name');
    await say(`${NAME}, Thistlewood & Sons`, 'How can we reach you');
    await say(PHONE, 'Which product');
    await say('Dishwasher DW-9', 'order number');
    await say('SO-77-LOG', 'Describe the problem');
    await say(DESCRIPTION, 'How urgent');
    await pressFor('Normal', 'By when');
    await pressFor('Skip', 'Please check your report');
    const ack = await pressFor('Submit', /AC-\d{6}/);
    const number = /AC-\d{6}/.exec(String(ack.params.text))![0];
    await say(FOLLOW_UP, number);
    // Staff work the ticket over the API; one request is refused (bad input is logged too).
    const routed = ((await (await app.api(`/api/tickets/${number}`)).json()) as { departments: string[] }).departments[0];
    const agent = routed === 'technical' ? 'dave' : 'alice';
    const act = (json: unknown) => app.api(`/api/tickets/${number}/actions`, { method: 'POST', json });
    expect((await act({ actor: agent, type: 'claim' })).status).toBe(200);
    expect((await act({ actor: agent, type: 'reply', text: `Dear ${NAME}, an engineer will call ${PHONE}` })).status).toBe(200);
    await tg.waitForMessage(chat, 'an engineer will call', 10_000);
    expect((await act({ actor: agent, type: 'reply', text: '' })).status).toBe(400);
    const api = await app.api('/api/tickets', { method: 'POST', json: { ...ticketBody(), customer: { name: NAME, email: EMAIL }, description: DESCRIPTION } });
    expect(api.status).toBe(201);
    const customerId = ((await (await app.api(`/api/tickets/${number}`)).json()) as { customer: { id: string } }).customer.id;
    expect((await app.api(`/api/customers?phone=${encodeURIComponent(PHONE)}`)).status).toBe(200);
    expect((await app.api(`/api/customers/${customerId}/export`)).status).toBe(200);
    const erase = await app.api(`/api/customers/${customerId}/erase`, { method: 'POST', json: { actor: 'carol', reason: 'asked', force: true } });
    expect(erase.status).toBe(200);
    await waitFor(() => lines.some((l) => l.includes('customer erased')), 10_000);

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(20);
    const digits = PHONE.replace(/\D/g, '');
    for (const s of [NAME, 'Thistlewood', PHONE, digits, '7946 0958', EMAIL, 'peregrine.thistlewood', DESCRIPTION.slice(0, 30), FOLLOW_UP.slice(0, 25)]) {
      expect(log, `the log contains "${s}"`).not.toContain(s);
    }
  });
});
