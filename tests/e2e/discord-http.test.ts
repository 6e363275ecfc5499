import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AftercareConfig } from '../../src/core/types.js';
import { FakeDiscord, type DiscordInteraction, type RecordedRequest } from '../../src/emulators/discord.js';
import { FakeWebhookPlatform } from '../fakes/fake-webhook-platform.js';
import { startTestApp, ticketBody, type TestApp } from '../helpers/app.js';
import { longClocks, withChatIds } from '../helpers/config.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The Discord staff workspace driven through the HTTP interactions endpoint only: every
 * interaction is POSTed, signed like Discord does, to /discord/interactions and the initial
 * answer is the HTTP response body (no REST callback); follow-ups and edits go over REST.
 */

const APP_ID = '700000000000000001';
const GUILD = '710000000000000001';
const CH: Record<string, string> = {
  'customer-service': '720000000000000001',
  'cs-supervisor': '720000000000000002',
  technical: '720000000000000003',
  logistics: '720000000000000004',
};
const ESCALATIONS = '720000000000000009';
const DEFAULT = '720000000000000010';
const USERS: Record<string, string> = {
  alice: '730000000000000001',
  bob: '730000000000000002',
  carol: '730000000000000003',
  judy: '730000000000000004',
  dave: '730000000000000005',
  erin: '730000000000000006',
  frank: '730000000000000007',
  heidi: '730000000000000008',
  ivan: '730000000000000009',
};

function discordConfig(): AftercareConfig {
  return withChatIds(longClocks(60), 'discord', { channels: CH, users: USERS, escalation: ESCALATIONS });
}

let discord: FakeDiscord;
let hook: FakeWebhookPlatform;
let app: TestApp;
let URL_: string;

beforeAll(async () => {
  discord = await new FakeDiscord({
    applicationId: APP_ID,
    guilds: [{ id: GUILD, name: 'Aftercare HTTP', channels: [...Object.entries(CH), ['escalations', ESCALATIONS] as const, ['default', DEFAULT] as const].map(([name, id]) => ({ id, name })) }],
    users: Object.entries(USERS).map(([username, id]) => ({ id, username })),
  }).start();
  hook = await new FakeWebhookPlatform().start();
  app = await startTestApp({
    config: discordConfig(),
    env: {
      DISCORD_BOT_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: APP_ID,
      DISCORD_PUBLIC_KEY: discord.publicKeyHex,
      DISCORD_API_URL: discord.apiRoot,
      DISCORD_DEFAULT_CHANNEL: DEFAULT,
      AFTERCARE_WEBHOOK_URL: hook.url,
      AFTERCARE_OUTBOX_SWEEP_INTERVAL: '1s',
    },
  });
  URL_ = `${app.url}/discord/interactions`;
});
afterAll(async () => {
  await app?.stop();
  await discord?.stop();
  await hook?.stop();
});

type Msg = { id: string; components: { components: { custom_id?: string }[] }[] };

async function openTicket(overrides: Record<string, unknown> = {}): Promise<{ id: string; number: string }> {
  const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody(overrides) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; number: string };
}

/** The POST that created the card of `number` in `channel`. */
function cardIn(channel: string, number: string): Promise<RecordedRequest> {
  return discord.waitForRequest(
    (r) => r.method === 'POST' && r.path === `/channels/${channel}/messages` && r.status < 300 && JSON.stringify(r.body?.embeds ?? '').includes(number),
    10_000,
  );
}

/** The technical channel's card of a new ticket: its number and message id. */
async function newCard(overrides: Record<string, unknown> = {}): Promise<{ number: string; messageId: string }> {
  const { number } = await openTicket(overrides);
  const post = await cardIn(CH.technical!, number);
  return { number, messageId: post.response.id as string };
}

function customIdOf(channel: string, messageId: string, action: string): string {
  const m = discord.message(channel, messageId) as unknown as Msg | undefined;
  if (!m) throw new Error(`no message ${channel}/${messageId}`);
  const id = m.components.flatMap((row) => row.components.map((c) => c.custom_id ?? '')).find((c) => c.startsWith(`ac:${action}:`));
  if (!id) throw new Error(`no ${action} button in ${JSON.stringify(m.components)}`);
  return id;
}

/** A button click on the technical card, as the payload Discord would POST (not dispatched). */
function press(user: string, messageId: string, action: string): DiscordInteraction {
  return discord.buttonInteraction({ guildId: GUILD, channelId: CH.technical!, messageId, userId: user, customId: customIdOf(CH.technical!, messageId, action) });
}

async function eventCount(number: string, type: string): Promise<number> {
  const rows = await app.database.sql<{ n: number }[]>`
    select count(*)::int as n from ticket_events e join tickets t on t.id = e.ticket_id where t.number = ${number} and e.type = ${type}`;
  return rows[0]!.n;
}

async function ownerOf(number: string): Promise<string | null> {
  const rows = await app.database.sql<{ owner_id: string | null }[]>`select owner_id from tickets where number = ${number}`;
  return rows[0]!.owner_id;
}

/**
 * What an interaction was told ephemerally: the HTTP answer (type 4), or — when the answer was
 * a deferral — the follow-up message it was sent over REST. Checks flags and mentions on the way.
 */
async function ephemeralAnswer(i: DiscordInteraction, answer: { status: number; body: any }): Promise<{ content: string }> {
  expect(answer.status).toBe(200);
  let data: { content?: unknown; flags?: unknown; allowed_mentions?: unknown };
  if (answer.body.type === 4) {
    data = answer.body.data;
  } else {
    expect([5, 6]).toContain(answer.body.type);
    const follow = await discord.waitForRequest((r) => r.interactionId === i.id && r.path.startsWith(`/webhooks/${APP_ID}/`) && (r.method === 'POST' || r.method === 'PATCH'), 10_000);
    expect(follow.status).toBeLessThan(300);
    data = follow.body;
    if (follow.method === 'PATCH') expect(answer.body).toEqual({ type: 5, data: { flags: 64 } });
  }
  if (answer.body.type !== 5) expect(Number(data.flags) & 64).toBe(64);
  expect(data.allowed_mentions).toEqual({ parse: [] });
  return { content: String(data.content) };
}

/** REST callbacks for an interaction: none may exist, the answer is the HTTP body. */
const restCallbacks = (interactionId: string) => discord.requests.filter((r) => r.interactionId === interactionId && r.path.endsWith('/callback'));

describe('Discord HTTP interactions endpoint', () => {
  it('claim: answered {type: 6} in the HTTP body, then the card is edited with the owner', async () => {
    const { number, messageId } = await newCard();
    const payload = press(USERS.dave!, messageId, 'claim');
    expect(payload.data?.custom_id).toBe(`ac:claim:${number}`);
    const since = discord.mark();
    const res = await discord.postInteraction(URL_, payload);
    expect(res.status).toBe(200);
    expect(res.response.headers.get('content-type')).toContain('application/json');
    expect(res.body).toEqual({ type: 6 });
    const patch = await discord.waitForRequest(
      (r) => r.method === 'PATCH' && r.path === `/channels/${CH.technical}/messages/${messageId}` && JSON.stringify(r.body).includes('Dave Zhang'),
      10_000,
      since,
    );
    expect(patch.status).toBeLessThan(300);
    expect(patch.body.allowed_mentions).toEqual({ parse: [] });
    expect(await ownerOf(number)).toBe('dave');
    expect(await eventCount(number, 'ticket.claimed')).toBe(1);
    // Claimed: the card no longer offers Claim.
    expect(() => customIdOf(CH.technical!, messageId, 'claim')).toThrow(/no claim button/);
    expect(restCallbacks(payload.id)).toEqual([]);
  });

  it('reply: the button opens a modal (type 9); the submission is deferred (type 5) and the customer gets the reply', async () => {
    const { number, messageId } = await newCard();
    const click = press(USERS.dave!, messageId, 'reply');
    const shown = await discord.postInteraction(URL_, click);
    expect(shown.status).toBe(200);
    expect(shown.body.type).toBe(9);
    expect(shown.body.data.custom_id).toBe(`ac:m:reply:${number}`);
    expect(shown.body.data.title.length).toBeLessThanOrEqual(45);
    expect(JSON.stringify(shown.body.data.components)).toContain('"custom_id":"text"');

    const text = 'A technician will call you at 3 pm. **Not bold** @everyone';
    const submit = discord.modalSubmitInteraction({ guildId: GUILD, channelId: CH.technical!, userId: USERS.dave!, customId: String(shown.body.data.custom_id), fields: { text } });
    const done = await discord.postInteraction(URL_, submit);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ type: 5, data: { flags: 64 } });

    await hook.until(() => hook.delivered.some((m) => m.kind === 'customer.reply' && m.payload.number === number));
    expect(hook.delivered.find((m) => m.kind === 'customer.reply' && m.payload.number === number)!.payload.text).toBe(text);
    expect(await eventCount(number, 'ticket.replied')).toBe(1);
    // The deferred (ephemeral) answer is then edited over REST to say it is done.
    const edit = await discord.waitForRequest((r) => r.interactionId === submit.id && r.method === 'PATCH', 10_000);
    expect(edit.status).toBeLessThan(300);
    expect(edit.body.allowed_mentions).toEqual({ parse: [] });
    expect(restCallbacks(click.id)).toEqual([]);
    expect(restCallbacks(submit.id)).toEqual([]);
  });

  it('a bad or missing signature gets 401 and changes nothing; only well-formed POSTs are read', async () => {
    const { number, messageId } = await newCard();
    const payload = press(USERS.dave!, messageId, 'claim');
    const bad = await discord.postInteraction(URL_, payload, { badSignature: true });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await discord.signedInteractionRequest(URL_, payload, { omitSignature: true })).status).toBe(401);
    // Signed for another timestamp than the one sent.
    const body = JSON.stringify(payload);
    const res = await fetch(URL_, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-ed25519': 'ab'.repeat(64), 'x-signature-timestamp': String(Math.floor(Date.now() / 1000)) },
      body,
    });
    expect(res.status).toBe(401);
    expect((await fetch(URL_)).status).toBe(405);
    expect((await discord.signedInteractionRequest(URL_, 'not json')).status).toBe(400);

    // Nothing happened, and the rejected requests did not use up the interaction id:
    // the same interaction, properly signed, is then handled.
    expect(await ownerOf(number)).toBeNull();
    expect(await eventCount(number, 'ticket.claimed')).toBe(0);
    expect(discord.requests.filter((r) => r.interactionId === payload.id)).toEqual([]);
    const good = await discord.postInteraction(URL_, payload);
    expect(good.body).toEqual({ type: 6 });
    await waitFor(async () => (await ownerOf(number)) === 'dave', 10_000);
    expect(await eventCount(number, 'ticket.claimed')).toBe(1);
  });

  it('a body over 256 KB gets a 413 answer (not a closed connection), and the endpoint keeps working', async () => {
    const big = { type: 1, filler: 'x'.repeat(300 * 1024) };
    const res = await discord.signedInteractionRequest(URL_, big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    const ping = await discord.signedInteractionRequest(URL_, { id: '1300000000000000001', type: 1, application_id: '1', token: 't', version: 1 });
    expect(ping.status).toBe(200);
    expect(await ping.json()).toEqual({ type: 1 });
  });

  it('a replayed interaction (same id, same signed bytes, or concurrent copies) is handled once', async () => {
    const { number, messageId } = await newCard();
    const escalate = press(USERS.dave!, messageId, 'escalate');
    const timestamp = String(Math.floor(Date.now() / 1000));
    // Three identical signed requests at once, then a fourth identical one afterwards.
    const copies = await Promise.all([0, 1, 2].map(() => discord.signedInteractionRequest(URL_, escalate, { timestamp })));
    for (const r of copies) {
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ type: 6 });
    }
    await waitFor(async () => (await eventCount(number, 'ticket.escalated')) === 1, 10_000);
    const late = await discord.signedInteractionRequest(URL_, escalate, { timestamp });
    expect(late.status).toBe(200);
    expect(await late.json()).toEqual({ type: 6 });

    // Claim, a replay of the claim, then a fresh interaction through the same path to be sure the
    // pipeline has caught up before counting.
    const claim = press(USERS.dave!, messageId, 'claim');
    expect((await discord.postInteraction(URL_, claim)).body).toEqual({ type: 6 });
    await waitFor(async () => (await ownerOf(number)) === 'dave', 10_000);
    expect((await discord.postInteraction(URL_, claim)).body).toEqual({ type: 6 });
    const shown = await discord.postInteraction(URL_, press(USERS.dave!, messageId, 'reply'));
    expect(shown.body.type).toBe(9);

    expect(await eventCount(number, 'ticket.claimed')).toBe(1);
    expect((await eventCount(number, 'ticket.escalated')) + (await eventCount(number, 'escalation.retriggered'))).toBe(1);
    // The replayed claim was dropped before any work: no "already yours" follow-up for it.
    expect(discord.requests.filter((r) => r.interactionId === claim.id && r.path.startsWith(`/webhooks/${APP_ID}/`))).toEqual([]);
  });

  it('a zh-CN member of another department is refused in Chinese, ephemerally, and nothing changes', async () => {
    const { number, messageId } = await newCard();

    // Claim: refused either in the HTTP answer or, when deferred (type 6), as a follow-up over REST.
    const claim = press(USERS.bob!, messageId, 'claim');
    const refusal = await ephemeralAnswer(claim, await discord.postInteraction(URL_, claim));
    expect(refusal.content).toContain('其他部门');

    // Reply is checked before the modal: refused in the HTTP answer itself.
    const reply = press(USERS.bob!, messageId, 'reply');
    const answer = await discord.postInteraction(URL_, reply);
    expect(answer.body.type).toBe(4);
    expect((await ephemeralAnswer(reply, answer)).content).toContain('其他部门');

    expect(await ownerOf(number)).toBeNull();
    expect(await eventCount(number, 'ticket.claimed')).toBe(0);
  });

  it('someone who is not Aftercare staff is told so in the HTTP answer', async () => {
    const { messageId } = await newCard();
    const stranger = discord.addUser({ username: 'stranger' });
    const res = await discord.postInteraction(URL_, discord.buttonInteraction({ guildId: GUILD, channelId: CH.technical!, messageId, userId: stranger.id, customId: customIdOf(CH.technical!, messageId, 'claim') }));
    expect(res.body.type).toBe(4);
    expect(res.body.data.flags & 64).toBe(64);
    expect(String(res.body.data.content)).toMatch(/not set up as Aftercare staff/);
  });
});
