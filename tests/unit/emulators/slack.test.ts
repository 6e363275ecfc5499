import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { ErrorCode, WebClient, type Logger, type WebAPICallError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack, SLACK_BOT_ID, SLACK_BOT_USER_ID, SlackSender, slackSignature } from '../../../src/emulators/slack.js';

const TOKEN = 'xoxb-test';
const SECRET = 'signing-secret-for-tests';

/** WebClient logs through this so tests stay quiet. */
const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

/** Rejected call → the SDK's structured error. */
async function slackError(p: Promise<unknown>): Promise<WebAPICallError> {
  try {
    await p;
  } catch (err) {
    return err as WebAPICallError;
  }
  throw new Error('expected the call to fail');
}

/** A promise with its resolver, to await what a Bolt listener saw. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('FakeSlack with the real WebClient', () => {
  let fake: FakeSlack;
  let client: WebClient;

  beforeEach(async () => {
    fake = await new FakeSlack({ missingChannels: ['C0GONE'], users: { U0ALICE: { name: 'alice', real_name: 'Alice Liddell', tz: 'Asia/Shanghai', locale: 'zh-CN' } } }).start();
    client = new WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logger: silentLogger });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('auth.test, and posting / threading / updating messages with blocks decoded from the form body', async () => {
    expect(await client.auth.test()).toMatchObject({ ok: true, team_id: 'T0001', user_id: SLACK_BOT_USER_ID, bot_id: SLACK_BOT_ID });

    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: '*AC-000001* printer E02' } },
      { type: 'actions', elements: [{ type: 'button', action_id: 'claim', text: { type: 'plain_text', text: 'Claim' }, value: 't1' }] },
    ];
    const posted = await client.chat.postMessage({ channel: 'C0STAFF', text: 'New ticket AC-000001', blocks });
    expect(posted).toMatchObject({ ok: true, channel: 'C0STAFF', ts: '1700000000.000100', message: { text: 'New ticket AC-000001', blocks, bot_id: SLACK_BOT_ID, user: SLACK_BOT_USER_ID } });
    const reply = await client.chat.postMessage({ channel: 'C0STAFF', text: 'first reply', thread_ts: posted.ts! });
    expect(reply.ts! > posted.ts!).toBe(true);
    await client.chat.postMessage({ channel: 'C0STAFF', text: 'second card' });

    // args as the SDK sent them: urlencoded, blocks JSON-encoded inside the form, decoded by the fake
    const [call] = fake.calls('chat.postMessage');
    expect(call!.args).toMatchObject({ channel: 'C0STAFF', text: 'New ticket AC-000001', blocks });
    expect(Math.abs(call!.at - Date.now())).toBeLessThan(5_000);

    expect(fake.postedIn('C0STAFF').map((m) => m.text)).toEqual(['New ticket AC-000001', 'second card']);
    expect(fake.threadOf('C0STAFF', posted.ts!)).toMatchObject([{ text: 'first reply', thread_ts: posted.ts }]);
    expect(fake.postedIn('C0STAFF')[0]).toMatchObject({ thread_ts: posted.ts, reply_count: 1, latest_reply: reply.ts });

    const claimed = [blocks[0]!, { type: 'context', elements: [{ type: 'mrkdwn', text: 'Claimed by <@U0ALICE>' }] }];
    const updated = await client.chat.update({ channel: 'C0STAFF', ts: posted.ts!, text: 'AC-000001 claimed', blocks: claimed });
    expect(updated).toMatchObject({ ok: true, channel: 'C0STAFF', ts: posted.ts, text: 'AC-000001 claimed' });
    const stored = fake.message('C0STAFF', posted.ts!)!;
    expect(stored.latest).toMatchObject({ text: 'AC-000001 claimed', blocks: claimed, edited: { user: SLACK_BOT_USER_ID } });
    expect(stored.history.map((m) => m.text)).toEqual(['New ticket AC-000001', 'AC-000001 claimed']);
    // blocks omitted in an update are kept; an empty array removes them
    await client.chat.update({ channel: 'C0STAFF', ts: posted.ts!, text: 'text only' });
    expect(fake.message('C0STAFF', posted.ts!)!.latest.blocks).toEqual(claimed);
    await client.chat.update({ channel: 'C0STAFF', ts: posted.ts!, text: 'no blocks', blocks: [] });
    expect(fake.message('C0STAFF', posted.ts!)!.latest.blocks).toBeUndefined();

    expect((await slackError(client.chat.update({ channel: 'C0STAFF', ts: '1.000001', text: 'x' }))).code).toBe(ErrorCode.PlatformError);
    expect(fake.calls('chat.update').at(-1)).toMatchObject({ ok: false, error: 'message_not_found', status: 200 });
  });

  it('answers Slack errors: missing channel, no text, DMs through a user id, unknown method, bad token', async () => {
    const gone = await slackError(client.chat.postMessage({ channel: 'C0GONE', text: 'hi' }));
    expect(gone).toMatchObject({ code: ErrorCode.PlatformError, data: { ok: false, error: 'channel_not_found' } });
    expect(await slackError(client.chat.postMessage({ channel: 'C0STAFF', text: '' }))).toMatchObject({ data: { error: 'no_text' } });

    const dm = await client.chat.postMessage({ channel: 'U0ALICE', text: 'You were assigned AC-000002' });
    expect(dm.channel).toBe('DU0ALICE');
    expect(fake.postedIn('DU0ALICE').map((m) => m.text)).toEqual(['You were assigned AC-000002']);
    expect(fake.postedIn('U0ALICE')).toHaveLength(1); // a user id stands for the DM
    expect(await client.conversations.open({ users: 'U0ALICE' })).toMatchObject({ ok: true, channel: { id: 'DU0ALICE' } });
    expect(await client.conversations.open({ users: 'U0ALICE' })).toMatchObject({ already_open: true });

    expect(await client.chat.postEphemeral({ channel: 'C0STAFF', user: 'U0ALICE', text: 'only you' })).toMatchObject({ ok: true, message_ts: expect.any(String) });
    expect(fake.ephemerals).toMatchObject([{ channel: 'C0STAFF', user: 'U0ALICE', text: 'only you' }]);

    expect(await client.users.info({ user: 'U0ALICE', include_locale: true })).toMatchObject({ user: { id: 'U0ALICE', name: 'alice', real_name: 'Alice Liddell', tz: 'Asia/Shanghai', locale: 'zh-CN' } });
    expect((await client.users.info({ user: 'U0BOB' })).user).toMatchObject({ id: 'U0BOB', tz: 'UTC' });
    expect((await client.users.info({ user: 'U0BOB' })).user).not.toHaveProperty('locale');

    expect(await slackError(client.apiCall('chat.scheduleMessage', { channel: 'C0STAFF', text: 'later', post_at: 1 }))).toMatchObject({ data: { error: 'unknown_method' } });
    expect(fake.calls('chat.scheduleMessage')).toMatchObject([{ args: { channel: 'C0STAFF', post_at: '1' }, error: 'unknown_method' }]);

    const stranger = new WebClient('xoxb-wrong', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logger: silentLogger });
    expect(await slackError(stranger.auth.test())).toMatchObject({ data: { error: 'invalid_auth' } });
  });

  it('accepts JSON bodies and the token in the Authorization header', async () => {
    const res = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: 'C0STAFF', text: 'json', blocks: [{ type: 'divider' }], metadata: { event_type: 't', event_payload: { id: 1 } } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, channel: 'C0STAFF', message: { text: 'json', blocks: [{ type: 'divider' }] } });
    expect(fake.calls('chat.postMessage')[0]!.args.metadata).toEqual({ event_type: 't', event_payload: { id: 1 } });
    const anon = await fetch(`${fake.apiUrl}auth.test`, { method: 'POST' });
    expect(await anon.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('views: open, update (by id and external_id, hash checked), push and publish', async () => {
    const modal = { type: 'modal' as const, callback_id: 'resolve', title: { type: 'plain_text' as const, text: 'Resolve ticket' }, private_metadata: 't1', blocks: [{ type: 'input' as const, block_id: 'note', label: { type: 'plain_text' as const, text: 'Note' }, element: { type: 'plain_text_input' as const, action_id: 'v' } }] };
    const opened = await client.views.open({ trigger_id: '1337.42.abc', view: { ...modal, external_id: 'resolve-t1' } });
    expect(opened.view).toMatchObject({ id: expect.stringMatching(/^V/), type: 'modal', callback_id: 'resolve', private_metadata: 't1', external_id: 'resolve-t1', hash: expect.any(String), state: { values: {} } });
    expect(fake.calls('views.open')[0]!.args.view).toMatchObject(modal);

    const id = opened.view!.id!;
    const updated = await client.views.update({ view_id: id, hash: opened.view!.hash!, view: { ...modal, private_metadata: 't1:v2' } });
    expect(updated.view).toMatchObject({ id, private_metadata: 't1:v2', external_id: 'resolve-t1' });
    expect(updated.view!.hash).not.toBe(opened.view!.hash);
    expect(await slackError(client.views.update({ view_id: id, hash: opened.view!.hash!, view: modal }))).toMatchObject({ data: { error: 'hash_conflict' } });
    expect((await client.views.update({ external_id: 'resolve-t1', view: { ...modal, private_metadata: 't1:v3' } })).view).toMatchObject({ id, private_metadata: 't1:v3' });
    expect(await slackError(client.views.update({ view_id: 'V404', view: modal }))).toMatchObject({ data: { error: 'not_found' } });
    expect(fake.views.get(id)!.history.map((v) => v.private_metadata)).toEqual(['t1', 't1:v2', 't1:v3']);
    expect(await slackError(client.views.open({ trigger_id: '1337.42.def', view: { ...modal, title: { type: 'plain_text', text: '' } } }))).toMatchObject({ data: { error: 'invalid_arguments' } });

    expect((await client.views.push({ trigger_id: '1337.42.ghi', view: modal })).view).toMatchObject({ type: 'modal', callback_id: 'resolve' });

    const home = { type: 'home' as const, blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'My tickets: 3' } }] };
    const first = await client.views.publish({ user_id: 'U0ALICE', view: home });
    const second = await client.views.publish({ user_id: 'U0ALICE', view: { ...home, blocks: [{ type: 'divider' }] } });
    expect(second.view!.id).toBe(first.view!.id);
    expect(fake.homeView('U0ALICE')).toMatchObject({ type: 'home', blocks: [{ type: 'divider' }] });
  });

  it('waitForCall resolves with a recorded or a future call and times out otherwise', async () => {
    await client.chat.postMessage({ channel: 'C0STAFF', text: 'one' });
    expect((await fake.waitForCall('chat.postMessage')).args.text).toBe('one');
    const later = fake.waitForCall('chat.postMessage', (c) => c.args.text === 'two', 2_000);
    const since = fake.mark();
    const soon = fake.waitForMessage('C0STAFF', /tw/, 2_000, since);
    await client.chat.postMessage({ channel: 'C0STAFF', text: 'two' });
    expect((await later).response).toMatchObject({ ok: true, ts: '1700000000.000200' });
    expect((await soon).ts).toBe('1700000000.000200');
    await expect(fake.waitForCall('views.open', undefined, 30)).rejects.toThrow(/no views.open call within 30 ms/);
  });

  it('failNext: 429 with Retry-After surfaces as the rate-limited error, 500 as an HTTP error, error codes as platform errors', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const raw = await fetch(`${fake.apiUrl}chat.postMessage`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: new URLSearchParams({ channel: 'C1', text: 'x' }) });
    expect([raw.status, raw.headers.get('retry-after'), await raw.json()]).toEqual([429, '7', { ok: false, error: 'ratelimited' }]);

    // rejectRateLimitedCalls: the SDK rejects at once with WebAPIRateLimitedError carrying retryAfter
    const strict = new WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: silentLogger });
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 30 });
    const started = Date.now();
    const limited = await slackError(strict.chat.postMessage({ channel: 'C0STAFF', text: 'x' }));
    expect(limited).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 30 });
    expect(Date.now() - started).toBeLessThan(20_000);

    // without it the SDK waits Retry-After seconds and retries (0 s here), then succeeds
    const patient = new WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 2, factor: 1, minTimeout: 0, maxTimeout: 1 }, logger: silentLogger });
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 0 }, 2);
    expect(await patient.chat.postMessage({ channel: 'C0STAFF', text: 'eventually' })).toMatchObject({ ok: true });
    expect(fake.calls('chat.postMessage').filter((c) => c.args.text === 'eventually').map((c) => c.status)).toEqual([429, 429, 200]);

    fake.failNext('views.publish', { status: 500 });
    expect(await slackError(client.views.publish({ user_id: 'U0ALICE', view: { type: 'home', blocks: [] } }))).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    fake.failNext('chat.update', { error: 'ratelimited' });
    expect(await slackError(client.chat.update({ channel: 'C0STAFF', ts: '1', text: 'x' }))).toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'ratelimited' } });
    expect(fake.calls('chat.update')).toMatchObject([{ status: 200, ok: false, error: 'ratelimited' }]);

    const stop = fake.failWhile((c) => c.args.channel === 'C0FLAKY', { error: 'fatal_error' });
    expect(await slackError(client.chat.postMessage({ channel: 'C0FLAKY', text: 'x' }))).toMatchObject({ data: { error: 'fatal_error' } });
    stop();
    expect(await client.chat.postMessage({ channel: 'C0FLAKY', text: 'x' })).toMatchObject({ ok: true });
  });
});

describe('SlackSender → the real Bolt App (HTTPReceiver), whose client talks to FakeSlack', () => {
  let fake: FakeSlack;
  let app: App;
  let sender: SlackSender;
  let eventsUrl: string;

  beforeEach(async () => {
    fake = await new FakeSlack().start();
    const receiver = new HTTPReceiver({ signingSecret: SECRET, logLevel: LogLevel.ERROR });
    app = new App({
      receiver,
      token: TOKEN,
      botId: SLACK_BOT_ID,
      botUserId: SLACK_BOT_USER_ID,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logger: silentLogger },
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    eventsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    sender = new SlackSender(eventsUrl, SECRET, { responseUrl: () => fake.responseUrl() });
  });
  afterEach(async () => {
    await app.stop();
    await fake.stop();
  });

  it('delivers a signed event; the listener publishes the App Home through FakeSlack; retries carry their headers', async () => {
    const seen: { retryNum: number | undefined; retryReason: string | undefined; user: string }[] = [];
    app.event('app_home_opened', async ({ event, client, context }) => {
      seen.push({ retryNum: context.retryNum, retryReason: context.retryReason, user: event.user });
      await client.views.publish({ user_id: event.user, view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `Hi <@${event.user}>` } }] } });
    });
    const res = await sender.event({ type: 'app_home_opened', user: 'U0ALICE', channel: 'DU0ALICE', tab: 'home' }, { eventId: 'Ev0001' });
    expect(res.status).toBe(200);
    expect(res.sent).toMatchObject({ type: 'event_callback', event_id: 'Ev0001', team_id: 'T0001', api_app_id: 'A0001', event: { type: 'app_home_opened', event_ts: expect.any(String) } });
    const publish = await fake.waitForCall('views.publish');
    expect(publish.args).toMatchObject({ user_id: 'U0ALICE', team_id: 'T0001', view: { type: 'home' } });
    expect(JSON.stringify(fake.homeView('U0ALICE')!.blocks)).toContain('Hi <@U0ALICE>');

    const since = fake.mark();
    expect((await sender.event({ type: 'app_home_opened', user: 'U0ALICE', channel: 'DU0ALICE', tab: 'home' }, { eventId: 'Ev0001', retryNum: 1, retryReason: 'http_timeout' })).status).toBe(200);
    await fake.waitForCall('views.publish', undefined, 5_000, since);
    expect(seen).toEqual([
      { retryNum: undefined, retryReason: undefined, user: 'U0ALICE' },
      { retryNum: 1, retryReason: 'http_timeout', user: 'U0ALICE' },
    ]);
  });

  it('a person writes in a bot thread (userMessage → message event); the bot replies in that thread', async () => {
    const card = await app.client.chat.postMessage({ channel: 'C0STAFF', text: 'Ticket AC-000003' });
    app.message(async ({ message, say }) => {
      const m = message as { text?: string; ts: string; thread_ts?: string };
      await say({ text: `noted: ${m.text ?? ''}`, thread_ts: m.thread_ts ?? m.ts });
    });
    const note = fake.userMessage('C0STAFF', 'U0ALICE', 'customer called back', { threadTs: card.ts! });
    expect(note).toMatchObject({ type: 'message', channel: 'C0STAFF', channel_type: 'channel', user: 'U0ALICE', thread_ts: card.ts, event_ts: note.ts });
    expect((await sender.event(note)).status).toBe(200);
    const reply = await fake.waitForMessage('C0STAFF', 'noted: customer called back');
    expect(reply.thread_ts).toBe(card.ts);
    expect(fake.threadOf('C0STAFF', card.ts!).map((m) => [m.user, m.text])).toEqual([
      ['U0ALICE', 'customer called back'],
      [SLACK_BOT_USER_ID, 'noted: customer called back'],
    ]);
    expect(fake.postedIn('C0STAFF')[0]).toMatchObject({ reply_count: 2, reply_users: ['U0ALICE', SLACK_BOT_USER_ID] });
    await expect(app.client.chat.update({ channel: 'C0STAFF', ts: note.ts, text: 'edited' })).rejects.toMatchObject({ data: { error: 'cant_update_message' } });
  });

  it('a message button: block_actions with trigger_id and response_url; respond() and views.open reach FakeSlack', async () => {
    const posted = await app.client.chat.postMessage({ channel: 'C0STAFF', text: 'card', blocks: [{ type: 'actions', block_id: 'acts', elements: [{ type: 'button', action_id: 'claim', text: { type: 'plain_text', text: 'Claim' }, value: 't1' }] }] });
    const got = deferred<any>();
    app.action('claim', async ({ ack, body, action, respond, client }) => {
      await ack();
      got.resolve({ body, action });
      await respond({ text: 'claimed', replace_original: false });
      await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: { type: 'modal', callback_id: 'resolve', title: { type: 'plain_text', text: 'Resolve' }, blocks: [] } });
    });
    const res = await sender.blockAction({ userId: 'U0ALICE', actionId: 'claim', value: 't1', blockId: 'acts', channel: 'C0STAFF', messageTs: posted.ts!, message: fake.message('C0STAFF', posted.ts!)!.latest });
    expect(res.status).toBe(200);
    const { body, action } = await got.promise;
    expect(action).toMatchObject({ type: 'button', action_id: 'claim', block_id: 'acts', value: 't1', action_ts: expect.any(String) });
    expect(body).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0ALICE', team_id: 'T0001' },
      team: { id: 'T0001', domain: 'aftercare-test' },
      container: { type: 'message', message_ts: posted.ts, channel_id: 'C0STAFF', is_ephemeral: false },
      channel: { id: 'C0STAFF' },
      message: { ts: posted.ts, text: 'card' },
      trigger_id: expect.stringMatching(/^1337\.42\./),
      response_url: expect.stringContaining(`${fake.baseUrl}/response/`),
    });
    const opened = await fake.waitForCall('views.open');
    expect(opened.args.trigger_id).toBe(body.trigger_id);
    expect((await fake.waitForCall('response_url')).args).toEqual({ text: 'claimed', replace_original: false });
    expect(fake.responses()).toEqual([{ text: 'claimed', replace_original: false }]);
  });

  it('a button in the App Home: container is the view', async () => {
    const got = deferred<any>();
    app.action('refresh', async ({ ack, body }) => {
      await ack();
      got.resolve(body);
    });
    await sender.blockAction({ userId: 'U0ALICE', actionId: 'refresh', value: 'x', view: { id: 'V0HOME', type: 'home', blocks: [] } });
    expect(await got.promise).toMatchObject({ container: { type: 'view', view_id: 'V0HOME' }, view: { id: 'V0HOME', type: 'home' }, actions: [{ action_id: 'refresh' }] });
  });

  it('a view_submission reaches app.view with its values and private_metadata; the ack body comes back', async () => {
    const got = deferred<any>();
    app.view('resolve', async ({ ack, view, body }) => {
      got.resolve({ view, body });
      await ack({ response_action: 'errors', errors: { note: 'Too short' } });
    });
    const values = {
      note: { v: { type: 'plain_text_input', value: 'ok' } },
      sev: { s: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'High' }, value: 'high' } } },
      due: { d: { type: 'datepicker', selected_date: '2026-05-01' } },
    };
    const res = await sender.viewSubmission({ userId: 'U0ALICE', callbackId: 'resolve', privateMetadata: '{"ticket":"t1"}', values, viewId: 'V0MODAL' });
    expect(res).toMatchObject({ status: 200, body: { response_action: 'errors', errors: { note: 'Too short' } } });
    const { view, body } = await got.promise;
    expect(view).toMatchObject({ id: 'V0MODAL', type: 'modal', callback_id: 'resolve', private_metadata: '{"ticket":"t1"}', state: { values } });
    expect(body).toMatchObject({ type: 'view_submission', user: { id: 'U0ALICE' }, trigger_id: expect.any(String) });
  });

  it('a slash command arrives as form fields; ack text is the HTTP answer and respond() is recorded', async () => {
    const got = deferred<any>();
    app.command('/aftercare', async ({ ack, command, respond }) => {
      await ack('Working on it');
      got.resolve(command);
      await respond({ response_type: 'ephemeral', text: 'Your tickets: none' });
    });
    const res = await sender.command({ userId: 'U0ALICE', command: '/aftercare', text: 'mine please', channelId: 'C0STAFF' });
    expect(res).toMatchObject({ status: 200, body: 'Working on it' });
    expect(await got.promise).toMatchObject({
      command: '/aftercare',
      text: 'mine please',
      user_id: 'U0ALICE',
      channel_id: 'C0STAFF',
      team_id: 'T0001',
      team_domain: 'aftercare-test',
      api_app_id: 'A0001',
      trigger_id: expect.any(String),
      response_url: expect.stringContaining('/response/'),
    });
    expect((await fake.waitForCall('response_url')).args).toEqual({ response_type: 'ephemeral', text: 'Your tickets: none' });
  });

  it('rejects a bad signature, a stale timestamp and a charset-suffixed form with the statuses Bolt uses', async () => {
    let called = 0;
    app.command('/aftercare', async ({ ack }) => {
      called++;
      await ack();
    });
    expect((await sender.command({ userId: 'U0ALICE', command: '/aftercare', badSignature: true })).status).toBe(401);
    expect((await sender.event({ type: 'app_home_opened', user: 'U0ALICE' }, { badSignature: true })).status).toBe(401);
    expect((await sender.command({ userId: 'U0ALICE', command: '/aftercare', timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    const form = new URLSearchParams({ command: '/aftercare', user_id: 'U0ALICE', text: '' }).toString();
    expect((await sender.raw(form, { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' })).status).toBe(400);
    expect(called).toBe(0);

    // raw with the exact content type is signed and accepted; the signature is the documented HMAC
    const ok = await sender.raw(new URLSearchParams({ command: '/aftercare', user_id: 'U0ALICE', text: '', team_id: 'T0001', channel_id: 'C1' }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(ok.status).toBe(200);
    expect(called).toBe(1);
    expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c')).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });
});
