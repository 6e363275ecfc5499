import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, SlackSender, SlackSocketSender, type SlackCall, type SocketConnection } from '../../src/emulators/slack.js';
import { FakeWebhookPlatform } from '../fakes/fake-webhook-platform.js';
import { startTestApp, ticketBody, type TestApp } from '../helpers/app.js';
import { DEFAULT_CHANNEL, slackConfig, USERS } from '../helpers/slack-org.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The whole app with Slack in Socket Mode (SLACK_APP_TOKEN set, no SLACK_SIGNING_SECRET): Bolt's
 * SocketModeReceiver opens `apps.connections.open` with the app-level token, connects the WebSocket, and every
 * interaction arrives as an envelope the app acks over the socket; the Web API calls still use the bot token.
 */

const APP_TOKEN = 'xapp-1-A0001-socket-mode-test';

let slack: FakeSlack;
let hook: FakeWebhookPlatform;
let app: TestApp;
let send: SlackSocketSender;
let connection: SocketConnection;
let stopped = false;

beforeAll(async () => {
  slack = await new FakeSlack({ appToken: APP_TOKEN, socketPingIntervalMs: 1_000 }).start();
  hook = await new FakeWebhookPlatform().start();
  app = await startTestApp({
    config: slackConfig(),
    env: {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: APP_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      SLACK_DEFAULT_CHANNEL: DEFAULT_CHANNEL,
      AFTERCARE_WEBHOOK_URL: hook.url,
      AFTERCARE_OUTBOX_SWEEP_INTERVAL: '1s',
    },
  });
  connection = await slack.waitForSocket(10_000);
  send = new SlackSocketSender(slack, { responseUrl: () => slack.responseUrl() });
});
afterAll(async () => {
  if (!stopped) await app?.stop();
  await slack?.stop();
  await hook?.stop();
});

type Blocks = { type: string; elements?: { action_id?: string; value?: string }[] }[];

async function openTicket(overrides: Record<string, unknown> = {}): Promise<{ id: string; number: string }> {
  const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody(overrides) });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { id: string; number: string };
  return { id: body.id, number: body.number };
}

/** The top-level card of `number` in `channel`, once posted. */
async function cardIn(channel: string, number: string): Promise<SlackCall> {
  return slack.waitForCall('chat.postMessage', (c) => c.ok && c.args.channel === channel && !c.args.thread_ts && JSON.stringify(c.args.blocks ?? '').includes(number), 10_000);
}

function tsOf(call: SlackCall): string {
  return String((call.response as { ts: string }).ts);
}

function button(blocks: unknown, actionId: string): { action_id: string; value: string } {
  const b = (blocks as Blocks)
    .filter((x) => x.type === 'actions')
    .flatMap((x) => x.elements ?? [])
    .find((e) => e.action_id === actionId);
  if (!b) throw new Error(`no ${actionId} button in ${JSON.stringify(blocks)}`);
  return { action_id: b.action_id!, value: b.value ?? '' };
}

async function ownerOf(number: string): Promise<string | null> {
  const rows = await app.database.sql<{ owner_id: string | null }[]>`select owner_id from tickets where number = ${number}`;
  return rows[0]!.owner_id;
}

describe('Slack in Socket Mode', () => {
  it('connects over Socket Mode: apps.connections.open with the app-level token, then the WebSocket and hello', () => {
    const opens = slack.calls('apps.connections.open');
    expect(opens.length).toBeGreaterThanOrEqual(1);
    expect(opens.every((c) => c.ok && c.token === APP_TOKEN)).toBe(true);
    expect(connection.url).toBe((opens.at(-1)!.response as { url: string }).url);
    expect(connection.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/socket-mode\/\d+\?/);
    expect(connection.helloAt).toBeDefined();
    expect(connection.closedAt).toBeUndefined();
    expect(slack.socket()?.id).toBe(connection.id);
    // The bot token never opens a socket, and the app token never posts.
    expect(slack.calls().filter((c) => c.method !== 'apps.connections.open').every((c) => c.token === slack.botToken)).toBe(true);
  });

  it('keeps the connection alive with ping/pong both ways', async () => {
    await waitFor(() => connection.pingsReceived > 0 && connection.pongsReceived > 0, 10_000);
    expect(slack.socket()?.id).toBe(connection.id);
  });

  it('posts a new ticket’s card in the technical channel with the bot token', async () => {
    const { number } = await openTicket();
    const card = await cardIn('C0TECH', number);
    expect(card.token).toBe(slack.botToken);
    expect(button(card.args.blocks, 'ac:claim').value).toContain(number);
  });

  it('a Claim press arriving as an interactive envelope is acked, then the card is edited in place', async () => {
    const { number } = await openTicket();
    const card = await cardIn('C0TECH', number);
    const ts = tsOf(card);
    const claim = button(card.args.blocks, 'ac:claim');
    const since = slack.mark();
    const res = await send.blockAction({ userId: USERS.dave!, actionId: claim.action_id, value: claim.value, channel: 'C0TECH', messageTs: ts, triggerId: SlackSender.triggerId() });
    expect(res.envelopeType).toBe('interactive');
    expect(res.ack.envelope_id).toBe(slack.socketAcks.at(-1)!.envelope_id);
    expect(res.ack.connection).toBe(connection.id);
    expect(res.ack.payload).toEqual({});
    const update = await slack.waitForCall('chat.update', (c) => c.args.ts === ts && JSON.stringify(c.args.blocks).includes('Dave Zhang'), 10_000, since);
    expect(update.ok).toBe(true);
    expect(update.token).toBe(slack.botToken);
    expect(update.args.channel).toBe('C0TECH');
    expect(await ownerOf(number)).toBe('dave');
    const reposts = slack.calls('chat.postMessage').filter((c) => c.args.channel === 'C0TECH' && !c.args.thread_ts && JSON.stringify(c.args.blocks ?? '').includes(number));
    expect(reposts).toHaveLength(1);
  });

  it('/aftercare help as a slash_commands envelope is acked and answered ephemerally', async () => {
    const since = slack.mark();
    const res = await send.command({ userId: USERS.dave!, command: '/aftercare', text: 'help', channelId: 'C0TECH' });
    expect(res.envelopeType).toBe('slash_commands');
    expect(connection.envelopes.at(-1)).toMatchObject({ type: 'slash_commands', accepts_response_payload: true, payload: { command: '/aftercare', text: 'help' } });
    expect(res.ack.payload).toEqual({});
    const eph = await slack.waitForCall('chat.postEphemeral', (c) => c.args.user === USERS.dave, 10_000, since);
    expect(eph.ok).toBe(true);
    expect(eph.token).toBe(slack.botToken);
    expect(eph.args.channel).toBe('C0TECH');
    expect(String(eph.args.text)).toContain('find AC-000123');
  });

  it('a modal submitted without its required text gets the field errors in the ack payload', async () => {
    const { number } = await openTicket();
    const card = await cardIn('C0TECH', number);
    // A new ticket cannot be resolved: claim it first (the card then offers Resolve with this value).
    expect((await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json: { type: 'claim', actor: 'dave' } })).status).toBe(200);
    const resolve = { action_id: 'ac:resolve', value: number };
    const triggerId = SlackSender.triggerId();
    const since = slack.mark();
    await send.blockAction({ userId: USERS.dave!, actionId: resolve.action_id, value: resolve.value, channel: 'C0TECH', messageTs: tsOf(card), triggerId });
    const open = await slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId, 10_000, since);
    const view = (open.response as { view: { id: string; callback_id: string; private_metadata: string } }).view;
    const res = await send.viewSubmission({
      userId: USERS.dave!,
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      viewId: view.id,
      values: { measures: { value: { type: 'plain_text_input', value: 'Replaced the board' } } },
    });
    expect(connection.envelopes.at(-1)).toMatchObject({ type: 'interactive', accepts_response_payload: true, payload: { type: 'view_submission' } });
    expect(res.ack.payload).toMatchObject({ response_action: 'errors', errors: { advice: expect.any(String) } });
  });

  it('an events_api envelope (app_home_opened) is acked and publishes the App Home', async () => {
    const since = slack.mark();
    const res = await send.event({ type: 'app_home_opened', user: USERS.dave, channel: 'D0DAVE', tab: 'home' }, { eventId: 'Ev0SOCKET1' });
    expect(res.envelopeType).toBe('events_api');
    expect(connection.envelopes.at(-1)).toMatchObject({ type: 'events_api', accepts_response_payload: false, payload: { type: 'event_callback', event_id: 'Ev0SOCKET1' } });
    const publish = await slack.waitForCall('views.publish', (c) => c.args.user_id === USERS.dave, 10_000, since);
    expect(publish.ok).toBe(true);
  });

  it('reconnects when Slack asks it to (a disconnect message), with a fresh apps.connections.open', async () => {
    const opens = slack.calls('apps.connections.open').length;
    const old = await slack.socketDisconnect('refresh_requested');
    expect(old).toMatchObject({ id: connection.id, closedBy: 'client', closeCode: 1000 });
    // The Socket Mode client waits its reconnect delay (5 s) before asking for a new URL.
    connection = await slack.waitForSocket(15_000, old.id);
    expect(slack.calls('apps.connections.open').slice(opens)).toMatchObject([{ ok: true, token: APP_TOKEN }]);
    const since = slack.mark();
    const res = await send.command({ userId: USERS.dave!, command: '/aftercare', text: 'help', channelId: 'C0TECH' });
    expect(res.ack.connection).toBe(connection.id);
    await slack.waitForCall('chat.postEphemeral', (c) => c.args.user === USERS.dave, 10_000, since);
  });

  it('does not serve /slack/events over HTTP', async () => {
    const res = await fetch(`${app.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'url_verification', challenge: 'abc', token: 'x' }),
    });
    expect(res.status).toBe(404);
    await res.body?.cancel();
  });

  it('closing the app closes the socket with a normal close frame and does not reconnect', async () => {
    const opens = slack.calls('apps.connections.open').length;
    stopped = true;
    await app.stop();
    await waitFor(() => connection.closedAt !== undefined, 20_000, 'the socket to close');
    expect(connection).toMatchObject({ closedBy: 'client', closeCode: 1000 });
    await new Promise((r) => setTimeout(r, 200));
    expect(slack.socket()).toBeUndefined();
    expect(slack.calls('apps.connections.open')).toHaveLength(opens);
  });
});
