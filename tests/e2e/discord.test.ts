import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerAct } from '../../src/app/customer-actions.js';
import type { AftercareConfig } from '../../src/core/types.js';
import { FakeDiscord, type RecordedRequest } from '../../src/emulators/discord.js';
import { FakeWebhookPlatform } from '../fakes/fake-webhook-platform.js';
import { startTestApp, ticketBody, type TestApp } from '../helpers/app.js';
import { longClocks, withChatIds } from '../helpers/config.js';
import { waitFor } from '../helpers/wait.js';

const APP_ID = '900000000000000001';
const GUILD = '910000000000000001';
const CH: Record<string, string> = {
  'customer-service': '920000000000000001',
  'cs-supervisor': '920000000000000002',
  technical: '920000000000000003',
  logistics: '920000000000000004',
};
const ESCALATIONS = '920000000000000009';
const DEFAULT = '920000000000000010';
const USERS: Record<string, string> = {
  alice: '930000000000000001',
  bob: '930000000000000002',
  carol: '930000000000000003',
  judy: '930000000000000004',
  dave: '930000000000000005',
  erin: '930000000000000006',
  frank: '930000000000000007',
  heidi: '930000000000000008',
  ivan: '930000000000000009',
};

function discordConfig(): AftercareConfig {
  return withChatIds(longClocks(60), 'discord', { channels: CH, users: USERS, escalation: ESCALATIONS });
}

let discord: FakeDiscord;
let hook: FakeWebhookPlatform;
let app: TestApp;

beforeAll(async () => {
  discord = await new FakeDiscord({
    applicationId: APP_ID,
    guilds: [{ id: GUILD, name: 'Aftercare HQ', channels: [...Object.entries(CH), ['escalations', ESCALATIONS] as const, ['default', DEFAULT] as const].map(([name, id]) => ({ id: id, name })) }],
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
});
afterAll(async () => {
  await app?.stop();
  await discord?.stop();
  await hook?.stop();
});

type Msg = { id: string; content: string; embeds: { title?: string; description?: string; fields?: { name: string; value: string }[]; footer?: { text: string } }[]; components: { components: { custom_id?: string; label?: string; type: number; options?: { value: string }[] }[] }[] };

async function openTicket(overrides: Record<string, unknown> = {}): Promise<{ id: string; number: string }> {
  const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody(overrides) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; number: string };
}

/** The POST that created the card of `number` in `channel`. */
async function cardIn(channel: string, number: string): Promise<RecordedRequest> {
  return discord.waitForRequest(
    (r) => r.method === 'POST' && r.path === `/channels/${channel}/messages` && r.status < 300 && JSON.stringify(r.body?.embeds ?? '').includes(number),
    10_000,
  );
}

function current(channel: string, id: string): Msg {
  const m = discord.message(channel, id);
  if (!m) throw new Error(`no message ${channel}/${id}`);
  return m as unknown as Msg;
}

function customIds(m: Msg): string[] {
  return m.components.flatMap((row) => row.components.map((c) => c.custom_id ?? ''));
}

function customIdOf(m: Msg, action: string): string {
  const id = customIds(m).find((c) => c.startsWith(`ac:${action}:`));
  if (!id) throw new Error(`no ${action} button in ${JSON.stringify(m.components)}`);
  return id;
}

function click(user: string, channel: string, messageId: string, action: string) {
  return discord.clickButton({ guildId: GUILD, channelId: channel, messageId, userId: user, customId: customIdOf(current(channel, messageId), action) });
}

/** The initial response (callback) the bot sent for an interaction. */
async function callback(interactionId: string): Promise<{ type: number; data?: Record<string, unknown> }> {
  const r = await discord.waitForRequest((x) => x.interactionId === interactionId && x.path.endsWith('/callback'), 20_000);
  return r.body as { type: number; data?: Record<string, unknown> };
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

describe('Discord staff workspace', () => {
  it('connects through the gateway with the Guilds intent', async () => {
    const identify = await discord.waitForIdentify(10_000);
    expect(identify).toBeDefined();
    expect(discord.identifyPayload?.token).toBe(discord.token);
  });

  it('posts a card (embed + buttons, no mentions allowed) and starts its timeline thread', async () => {
    const { number } = await openTicket();
    const post = await cardIn(CH.technical!, number);
    expect(post.body.allowed_mentions).toEqual({ parse: [] });
    const card = current(CH.technical!, post.response.id as string);
    expect(card.embeds[0]!.title).toContain(number);
    const fields = JSON.stringify(card.embeds[0]!.fields);
    for (const text of ['Li Lei', 'Model X printer', 'SO-2026-0001', 'Unclaimed', 'due in']) expect(fields).toContain(text);
    // The masked phone: its asterisks escaped so they are not read as markdown.
    expect(card.embeds[0]!.fields!.find((f) => f.name === 'Contact')!.value).toBe('+86 138 \\*\\*\\*\\* 8000');
    expect(customIds(card).map((c) => c.split(':')[1])).toEqual(expect.arrayContaining(['claim', 'reply', 'progress', 'involve', 'escalate', 'reassign', 'reveal']));
    // Nobody has claimed or answered a new ticket yet: it cannot be resolved.
    expect(customIds(card).map((c) => c.split(':')[1])).not.toContain('resolve');
    expect(card.components.length).toBeLessThanOrEqual(5);
    for (const row of card.components) expect(row.components.length).toBeLessThanOrEqual(5);
    for (const id of customIds(card)) expect(id.length).toBeLessThanOrEqual(100);
  });

  it('claim → the card is edited in place (PATCH), not re-posted; the thread records it', async () => {
    const { number } = await openTicket();
    const post = await cardIn(CH.technical!, number);
    const id = post.response.id as string;
    const since = discord.mark();
    const i = click(USERS.dave!, CH.technical!, id, 'claim');
    expect((await callback(i.id)).type).toBe(6);
    await discord.waitForRequest((r) => r.method === 'PATCH' && r.path === `/channels/${CH.technical}/messages/${id}` && JSON.stringify(r.body).includes('Dave Zhang'), 10_000, since);
    expect(await ownerOf(number)).toBe('dave');
    const posts = discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${CH.technical}/messages` && JSON.stringify(r.body?.embeds ?? '').includes(number));
    expect(posts).toHaveLength(1);
    const thread = await discord.waitForRequest((r) => r.method === 'POST' && r.path === `/channels/${CH.technical}/messages/${id}/threads`, 10_000);
    const threadId = thread.response.id as string;
    await discord.waitUntil(() => discord.postedIn(threadId).some((m) => m.content.includes('claimed the ticket')), 10_000, 'timeline entry');
  });

  it('reply (modal) → the customer gets it', async () => {
    const { number } = await openTicket();
    const id = (await cardIn(CH.technical!, number)).response.id as string;
    const i = click(USERS.dave!, CH.technical!, id, 'reply');
    const modal = await callback(i.id);
    expect(modal.type).toBe(9);
    const sub = discord.submitModal({ guildId: GUILD, channelId: CH.technical!, userId: USERS.dave!, customId: String(modal.data!.custom_id), fields: { text: 'A technician will call you at 3 pm.' } });
    expect((await callback(sub.id)).type).toBe(5);
    await hook.until(() => hook.delivered.some((m) => m.kind === 'customer.reply' && m.payload.number === number));
    expect(hook.delivered.find((m) => m.kind === 'customer.reply' && m.payload.number === number)!.payload.text).toBe('A technician will call you at 3 pm.');
  });

  it('modal text is cleaned: invisible-only is refused as missing, control characters are stripped', async () => {
    const { number } = await openTicket();
    const id = (await cardIn(CH.technical!, number)).response.id as string;
    const modal = await callback(click(USERS.dave!, CH.technical!, id, 'reply').id);
    const customId = String(modal.data!.custom_id);
    const empty = discord.submitModal({ guildId: GUILD, channelId: CH.technical!, userId: USERS.dave!, customId, fields: { text: '\u200B\u200D \u2060' } });
    await callback(empty.id);
    const sub = discord.submitModal({ guildId: GUILD, channelId: CH.technical!, userId: USERS.dave!, customId, fields: { text: 'Call\u0000 you\u0007 at 3 pm.' } });
    await callback(sub.id);
    await hook.until(() => hook.delivered.some((m) => m.kind === 'customer.reply' && m.payload.number === number));
    const replies = hook.delivered.filter((m) => m.kind === 'customer.reply' && m.payload.number === number);
    expect(replies.map((m) => m.payload.text)).toEqual(['Call you at 3 pm.']);
  });

  it('involve logistics (modal: department and role selects, note) → a task card with Claim/Done in the logistics channel; Claim and Done edit it', async () => {
    const { number } = await openTicket();
    const id = (await cardIn(CH.technical!, number)).response.id as string;
    const i = click(USERS.dave!, CH.technical!, id, 'involve');
    const modal = await callback(i.id);
    expect(modal.type).toBe(9);
    // Choices are string selects inside label components (type 18), the note a text input.
    const labels = (modal.data!.components as { type: number; component?: { type: number; custom_id: string } }[]).filter((c) => c.type === 18);
    expect(labels.map((l) => [l.component?.type, l.component?.custom_id])).toEqual([[3, 'department'], [3, 'role']]);
    discord.submitModal({ guildId: GUILD, channelId: CH.technical!, userId: USERS.dave!, customId: String(modal.data!.custom_id), fields: { department: 'logistics', role: 'explain_compensate', note: 'Ship a spare unit' } });
    const task = await discord.waitForRequest((r) => r.method === 'POST' && r.path === `/channels/${CH.logistics}/messages` && JSON.stringify(r.body).includes(number), 10_000);
    const taskId = task.response.id as string;
    expect(customIds(current(CH.logistics!, taskId)).map((c) => c.split(':')[1])).toEqual(['taskClaim', 'taskDone']);
    const since = discord.mark();
    click(USERS.heidi!, CH.logistics!, taskId, 'taskClaim');
    await discord.waitForRequest((r) => r.method === 'PATCH' && r.path === `/channels/${CH.logistics}/messages/${taskId}` && JSON.stringify(r.body).includes('Heidi Sun'), 10_000, since);
    click(USERS.heidi!, CH.logistics!, taskId, 'taskDone');
    await waitFor(async () => (await eventCount(number, 'coordination.task_done')) === 1, 10_000);
  });

  it('resolve (modal with diagnosis) → result notice to the customer', async () => {
    const { number } = await openTicket();
    const id = (await cardIn(CH.technical!, number)).response.id as string;
    await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json: { type: 'claim', actor: 'dave' } });
    await waitFor(() => customIds(current(CH.technical!, id)).some((c) => c.startsWith('ac:resolve:')), 10_000, 'Resolve button after the claim');
    const i = click(USERS.dave!, CH.technical!, id, 'resolve');
    const modal = await callback(i.id);
    discord.submitModal({
      guildId: GUILD,
      channelId: CH.technical!,
      userId: USERS.dave!,
      customId: String(modal.data!.custom_id),
      fields: { measures: 'Replaced the board', advice: 'Update the firmware', cause: 'Power surge', time_needed: '2h', estimated_cost: '0' },
    });
    await hook.until(() => hook.delivered.some((m) => m.kind === 'customer.result_notice' && m.payload.number === number));
    expect(await eventCount(number, 'ticket.diagnosed')).toBe(1);
  });

  it('delay (modal): the ETA is typed in the department’s time zone, which the hint names (UTC here: no calendar)', async () => {
    const { number } = await openTicket();
    const id = (await cardIn(CH.technical!, number)).response.id as string;
    await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json: { type: 'claim', actor: 'dave' } });
    await waitFor(() => customIds(current(CH.technical!, id)).some((c) => c.startsWith('ac:delay:')), 10_000, 'Delay button after the claim');
    const modal = await callback(click(USERS.dave!, CH.technical!, id, 'delay').id);
    const inputs = (modal.data!.components as { components: { custom_id: string; placeholder?: string }[] }[]).flatMap((r) => r.components);
    expect(inputs.find((c) => c.custom_id === 'eta')?.placeholder).toBe('YYYY-MM-DD HH:MM, UTC time');
    discord.submitModal({ guildId: GUILD, channelId: CH.technical!, userId: USERS.dave!, customId: String(modal.data!.custom_id), fields: { reason: 'Spare part ships tomorrow', eta: '2030-03-01 22:00' } });
    await hook.until(() => hook.delivered.some((m) => m.kind === 'customer.overdue' && m.payload.number === number));
    const sent = hook.delivered.find((m) => m.kind === 'customer.overdue' && m.payload.number === number)!;
    expect(sent.payload.eta).toBe('2030-03-01T22:00:00.000Z');
    expect(sent.payload.timeZone).toBe('UTC');
  });

  it('supervisor gets a DM and an escalation post; Acknowledge stops the ladder and edits the post', async () => {
    const { id: ticketId, number } = await openTicket({ severity: 'critical', description: 'The printer is broken and the production line is down' });
    const post = await discord.waitForRequest((r) => r.method === 'POST' && r.path === `/channels/${ESCALATIONS}/messages` && JSON.stringify(r.body).includes(number), 10_000);
    await discord.waitForRequest((r) => r.method === 'POST' && r.path === '/users/@me/channels' && r.body?.recipient_id === USERS.erin, 10_000);
    const postId = post.response.id as string;
    const since = discord.mark();
    click(USERS.erin!, ESCALATIONS, postId, 'acknowledge');
    await discord.waitForRequest((r) => r.method === 'PATCH' && r.path === `/channels/${ESCALATIONS}/messages/${postId}` && JSON.stringify(r.body).includes('Acknowledged by'), 10_000, since);
    const rows = await app.database.sql<{ status: string; acknowledged_by: string }[]>`select status, acknowledged_by from escalations where ticket_id = ${ticketId}`;
    expect(rows).toEqual([{ status: 'acknowledged', acknowledged_by: 'erin' }]);
  });

  it('@everyone in a customer message never pings: allowed_mentions is empty and the text is defused', async () => {
    const { number } = await openTicket({ category: 'fault', description: 'Broken! @everyone @here <@930000000000000005> **bold** help' });
    const post = await cardIn(CH.technical!, number);
    expect(post.body.allowed_mentions).toEqual({ parse: [] });
    const description = String(post.body.embeds[0].description);
    expect(description).not.toMatch(/@everyone|@here|<@9/);
    expect(description).toContain('\\*\\*bold\\*\\*');
  });

  it('a customer message with @everyone reaches the owner and the thread without pinging anyone', async () => {
    const { id, number } = await openTicket();
    const cardId = (await cardIn(CH.technical!, number)).response.id as string;
    click(USERS.dave!, CH.technical!, cardId, 'claim');
    await waitFor(async () => (await ownerOf(number)) === 'dave', 10_000);
    const rows = await app.database.sql<{ customer_id: string }[]>`select customer_id from tickets where id = ${id}`;
    const since = discord.mark();
    await customerAct(app.deps, { id }, rows[0]!.customer_id, 'api', { type: 'message', text: '@everyone @here <@&940000000000000001> is anyone there??' });
    // The owner's DM and the card's thread both carry the text, defused, with no mentions allowed.
    const carrying = () => discord.requests.slice(since).filter((r) => r.method === 'POST' && String(r.body?.content ?? '').includes('anyone there'));
    const posts = await discord.waitUntil(() => (carrying().length >= 2 ? carrying() : undefined), 10_000, 'the DM and the thread entry');
    expect(new Set(posts.map((r) => r.path)).size).toBe(2);
    for (const r of posts) {
      expect(r.body.allowed_mentions).toEqual({ parse: [] });
      expect(String(r.body.content)).not.toMatch(/@everyone|@here|<@&\d/);
    }
  });

  it('waits out a 429 with retry_after and then delivers the card once', async () => {
    discord.rateLimitNext(`POST /channels/${CH.technical}/messages`, { retryAfter: 1 });
    const { number } = await openTicket({ product: 'Rate-limited printer' });
    await cardIn(CH.technical!, number);
    const attempts = discord.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${CH.technical}/messages` && (r.status === 429 || JSON.stringify(r.body?.embeds ?? '').includes(number)));
    const limited = attempts.findIndex((r) => r.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    const ok = attempts.filter((r) => r.status < 300 && JSON.stringify(r.body.embeds).includes(number));
    expect(ok).toHaveLength(1);
    expect(ok[0]!.at - attempts[limited]!.at).toBeGreaterThanOrEqual(900);
  });

  it('HTTP interactions: PING answered, a bad signature gets 401', async () => {
    const url = `${app.url}/discord/interactions`;
    const ping = await discord.signedInteractionRequest(url, { id: '1', type: 1, token: 'x', application_id: APP_ID, version: 1 });
    expect(ping.status).toBe(200);
    expect(await ping.json()).toEqual({ type: 1 });
    const bad = await discord.signedInteractionRequest(url, { id: '2', type: 1, token: 'x', application_id: APP_ID, version: 1 }, { badSignature: true });
    expect(bad.status).toBe(401);
  });

  it('refuses a member of another department (ephemeral) and changes nothing; a duplicate interaction is handled once', async () => {
    const { number } = await openTicket();
    const id = (await cardIn(CH.technical!, number)).response.id as string;
    const i = click(USERS.alice!, CH.technical!, id, 'claim');
    const refusal = await callback(i.id);
    expect(refusal.type).toBe(4);
    expect(Number(refusal.data!.flags) & 64).toBe(64);
    expect(String(refusal.data!.content)).toMatch(/another department/);
    expect(await ownerOf(number)).toBeNull();

    // The same interaction delivered twice: escalated once.
    const esc = click(USERS.dave!, CH.technical!, id, 'escalate');
    discord.dispatch('INTERACTION_CREATE', esc.payload);
    await waitFor(async () => (await eventCount(number, 'ticket.escalated')) === 1, 10_000);
    const claim = click(USERS.dave!, CH.technical!, id, 'claim');
    await callback(claim.id);
    await waitFor(async () => (await ownerOf(number)) === 'dave', 10_000);
    expect((await eventCount(number, 'ticket.escalated')) + (await eventCount(number, 'escalation.retriggered'))).toBe(1);
  });

  it('/aftercare find shows the card; an unknown user is refused', async () => {
    const { number } = await openTicket();
    await cardIn(CH.technical!, number);
    const cmd = discord.runCommand({ guildId: GUILD, channelId: CH.technical!, userId: USERS.dave!, name: 'aftercare', subcommand: 'find', options: { number } });
    expect((await callback(cmd.id)).type).toBe(5);
    const edit = await discord.waitForRequest((r) => r.interactionId === cmd.id && r.method === 'PATCH', 10_000);
    expect(JSON.stringify(edit.body.embeds)).toContain(number);
    const help = discord.runCommand({ guildId: GUILD, channelId: CH.technical!, userId: USERS.bob!, name: 'aftercare', subcommand: 'help' });
    const helpAnswer = await callback(help.id);
    expect(helpAnswer.type).toBe(4);
    expect(String(helpAnswer.data!.content)).toContain('**/aftercare** 命令');
    const stranger = discord.addUser({ username: 'stranger' });
    const refused = discord.runCommand({ guildId: GUILD, channelId: CH.technical!, userId: stranger.id, name: 'aftercare', subcommand: 'queue' });
    const answer = await callback(refused.id);
    expect(answer.type).toBe(4);
    expect(String(answer.data!.content)).toMatch(/not set up as Aftercare staff/);
  });

  it('/aftercare stats answers with the department’s figures in the member’s language; agents only their own department', async () => {
    const { number } = await openTicket();
    await cardIn(CH.technical!, number);
    const ask = async (user: string, options: Record<string, string>) => {
      const cmd = discord.runCommand({ guildId: GUILD, channelId: CH.technical!, userId: user, name: 'aftercare', subcommand: 'stats', options });
      const first = await callback(cmd.id);
      // Refusals are answered at once (type 4); figures after a deferral (type 5), in the edited message.
      if (first.type === 4) return String(first.data!.content);
      expect(first.type).toBe(5);
      const edit = await discord.waitForRequest((r) => r.interactionId === cmd.id && r.method === 'PATCH', 10_000);
      return String(edit.body.content);
    };
    const en = await ask(USERS.dave!, { period: 'week' });
    expect(en).toContain('Department: Technical department');
    expect(en).toMatch(/Tickets: [1-9]\d* new/);
    // Options in any order: the department given before the period.
    const zh = await ask(USERS.erin!, { department: 'technical', period: 'month' });
    expect(zh).toContain('部门：技术部');
    expect(await ask(USERS.dave!, { department: 'logistics' })).toContain('own department');
  });

  it('npm run discord:register registers /aftercare for a server and prints it', async () => {
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn('npx', ['tsx', 'src/cli/discord-register.ts'], {
        env: { ...process.env, DISCORD_BOT_TOKEN: discord.token, DISCORD_APPLICATION_ID: APP_ID, DISCORD_API_URL: discord.apiRoot, DISCORD_GUILD_ID: GUILD },
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`registered /aftercare \\(\\d+\\) — server ${GUILD}`));
    expect(discord.registeredCommands(GUILD).map((c) => c.name)).toEqual(['aftercare']);
  });
});
