/**
 * The customer's side of SPEC §9 in Telegram, through the real SDK against the Bot API
 * emulator: the consent line of the first intake message, a returning customer asked only
 * what is new, and /privacy — the export as a JSON document (sendDocument), and erasure after
 * a confirmation — in English and Chinese.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram, type RecordedCall, type UploadedFile } from '../../src/emulators/telegram.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { fastClocksConfig } from '../helpers/config.js';

const TOKEN = '123456:PRIVACY-TOKEN';
let tg: FakeTelegram;
let app: TestApp;
let chatSeq = 5000;
const newChat = () => ++chatSeq;

beforeAll(async () => {
  tg = await new FakeTelegram(TOKEN).start();
  app = await startTestApp({ config: fastClocksConfig({}, 600), env: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_URL: tg.apiRoot, AFTERCARE_OUTBOX_SWEEP_INTERVAL: '1s' } });
});
afterAll(async () => {
  await app?.stop();
  await tg?.stop();
});

type Markup = { inline_keyboard?: { text: string; callback_data?: string }[][] };

function buttonData(chatId: number, label: string): string {
  for (const p of [...tg.sent(chatId)].reverse()) {
    for (const b of ((p.reply_markup as Markup | undefined)?.inline_keyboard ?? []).flat()) if (b.callback_data && b.text.includes(label)) return b.callback_data;
  }
  throw new Error(`no button "${label}" in chat ${chatId}`);
}

async function say(chatId: number, text: string, expected: string | RegExp): Promise<RecordedCall> {
  const since = tg.mark();
  tg.userSends(chatId, text);
  return tg.waitForMessage(chatId, expected, 10_000, since);
}

async function press(chatId: number, label: string, expected: string | RegExp): Promise<RecordedCall> {
  const since = tg.mark();
  tg.userPresses(chatId, buttonData(chatId, label));
  return tg.waitForMessage(chatId, expected, 10_000, since);
}

/** A guided intake: each answer typed after the question it expects, then the buttons pressed in turn. */
async function intake(chatId: number, steps: { answers: [string, string | RegExp][]; buttons: [string, string | RegExp][] }): Promise<void> {
  for (const [text, next] of steps.answers) await say(chatId, text, next);
  for (const [label, next] of steps.buttons) await press(chatId, label, next);
}

async function customerOf(chatId: number) {
  const rows = await app.database.sql<{ id: string; name: string; erased_at: Date | null }[]>`
    select id, name, erased_at from customers where telegram_chat_id = ${String(chatId)}`;
  return rows[0];
}

describe('Telegram /privacy', () => {
  it('English: consent line, returning customer asked only what is new, export as a document, delete after confirming', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'en' });
    const first = await say(chat, '/new', 'report your problem');
    expect(String(first.params.text)).toContain('/privacy');
    await tg.waitForMessage(chat, 'What is your name', 10_000);
    await intake(chat, {
      answers: [
        ['Ada Lovelace, Engines Ltd', 'How can we reach you'],
        ['ada@example.org', 'Which product'],
        ['Analytical engine', 'order number'],
        ['SO-1843', 'Describe the problem'],
        ['The difference engine jams on every second punched card we feed it.', 'How urgent'],
      ],
      buttons: [
        ['Normal', 'By when'],
        ['Skip', 'Please check your report'],
        ['Submit', /Your ticket is <b>AC-\d{6}<\/b>/],
      ],
    });

    // Back again: name and contact are known, the first question is the product.
    await say(chat, '/new', 'Which product');
    await say(chat, '/cancel', 'cancelled');

    const menu = await say(chat, '/privacy', 'Your data');
    expect(String(menu.params.text)).toContain('1 report');

    const since = tg.mark();
    tg.userPresses(chat, buttonData(chat, 'Send me my data'));
    const doc = await tg.waitFor((c) => c.method === 'sendDocument' && String(c.params.chat_id) === String(chat), 10_000, since);
    const file = doc.params.document as UploadedFile;
    expect(file.filename).toMatch(/\.json$/);
    const exported = JSON.parse(new TextDecoder().decode(file.bytes)) as { customer: { name: string; email: string }; tickets: { description: string }[] };
    expect(exported.customer).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.org' });
    expect(exported.tickets[0]!.description).toContain('difference engine jams');
    expect(String(doc.params.caption)).toContain('JSON');

    await say(chat, '/privacy', 'Your data');
    await press(chat, 'Delete my data', 'cannot be undone');
    const before = await customerOf(chat);
    await press(chat, 'Yes, delete', 'Your data was deleted');
    expect(await customerOf(chat)).toBeUndefined();
    const erased = await app.database.sql<{ name: string; erased_at: Date | null; email: string | null }[]>`select name, erased_at, email from customers where id = ${before!.id}`;
    expect(erased[0]).toMatchObject({ name: '', email: null });
    expect(erased[0]!.erased_at).not.toBeNull();
    const tickets = await app.database.sql<{ status: string; description: string }[]>`select status, description from tickets where customer_id = ${before!.id}`;
    expect(tickets).toEqual([{ status: 'closed', description: '[erased]' }]);

    // Writing again starts afresh: the name is asked again.
    await say(chat, '/new', 'What is your name');
  });

  it('Chinese: the menu and both choices, keeping and then deleting', async () => {
    const chat = newChat();
    tg.addChat(chat, { languageCode: 'zh-hans' });
    const nothing = await say(chat, '/privacy', '您的数据');
    expect(String(nothing.params.text)).toContain('尚未保存');

    const first = await say(chat, '/new', '登记您的问题');
    expect(String(first.params.text)).toContain('/privacy');
    await tg.waitForMessage(chat, '请问您的姓名', 10_000);
    await intake(chat, {
      answers: [
        ['王芳', '联系方式'],
        ['13912345678', '哪款产品'],
        ['智能门锁', '订单号'],
        ['DD-88001', '请描述问题'],
        ['门锁坏了，指纹不能用，已经换过电池', '紧急程度'],
      ],
      buttons: [
        ['一般', '何时解决'],
        ['跳过', '请确认您的报告'],
        ['提交', /您的工单号为 <b>AC-\d{6}<\/b>/],
      ],
    });

    const menu = await say(chat, '/privacy', '您的数据');
    expect(String(menu.params.text)).toContain('1 个报修');
    await press(chat, '删除我的数据', '无法撤销');
    await press(chat, '不，保留', '未删除任何数据');
    expect((await customerOf(chat))?.name).toBe('王芳');

    const since = tg.mark();
    tg.userPresses(chat, buttonData(chat, '发送我的数据'));
    const doc = await tg.waitFor((c) => c.method === 'sendDocument' && String(c.params.chat_id) === String(chat), 10_000, since);
    const exported = JSON.parse(new TextDecoder().decode((doc.params.document as UploadedFile).bytes)) as { language: string; tickets: { statusText: string }[] };
    expect(exported.language).toBe('zh-CN');
    expect(exported.tickets[0]!.statusText).toMatch(/[\u4e00-\u9fff]/);

    await say(chat, '/privacy', '您的数据');
    await press(chat, '删除我的数据', '无法撤销');
    await press(chat, '确定删除', '您的数据已删除');
    expect(await customerOf(chat)).toBeUndefined();
  });
});
