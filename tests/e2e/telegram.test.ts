import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, ticketBody, type TestApp } from '../helpers/app.js';
import { fastClocksConfig } from '../helpers/config.js';
import { dropDatabase, newDatabaseUrl } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';
import { FakeTelegram, type RecordedCall } from '../../src/emulators/telegram.js';

const TOKEN = '123456:TEST-TOKEN';
let tg: FakeTelegram;
let app: TestApp;
let chatSeq = 1000;
const newChat = () => ++chatSeq;

// Long SLA budgets except the verification callback, which comes 1 s after resolving.
const config = fastClocksConfig({ first_response: 3600, contact_customer: 3600, diagnosis_plan: 3600, resolution: 3600, critical_start: 3600, result_notice: 3600, verification_callback: 1 }, 600);

beforeAll(async () => {
  tg = await new FakeTelegram(TOKEN).start();
  app = await startTestApp({ config, env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_URL: tg.apiRoot, AFTERCARE_OUTBOX_SWEEP_INTERVAL: '1s' } });
});
afterAll(async () => {
  await app?.stop();
  await tg?.stop();
});

type Markup = { inline_keyboard?: { text: string; callback_data?: string }[][] };

/** The callback_data of the button whose label contains `label` on the latest bot message that has it. */
function buttonData(chatId: number, label: string | RegExp): string {
  for (const p of [...tg.sent(chatId)].reverse()) {
    const rows = (p.reply_markup as Markup | undefined)?.inline_keyboard ?? [];
    for (const b of rows.flat()) {
      if (b.callback_data && (typeof label === 'string' ? b.text.includes(label) : label.test(b.text))) return b.callback_data;
    }
  }
  throw new Error(`no button "${String(label)}" in chat ${chatId}`);
}

async function say(chatId: number, text: string, expect: string | RegExp): Promise<RecordedCall> {
  const since = tg.mark();
  tg.userSends(chatId, text);
  return tg.waitForMessage(chatId, expect, 10_000, since);
}

async function press(chatId: number, label: string | RegExp, expect: string | RegExp): Promise<RecordedCall> {
  const since = tg.mark();
  tg.userPresses(chatId, buttonData(chatId, label));
  return tg.waitForMessage(chatId, expect, 10_000, since);
}

async function ticketsOf(chatId: number): Promise<{ number: string; status: string; severity: string; phone: string | null }[]> {
  return app.database.sql<{ number: string; status: string; severity: string; phone: string | null }[]>`
    select t.number, t.status, t.severity, c.phone from tickets t join customers c on c.id = t.customer_id
    where c.telegram_chat_id = ${String(chatId)} order by t.created_at`;
}

/** Walks the whole intake in English; returns the ticket number from the acknowledgement. */
async function intakeEn(chatId: number, description = 'The printer shows error E02 since Monday, restarting did not help'): Promise<string> {
  await say(chatId, '/new', 'What is your name');
  await say(chatId, 'Li Lei, Acme Ltd', 'How can we reach you');
  await say(chatId, '+86 138 0013 8000', 'Which product');
  await say(chatId, 'Model X printer', 'order number');
  await say(chatId, 'SO-2026-0042', 'Describe the problem');
  await say(chatId, description, 'How urgent');
  await press(chatId, 'Normal', 'By when');
  await press(chatId, 'Skip', 'Please check your report');
  const ack = await press(chatId, 'Submit', /Your ticket is <b>AC-\d{6}<\/b>/);
  return /AC-\d{6}/.exec(String(ack.params.text))![0];
}

describe('Telegram customer journeys', () => {
  it('registers its commands in English and Chinese', async () => {
    await tg.waitFor((c) => c.method === 'setMyCommands' && c.params.language_code === 'zh');
    const en = tg.commandsFor('') as { command: string }[];
    expect(en.map((c) => c.command)).toEqual(expect.arrayContaining(['new', 'status', 'language']));
    expect(JSON.stringify(tg.commandsFor('zh'))).toContain('报告问题');
  });

  it('full guided intake in English, a wrong phone number corrected, acknowledged with number and promise', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'en' });
    await say(chat, '/new', 'What is your name');
    await say(chat, 'Li Lei, Acme Ltd', 'How can we reach you');
    await say(chat, 'call me maybe', 'not a phone number or e-mail');
    await say(chat, '+86 138 0013 8000', 'Which product');
    await say(chat, 'Model X printer', 'order number');
    await say(chat, 'SO-2026-0042', 'Describe the problem');
    await say(chat, 'The printer shows error E02 since Monday, restarting did not help', 'How urgent');
    await press(chat, 'Urgent', 'By when');
    await say(chat, 'yesterday-ish', 'did not understand');
    await say(chat, '3 days', 'Please check your report');
    const ack = await press(chat, 'Submit', /Your ticket is <b>AC-\d{6}<\/b>/);
    expect(String(ack.params.text)).toContain('within 1 hour');
    const [t] = await ticketsOf(chat);
    expect(t).toMatchObject({ severity: 'urgent', phone: '+86 138 0013 8000', status: 'new' });
  });

  it('full guided intake in Chinese, with Back and a photo', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'zh-hans' });
    await say(chat, '/new', '请问您的姓名');
    await say(chat, '王芳', '联系方式');
    await say(chat, 'wangfang@example.cn', '哪款产品');
    await press(chat, '返回', '联系方式');
    await say(chat, '13912345678', '哪款产品');
    await say(chat, '智能门锁', '订单号');
    await say(chat, 'DD-88001', '请描述问题');
    let since = tg.mark();
    tg.userSendsPhoto(chat);
    await tg.waitForMessage(chat, '附件已保存', 10_000, since);
    await say(chat, '门锁坏了，指纹不能用，已经换过电池', '紧急程度');
    await press(chat, '一般', '何时解决');
    await press(chat, '跳过', '请确认您的报告');
    since = tg.mark();
    tg.userPresses(chat, buttonData(chat, '提交'));
    const ack = await tg.waitForMessage(chat, /您的工单号为 <b>AC-\d{6}<\/b>/, 10_000, since);
    expect(String(ack.params.text)).toContain('1 小时');
    const number = /AC-\d{6}/.exec(String(ack.params.text))![0];
    const detail = (await (await app.api(`/api/tickets/${number}`)).json()) as { category: string; events: { type: string; data: { attachments?: unknown[] } }[] };
    expect(detail.category).toBe('fault');
    expect(detail.events.find((e) => e.type === 'ticket.attachments_added')?.data.attachments).toHaveLength(1);
  });

  it('control characters are stripped and the message still stored and relayed; invisible-only answers are asked again', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'en' });
    await say(chat, '/new', 'What is your name');
    await say(chat, '\u200B\u200D\uFEFF', 'What is your name');
    await say(chat, 'Li\u0000 Lei', 'How can we reach you');
    await say(chat, '+86 138 0013 8000', 'Which product');
    await say(chat, 'Model X\u0007 printer', 'order number');
    await say(chat, 'SO-2026-0077', 'Describe the problem');
    await say(chat, '\u2060 \u200B', 'Describe the problem');
    await say(chat, 'The printer\u0000 shows error E02 since Monday', 'How urgent');
    await press(chat, 'Normal', 'By when');
    await press(chat, 'Skip', 'Please check your report');
    const ack = await press(chat, 'Submit', /Your ticket is <b>AC-\d{6}<\/b>/);
    const number = /AC-\d{6}/.exec(String(ack.params.text))![0];
    await say(chat, 'any news?\u0000 it still\u001b beeps', `Added to ticket <b>${number}</b>`);
    const detail = (await (await app.api(`/api/tickets/${number}`)).json()) as {
      product: string;
      description: string;
      customer: { name: string };
      events: { type: string; data: { text?: string } }[];
    };
    expect(detail.customer.name).toBe('Li Lei');
    expect(detail.product).toBe('Model X printer');
    expect(detail.description).toBe('The printer shows error E02 since Monday');
    expect(detail.events.find((e) => e.type === 'customer.message')?.data.text).toBe('any news? it still beeps');
  });

  it('a duplicate update is handled once: one ticket', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'en' });
    await say(chat, '/new', 'What is your name');
    await say(chat, 'Zhang Wei', 'How can we reach you');
    await say(chat, 'zw@example.com', 'Which product');
    await say(chat, 'Router R1', 'order number');
    await say(chat, 'SO-1', 'Describe the problem');
    await say(chat, 'Router reboots every hour since the update', 'How urgent');
    await press(chat, 'Normal', 'By when');
    await press(chat, 'Skip', 'Please check your report');
    const since = tg.mark();
    const submit = tg.userPresses(chat, buttonData(chat, 'Submit'));
    await tg.waitForMessage(chat, /Your ticket is/, 10_000, since);
    tg.pushUpdate(structuredClone(submit));
    const again = tg.userSends(chat, 'Any news?');
    await tg.waitForMessage(chat, 'Added to ticket', 10_000, since);
    tg.pushUpdate(structuredClone(again));
    // The redelivered message is confirmed by getUpdates without a second relay.
    await waitFor(() => tg.pendingUpdates().length === 0 || undefined, 10_000, 'the redeliveries to be consumed');
    await waitFor(async () => {
      const [{ n }] = await app.database.sql<[{ n: number }]>`select count(*)::int as n from inbound_dedup where platform = 'telegram' and event_id = ${String(again.update_id)}`;
      return n === 1 || undefined;
    });
    expect(await ticketsOf(chat)).toHaveLength(1);
    const [{ n: messages }] = await app.database.sql<[{ n: number }]>`
      select count(*)::int as n from ticket_events e join tickets t on t.id = e.ticket_id join customers c on c.id = t.customer_id
      where c.telegram_chat_id = ${String(chat)} and e.type = 'customer.message'`;
    expect(messages).toBe(1);
  });

  it('a relayed message whose acknowledgement fails stays handled: a redelivery adds it once, the next ones go on', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'en' });
    const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ customer: { name: 'Ack Lost', phone: `+86 139 ${String(chat).padStart(8, '0')}`, language: 'en' } }) });
    const { number } = (await res.json()) as { number: string };
    await app.database.sql`update customers set telegram_chat_id = ${String(chat)} where id = (select customer_id from tickets where number = ${number})`;
    // The customer blocks the bot just after writing: the message is in the ticket, its "Added to" is refused.
    const ack = (method: string, params: Record<string, unknown>) => method === 'sendMessage' && params.chat_id === chat && String(params.text).includes('Added to ticket');
    const remove = tg.failWhile(({ method, params }) => ack(method, params), { status: 403 });
    const since = tg.mark();
    const first = tg.userSends(chat, 'The tray is still stuck');
    await tg.waitFor((c) => ack(c.method, c.params) && c.status === 403, 10_000, since);
    remove();
    tg.pushUpdate(structuredClone(first));
    tg.userSends(chat, 'And it beeps twice');
    // Both updates handled: the last one is confirmed by the getUpdates after its handling.
    await waitFor(() => tg.pendingUpdates().length === 0 || undefined, 10_000, 'the redelivery and the next message to be consumed');
    expect(tg.calls.slice(since).filter((c) => ack(c.method, c.params)).map((c) => c.status)).toEqual([403, 200]);
    const [{ n: messages }] = await app.database.sql<[{ n: number }]>`
      select count(*)::int as n from ticket_events e join tickets t on t.id = e.ticket_id
      where t.number = ${number} and e.type = 'customer.message'`;
    expect(messages).toBe(2);
  });

  it('forged callback_data is refused and logged, nothing changes', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'en' });
    await say(chat, '/new', 'What is your name');
    const real = buttonData(chat, 'Cancel');
    const forged = real.replace(/^[^|]+/, 'ok');
    const since = tg.mark();
    tg.userPresses(chat, forged);
    const answer = await tg.waitFor((c) => c.method === 'answerCallbackQuery', 10_000, since);
    expect(answer.params.show_alert).toBe(true);
    expect(String(answer.params.text)).toContain('no longer valid');
    expect(await ticketsOf(chat)).toHaveLength(0);
  });

  it('a staff reply reaches the customer escaped; /status lists the ticket', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'en' });
    const number = await intakeEn(chat);
    const since = tg.mark();
    const res = await app.api(`/api/tickets/${number}/actions`, {
      method: 'POST',
      json: { type: 'reply', actor: 'dave', text: '<b>Hi</b> & <script>alert(1)</script> <!channel> *bold*' },
    });
    expect(res.status).toBe(200);
    const msg = await tg.waitForMessage(chat, 'Dave Zhang', 10_000, since);
    expect(msg.params.parse_mode).toBe('HTML');
    expect(String(msg.params.text)).toContain('&lt;b&gt;Hi&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt; &lt;!channel&gt; *bold*');
    const status = await say(chat, '/status', number);
    expect(String(status.params.text)).toContain('Dave Zhang');
  });

  it('an overdue ticket: the reason and the new ETA reach the customer', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'zh-hans' });
    await say(chat, '/language', '请选择语言');
    await press(chat, 'English', 'Language set to English');
    const number = await intakeEn(chat);
    await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json: { type: 'claim', actor: 'dave' } });
    const since = tg.mark();
    const eta = new Date(Date.now() + 86_400_000).toISOString();
    const res = await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json: { type: 'delay', actor: 'dave', reason: 'Spare part <ships> tomorrow', eta } });
    expect(res.status).toBe(200);
    const msg = await tg.waitForMessage(chat, 'will take longer', 10_000, since);
    expect(String(msg.params.text)).toContain('Spare part &lt;ships&gt; tomorrow');
    expect(String(msg.params.text)).toContain('Expected:');
    const past = await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json: { type: 'delay', actor: 'dave', reason: 'x', eta: '2020-01-01T00:00:00Z' } });
    expect(past.status).toBe(400);
  });

  it('survey answers are stored', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'en' });
    const number = await intakeEn(chat, 'How do I change the toner cartridge of the printer?');
    const since = tg.mark();
    await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json: { type: 'claim', actor: 'alice' } });
    await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json: { type: 'resolve', actor: 'alice', measures: 'Sent the manual', advice: 'Page 12' } });
    await tg.waitForMessage(chat, 'Is the problem solved?', 10_000, since);
    await tg.waitForMessage(chat, 'How satisfied are you', 10_000, since);
    await press(chat, /^4$/, 'recommend us');
    await press(chat, /^9$/, 'Anything else');
    await say(chat, 'Quick and friendly', 'Thank you for your feedback');
    await press(chat, 'Confirm resolved', 'is closed');
    const detail = (await (await app.api(`/api/tickets/${number}`)).json()) as { status: string; surveys: { kind: string; csat: number | null; nps: number | null; comment: string | null; answer: string | null }[] };
    expect(detail.status).toBe('closed');
    expect(detail.surveys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'satisfaction', csat: 4, nps: 9, comment: 'Quick and friendly' }),
        expect.objectContaining({ kind: 'confirmation', answer: 'resolved' }),
      ]),
    );
  });

  it('"problem again" on the verification callback reopens the ticket and escalates', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'en' });
    const number = await intakeEn(chat);
    const since = tg.mark();
    await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json: { type: 'claim', actor: 'dave' } });
    await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json: { type: 'resolve', actor: 'dave', measures: 'New fuser', advice: 'Original toner only' } });
    await tg.waitForMessage(chat, 'Is it still working?', 15_000, since);
    await press(chat, 'Problem again', 'reopened');
    const detail = (await (await app.api(`/api/tickets/${number}`)).json()) as { status: string; events: { type: string; data: { trigger?: string } }[] };
    expect(detail.status).toBe('reopened');
    expect(detail.events.some((e) => e.type === 'ticket.escalated' && e.data.trigger === 'reopened')).toBe(true);
  });

  it('an angry message is flagged on the ticket and escalated', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'en' });
    const number = await intakeEn(chat);
    await say(chat, 'Still nothing!!! I will call my lawyer', 'supervisor has been informed');
    const detail = (await (await app.api(`/api/tickets/${number}`)).json()) as { flagged: boolean; events: { type: string; data: { trigger?: string } }[] };
    expect(detail.flagged).toBe(true);
    expect(detail.events.some((e) => e.type === 'ticket.escalated' && e.data.trigger === 'angry_customer')).toBe(true);
  });

  it('a 429 storm: every message is delivered, in order', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'en' });
    const number = await intakeEn(chat);
    tg.failNext('sendMessage', 4, { status: 429, retryAfter: 1 });
    const since = tg.mark();
    for (let i = 1; i <= 4; i++) {
      const res = await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json: { type: 'reply', actor: 'dave', text: `update ${i}` } });
      expect(res.status).toBe(200);
    }
    await tg.waitForMessage(chat, 'update 4', 20_000, since);
    const texts = tg.calls.slice(since).filter((c) => c.ok && c.method === 'sendMessage' && c.params.chat_id === chat).map((c) => /update (\d)/.exec(String(c.params.text))?.[1]).filter(Boolean);
    expect(texts).toEqual(['1', '2', '3', '4']);
    expect(tg.calls.slice(since).filter((c) => c.status === 429).length).toBe(4);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('Telegram restart and webhook mode', () => {
  it('a restart mid-dialog resumes at the same question', async () => {
    const fake = await new FakeTelegram(TOKEN).start();
    const url = newDatabaseUrl();
    const env = { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_URL: fake.apiRoot };
    let first: TestApp | undefined = await startTestApp({ config, env, databaseUrl: url });
    const chat = 777;
    fake.addChat(chat, { languageCode: 'en' });
    try {
      let since = fake.mark();
      fake.userSends(chat, '/new');
      await fake.waitForMessage(chat, 'What is your name', 10_000, since);
      since = fake.mark();
      fake.userSends(chat, 'Han Meimei');
      await fake.waitForMessage(chat, 'How can we reach you', 10_000, since);
      await first.close();
      first = undefined;
      const second = await startTestApp({ config, env, databaseUrl: url });
      try {
        since = fake.mark();
        fake.userSends(chat, 'meimei@example.com');
        await fake.waitForMessage(chat, 'Which product', 10_000, since);
      } finally {
        await second.close();
      }
    } finally {
      await first?.close();
      await fake.stop();
      await dropDatabase(url);
    }
  });

  it('webhook mode: registers the webhook with a secret; a wrong secret gets 401 and stores nothing', async () => {
    const fake = await new FakeTelegram(TOKEN).start();
    const port = await freePort();
    const hook = `http://127.0.0.1:${port}/telegram/webhook`;
    const web = await startTestApp({
      config,
      env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_URL: fake.apiRoot, TELEGRAM_WEBHOOK_URL: hook, TELEGRAM_WEBHOOK_SECRET: 'hook-secret_1', PORT: String(port) },
    });
    try {
      expect(fake.webhook).toMatchObject({ url: hook, secretToken: 'hook-secret_1' });
      fake.addChat(4242, { languageCode: 'en' });
      const update = { update_id: 90001, message: { message_id: 1, date: 1, chat: { id: 4242, type: 'private', first_name: 'W' }, from: { id: 4242, is_bot: false, first_name: 'W' }, text: '/new' } };
      const wrong = await fake.postWebhook(update, 'nope');
      expect(wrong.status).toBe(401);
      const missing = await fake.postWebhook(update, null);
      expect(missing.status).toBe(401);
      const [{ n }] = await web.database.sql<[{ n: number }]>`select count(*)::int as n from inbound_dedup`;
      expect(n).toBe(0);
      const ok = await fake.postWebhook(update);
      expect(ok.status).toBe(200);
      await fake.waitForMessage(4242, 'What is your name');
    } finally {
      await web.stop();
      await fake.stop();
    }
  });
});
