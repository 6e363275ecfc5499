import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeSlack} from '../../src/emulators/slack.js';
import { SlackSender, type SlackCall } from '../../src/emulators/slack.js';
import { ticketBody, type TestApp } from '../helpers/app.js';
import { USERS, startSlackWorkspace, type SlackWorkspace } from '../helpers/slack-org.js';
import { waitFor } from '../helpers/wait.js';

const SECRET = 'slack-signing-secret-for-lifecycle-tests';

let slack: FakeSlack;
let app: TestApp;
let send: SlackSender;
let workspace: SlackWorkspace | undefined;

beforeAll(async () => {
  workspace = await startSlackWorkspace({ secret: SECRET, webhook: true });
  ({ slack, app, send } = workspace);
});
afterAll(async () => {
  await workspace?.stop();
});

type Blocks = { type: string; elements?: { action_id?: string; value?: string }[] }[];

async function openTicket(overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody(overrides) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { number: string }).number;
}
const act = async (n: string, json: Record<string, unknown>) => {
  const res = await app.api(`/api/tickets/${n}/actions`, { method: 'POST', json });
  expect(res.status, await res.clone().text()).toBe(200);
};
const cardIn = (channel: string, number: string): Promise<SlackCall> =>
  slack.waitForCall('chat.postMessage', (c) => c.args.channel === channel && !c.args.thread_ts && JSON.stringify(c.args.blocks ?? '').includes(number), 10_000);
const tsOf = (call: SlackCall) => String((call.response as { ts: string }).ts);
const latest = (channel: string, ts: string) => slack.message(channel, ts)!.latest;
const actionIds = (blocks: unknown) =>
  (blocks as Blocks).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []).map((e) => e.action_id ?? '');
async function click(user: string, channel: string, ts: string, actionId: string): Promise<string> {
  const b = (latest(channel, ts).blocks as Blocks).filter((x) => x.type === 'actions').flatMap((x) => x.elements ?? []).find((e) => e.action_id === actionId);
  if (!b) throw new Error(`no ${actionId} button`);
  const triggerId = SlackSender.triggerId();
  const res = await send.blockAction({ userId: user, actionId, value: b.value ?? '', channel, messageTs: ts, triggerId });
  expect(res.status).toBe(200);
  return triggerId;
}
async function status(n: string): Promise<{ status: string; category: string }> {
  const [row] = await app.database.sql<{ status: string; category: string }[]>`select status, category from tickets where number = ${n}`;
  return row!;
}
const selectValue = (value: string) => ({ value: { type: 'static_select', selected_option: { value } } });

describe('Slack: status rules, Close and re-routing', () => {
  it('a new card has no Resolve button; a resolved card has Close, which closes the ticket and edits the card', async () => {
    const n = await openTicket();
    const ts = tsOf(await cardIn('C0TECH', n));
    expect(actionIds(latest('C0TECH', ts).blocks)).not.toContain('ac:resolve');
    expect(actionIds(latest('C0TECH', ts).blocks)).toContain('ac:claim');
    await act(n, { type: 'claim', actor: 'dave' });
    await act(n, { type: 'reply', actor: 'dave', text: 'On it' });
    await act(n, { type: 'resolve', actor: 'dave', measures: 'Replaced the board', advice: 'Keep firmware updated' });
    await waitFor(() => actionIds(latest('C0TECH', ts).blocks).includes('ac:close'), 10_000, 'Close button');
    expect(actionIds(latest('C0TECH', ts).blocks)).not.toContain('ac:reply');
    await click(USERS.dave!, 'C0TECH', ts, 'ac:close');
    await waitFor(async () => (await status(n)).status === 'closed', 10_000, 'closed');
    await waitFor(() => !actionIds(latest('C0TECH', ts).blocks).includes('ac:close'), 10_000, 'card without Close');
    await waitFor(() => slack.threadOf('C0TECH', ts).some((m) => JSON.stringify(m.blocks).includes('Ticket closed — closed by Dave Zhang')), 10_000, 'timeline entry');
  });

  it('correcting a fault to a complaint from the card posts the card to the supervisors and updates the technical card', async () => {
    const n = await openTicket();
    const ts = tsOf(await cardIn('C0TECH', n));
    const triggerId = await click(USERS.dave!, 'C0TECH', ts, 'ac:reclassify');
    const call = await slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId, 5000);
    const view = (call.response as { view: { id: string; callback_id: string; private_metadata: string } }).view;
    await send.viewSubmission({ userId: USERS.dave!, callbackId: view.callback_id, privateMetadata: view.private_metadata, values: { category: selectValue('complaint') }, viewId: view.id });
    await waitFor(async () => (await status(n)).category === 'complaint', 10_000, 'reclassified');
    const sup = await cardIn('C0SUP', n);
    expect(JSON.stringify(sup.args.blocks)).toContain('Complaint');
    await waitFor(() => JSON.stringify(latest('C0TECH', ts).blocks).includes('Complaint'), 10_000, 'technical card updated');
  });

  it('a department the ticket moved away from keeps its card, which says where the ticket went', async () => {
    const n = await openTicket({ category: 'inquiry', description: 'How do I change the paper size on my printer?' });
    const ts = tsOf(await cardIn('C0CS', n));
    await act(n, { type: 'claim', actor: 'alice' });
    await act(n, { type: 'reclassify', actor: 'alice', category: 'fault' });
    await cardIn('C0TECH', n);
    await waitFor(() => JSON.stringify(latest('C0CS', ts).blocks).includes('Moved after a category correction'), 10_000, 'moved note');
  });
});
