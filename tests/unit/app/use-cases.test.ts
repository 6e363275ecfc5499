/**
 * The staff and customer rules of the use cases, on the in-memory store with a fixed clock
 * and counted ids: the same deps src/start-app.ts builds, without Postgres or Redis.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { actOnTicket, type ActionContext, type TicketCommand } from '../../../src/app/act-on-ticket.js';
import { createTicket } from '../../../src/app/create-ticket.js';
import { customerAct } from '../../../src/app/customer-actions.js';
import type { UseCaseDeps } from '../../../src/app/deps.js';
import { handleTimer } from '../../../src/app/handle-timer.js';
import { MemoryTicketStore } from '../../../src/app/memory-ticket-store.js';
import { timelineEntries } from '../../../src/app/desk/timeline.js';
import type { TicketState } from '../../../src/app/ports.js';
import { verifyChain } from '../../../src/core/audit.js';
import { Directory } from '../../../src/core/directory.js';
import { exampleConfig } from '../../helpers/config.js';
import { noJobs } from '../../helpers/no-jobs.js';
import { routerFault } from '../../helpers/ticket-fixtures.js';

const config = exampleConfig();
const START = new Date('2027-03-01T02:00:00Z');

let now: Date;
let store: MemoryTicketStore;
let deps: UseCaseDeps;

beforeEach(() => {
  now = START;
  let n = 0;
  store = new MemoryTicketStore(() => now);
  deps = {
    store,
    directory: new Directory(config),
    now: () => now,
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    ...noJobs(),
  };
});

const input = routerFault;

const staff = (actorId: string): ActionContext => ({ actorId, source: 'slack' });
const act = (t: TicketState, who: string, command: TicketCommand) => actOnTicket(deps, t.ticket.number, staff(who), command);
const newTicket = async () => (await createTicket(deps, input)).state;
const resolve: TicketCommand = { type: 'resolve', measures: 'replaced the power supply', advice: 'keep it ventilated' };

/** The ticket's events in order, without the SLA clock bookkeeping (`sla.clock_started`, …). */
async function events(t: TicketState) {
  const d = await store.get(t.ticket.number);
  return d!.events.filter((e) => !e.type.startsWith('sla.clock_'));
}
const eventTypes = async (t: TicketState) => (await events(t)).map((e) => e.type);

async function resolvedTicket(): Promise<TicketState> {
  const t = await newTicket();
  await act(t, 'dave', { type: 'claim' });
  return act(t, 'dave', resolve);
}

describe('createTicket on the in-memory store', () => {
  it('opens a routed ticket with its clocks, events and outbox rows', async () => {
    const t = await newTicket();
    expect(t.ticket).toMatchObject({ number: 'AC-000001', status: 'new', category: 'fault', primaryDepartmentId: 'technical', createdAt: START });
    expect(t.clocks.first_response?.status).toBe('running');
    expect(await eventTypes(t)).toEqual(['ticket.created', 'ticket.classification_suggested']);
    expect(store.outbox().map((o) => [o.destination, o.kind])).toEqual([
      [`customer:${t.customer.id}`, 'customer.acknowledgement'],
      ['department:technical', 'ticket.card'],
    ]);
    expect((await newTicket()).ticket.number).toBe('AC-000002');
  });

  it('replays a request with the same idempotency key', async () => {
    const key = { key: 'k1', requestHash: 'h1' };
    const first = await createTicket(deps, input, key);
    const again = await createTicket(deps, input, key);
    expect(again.replayed).toBe(true);
    expect(again.state.ticket.id).toBe(first.state.ticket.id);
    await expect(createTicket(deps, input, { key: 'k1', requestHash: 'h2' })).rejects.toMatchObject({ code: 'idempotency_conflict' });
  });
});

describe('actOnTicket rules', () => {
  it('a claimed ticket cannot be claimed again, by its owner or anyone else', async () => {
    const t = await newTicket();
    const claimed = await act(t, 'dave', { type: 'claim' });
    expect(claimed.ticket).toMatchObject({ status: 'assigned', ownerId: 'dave' });
    await expect(act(t, 'dave', { type: 'claim' })).rejects.toMatchObject({ code: 'already_claimed' });
    await expect(act(t, 'erin', { type: 'claim' })).rejects.toMatchObject({ code: 'already_claimed' });
    expect((await eventTypes(t)).filter((e) => e === 'ticket.claimed')).toHaveLength(1);
  });

  it('staff of a department not on the ticket may not act on it', async () => {
    const t = await newTicket();
    await expect(act(t, 'grace', { type: 'claim' })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('an agent may not reassign; a supervisor may', async () => {
    const t = await newTicket();
    await act(t, 'dave', { type: 'claim' });
    await expect(act(t, 'dave', { type: 'reassign', to: 'erin' })).rejects.toMatchObject({ code: 'forbidden' });
    const moved = await act(t, 'erin', { type: 'reassign', to: 'erin', reason: 'taking over' });
    expect(moved.ticket.ownerId).toBe('erin');
    expect(await eventTypes(t)).toContain('ticket.reassigned');
  });

  it('a new ticket cannot be resolved before someone takes it', async () => {
    const t = await newTicket();
    await expect(act(t, 'dave', resolve)).rejects.toMatchObject({ code: 'illegal_transition' });
    const d = await store.get(t.ticket.number);
    expect(d!.ticket).toMatchObject({ status: 'new', version: 1 });
  });

  it('a resolved ticket cannot be escalated', async () => {
    const t = await resolvedTicket();
    expect(t.ticket.status).toBe('resolved');
    await expect(act(t, 'dave', { type: 'escalate', reason: 'still slow' })).rejects.toMatchObject({ code: 'illegal_transition' });
  });

  it('reopening a resolved ticket escalates it to the supervisors', async () => {
    const t = await resolvedTicket();
    const reopened = await act(t, 'dave', { type: 'reopen', reason: 'it broke again' });
    expect(reopened.ticket).toMatchObject({ status: 'reopened', resolvedAt: null });
    expect(reopened.escalations).toHaveLength(1);
    expect(reopened.escalations[0]).toMatchObject({ trigger: 'reopened', status: 'open', level: 1 });
    const types = await eventTypes(t);
    expect(types.slice(-2)).toEqual(['ticket.reopened', 'ticket.escalated']);
    expect(store.outbox().some((o) => o.destination === 'escalation' && o.kind === 'escalation.ping')).toBe(true);
  });

  it('only a supervisor closes an open ticket, and only with a reason', async () => {
    const t = await newTicket();
    await act(t, 'dave', { type: 'claim' });
    await expect(act(t, 'dave', { type: 'close', reason: 'duplicate' })).rejects.toMatchObject({ code: 'illegal_transition' });
    await expect(act(t, 'erin', { type: 'close' })).rejects.toMatchObject({ code: 'validation_failed' });
    const closed = await act(t, 'erin', { type: 'close', reason: 'duplicate of AC-000002' });
    expect(closed.ticket).toMatchObject({ status: 'closed', closedAt: START });
    expect((await events(t)).at(-1)).toMatchObject({ type: 'ticket.closed', data: { reason: 'staff', from: 'assigned', note: 'duplicate of AC-000002' } });
  });

  it('a closed ticket shows in the timeline with who closed it and why', async () => {
    const t = await newTicket();
    await act(t, 'dave', { type: 'claim' });
    await act(t, 'erin', { type: 'close', reason: 'duplicate of AC-000002' });
    const entries = timelineEntries(await events(t), 0, { directory: deps.directory, now, language: 'en' });
    expect(entries.at(-1)).toEqual({ seq: expect.any(Number), headline: 'Ticket closed — closed by 刘尔', quote: 'duplicate of AC-000002' });
    const zh = timelineEntries(await events(t), 0, { directory: deps.directory, now, language: 'zh-CN' });
    expect(zh.at(-1)?.headline).toContain('关闭');
  });

  it('a ticket the customer confirms shows as closed on their word', async () => {
    const t = await resolvedTicket();
    await customerAct(deps, t.ticket.number, t.customer.id, 'telegram', { type: 'confirm', resolved: true });
    const entries = timelineEntries(await events(t), 0, { directory: deps.directory, now, language: 'en' });
    expect(entries.at(-1)?.headline).toContain('the customer confirmed the result');
  });

  it('an agent closes a resolved ticket without a reason', async () => {
    const t = await resolvedTicket();
    expect((await act(t, 'dave', { type: 'close' })).ticket.status).toBe('closed');
  });

  it('keeps a verifying audit chain across the actions', async () => {
    const t = await resolvedTicket();
    await act(t, 'dave', { type: 'reopen' });
    const d = (await store.get(t.ticket.number))!;
    const broken = verifyChain(
      d.events.map((e) => ({ ticketId: d.ticket.id, seq: e.seq, type: e.type, actor: e.actor, platform: e.source, data: e.data, createdAt: e.createdAt, prevHash: e.prevHash, hash: e.hash })),
      d.chainHead,
    );
    expect(broken).toBeNull();
  });
});

describe('customerAct', () => {
  it('the customer confirming a resolved ticket closes it', async () => {
    const t = await resolvedTicket();
    now = new Date(START.getTime() + 3_600_000);
    const closed = await customerAct(deps, t.ticket.number, t.customer.id, 'telegram', { type: 'confirm', resolved: true });
    expect(closed.ticket).toMatchObject({ status: 'closed', closedAt: now });
    expect((await eventTypes(t)).slice(-2)).toEqual(['ticket.confirmed', 'ticket.closed']);
    expect((await events(t)).at(-1)!.data).toEqual({ reason: 'confirmed', from: 'resolved' });
    const d = await store.get(t.ticket.number);
    expect(d!.surveys).toEqual([{ kind: 'confirmation', csat: null, nps: null, answer: 'resolved', comment: null, answeredAt: now }]);
  });

  it('a plain follow-up to an unowned ticket is told in the department thread by its own row, without a card refresh there', async () => {
    const t = await newTicket();
    const dept = `department:${t.ticket.primaryDepartmentId}`;
    const rowsAfter = async (f: () => Promise<unknown>) => {
      const n = store.outbox().length;
      await f();
      return store.outbox().slice(n).map((r) => `${r.destination} ${r.kind}`);
    };
    expect(await rowsAfter(() => customerAct(deps, t.ticket.number, t.customer.id, 'telegram', { type: 'message', text: 'any news?' }))).toEqual([`${dept} customer.message`]);
    // Words that flag the ticket change the card: it is refreshed as well.
    const angry = await rowsAfter(() => customerAct(deps, t.ticket.number, t.customer.id, 'telegram', { type: 'message', text: 'This is a SCAM, I want a refund now!!!' }));
    expect(angry).toContain(`${dept} customer.message`);
    expect(angry).toContain(`${dept} ticket.card_update`);
    // Once someone owns it, the message goes to them and the department's thread gets it through the refresh.
    await act(t, 'dave', { type: 'claim' });
    const owned = await rowsAfter(() => customerAct(deps, t.ticket.number, t.customer.id, 'telegram', { type: 'message', text: 'thanks' }));
    expect(owned).toEqual(['staff:dave customer.message', `${dept} ticket.card_update`]);
  });

  it('a ticket that is not resolved cannot be confirmed, and not by another customer', async () => {
    const t = await newTicket();
    await expect(customerAct(deps, t.ticket.number, t.customer.id, 'telegram', { type: 'confirm', resolved: true })).rejects.toMatchObject({
      code: 'illegal_transition',
    });
    await expect(customerAct(deps, t.ticket.number, 'someone-else', 'telegram', { type: 'confirm', resolved: true })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});

describe('handleTimer', () => {
  it('a timer of a clock version that moved on does nothing', async () => {
    const t = await newTicket();
    const first = t.clocks.first_response!;
    await act(t, 'dave', { type: 'reply', text: 'We are on it.' });
    const before = await store.get(t.ticket.number);
    now = new Date(first.deadline!.getTime() + 1);
    const outcome = await handleTimer(deps, { type: 'sla', ticketId: t.ticket.id, clock: 'first_response', kind: 'breach', version: first.version });
    expect(outcome).toEqual({ outcome: 'stale' });
    expect(await store.get(t.ticket.number)).toEqual(before);
  });

  it('a due timer at the current version fires once', async () => {
    const t = await newTicket();
    const first = t.clocks.first_response!;
    const data = { type: 'sla', ticketId: t.ticket.id, clock: 'first_response', kind: 'breach', version: first.version } as const;
    now = new Date(first.deadline!.getTime() - 1);
    expect(await handleTimer(deps, data)).toEqual({ outcome: 'early', at: first.deadline });
    now = first.deadline!;
    expect(await handleTimer(deps, data)).toEqual({ outcome: 'fired', dueAt: first.deadline });
    expect(await handleTimer(deps, data)).toEqual({ outcome: 'stale' });
    expect((await eventTypes(t)).filter((e) => e === 'sla.breached')).toHaveLength(1);
  });

  it('a timer of an unknown ticket is stale', async () => {
    expect(await handleTimer(deps, { type: 'lifecycle', ticketId: '00000000-0000-4000-8000-ffffffffffff', timer: 'auto_close', version: 1 })).toEqual({
      outcome: 'stale',
    });
  });
});
