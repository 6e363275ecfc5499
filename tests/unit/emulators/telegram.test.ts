import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api, Bot, InputFile, TelegramApiError, type Update } from 'node-telegram-bot-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTelegram, type TgMessage, type UploadedFile } from '../../../src/emulators/telegram.js';

const CHAT = 4242;

/** Rejected call → the library's structured error. */
async function apiError(p: Promise<unknown>): Promise<TelegramApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TelegramApiError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** The wire format node-telegram-bot-api uses without files: urlencoded, objects as JSON strings. */
async function postForm(fake: FakeTelegram, method: string, fields: Record<string, unknown>, token = fake.token): Promise<{ status: number; body: any }> {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  const res = await fetch(`${fake.apiRoot}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return { status: res.status, body: await res.json() };
}

describe('FakeTelegram', () => {
  let fake: FakeTelegram;
  let api: Api;

  beforeEach(async () => {
    fake = await new FakeTelegram().start();
    api = new Api(fake.token, { apiRoot: fake.apiRoot, maxRetries: 0 });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('getMe, and sendMessage round-trips a realistic Message with the decoded params recorded', async () => {
    expect(await api.getMe()).toMatchObject({ id: 123456, is_bot: true, first_name: 'Aftercare', username: 'aftercare_bot' });
    fake.userSends(CHAT, '/start'); // makes the chat known, takes message_id 1
    const keyboard = { inline_keyboard: [[{ text: 'OK', callback_data: 'ack:1' }]] };
    const msg = await api.sendMessage({ chat_id: CHAT, text: 'Hello <b>there</b> &amp; welcome', parse_mode: 'HTML', reply_markup: keyboard });
    expect(msg).toMatchObject({
      message_id: 2,
      from: { id: 123456, is_bot: true },
      chat: { id: CHAT, type: 'private' },
      text: 'Hello there & welcome',
      entities: [{ type: 'bold', offset: 6, length: 5 }],
      reply_markup: keyboard,
    });
    expect(Math.abs(msg.date - Date.now() / 1000)).toBeLessThan(5);
    const second = await api.sendMessage({ chat_id: CHAT, text: 'again' });
    expect(second.message_id).toBe(3);

    const [first] = fake.sent(CHAT);
    expect(first).toMatchObject({ chat_id: CHAT, parse_mode: 'HTML', reply_markup: keyboard }); // number + decoded JSON
    expect(fake.lastText(CHAT)).toBe('again');
    expect((await fake.waitForMessage(CHAT, 'welcome')).result).toMatchObject({ message_id: 2 });
    expect((await fake.waitForMessage(CHAT, /there & welcome/)).params.text).toContain('<b>there</b>');

    // waitFor is event-driven: it resolves on a future call
    const later = fake.waitForMessage(CHAT, 'later', 2_000, fake.mark());
    await api.sendMessage({ chat_id: CHAT, text: 'later' });
    expect((await later).result).toMatchObject({ message_id: 4 });
    await expect(fake.waitFor((c) => c.method === 'sendPhoto', 50)).rejects.toThrow(/no matching call/);
  });

  it('answers like Telegram for a wrong token, an unknown method and an unknown chat', async () => {
    const stranger = new Api('999:WRONG', { apiRoot: fake.apiRoot, maxRetries: 0 });
    const unauthorized = await apiError(stranger.getMe());
    expect([unauthorized.errorCode, unauthorized.description]).toEqual([401, 'Unauthorized']);
    expect(await postForm(fake, 'getMe', {}, '999:WRONG')).toEqual({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });

    expect(await postForm(fake, 'sendCarrierPigeon', {})).toEqual({ status: 404, body: { ok: false, error_code: 404, description: 'Not Found: method not found' } });

    const notFound = await apiError(api.sendMessage({ chat_id: 777, text: 'hi' }));
    expect([notFound.errorCode, notFound.description]).toEqual([400, 'Bad Request: chat not found']);
    fake.addChat(777);
    await expect(api.sendMessage({ chat_id: 777, text: 'hi' })).resolves.toMatchObject({ message_id: 1 });
  });

  it('accepts urlencoded, JSON and multipart bodies', async () => {
    fake.addChat(CHAT);
    const markup = { inline_keyboard: [[{ text: 'Go', url: 'https://example.com' }]] };
    const form = await postForm(fake, 'sendMessage', { chat_id: CHAT, text: 'form', reply_markup: markup });
    expect(form.body).toMatchObject({ ok: true, result: { text: 'form', reply_markup: markup } });

    const json = await fetch(`${fake.apiRoot}/bot${fake.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: CHAT, text: 'json', reply_markup: markup }),
    });
    expect(await json.json()).toMatchObject({ ok: true, result: { text: 'json', reply_markup: markup } });

    const multipart = new FormData();
    multipart.set('chat_id', String(CHAT));
    multipart.set('caption', 'a <i>photo</i>');
    multipart.set('parse_mode', 'HTML');
    multipart.set('reply_markup', JSON.stringify(markup));
    multipart.set('photo', new Blob([new Uint8Array([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9])], { type: 'image/jpeg' }), 'p.jpg');
    const mp = await fetch(`${fake.apiRoot}/bot${fake.token}/sendPhoto`, { method: 'POST', body: multipart });
    expect(await mp.json()).toMatchObject({ ok: true, result: { caption: 'a photo', caption_entities: [{ type: 'italic', offset: 2, length: 5 }] } });

    const recorded = fake.sent(CHAT).map((p) => p.reply_markup);
    expect(recorded).toEqual([markup, markup, markup]);
    const photo = fake.sent(CHAT)[2]!.photo as UploadedFile;
    expect(photo).toMatchObject({ upload: true, filename: 'p.jpg', contentType: 'image/jpeg', size: 7 });
  });

  it('sendPhoto uploads as multipart through the library; getFile + download serve the bytes', async () => {
    fake.addChat(CHAT);
    const bytes = new Uint8Array([0xff, 0xd8, ...Array.from({ length: 300 }, (_, i) => i % 256), 0xff, 0xd9]);
    const msg = await api.sendPhoto({ chat_id: CHAT, photo: new InputFile(bytes, { filename: 'receipt.jpg', contentType: 'image/jpeg' }), caption: 'receipt' });
    expect(msg.photo?.length).toBeGreaterThan(0);
    expect(msg.caption).toBe('receipt');
    expect(fake.calls.at(-1)!.params.photo).toMatchObject({ upload: true, filename: 'receipt.jpg', size: bytes.length });

    const largest = msg.photo!.at(-1)!;
    const file = await api.getFile({ file_id: largest.file_id });
    expect(file).toMatchObject({ file_id: largest.file_id, file_unique_id: largest.file_unique_id, file_size: bytes.length });
    const download = await fetch(`${fake.apiRoot}/file/bot${fake.token}/${file.file_path}`);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);

    // re-send by file_id
    await expect(api.sendPhoto({ chat_id: CHAT, photo: largest.file_id })).resolves.toMatchObject({ photo: [{ file_id: largest.file_id }] });

    // photos/documents a user sends are downloadable too
    const up = fake.userSendsPhoto(CHAT, 'broken screen');
    const sizes = up.message.photo!;
    expect(sizes).toHaveLength(3);
    expect(up.message.caption).toBe('broken screen');
    await expect(api.getFile({ file_id: sizes[2]!.file_id })).resolves.toMatchObject({ file_size: sizes[2]!.file_size });
    const doc = fake.userSendsDocument(CHAT, 'invoice.pdf', { bytes: new Uint8Array([1, 2, 3]) });
    expect(doc.message.document).toMatchObject({ file_name: 'invoice.pdf', mime_type: 'application/pdf', file_size: 3 });
    const docFile = await api.getFile({ file_id: doc.message.document!.file_id });
    expect(new Uint8Array(await (await fetch(`${fake.apiRoot}/file/bot${fake.token}/${docFile.file_path}`)).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));

    const bad = await apiError(api.getFile({ file_id: 'nope' }));
    expect([bad.errorCode, bad.description]).toEqual([400, 'Bad Request: invalid file_id']);
  });

  it('long-poll getUpdates holds until pushUpdate, then honours offset; an idle poll times out with []', async () => {
    const pending = api.getUpdates({ timeout: 30 });
    const early = await Promise.race([pending.then(() => 'answered'), new Promise((r) => setTimeout(() => r('held'), 200))]);
    expect(early).toBe('held');
    const pushed = fake.userSends(CHAT, 'hello', { first_name: 'Ann' });
    // Held for up to 30 s, yet answered with the pushed update: the push released the poll.
    const updates = await pending;
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({
      update_id: pushed.update_id,
      message: { text: 'hello', chat: { id: CHAT, type: 'private' }, from: { id: CHAT, is_bot: false, first_name: 'Ann', language_code: 'en' } },
    });

    // not confirmed yet: delivered again; confirmed by offset: gone
    expect((await api.getUpdates({ timeout: 0 })).map((u) => u.update_id)).toEqual([pushed.update_id]);
    const second = fake.userSends(CHAT, 'second');
    expect(second.update_id).toBe(pushed.update_id + 1);
    expect((await api.getUpdates({ offset: pushed.update_id + 1, timeout: 0 })).map((u) => u.update_id)).toEqual([second.update_id]);
    fake.userSends(CHAT, 'third');
    expect(await api.getUpdates({ offset: second.update_id + 1, limit: 1, timeout: 0 })).toHaveLength(1);

    const idleStart = Date.now();
    const before = fake.calls.length;
    expect(await api.getUpdates({ offset: second.update_id + 2, timeout: 1 })).toEqual([]);
    expect(Date.now() - idleStart).toBeGreaterThanOrEqual(900);
    expect(fake.calls.length - before).toBe(1);
  });

  it('Bot.startPolling receives pushed updates without busy-looping; re-pushing an update delivers the same update_id again', async () => {
    const bot = new Bot(fake.token, { apiRoot: fake.apiRoot, maxRetries: 0 });
    const seen: Update[] = [];
    bot.use((ctx) => {
      seen.push(ctx.update);
    });
    const polling = bot.startPolling(undefined, { timeout: 1 });
    try {
      const a = fake.userSends(CHAT, 'one');
      const b = fake.userSends(CHAT, 'two');
      await expect.poll(() => seen.length, { timeout: 15_000 }).toBe(2);
      expect(seen.map((u) => u.update_id)).toEqual([a.update_id, b.update_id]);

      fake.pushUpdate(a); // Telegram redelivery of the very same update
      await expect.poll(() => seen.length, { timeout: 15_000 }).toBe(3);
      expect(seen[2]).toEqual(a);

      // idle: each poll is held for `timeout` (1 s) before the next one starts, not a busy loop
      const polls = () => fake.calls.filter((c) => c.method === 'getUpdates');
      const before = polls().length;
      await expect.poll(() => polls().length, { timeout: 15_000 }).toBeGreaterThanOrEqual(before + 3);
      const idle = polls().slice(before);
      const gaps = idle.slice(1).map((c, i) => c.at - idle[i]!.at);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(900);
    } finally {
      bot.stop();
      await polling;
    }
  });

  it('hangNext leaves matching requests unanswered until the client gives up; the others are answered', async () => {
    fake.addChat(CHAT);
    fake.hangNext('sendMessage', 1, ({ params }) => params.text === 'lost');
    const quick = new Api(fake.token, { apiRoot: fake.apiRoot, maxRetries: 0, timeoutMs: 200 });
    await expect(quick.sendMessage({ chat_id: CHAT, text: 'lost' })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(fake.hung.map((h) => [h.method, h.params.text])).toEqual([['sendMessage', 'lost']]);
    // One call only: the same text is answered next time.
    await expect(quick.sendMessage({ chat_id: CHAT, text: 'lost' })).resolves.toMatchObject({ text: 'lost' });
    expect(fake.sent(CHAT).map((p) => p.text)).toEqual(['lost']);
  });

  it('429 carries parameters.retry_after and HTTP status 429; the library retries after it', async () => {
    fake.addChat(CHAT);
    fake.failNext('sendMessage', 1, { status: 429, retryAfter: 7 });
    const err = await apiError(api.sendMessage({ chat_id: CHAT, text: 'x' }));
    expect([err.errorCode, err.retryAfter, err.description]).toEqual([429, 7, 'Too Many Requests: retry after 7']);

    fake.failNext('sendMessage', 1, { status: 429, retryAfter: 3 });
    expect(await postForm(fake, 'sendMessage', { chat_id: CHAT, text: 'x' })).toEqual({
      status: 429,
      body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } },
    });

    const retrying = new Api(fake.token, { apiRoot: fake.apiRoot, maxRetries: 1 });
    fake.failNext('sendMessage', 1, { status: 429, retryAfter: 1 });
    const t0 = Date.now();
    await expect(retrying.sendMessage({ chat_id: CHAT, text: 'eventually' })).resolves.toMatchObject({ text: 'eventually' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(fake.sent(CHAT).map((p) => p.text)).toEqual(['eventually']); // only the successful send counts

    const remove = fake.failWhile((c) => c.method === 'sendMessage' && c.params.text === 'boom', { status: 502, description: 'Bad Gateway' });
    expect((await apiError(api.sendMessage({ chat_id: CHAT, text: 'boom' }))).errorCode).toBe(502);
    remove();
    await expect(api.sendMessage({ chat_id: CHAT, text: 'boom' })).resolves.toBeDefined();
  });

  it('callback_data must be 1-64 bytes', async () => {
    fake.addChat(CHAT);
    const send = (data: string) => api.sendMessage({ chat_id: CHAT, text: 'pick', reply_markup: { inline_keyboard: [[{ text: 'b', callback_data: data }]] } });
    await expect(send('x'.repeat(64))).resolves.toBeDefined();
    await expect(send('é'.repeat(32))).resolves.toBeDefined(); // 64 bytes
    for (const data of ['x'.repeat(65), 'é'.repeat(33), '']) {
      const err = await apiError(send(data));
      expect([err.errorCode, err.description]).toEqual([400, 'Bad Request: BUTTON_DATA_INVALID']);
    }
  });

  it('text must be 1-4096 characters (after entity parsing); HTML must parse', async () => {
    fake.addChat(CHAT);
    await expect(api.sendMessage({ chat_id: CHAT, text: 'a'.repeat(4096) })).resolves.toBeDefined();
    await expect(api.sendMessage({ chat_id: CHAT, text: `<b>${'a'.repeat(4096)}</b>`, parse_mode: 'HTML' })).resolves.toBeDefined();
    const long = await apiError(api.sendMessage({ chat_id: CHAT, text: 'a'.repeat(4097) }));
    expect([long.errorCode, long.description]).toEqual([400, 'Bad Request: message is too long']);
    const empty = await apiError(api.sendMessage({ chat_id: CHAT, text: '' }));
    expect([empty.errorCode, empty.description]).toEqual([400, 'Bad Request: message text is empty']);

    for (const html of ['<script>alert(1)</script>', '<b>unclosed', 'a < b', '<b><i>x</b></i>', 'line<br>break']) {
      const err = await apiError(api.sendMessage({ chat_id: CHAT, text: html, parse_mode: 'HTML' }));
      expect(err.errorCode).toBe(400);
      expect(err.description).toMatch(/^Bad Request: can't parse entities/);
    }
    await expect(api.sendMessage({ chat_id: CHAT, text: '1 &lt; 2 &amp;&amp; <a href="https://x.test">link</a>', parse_mode: 'HTML' })).resolves.toMatchObject({
      text: '1 < 2 && link',
      entities: [{ type: 'text_link', offset: 9, length: 4, url: 'https://x.test' }],
    });
  });

  it('a blocked chat answers 403', async () => {
    fake.userSends(CHAT, 'hi');
    fake.blockChat(CHAT);
    const err = await apiError(api.sendMessage({ chat_id: CHAT, text: 'still there?' }));
    expect([err.errorCode, err.description]).toEqual([403, 'Forbidden: bot was blocked by the user']);
    expect(fake.sent(CHAT)).toEqual([]);
    expect(fake.calls.at(-1)).toMatchObject({ method: 'sendMessage', ok: false, status: 403 });
    fake.unblockChat(CHAT);
    await expect(api.sendMessage({ chat_id: CHAT, text: 'back' })).resolves.toBeDefined();
  });

  it('button presses arrive as callback_query; answers and edits behave like Telegram', async () => {
    fake.setLanguage(CHAT, 'zh-hans');
    const u = fake.userSends(CHAT, '你好');
    expect(u.message.from?.language_code).toBe('zh-hans');
    const keyboard = { inline_keyboard: [[{ text: 'Close', callback_data: 'close:T-1' }]] };
    const msg = await api.sendMessage({ chat_id: CHAT, text: 'Ticket T-1', reply_markup: keyboard });

    const press = fake.userPresses(CHAT, 'close:T-1');
    expect(press.callback_query).toMatchObject({ data: 'close:T-1', from: { id: CHAT, language_code: 'zh-hans' }, message: { message_id: msg.message_id, reply_markup: keyboard } });
    const [update] = await api.getUpdates({ offset: u.update_id + 1, timeout: 0 });
    expect(update && 'callback_query' in update && update.callback_query.id).toBe(press.callback_query.id);

    await expect(api.answerCallbackQuery({ callback_query_id: press.callback_query.id, text: 'Closed' })).resolves.toBe(true);
    expect((await apiError(api.answerCallbackQuery({ callback_query_id: press.callback_query.id }))).description).toMatch(/query is too old/);

    const edited = (await api.editMessageText({ chat_id: CHAT, message_id: msg.message_id, text: 'Ticket T-1 (closed)' })) as TgMessage;
    expect(edited).toMatchObject({ text: 'Ticket T-1 (closed)', edit_date: expect.any(Number) });
    expect(edited.reply_markup).toBeUndefined(); // editing text without reply_markup drops the keyboard
    const same = await apiError(api.editMessageText({ chat_id: CHAT, message_id: msg.message_id, text: 'Ticket T-1 (closed)' }));
    expect(same.description).toMatch(/^Bad Request: message is not modified/);
    const missing = await apiError(api.editMessageReplyMarkup({ chat_id: CHAT, message_id: 999 }));
    expect(missing.description).toBe('Bad Request: message to edit not found');
    expect(() => fake.userPresses(31337, 'x')).toThrow(/no bot message/);
  });

  it('setMyCommands / deleteMyCommands are stored per language', async () => {
    await api.setMyCommands({ commands: [{ command: 'start', description: 'Start' }] });
    await api.setMyCommands({ commands: [{ command: 'start', description: '开始' }], language_code: 'zh' });
    expect(fake.commandsFor()).toEqual([{ command: 'start', description: 'Start' }]);
    expect(fake.commandsFor('zh')).toEqual([{ command: 'start', description: '开始' }]);
    await api.deleteMyCommands({ language_code: 'zh' });
    expect(fake.commandsFor('zh')).toBeUndefined();
    expect((await apiError(api.setMyCommands({ commands: [{ command: 'Bad Command', description: 'x' }] }))).description).toBe('Bad Request: BOT_COMMAND_INVALID');
  });

  describe('webhook mode', () => {
    let hook: Server;
    let received: { headers: IncomingHttpHeaders; body: any }[];
    let hookUrl: string;

    beforeEach(async () => {
      received = [];
      hook = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
          res.writeHead(req.headers['x-telegram-bot-api-secret-token'] === 's3cret' ? 200 : 401).end();
        });
      });
      await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
      hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/telegram/webhook`;
    });
    afterEach(async () => {
      await new Promise<void>((r) => hook.close(() => r()));
    });

    it('setWebhook records url + secret; postWebhook delivers with the secret header; getUpdates conflicts', async () => {
      await expect(api.setWebhook({ url: hookUrl, secret_token: 's3cret' })).resolves.toBe(true);
      expect(fake.webhook).toEqual({ url: hookUrl, secretToken: 's3cret' });
      expect(await api.getWebhookInfo()).toMatchObject({ url: hookUrl, has_custom_certificate: false });
      expect((await apiError(api.getUpdates({ timeout: 0 }))).errorCode).toBe(409);

      const update = fake.userSends(CHAT, 'via webhook');
      const ok = await fake.postWebhook(update);
      expect(ok.status).toBe(200);
      expect(received[0]!.body).toEqual(update);
      expect(received[0]!.headers['content-type']).toBe('application/json');
      expect((await fake.postWebhook(update, null)).status).toBe(401);
      expect(received[1]!.headers['x-telegram-bot-api-secret-token']).toBeUndefined();
      expect((await fake.postWebhook(update, 'wrong')).status).toBe(401);
      expect(received.map((r) => r.body.update_id)).toEqual([update.update_id, update.update_id, update.update_id]);

      expect((await apiError(api.setWebhook({ url: hookUrl, secret_token: 'has space' }))).errorCode).toBe(400);
      await expect(api.deleteWebhook({})).resolves.toBe(true);
      expect(fake.webhook).toBeUndefined();
      await expect(fake.postWebhook(update)).rejects.toThrow(/no webhook/);
      await expect(api.getUpdates({ timeout: 0 })).resolves.toHaveLength(1);
    });
  });
});
