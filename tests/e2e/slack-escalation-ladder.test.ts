import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AftercareConfig } from '../../src/core/types.js';
import type { FakeSlack} from '../../src/emulators/slack.js';
import { SlackSender, type SlackCall } from '../../src/emulators/slack.js';
import { ticketBody, type TestApp } from '../helpers/app.js';
import { longClocks, withChatIds } from '../helpers/config.js';
import { startSlackWorkspace, type SlackWorkspace } from '../helpers/slack-org.js';
import { waitFor } from '../helpers/wait.js';

/** A ladder that climbs from level 1 after 1 s without acknowledgement, so a level-up happens within the test, then waits. */
const SECRET = 'ladder-signing-secret';
const ESCALATION_CHANNEL = 'C0LADDER';
const USERS: Record<string, string> = { erin: 'U0ERIN', carol: 'U0CAROL', judy: 'U0JUDY', dave: 'U0DAVE' };

function ladderConfig(): AftercareConfig {
  const c = withChatIds(longClocks(1), 'slack', { channels: {}, users: USERS, escalation: ESCALATION_CHANNEL });
  const chains = { ...c.escalation.chains, default: c.escalation.chains.default!.map((l, i) => (i === 0 ? l : { ...l, ackTimeoutMs: 600_000 })) };
  return { ...c, escalation: { ...c.escalation, chains } };
}

let slack: FakeSlack;
let app: TestApp;
let send: SlackSender;
let workspace: SlackWorkspace | undefined;

beforeAll(async () => {
  workspace = await startSlackWorkspace({ secret: SECRET, config: ladderConfig(), defaultChannel: 'C0ALL' });
  ({ slack, app, send } = workspace);
});
afterAll(async () => {
  await workspace?.stop();
});

const blocksOf = (c: SlackCall) => JSON.stringify(c.args.blocks ?? '');

describe('Slack escalation ladder', () => {
  it('the escalation post is edited when the ladder climbs a level and again when acknowledged; each level DMs its supervisors', async () => {
    const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ severity: 'critical', description: 'The printer is broken and the production line is down' }) });
    const { number } = (await res.json()) as { number: string };
    const post = await slack.waitForCall('chat.postMessage', (c) => c.args.channel === ESCALATION_CHANNEL && blocksOf(c).includes(number), 10_000);
    const ts = String((post.response as { ts: string }).ts);
    expect(blocksOf(post)).toContain('level 1');
    // Level 1: the technical supervisor.
    await slack.waitForCall('conversations.open', (c) => c.args.users === USERS.erin, 10_000);

    // Nobody acknowledges within 1 s: level 2 (the customer-service supervisors), the same post edited.
    await slack.waitForCall('chat.update', (c) => c.args.ts === ts && blocksOf(c).includes('level 2'), 15_000);
    await slack.waitForCall('conversations.open', (c) => c.args.users === USERS.carol, 10_000);
    const posts = slack.calls('chat.postMessage').filter((c) => c.args.channel === ESCALATION_CHANNEL && blocksOf(c).includes(number));
    expect(posts).toHaveLength(1);

    // Carol acknowledges from the post: it loses its button and names her.
    const latest = slack.message(ESCALATION_CHANNEL, ts)!.latest;
    const ack = (latest.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'ac:acknowledge')!;
    const since = slack.mark();
    await send.blockAction({ userId: USERS.carol!, actionId: ack.action_id, value: ack.value, channel: ESCALATION_CHANNEL, messageTs: ts, triggerId: SlackSender.triggerId() });
    const done = await slack.waitForCall('chat.update', (c) => c.args.ts === ts && blocksOf(c).includes('Acknowledged by Carol Li'), 10_000, since);
    expect(blocksOf(done)).not.toContain('ac:acknowledge');
    const rows = await app.database.sql<{ status: string; level: number; acknowledged_by: string }[]>`
      select e.status, e.level, e.acknowledged_by from escalations e join tickets t on t.id = e.ticket_id where t.number = ${number}`;
    expect(rows).toEqual([{ status: 'acknowledged', level: 2, acknowledged_by: 'carol' }]);
    // Erin's DM from level 1 is edited too, in her language (zh-CN), without the button.
    const erinDm = slack.dmChannel(USERS.erin!);
    const dm = await slack.waitForCall('chat.update', (c) => c.args.channel === erinDm && blocksOf(c).includes('Carol Li 已确认接手'), 10_000, since);
    expect(blocksOf(dm)).not.toContain('ac:acknowledge');
    // The acknowledgement reaches the card's thread; the card stays the only top-level message in the channel.
    const entry = await slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0ALL' && blocksOf(c).includes('Carol Li acknowledged the escalation'), 10_000, since);
    expect(entry.args.thread_ts).toBeDefined();
    const inChannel = slack.calls('chat.postMessage').filter((c) => c.args.channel === 'C0ALL');
    expect(inChannel.filter((c) => !c.args.thread_ts)).toHaveLength(1);
  });

  it('a supervisor pinged at level 2, outside the ticket department, reassigns it from the escalation post', async () => {
    const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ severity: 'critical', description: 'The printer is broken and the production line is down' }) });
    const { number } = (await res.json()) as { number: string };
    const post = await slack.waitForCall('chat.postMessage', (c) => c.args.channel === ESCALATION_CHANNEL && blocksOf(c).includes(number), 10_000);
    const ts = String((post.response as { ts: string }).ts);
    await slack.waitForCall('chat.update', (c) => c.args.ts === ts && blocksOf(c).includes('level 2'), 15_000);

    const latest = slack.message(ESCALATION_CHANNEL, ts)!.latest;
    const reassign = (latest.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'ac:reassign')!;
    expect(reassign).toBeDefined();
    const triggerId = SlackSender.triggerId();
    const since = slack.mark();
    await send.blockAction({ userId: USERS.carol!, actionId: reassign.action_id, value: reassign.value, channel: ESCALATION_CHANNEL, messageTs: ts, triggerId });
    const opened = await slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId, 10_000, since);
    const view = (opened.response as { view: { id: string; callback_id: string; private_metadata: string; blocks: unknown[] } }).view;
    expect(JSON.stringify(view.blocks)).toContain('"dave"');
    const submitted = await send.viewSubmission({
      userId: USERS.carol!,
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      viewId: view.id,
      values: { assignee: { value: { type: 'static_select', selected_option: { value: 'dave' } } } },
    });
    expect(submitted.status).toBe(200);
    // The submission is acknowledged first and worked after.
    await waitFor(async () => {
      const [row] = await app.database.sql<{ owner_id: string | null }[]>`select owner_id from tickets where number = ${number}`;
      return row?.owner_id === 'dave' || undefined;
    }, 10_000, 'the ticket reassigned to dave');
  });
});
