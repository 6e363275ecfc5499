import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escalationTimerId } from '../../src/app/timers.js';
import type { FakeSlack} from '../../src/emulators/slack.js';
import { SlackSender, type SlackCall } from '../../src/emulators/slack.js';
import type { FakeWebhookPlatform } from '../fakes/fake-webhook-platform.js';
import { ticketBody, type TestApp } from '../helpers/app.js';
import { DEFAULT_CHANNEL, ESCALATION_CHANNEL, USERS, startSlackWorkspace, type SlackWorkspace } from '../helpers/slack-org.js';
import { waitFor } from '../helpers/wait.js';

const SECRET = 'slack-signing-secret-for-tests';

let slack: FakeSlack;
let app: TestApp;
let send: SlackSender;
let hook: FakeWebhookPlatform;
let workspace: SlackWorkspace | undefined;

beforeAll(async () => {
  workspace = await startSlackWorkspace({ secret: SECRET, webhook: true });
  ({ slack, app, send } = workspace);
  hook = workspace.hook!;
});
afterAll(async () => {
  await workspace?.stop();
});

type Blocks = { type: string; text?: { type: string; text: string }; elements?: { action_id?: string; value?: string; text?: { text: string } }[]; fields?: { text: string }[] }[];

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

function buttons(blocks: unknown): { action_id: string; value: string; label: string }[] {
  return (blocks as Blocks)
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .map((e) => ({ action_id: e.action_id ?? '', value: e.value ?? '', label: e.text?.text ?? '' }));
}

function button(blocks: unknown, actionId: string): { action_id: string; value: string } {
  const b = buttons(blocks).find((x) => x.action_id === actionId);
  if (!b) throw new Error(`no ${actionId} button in ${JSON.stringify(blocks)}`);
  return b;
}

/** The latest version of a message. */
function latest(channel: string, ts: string): { text: string; blocks?: unknown } {
  const m = slack.message(channel, ts);
  if (!m) throw new Error(`no message ${channel}/${ts}`);
  return m.latest;
}

async function click(user: string, channel: string, ts: string, actionId: string): Promise<{ triggerId: string }> {
  const b = button(latest(channel, ts).blocks, actionId);
  const triggerId = SlackSender.triggerId();
  const res = await send.blockAction({ userId: user, actionId, value: b.value, channel, messageTs: ts, triggerId });
  expect(res.status).toBe(200);
  return { triggerId };
}

/** Clicks a button that opens a modal and returns the modal as views.open received it. */
async function openModal(user: string, channel: string, ts: string, actionId: string): Promise<{ id: string; callback_id: string; private_metadata: string; blocks: unknown[] }> {
  const since = slack.mark();
  const { triggerId } = await click(user, channel, ts, actionId);
  const call = await slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId, 20_000, since);
  return (call.response as { view: { id: string; callback_id: string; private_metadata: string; blocks: unknown[] } }).view;
}

type Values = Record<string, Record<string, Record<string, unknown>>>;
const textValue = (value: string) => ({ value: { type: 'plain_text_input', value } });
const selectValue = (value: string) => ({ value: { type: 'static_select', selected_option: { value } } });

async function submit(user: string, view: { id: string; callback_id: string; private_metadata: string }, values: Values) {
  return send.viewSubmission({ userId: user, callbackId: view.callback_id, privateMetadata: view.private_metadata, values, viewId: view.id });
}

async function ticket(number: string): Promise<{ status: string; owner_id: string | null; category: string; severity: string }> {
  const rows = await app.database.sql<{ status: string; owner_id: string | null; category: string; severity: string }[]>`
    select status, owner_id, category, severity from tickets where number = ${number}`;
  return rows[0]!;
}

async function eventCount(number: string, type: string): Promise<number> {
  const rows = await app.database.sql<{ n: number }[]>`
    select count(*)::int as n from ticket_events e join tickets t on t.id = e.ticket_id where t.number = ${number} and e.type = ${type}`;
  return rows[0]!.n;
}

/** Claims `number` for Dave through the API and waits for the card to offer Resolve. */
async function claimed(number: string, ts: string): Promise<void> {
  expect((await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json: { type: 'claim', actor: 'dave' } })).status).toBe(200);
  await waitFor(() => buttons(latest('C0TECH', ts).blocks).some((b) => b.action_id === 'ac:resolve'), 10_000, 'Resolve button after the claim');
}

describe('Slack staff workspace', () => {
  it('posts a fault card in the technical channel with every field, masked contact and the buttons', async () => {
    const { number } = await openTicket();
    const card = await cardIn('C0TECH', number);
    const json = JSON.stringify(card.args.blocks);
    for (const text of [number, 'Li Lei', 'Model X printer', 'SO-2026-0001', 'Fault', 'Normal', 'Unclaimed', 'New', 'due in']) expect(json).toContain(text);
    expect(json).toContain('+86 138 **** 8000');
    expect(json).not.toContain('0013');
    expect(buttons(card.args.blocks).map((b) => b.action_id)).toEqual(
      expect.arrayContaining(['ac:claim', 'ac:reply', 'ac:progress', 'ac:involve', 'ac:escalate', 'ac:reassign', 'ac:reveal']),
    );
    // Nobody has claimed or answered a new ticket yet: it cannot be resolved.
    expect(buttons(card.args.blocks).map((b) => b.action_id)).not.toContain('ac:resolve');
  });

  it('sends a complaint card to two channels: the responsible department and the supervisors', async () => {
    const { number } = await openTicket({ description: 'I complain: the courier delivery was late again and nobody called me', category: 'complaint' });
    await cardIn('C0LOG', number);
    await cardIn('C0SUP', number);
  });

  it('falls back to SLACK_DEFAULT_CHANNEL for a department without a channel', async () => {
    const { number } = await openTicket({ category: 'suggestion', description: 'Suggestion: please add a dark mode to the app' });
    await cardIn(DEFAULT_CHANNEL, number);
  });

  it('claim edits the card in place (chat.update on the same ts), never re-posts it', async () => {
    const { number } = await openTicket();
    const card = await cardIn('C0TECH', number);
    const ts = tsOf(card);
    const since = slack.mark();
    await click(USERS.dave!, 'C0TECH', ts, 'ac:claim');
    await slack.waitForCall('chat.update', (c) => c.args.ts === ts && JSON.stringify(c.args.blocks).includes('Dave Zhang'), 10_000, since);
    expect((await ticket(number)).owner_id).toBe('dave');
    const reposts = slack.calls('chat.postMessage').filter((c) => c.args.channel === 'C0TECH' && !c.args.thread_ts && JSON.stringify(c.args.blocks ?? '').includes(number));
    expect(reposts).toHaveLength(1);
    expect(buttons(latest('C0TECH', ts).blocks).map((b) => b.action_id)).not.toContain('ac:claim');
    // The thread under the card is the timeline.
    await waitFor(() => slack.threadOf('C0TECH', ts).some((m) => JSON.stringify(m.blocks).includes('claimed the ticket')), 10_000);
  });

  it('reply modal → the customer gets the reply; the thread shows it', async () => {
    const { number } = await openTicket();
    const ts = tsOf(await cardIn('C0TECH', number));
    const view = await openModal(USERS.dave!, 'C0TECH', ts, 'ac:reply');
    expect(view.callback_id).toBe('ac:reply');
    const res = await submit(USERS.dave!, view, { text: textValue('We are sending a replacement part today.') });
    expect(res.status).toBe(200);
    await hook.until(() => hook.delivered.some((m) => m.kind === 'customer.reply' && m.payload.number === number));
    const reply = hook.delivered.find((m) => m.kind === 'customer.reply' && m.payload.number === number)!;
    expect(reply.payload.text).toBe('We are sending a replacement part today.');
    await waitFor(() => slack.threadOf('C0TECH', ts).some((m) => JSON.stringify(m.blocks).includes('replacement part')), 10_000);
    expect((await ticket(number)).status).toBe('in_progress');
  });

  it('a modal submitted without the required text gets a field error and changes nothing', async () => {
    const { number } = await openTicket();
    const ts = tsOf(await cardIn('C0TECH', number));
    await claimed(number, ts);
    const view = await openModal(USERS.dave!, 'C0TECH', ts, 'ac:resolve');
    const res = await submit(USERS.dave!, view, { measures: textValue('Replaced the board') });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ response_action: 'errors', errors: { advice: expect.any(String) } });
    expect((await ticket(number)).status).toBe('assigned');
  });

  it('modal text is cleaned: control characters stripped before relaying, invisible-only counts as missing', async () => {
    const { number } = await openTicket();
    const ts = tsOf(await cardIn('C0TECH', number));
    await click(USERS.dave!, 'C0TECH', ts, 'ac:claim');
    // A claimed card offers Resolve (a new one does not).
    await slack.waitForCall('chat.update', (c) => c.args.ts === ts && JSON.stringify(c.args.blocks).includes('ac:resolve'), 20_000);
    const resolve = await openModal(USERS.dave!, 'C0TECH', ts, 'ac:resolve');
    const refused = await submit(USERS.dave!, resolve, { measures: textValue('Replaced the board'), advice: textValue('\u200B\u2060 \uFEFF') });
    expect(refused.body).toMatchObject({ response_action: 'errors', errors: { advice: expect.any(String) } });
    expect((await ticket(number)).status).toBe('assigned');
    const reply = await openModal(USERS.dave!, 'C0TECH', ts, 'ac:reply');
    const res = await submit(USERS.dave!, reply, { text: textValue('A technician\u0000 comes\u001b[2J tomorrow.\r\nThanks') });
    expect(res.status).toBe(200);
    await hook.until(() => hook.delivered.some((m) => m.kind === 'customer.reply' && m.payload.number === number));
    expect(hook.delivered.find((m) => m.kind === 'customer.reply' && m.payload.number === number)!.payload.text).toBe('A technician comes[2J tomorrow.\nThanks');
  });

  it('involve logistics → a task card with Claim/Done in the logistics channel and the coordination sheet in the thread', async () => {
    const { number } = await openTicket();
    const ts = tsOf(await cardIn('C0TECH', number));
    await click(USERS.dave!, 'C0TECH', ts, 'ac:claim');
    const view = await openModal(USERS.dave!, 'C0TECH', ts, 'ac:involve');
    await submit(USERS.dave!, view, { department: selectValue('logistics'), role: selectValue('explain_compensate'), note: textValue('Ship a spare unit') });
    const task = await slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0LOG' && JSON.stringify(c.args.blocks ?? '').includes(number) && JSON.stringify(c.args.blocks).includes('ac:taskClaim'), 10_000);
    expect(buttons(task.args.blocks).map((b) => b.action_id)).toEqual(['ac:taskClaim', 'ac:taskDone']);
    const sheet = await slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0TECH' && c.args.thread_ts === ts && JSON.stringify(c.args.blocks).includes('Coordination sheet'), 10_000);
    expect(JSON.stringify(sheet.args.blocks)).toContain('Explain and compensate');

    // Heidi (logistics) takes the task: its card and the sheet are edited in place.
    const taskTs = tsOf(task);
    const since = slack.mark();
    await click(USERS.heidi!, 'C0LOG', taskTs, 'ac:taskClaim');
    await slack.waitForCall('chat.update', (c) => c.args.ts === taskTs && JSON.stringify(c.args.blocks).includes('Heidi Sun'), 10_000, since);
    await slack.waitForCall('chat.update', (c) => c.args.ts === tsOf(sheet) && JSON.stringify(c.args.blocks).includes('Heidi Sun'), 10_000, since);
    await click(USERS.heidi!, 'C0LOG', taskTs, 'ac:taskDone');
    await slack.waitForCall('chat.update', (c) => c.args.ts === tsOf(sheet) && JSON.stringify(c.args.blocks).includes('done'), 10_000, since);
    // Logistics follows the ticket on its task card: it gets no ticket card of its own (rows of a
    // channel are delivered in order, and the task's later edits have arrived).
    await slack.waitForCall('chat.update', (c) => c.args.ts === taskTs && !JSON.stringify(c.args.blocks).includes('ac:taskDone'), 10_000, since);
    expect(slack.calls('chat.postMessage').filter((c) => c.args.channel === 'C0LOG' && JSON.stringify(c.args.blocks ?? '').includes(number) && JSON.stringify(c.args.blocks).includes('ac:reply'))).toHaveLength(0);
  });

  it('resolve with diagnosis fields → result notice and survey to the customer, card shows Resolved', async () => {
    const { number } = await openTicket();
    const ts = tsOf(await cardIn('C0TECH', number));
    await claimed(number, ts);
    const view = await openModal(USERS.dave!, 'C0TECH', ts, 'ac:resolve');
    await submit(USERS.dave!, view, {
      measures: textValue('Replaced the main board'),
      advice: textValue('Keep the firmware up to date'),
      cause: textValue('Power surge'),
      time_needed: textValue('2 hours'),
      estimated_cost: textValue('0 (warranty)'),
    });
    await hook.until(() => hook.delivered.some((m) => m.kind === 'customer.result_notice' && m.payload.number === number));
    await hook.until(() => hook.delivered.some((m) => m.kind === 'customer.survey' && m.payload.number === number));
    await waitFor(() => JSON.stringify(latest('C0TECH', ts).blocks).includes('Resolved'), 10_000);
    expect(await eventCount(number, 'ticket.diagnosed')).toBe(1);
    expect((await ticket(number)).status).toBe('resolved');
  });

  it('escalation: DM to the supervisor and a post in the escalation channel; Acknowledge stops the ladder and updates the post', async () => {
    const { id, number } = await openTicket({ severity: 'critical', description: 'The printer is broken and the production line is down' });
    const post = await slack.waitForCall('chat.postMessage', (c) => c.args.channel === ESCALATION_CHANNEL && JSON.stringify(c.args.blocks).includes(number), 10_000);
    await slack.waitForCall('conversations.open', (c) => c.args.users === USERS.erin, 10_000);
    const dm = await slack.waitForCall('chat.postMessage', (c) => c.args.channel === slack.dmChannel(USERS.erin!) && JSON.stringify(c.args.blocks ?? '').includes(number), 10_000);
    expect(buttons(dm.args.blocks).map((b) => b.action_id)).toContain('ac:acknowledge');

    const postTs = tsOf(post);
    const since = slack.mark();
    await click(USERS.erin!, ESCALATION_CHANNEL, postTs, 'ac:acknowledge');
    await slack.waitForCall('chat.update', (c) => c.args.ts === postTs && JSON.stringify(c.args.blocks).includes('Acknowledged by'), 10_000, since);
    expect(buttons(latest(ESCALATION_CHANNEL, postTs).blocks)).toHaveLength(0);
    const rows = await app.database.sql<{ id: string; status: string; next_step_at: string | null; acknowledged_by: string }[]>`
      select id, status, next_step_at, acknowledged_by from escalations where ticket_id = ${id}`;
    expect(rows).toEqual([{ id: expect.any(String), status: 'acknowledged', next_step_at: null, acknowledged_by: 'erin' }]);
    // The ladder's next step (level 1 timing out) is gone from the queue.
    await waitFor(async () => (await app.jobs.queues.timers.getJob(escalationTimerId(rows[0]!.id, 1, id))) === undefined, 20_000);
  });

  it('a retried Events API delivery (X-Slack-Retry-Num) is handled once', async () => {
    const since = slack.mark();
    const event = { type: 'app_home_opened', user: USERS.dave, channel: 'D0DAVE', tab: 'home', event_ts: '1700000000.000100' };
    const first = await send.event(event, { eventId: 'Ev0RETRY1' });
    expect(first.status).toBe(200);
    await slack.waitForCall('views.publish', (c) => c.args.user_id === USERS.dave, 20_000, since);
    const retry = await send.event(event, { eventId: 'Ev0RETRY1', retryNum: 1, retryReason: 'http_timeout' });
    expect(retry.status).toBe(200);
    // A different event afterwards proves the app kept working, and lets us count.
    await send.event({ ...event, user: USERS.erin }, { eventId: 'Ev0RETRY2' });
    await slack.waitForCall('views.publish', (c) => c.args.user_id === USERS.erin, 20_000, since);
    expect(slack.calls('views.publish').filter((c) => c.args.user_id === USERS.dave)).toHaveLength(1);
  });

  it('the same button press delivered twice escalates once', async () => {
    const { number } = await openTicket();
    const ts = tsOf(await cardIn('C0TECH', number));
    const b = button(latest('C0TECH', ts).blocks, 'ac:escalate');
    const action = { userId: USERS.dave!, actionId: 'ac:escalate', value: b.value, channel: 'C0TECH', messageTs: ts, triggerId: SlackSender.triggerId() };
    const payload = await send.blockAction(action);
    expect(payload.status).toBe(200);
    const again = await send.raw(new URLSearchParams({ payload: JSON.stringify(payload.sent) }).toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-retry-num': '1' });
    expect(again.status).toBe(200);
    await waitFor(async () => (await eventCount(number, 'ticket.escalated')) === 1, 10_000);
    // Nothing else is queued for that press: a later, different action is the next thing that happens.
    await click(USERS.dave!, 'C0TECH', ts, 'ac:claim');
    await waitFor(async () => (await eventCount(number, 'ticket.claimed')) === 1, 10_000);
    expect(await eventCount(number, 'ticket.escalated') + (await eventCount(number, 'escalation.retriggered'))).toBe(1);
  });

  it('answers Slack\'s url_verification challenge (saving the Request URL in the app settings)', async () => {
    const res = await send.raw(JSON.stringify({ token: 'x', challenge: 'ch4ll3nge-value', type: 'url_verification' }), { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ challenge: 'ch4ll3nge-value' });
  });

  it('rejects a request with a wrong signature with 401 and does nothing', async () => {
    const res = await send.event({ type: 'app_home_opened', user: USERS.dave, tab: 'home' }, { eventId: 'Ev0BADSIG', badSignature: true });
    expect(res.status).toBe(401);
    const click401 = await send.blockAction({ userId: USERS.dave!, actionId: 'ac:claim', value: 'AC-000001', channel: 'C0TECH', messageTs: '1.1', badSignature: true });
    expect(click401.status).toBe(401);
  });

  it('refuses a user from another department with an ephemeral message; nothing changes', async () => {
    const { number } = await openTicket();
    const ts = tsOf(await cardIn('C0TECH', number));
    const since = slack.mark();
    await click(USERS.alice!, 'C0TECH', ts, 'ac:claim');
    const eph = await slack.waitForCall('chat.postEphemeral', (c) => c.args.user === USERS.alice, 20_000, since);
    expect(String(eph.args.text)).toMatch(/another department/);
    expect((await ticket(number)).owner_id).toBeNull();
    // An unknown Slack user is refused too, and no modal opens.
    await click('U0STRANGER', 'C0TECH', ts, 'ac:reply');
    const eph2 = await slack.waitForCall('chat.postEphemeral', (c) => c.args.user === 'U0STRANGER', 20_000, since);
    expect(String(eph2.args.text)).toMatch(/not set up as Aftercare staff/);
    expect(slack.calls('views.open').filter((c) => c.at >= since && c.args.trigger_id && c.args.user === 'U0STRANGER')).toHaveLength(0);
  });

  it('customer text shows literally: no <!channel>, mention or link, *bold* stays plain text', async () => {
    const { number } = await openTicket({ category: 'fault', description: 'Hey <!channel> and <@U0DAVE> look *bold* <https://evil.example|click> & more' });
    const card = await cardIn('C0TECH', number);
    const json = JSON.stringify(card.args);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<@U0DAVE>');
    expect(json).not.toContain('<https://evil.example');
    const description = (card.args.blocks as Blocks).find((b) => b.type === 'section' && b.text?.text.includes('bold'))!;
    expect(description.text).toEqual({ type: 'plain_text', text: 'Hey &lt;!channel&gt; and &lt;@U0DAVE&gt; look *bold* &lt;https://evil.example|click&gt; &amp; more', emoji: true });
  });

  it('truncates a long description and offers "View full" in a modal', async () => {
    const long = `The printer fails. ${'Error E02 then E03 keeps coming back. '.repeat(120)}END-OF-TEXT`;
    const { number } = await openTicket({ description: long });
    const card = await cardIn('C0TECH', number);
    const texts = (card.args.blocks as Blocks).map((b) => b.text?.text ?? '');
    expect(texts.every((t) => t.length <= 3000)).toBe(true);
    expect(JSON.stringify(card.args.blocks)).not.toContain('END-OF-TEXT');
    const view = await openModal(USERS.dave!, 'C0TECH', tsOf(card), 'ac:viewFull');
    expect(JSON.stringify(view.blocks)).toContain('END-OF-TEXT');
  });

  it('Reveal contact shows the unmasked phone to staff of the ticket and records it', async () => {
    const { number } = await openTicket();
    const ts = tsOf(await cardIn('C0TECH', number));
    const since = slack.mark();
    await click(USERS.dave!, 'C0TECH', ts, 'ac:reveal');
    const eph = await slack.waitForCall('chat.postEphemeral', (c) => c.args.user === USERS.dave, 20_000, since);
    expect(String(eph.args.text)).toContain('+86 138 0013 8000');
    expect(await eventCount(number, 'customer.contact_revealed')).toBe(1);
  });

  it('corrects category and severity from the card, recorded against the suggestion', async () => {
    const { number } = await openTicket();
    const ts = tsOf(await cardIn('C0TECH', number));
    const view = await openModal(USERS.dave!, 'C0TECH', ts, 'ac:reclassify');
    await submit(USERS.dave!, view, { category: selectValue('fault'), severity: selectValue('urgent') });
    await waitFor(async () => (await ticket(number)).severity === 'urgent', 10_000);
    await waitFor(() => JSON.stringify(latest('C0TECH', ts).blocks).includes('Urgent'), 10_000);
    expect(await eventCount(number, 'ticket.reclassified')).toBe(1);
  });

  it('the overdue prompt asks for a reason and a new ETA, relayed to the customer', async () => {
    const { number } = await openTicket();
    const ts = tsOf(await cardIn('C0TECH', number));
    const view = await openModal(USERS.dave!, 'C0TECH', ts, 'ac:delay');
    const eta = Math.floor(Date.now() / 1000) + 86_400;
    await submit(USERS.dave!, view, { reason: textValue('Waiting for the spare part from the factory'), eta: { value: { type: 'datetimepicker', selected_date_time: eta } } });
    await hook.until(() => hook.delivered.some((m) => m.kind === 'customer.overdue' && m.payload.number === number));
    const msg = hook.delivered.find((m) => m.kind === 'customer.overdue' && m.payload.number === number)!;
    expect(msg.payload.reason).toBe('Waiting for the spare part from the factory');
    expect(msg.payload.eta).toBe(new Date(eta * 1000).toISOString());
  });

  it('honours 429 Retry-After: the card arrives after the wait, exactly once', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const { number } = await openTicket({ product: 'Rate-limited printer' });
    const card = await cardIn('C0TECH', number);
    const failed = slack.calls('chat.postMessage').filter((c) => c.status === 429);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(card.at - failed.at(-1)!.at).toBeGreaterThanOrEqual(900);
    const posted = slack.calls('chat.postMessage').filter((c) => c.ok && c.args.channel === 'C0TECH' && !c.args.thread_ts && JSON.stringify(c.args.blocks ?? '').includes(number));
    expect(posted).toHaveLength(1);
  });

  it('/aftercare find, queue, mine and help answer ephemerally; new opens a modal that creates a ticket', async () => {
    const { number } = await openTicket();
    await cardIn('C0TECH', number);
    let since = slack.mark();
    await send.command({ userId: USERS.dave!, command: '/aftercare', text: `find ${number}`, channelId: 'C0TECH' });
    let eph = await slack.waitForCall('chat.postEphemeral', (c) => c.args.user === USERS.dave, 20_000, since);
    expect(JSON.stringify(eph.args.blocks)).toContain(number);

    since = slack.mark();
    await send.command({ userId: USERS.dave!, command: '/aftercare', text: 'queue', channelId: 'C0TECH' });
    eph = await slack.waitForCall('chat.postEphemeral', (c) => c.args.user === USERS.dave, 20_000, since);
    expect(String(eph.args.text)).toContain(number);

    since = slack.mark();
    await send.command({ userId: USERS.dave!, command: '/aftercare', text: 'help', channelId: 'C0TECH' });
    eph = await slack.waitForCall('chat.postEphemeral', (c) => c.args.user === USERS.dave, 20_000, since);
    expect(String(eph.args.text)).toContain('find AC-000123');

    since = slack.mark();
    const triggerId = SlackSender.triggerId();
    await send.command({ userId: USERS.alice!, command: '/aftercare', text: 'new', channelId: 'C0CS', triggerId });
    const open = await slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId, 20_000, since);
    const view = (open.response as { view: { id: string; callback_id: string; private_metadata: string } }).view;
    await submit(USERS.alice!, view, {
      name: textValue('Walk-in Wang'),
      contact: textValue('13900001111'),
      product: textValue('Model Y scanner'),
      description: textValue('Scanner makes a grinding noise'),
    });
    const done = await slack.waitForCall('chat.postEphemeral', (c) => c.args.user === USERS.alice && /AC-\d{6}/.test(String(c.args.text)), 10_000, since);
    const created = /AC-\d{6}/.exec(String(done.args.text))![0];
    const rows = await app.database.sql<{ source: string }[]>`select source from tickets where number = ${created}`;
    expect(rows[0]!.source).toBe('slack');
  });

  it('/aftercare stats: the department’s headline figures in the staff member’s language; agents only their own department', async () => {
    const { number } = await openTicket();
    await cardIn('C0TECH', number);
    expect((await app.api(`/api/tickets/${number}/actions`, { method: 'POST', json: { type: 'reply', actor: 'dave', text: 'On it' } })).status).toBe(200);
    const ask = async (user: string, text: string) => {
      const since = slack.mark();
      await send.command({ userId: user, command: '/aftercare', text, channelId: 'C0TECH' });
      return String((await slack.waitForCall('chat.postEphemeral', (c) => c.args.user === user, 20_000, since)).args.text);
    };
    const en = await ask(USERS.dave!, 'stats week');
    expect(en).toContain('Department: Technical department');
    expect(en).toMatch(/Tickets: [1-9]\d* new/);
    expect(en).toMatch(/First response: median \d/);
    const zh = await ask(USERS.erin!, 'stats month technical');
    expect(zh).toContain('部门：技术部');
    expect(zh).toMatch(/工单：新建 [1-9]/);
    expect(await ask(USERS.dave!, 'stats week logistics')).toContain('own department');
    expect(await ask(USERS.erin!, 'stats')).toContain('部门：所有部门');
  });

  it('erasing the customer redraws the live card with the tombstone: no name, contact or description left', async () => {
    const person = { name: 'Bartholomew Quill', phone: '+1 415 555 0199', language: 'en' };
    const { number } = await openTicket({ customer: person, category: 'fault', description: 'The scanner in the back office jams on every glossy page.', orderNumber: 'SO-QUILL-9' });
    const card = await cardIn('C0TECH', number);
    const ts = tsOf(card);
    expect(JSON.stringify(card.args.blocks)).toContain('Bartholomew Quill');
    const detail = (await (await app.api(`/api/tickets/${number}`)).json()) as { customer: { id: string } };
    const res = await app.api(`/api/customers/${detail.customer.id}/erase`, { method: 'POST', json: { actor: 'carol', reason: 'asked by phone', force: true } });
    expect(res.status).toBe(200);
    await waitFor(() => JSON.stringify(latest('C0TECH', ts).blocks).includes('erased customer'), 10_000, 'the tombstone on the card');
    const json = JSON.stringify(latest('C0TECH', ts).blocks);
    for (const gone of ['Bartholomew', 'Quill', '0199', 'glossy page', 'SO-QUILL-9']) expect(json).not.toContain(gone);
    expect(json).toContain('erased at the customer');
  });

  it('speaks Chinese to a zh-CN staff member', async () => {
    const { number } = await openTicket();
    const ts = tsOf(await cardIn('C0TECH', number));
    const since = slack.mark();
    await click(USERS.bob!, 'C0TECH', ts, 'ac:claim');
    const eph = await slack.waitForCall('chat.postEphemeral', (c) => c.args.user === USERS.bob, 20_000, since);
    expect(String(eph.args.text)).toContain('其他部门');
  });
});
