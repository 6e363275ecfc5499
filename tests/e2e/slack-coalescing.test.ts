import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerAct } from '../../src/app/customer-actions.js';
import type { FakeSlack } from '../../src/emulators/slack.js';
import { ticketBody, type TestApp } from '../helpers/app.js';
import { startSlackWorkspace, type SlackWorkspace } from '../helpers/slack-org.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Card refreshes of one ticket pile up while Slack refuses everything (429); once it
 * accepts again they collapse into one, after the customer's messages, and nothing a
 * person reads is lost: every message is in the card's thread once, as its timeline entry,
 * in the order they were written.
 */

let slack: FakeSlack;
let app: TestApp;
let workspace: SlackWorkspace | undefined;

beforeAll(async () => {
  workspace = await startSlackWorkspace({ secret: 'slack-signing-secret-for-tests', webhook: true });
  ({ slack, app } = workspace);
});
afterAll(async () => {
  await workspace?.stop();
});

const text = (blocks: unknown, plain: string) => `${plain} ${JSON.stringify(blocks ?? '')}`;

describe('coalescing card refreshes', { timeout: 90_000 }, () => {
  it('never drops a thread entry or a customer message, and collapses the pile of card refreshes', async () => {
    const res = await app.api('/api/tickets', { method: 'POST', json: ticketBody({ product: 'Coalescing printer' }) });
    expect(res.status).toBe(201);
    const { id, number } = (await res.json()) as { id: string; number: string };
    const card = await slack.waitForCall('chat.postMessage', (c) => c.ok && c.args.channel === 'C0TECH' && !c.args.thread_ts && JSON.stringify(c.args.blocks ?? '').includes(number), 10_000);
    const ts = String((card.response as { ts: string }).ts);
    const [{ customer_id: customerId }] = await app.database.sql<[{ customer_id: string }]>`select customer_id from tickets where id = ${id}`;

    // Slack refuses every post and edit for a while: the customer's follow-ups and their card refreshes queue up.
    const refuse = slack.failWhile(({ method }) => method === 'chat.postMessage' || method === 'chat.update', { status: 429, retryAfter: 1 });
    const token = randomBytes(3).toString('hex');
    // Each "!!!" flags the ticket, which changes its card: every follow-up queues a card refresh too.
    const messages = Array.from({ length: 8 }, (_, i) => `follow-up ${i + 1} ${token}: the display still shows E0${i}!!!`);
    for (const m of messages) await customerAct(app.deps, { id }, customerId, 'telegram', { type: 'message', text: m });
    const piled = await app.database.sql<{ n: number }[]>`
      select count(*)::int as n from outbox where ticket_id = ${id} and kind = 'ticket.card_update' and status in ('pending', 'sending')`;
    expect(piled[0]!.n).toBeGreaterThan(1);
    refuse();

    await waitFor(
      async () => {
        const [open] = await app.database.sql<[{ n: number }]>`select count(*)::int as n from outbox where ticket_id = ${id} and status in ('pending', 'sending')`;
        return open.n === 0;
      },
      60_000,
      'the ticket\'s outbox rows to finish',
    );

    const rows = await app.database.sql<{ kind: string; status: string; last_error: string | null }[]>`
      select kind, status, last_error from outbox where ticket_id = ${id} and destination = 'department:technical' order by id`;
    const refreshes = rows.filter((r) => r.kind === 'ticket.card_update');
    const coalesced = refreshes.filter((r) => r.status === 'skipped' && r.last_error?.startsWith('coalesced into row'));
    expect(coalesced.length).toBeGreaterThan(0);
    expect(refreshes.filter((r) => r.status === 'delivered').length).toBeLessThan(refreshes.length);
    // Every customer message row was delivered, none coalesced.
    const notices = rows.filter((r) => r.kind === 'customer.message');
    expect(notices.map((r) => r.status)).toEqual(messages.map(() => 'delivered'));

    // In the card's thread each message shows once, as its timeline entry, in the order written;
    // the posts that carry them end with a Reply button. The pile went out in fewer posts than messages.
    const thread = slack.threadOf('C0TECH', ts).map((m) => text(m.blocks, m.text));
    for (const m of messages) expect(thread.filter((t) => t.includes(m)).length, m).toBe(1);
    const all = thread.join('\n');
    expect(messages.map((m) => all.indexOf(m))).toEqual(messages.map((m) => all.indexOf(m)).sort((a, b) => a - b));
    const carrying = thread.filter((t) => messages.some((m) => t.includes(m)));
    for (const t of carrying) expect(t).toContain('ac:reply');
    expect(carrying.length).toBeLessThan(messages.length);
    // The card itself shows the latest state once the pile is through.
    const latest = slack.message('C0TECH', ts)!.latest;
    expect(JSON.stringify(latest.blocks)).toContain(number);
  });
});
