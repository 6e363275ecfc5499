import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack, type SlackCall } from '../../../src/emulators/slack.js';
import { FakeTelegram, type RecordedCall } from '../../../src/emulators/telegram.js';

// What the demo page is built on: a listener per recorded call and the whole chat in order.

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

describe('emulators: the live view', () => {
  it('Telegram: onCall sees every answered request until unsubscribed; chatMessages holds both sides in order', async () => {
    const tg = await new FakeTelegram('42:TOKEN').start();
    stops.push(() => tg.stop());
    const seen: RecordedCall[] = [];
    const off = tg.onCall((c) => seen.push(c));
    tg.addChat(7, { languageCode: 'en' });
    tg.userSends(7, 'hello');
    const send = (text: string) =>
      fetch(`${tg.apiRoot}/bot42:TOKEN/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: 7, text, parse_mode: 'HTML' }) });
    expect((await send('<b>Hi</b> there')).status).toBe(200);
    expect(seen.map((c) => [c.method, c.ok])).toEqual([['sendMessage', true]]);
    off();
    await send('again');
    expect(seen).toHaveLength(1);
    const chat = tg.chatMessages(7);
    expect(chat.map((m) => [m.from?.is_bot, m.text])).toEqual([
      [false, 'hello'],
      [true, 'Hi there'],
      [true, 'again'],
    ]);
    expect(chat[1]!.entities).toEqual([{ type: 'bold', offset: 0, length: 2 }]);
    // A copy: changing it changes nothing in the emulator.
    chat[0]!.text = 'changed';
    expect(tg.chatMessages(7)[0]!.text).toBe('hello');
  });

  it('Slack: onCall sees failed and successful Web API calls until unsubscribed', async () => {
    const slack = await new FakeSlack().start();
    stops.push(() => slack.stop());
    const seen: SlackCall[] = [];
    const off = slack.onCall((c) => seen.push(c));
    const post = (args: Record<string, string>) =>
      fetch(`${slack.apiUrl}chat.postMessage`, { method: 'POST', headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(args) });
    await post({ channel: 'C1', text: 'card' });
    await post({ channel: 'C1' });
    expect(seen.map((c) => [c.method, c.ok])).toEqual([
      ['chat.postMessage', true],
      ['chat.postMessage', false],
    ]);
    off();
    await post({ channel: 'C1', text: 'more' });
    expect(seen).toHaveLength(2);
    expect(slack.postedIn('C1').map((m) => m.text)).toEqual(['card', 'more']);
  });
});
