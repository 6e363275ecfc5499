import { createPublicKey, verify } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
  type TextChannel,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../../../src/emulators/discord.js';

const STAFF = '345678901234567890';

/** The next interaction the client emits that satisfies `pred` (listening starts now). */
function nextInteraction<T extends Interaction>(client: Client, pred: (i: Interaction) => i is T): Promise<T> {
  return new Promise((resolve) => {
    const on = (i: Interaction) => {
      if (!pred(i)) return;
      client.off(Events.InteractionCreate, on);
      resolve(i);
    };
    client.on(Events.InteractionCreate, on);
  });
}

function buttonRow(customId: string) {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId(customId).setLabel('Resolve').setStyle(ButtonStyle.Primary));
}

describe('FakeDiscord with the real discord.js Client', () => {
  let fake: FakeDiscord;
  let client: Client;

  async function login(intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages]): Promise<Client> {
    client = new Client({ intents, rest: { api: fake.apiRoot } });
    const ready = once(client, Events.ClientReady);
    await client.login(fake.token);
    await ready;
    return client;
  }

  async function staffChannel(): Promise<TextChannel> {
    const ch = await client.channels.fetch(fake.channelId);
    if (ch?.type !== ChannelType.GuildText) throw new Error('expected a text channel');
    return ch;
  }

  beforeEach(async () => {
    fake = await new FakeDiscord({ users: [{ id: STAFF, username: 'alice', globalName: 'Alice' }] }).start();
  });
  afterEach(async () => {
    await client?.destroy();
    await fake.stop();
  });

  it('logs in: GET /gateway/bot, IDENTIFY with the intents, READY then GUILD_CREATE fill the caches', async () => {
    await login();
    expect(client.user?.id).toBe(fake.botUser.id);
    expect(client.user?.bot).toBe(true);
    expect(client.application?.id).toBe(fake.applicationId);
    const guild = client.guilds.cache.get(fake.guildId);
    expect(guild?.available).toBe(true);
    expect(guild?.channels.cache.get(fake.channelId)?.name).toBe('general');
    expect(guild?.members.cache.has(STAFF)).toBe(true);

    const identify = await fake.waitForIdentify();
    expect(identify.intents).toBe(GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages);
    expect(identify.token).toBe(fake.token);
    const gw = fake.requests.find((r) => r.path === '/gateway/bot');
    expect(gw).toMatchObject({ method: 'GET', status: 200 });
    expect(gw?.headers.authorization).toBe(`Bot ${fake.token}`);
    expect(fake.gateway.find((e) => e.kind === 'connect')).toMatchObject({ query: { v: '10', encoding: 'json' } });
    const sent = fake.gateway.filter((e) => e.kind === 'send' && e.op === 0).map((e) => (e.kind === 'send' ? [e.t, e.s] : []));
    expect(sent.slice(0, 2)).toEqual([
      ['READY', 1],
      ['GUILD_CREATE', 2],
    ]);
  });

  it('answers 401 without the bot token and 404 on unknown routes, recording both', async () => {
    const noAuth = await fetch(`${fake.apiRoot}/v10/users/@me`);
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toEqual({ message: '401: Unauthorized', code: 0 });
    const wrong = await fetch(`${fake.apiRoot}/v10/users/@me`, { headers: { authorization: 'Bot nope' } });
    expect(wrong.status).toBe(401);
    const unknown = await fetch(`${fake.apiRoot}/v10/nothing/here`, { headers: { authorization: `Bot ${fake.token}` } });
    expect(unknown.status).toBe(404);
    expect(fake.requests.map((r) => [r.path, r.status])).toEqual([
      ['/users/@me', 401],
      ['/users/@me', 401],
      ['/nothing/here', 404],
    ]);
  });

  it('channel.send records the message (allowed_mentions included), message.edit updates it in place', async () => {
    await login();
    const channel = await staffChannel();
    const echoed = once(client, Events.MessageCreate);
    const msg = await channel.send({ content: `Ticket T-1 for <@${STAFF}>`, allowedMentions: { parse: [] } });
    const [echo] = (await echoed) as [{ id: string }];
    expect(echo.id).toBe(msg.id); // MESSAGE_CREATE echo of the bot's own message (GUILD_MESSAGES intent)

    const req = await fake.waitForRequest((r) => r.route === 'POST /channels/:channel_id/messages');
    expect(req.body).toMatchObject({ content: `Ticket T-1 for <@${STAFF}>`, allowed_mentions: { parse: [] } });
    const stored = fake.message(fake.channelId, msg.id);
    expect(stored).toMatchObject({ id: msg.id, channel_id: fake.channelId, author: { id: fake.botUser.id, bot: true }, mentions: [], type: 0, flags: 0 });
    expect(fake.postedIn(fake.channelId).map((m) => m.content)).toEqual([`Ticket T-1 for <@${STAFF}>`]);

    const edited = await msg.edit({ content: 'Ticket T-1 (claimed)' });
    expect(edited.id).toBe(msg.id);
    expect(edited.editedTimestamp).not.toBeNull();
    expect(fake.postedIn(fake.channelId)).toHaveLength(1);
    expect(fake.message(fake.channelId, msg.id)?.content).toBe('Ticket T-1 (claimed)');
    expect(fake.messageHistory(fake.channelId, msg.id).map((m) => m.content)).toEqual([`Ticket T-1 for <@${STAFF}>`, 'Ticket T-1 (claimed)']);

    const missing = await channel.messages.edit('1', { content: 'x' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DiscordAPIError);
    expect((missing as DiscordAPIError).code).toBe(10008);
  });

  it('a button click arrives as interactionCreate; an ephemeral reply reaches the callback route; follow-ups work', async () => {
    await login();
    const msg = await (await staffChannel()).send({ content: 'T-2', components: [buttonRow('claim:T-2')] });
    const arrived = nextInteraction(client, (i) => i.isButton());
    const { id, token } = fake.clickButton({ channelId: fake.channelId, messageId: msg.id, userId: STAFF, customId: 'claim:T-2' });
    const button = await arrived;
    expect(button.id).toBe(id);
    expect(button.token).toBe(token);
    expect(button.customId).toBe('claim:T-2');
    expect(button.user.id).toBe(STAFF);
    expect(button.member?.user.id).toBe(STAFF);
    expect(button.message.id).toBe(msg.id);
    expect(button.guildId).toBe(fake.guildId);

    await button.reply({ content: 'Claimed.', flags: MessageFlags.Ephemeral });
    const cb = await fake.waitForInteractionResponse(id);
    expect(cb).toMatchObject({ method: 'POST', status: 204, body: { type: 4, data: { content: 'Claimed.', flags: MessageFlags.Ephemeral } } });
    expect(cb.headers.authorization).toBeUndefined();
    const reply = fake.postedIn(fake.channelId).find((m) => m.content === 'Claimed.');
    expect(reply?.flags).toBe(MessageFlags.Ephemeral);
    expect(reply?.interaction_metadata).toMatchObject({ id, type: 3, user: { id: STAFF } });

    const more = await button.followUp({ content: 'Details follow.' });
    expect(more.content).toBe('Details follow.');
    expect(fake.interactionResponses(id).map((r) => [r.method, r.status])).toEqual([
      ['POST', 204],
      ['POST', 200],
    ]);
    // A second initial response is refused like on Discord.
    const again = await fetch(`${fake.apiRoot}/v10/interactions/${id}/${token}/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 6 }) });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ code: 40060 });
  });

  it('showModal reaches the callback; a modal submit mirrors the shown modal and update edits the clicked message', async () => {
    await login();
    const msg = await (await staffChannel()).send({ content: 'T-3 open', components: [buttonRow('resolve:T-3')] });
    const clicked = nextInteraction(client, (i) => i.isButton());
    const click = fake.clickButton({ messageId: msg.id, userId: STAFF, customId: 'resolve:T-3' });
    const button = await clicked;
    const modal = new ModalBuilder()
      .setCustomId('resolve-modal:T-3')
      .setTitle('Resolve T-3')
      .addLabelComponents(new LabelBuilder().setLabel('Resolution').setTextInputComponent(new TextInputBuilder().setCustomId('resolution').setStyle(TextInputStyle.Paragraph)));
    await button.showModal(modal);
    const cb = await fake.waitForInteractionResponse(click.id);
    expect(cb.body).toMatchObject({ type: 9, data: { custom_id: 'resolve-modal:T-3', title: 'Resolve T-3' } });

    const submitted = nextInteraction(client, (i) => i.isModalSubmit());
    fake.submitModal({ channelId: fake.channelId, userId: STAFF, customId: 'resolve-modal:T-3', fields: { resolution: 'Replaced the screen' } });
    const submit = await submitted;
    expect(submit.customId).toBe('resolve-modal:T-3');
    expect(submit.fields.getTextInputValue('resolution')).toBe('Replaced the screen');
    expect(submit.message?.id).toBe(msg.id);
    expect(submit.isFromMessage()).toBe(true);

    if (!submit.isFromMessage()) throw new Error('unreachable');
    await submit.update({ content: 'T-3 resolved', components: [] });
    expect(fake.message(fake.channelId, msg.id)).toMatchObject({ content: 'T-3 resolved', components: [] });
    expect(fake.messageHistory(fake.channelId, msg.id)).toHaveLength(2);
  });

  it('slash commands: bulk overwrite returns ids; runCommand → deferReply + editReply fills the thinking message', async () => {
    await login();
    const set = await client.application!.commands.set(
      [{ name: 'aftercare', description: 'Ticket tools', options: [{ type: 3, name: 'ticket', description: 'Ticket id', required: true }] }],
      fake.guildId,
    );
    const registered = fake.registeredCommands(fake.guildId);
    expect(registered).toHaveLength(1);
    expect(set.first()?.id).toBe(registered[0]!.id);
    expect(fake.requests.some((r) => r.method === 'PUT' && r.path === `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`)).toBe(true);

    const ran = nextInteraction(client, (i) => i.isChatInputCommand());
    const { id } = fake.runCommand({ channelId: fake.channelId, userId: STAFF, name: 'aftercare', options: { ticket: 'T-4' } });
    const cmd = await ran;
    expect(cmd.commandName).toBe('aftercare');
    expect(cmd.commandId).toBe(registered[0]!.id);
    expect(cmd.options.getString('ticket')).toBe('T-4');

    await cmd.deferReply({ flags: MessageFlags.Ephemeral });
    const thinking = fake.postedIn(fake.channelId).at(-1)!;
    expect(thinking.flags).toBe(MessageFlags.Ephemeral | MessageFlags.Loading);
    const reply = await cmd.editReply('T-4 is waiting on parts.');
    expect(reply.id).toBe(thinking.id);
    expect(fake.message(fake.channelId, thinking.id)).toMatchObject({ content: 'T-4 is waiting on parts.', flags: MessageFlags.Ephemeral, type: 20 });
    expect(fake.interactionResponses(id).map((r) => r.route)).toEqual([
      'POST /interactions/:interaction_id/:interaction_token/callback',
      'PATCH /webhooks/:webhook_id/:webhook_token/messages/:message_id',
    ]);
  });

  it('a 429 with retry_after 1 s is waited out by the REST queue, then the message is delivered', async () => {
    await login();
    const channel = await staffChannel();
    fake.rateLimitNext('POST /channels/:id/messages', { retryAfter: 1 });
    const since = fake.mark();
    const started = Date.now();
    const msg = await channel.send('after the limit');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const sends = fake.requests.slice(since).filter((r) => r.route === 'POST /channels/:channel_id/messages');
    expect(sends.map((r) => r.status)).toEqual([429, 200]);
    expect(sends[0]!.response).toEqual({ message: 'You are being rate limited.', retry_after: 1, global: false });
    expect(fake.postedIn(fake.channelId).map((m) => m.id)).toEqual([msg.id]);
  });

  it('a 500 is retried by discord.js', async () => {
    await login();
    const channel = await staffChannel();
    fake.failNext('POST /channels/*/messages', 500);
    const since = fake.mark();
    await channel.send('despite a 500');
    expect(fake.requests.slice(since).map((r) => r.status)).toEqual([500, 200]);
    expect(fake.postedIn(fake.channelId)).toHaveLength(1);
  });

  it('threads: startThread from a message gives a type 11 channel to post into; missing channels are 404 Unknown Channel', async () => {
    await login();
    const msg = await (await staffChannel()).send('T-5');
    const thread = await msg.startThread({ name: 'T-5 discussion' });
    expect(thread.id).toBe(msg.id);
    expect(thread.type).toBe(ChannelType.PublicThread);
    expect(fake.channel(thread.id)).toMatchObject({ type: 11, parent_id: fake.channelId, name: 'T-5 discussion' });
    await thread.send('inside the thread');
    expect(fake.postedIn(thread.id).map((m) => m.content)).toEqual(['inside the thread']);

    fake.missingChannels.add('123456789012345678');
    const err = await client.channels.fetch('123456789012345678').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect((err as DiscordAPIError).code).toBe(10003);
  });

  it('resumes after the connection drops and replays dispatches sent meanwhile', async () => {
    await login();
    const msg = await (await staffChannel()).send({ content: 'T-6', components: [buttonRow('claim:T-6')] });
    const mark = fake.gateway.length;
    fake.closeGateway(4000);
    // Dispatched while disconnected: queued in the session and replayed on RESUME.
    const clicked = nextInteraction(client, (i) => i.isButton());
    const { id } = fake.clickButton({ messageId: msg.id, userId: STAFF, customId: 'claim:T-6' });
    expect((await clicked).id).toBe(id);
    expect(fake.gateway.slice(mark).some((e) => e.kind === 'recv' && e.op === 6)).toBe(true);
    expect(fake.gateway.slice(mark).some((e) => e.kind === 'recv' && e.op === 2)).toBe(false);
    expect(fake.gateway.slice(mark).some((e) => e.kind === 'send' && e.t === 'RESUMED')).toBe(true);
  });

  it('HTTP interactions: requests are signed with Ed25519 over timestamp + body', async () => {
    const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(fake.publicKeyHex, 'hex')]), format: 'der', type: 'spki' });
    const app: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const sig = String(req.headers['x-signature-ed25519'] ?? '');
        const ts = String(req.headers['x-signature-timestamp'] ?? '');
        if (!/^[0-9a-f]{128}$/.test(sig) || !verify(null, Buffer.from(ts + body), key, Buffer.from(sig, 'hex'))) {
          res.writeHead(401).end('invalid request signature');
          return;
        }
        const i = JSON.parse(body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(i.type === 1 ? { type: 1 } : { type: 4, data: { content: `got ${i.data.custom_id}` } }));
      });
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(app.address() as AddressInfo).port}/interactions`;
    try {
      expect((await fake.postInteraction(url, fake.pingInteraction())).body).toEqual({ type: 1 });
      expect((await fake.signedInteractionRequest(url, fake.pingInteraction(), { badSignature: true })).status).toBe(401);

      // A user's message with a button-less layout: any custom_id may be "clicked" on it.
      const target = fake.userSays({ channelId: fake.channelId, userId: STAFF, content: 'my screen is broken' });
      expect(target.author.id).toBe(STAFF);
      const payload = fake.buttonInteraction({ messageId: target.id, userId: STAFF, customId: 'any' });
      const out = await fake.postInteraction(url, payload);
      expect(out.status).toBe(200);
      expect(fake.postedIn(fake.channelId).map((m) => m.content)).toEqual(['got any']);
    } finally {
      await new Promise<void>((r) => app.close(() => r()));
    }
  });

  it('client.destroy() closes the gateway with 1000 and ends the session', async () => {
    await login();
    const mark = fake.gateway.length;
    await client.destroy();
    const close = await fake.waitForGateway((e) => e.kind === 'close' && e.by === 'client', 5_000, mark);
    expect(close).toMatchObject({ code: 1000 });
    expect(fake.connectionCount).toBe(0);
    expect(() => fake.dispatch('TYPING_START', {})).not.toThrow();
    expect(fake.dispatch('TYPING_START', {})).toBe(0);
  });
});
