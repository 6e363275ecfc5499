import { describe, expect, it } from 'vitest';
import type { DeliveryResult, OutboundMessage } from '../../../src/app/chat-gateway.js';
import type { UseCaseDeps } from '../../../src/app/deps.js';
import type { ChatMessageStore, PostedMessage, TicketDetail, TicketStore } from '../../../src/app/ports.js';
import { coveredByFirstMessage, StaffGateway, type Place, type Rendered, type StaffSurface } from '../../../src/app/staff-gateway.js';
import type { TimelineEntry } from '../../../src/app/desk/timeline.js';
import type { CardButton } from '../../../src/app/desk/card.js';
import { directory, eventMaker, NOW, state } from '../../helpers/ticket-fixtures.js';
import { noJobs } from '../../helpers/no-jobs.js';

/** Posted messages kept in memory, like the Postgres store. */
class MemoryMessages implements ChatMessageStore {
  readonly rows = new Map<string, PostedMessage>();
  get(platform: string, key: string) {
    return Promise.resolve(this.rows.get(`${platform}|${key}`));
  }
  save(platform: string, _ticket: string | null, m: Omit<PostedMessage, 'timelineSeq'> & { timelineSeq?: number }) {
    const old = this.rows.get(`${platform}|${m.key}`);
    this.rows.set(`${platform}|${m.key}`, { ...m, timelineSeq: m.timelineSeq ?? old?.timelineSeq ?? 0 });
    return Promise.resolve();
  }
  setTimelineSeq(platform: string, key: string, seq: number) {
    const row = this.rows.get(`${platform}|${key}`);
    if (row) row.timelineSeq = Math.max(row.timelineSeq, seq);
    return Promise.resolve();
  }
  withPrefix(platform: string, prefix: string) {
    return Promise.resolve([...this.rows.entries()].filter(([k]) => k.startsWith(`${platform}|${prefix}`)).map(([, v]) => v));
  }
}

class TransientError extends Error {}

/** A platform that records what was posted, holds two entries a message, and can fail the n-th post. */
class RecordingSurface implements StaffSurface {
  readonly platform = 'slack' as const;
  posts: { place: Place; message: Rendered }[] = [];
  updates: { id: string; message: Rendered }[] = [];
  failPost: number[] = [];
  private seq = 0;
  lanes() {
    return [{ key: 'post', max: 1, perMs: 1000 }];
  }
  editLanes() {
    return [{ key: 'edit', max: 50, perMs: 60_000 }];
  }
  dm(user: string) {
    return Promise.resolve(`D${user}`);
  }
  post(place: Place, message: Rendered) {
    this.seq++;
    if (this.failPost.includes(this.seq)) return Promise.reject(new TransientError('503'));
    this.posts.push({ place, message });
    return Promise.resolve({ channel: place.channel, id: `m${this.seq}` });
  }
  update(_channel: string, id: string, message: Rendered) {
    this.updates.push({ id, message });
    return Promise.resolve();
  }
  thread(card: PostedMessage) {
    return Promise.resolve({ channel: card.channel, thread: card.messageId, threadId: card.messageId });
  }
  isGone() {
    return false;
  }
  classify(err: unknown): DeliveryResult {
    return { status: err instanceof TransientError ? 'retry' : 'failed', error: String(err) };
  }
  readonly render = {
    card: () => 'card',
    timeline: (entries: TimelineEntry[], buttons: CardButton[] = []) => {
      const out: string[][] = [];
      for (let i = 0; i < entries.length; i += 2) out.push(entries.slice(i, i + 2).map((e) => [e.headline, e.quote].filter(Boolean).join(' ')));
      if (buttons.length) out.at(-1)!.push(...buttons.map((b) => `[${b.action}]`));
      return out;
    },
    sheet: () => 'sheet',
    task: () => 'task',
    escalation: () => 'escalation',
    notice: (text: string) => text,
  };
}

const ev = eventMaker('slack');
const DAVE = { kind: 'staff' as const, staffId: 'dave' };
const CUSTOMER = { kind: 'customer' as const, customerId: 'c1' };

function detail(events: ReturnType<typeof ev>[]): TicketDetail {
  return { ...state(), events, surveys: [], chainHead: { count: events.length, lastHash: null } };
}

function gateway(surface: RecordingSurface, messages: MemoryMessages, current: () => TicketDetail): StaffGateway {
  const store = { get: () => Promise.resolve(current()) } as unknown as TicketStore;
  const deps: UseCaseDeps = { store, directory, now: () => NOW, newId: () => 'x', ...noJobs() };
  return new StaffGateway({ surface, deps, messages, botKey: 'bot', defaultChannel: 'C1' });
}

const update = (id: number): OutboundMessage => ({ id, ticketId: 't', destination: 'department:technical', kind: 'ticket.card_update', payload: { number: 'AC-000001' }, attempt: 1 });

describe('coveredByFirstMessage', () => {
  it('finds how many entries the first message holds', () => {
    const entries = [1, 2, 3, 4, 5].map((seq) => ({ seq, headline: `e${seq}` }));
    const threeEach = (e: TimelineEntry[]) => Array.from({ length: Math.ceil(e.length / 3) }, () => 'm');
    expect(coveredByFirstMessage(entries, threeEach)).toBe(3);
    expect(coveredByFirstMessage(entries.slice(0, 2), threeEach)).toBe(2);
    expect(coveredByFirstMessage(entries, (e) => e.map(() => 'm'))).toBe(1);
  });
});

describe('StaffGateway timeline', () => {
  it('posts the card once, then edits it; the thread gets each entry once even when a post fails half-way', async () => {
    const surface = new RecordingSurface();
    const messages = new MemoryMessages();
    let events = [ev(1, 'ticket.created', {})];
    const g = gateway(surface, messages, () => detail(events));

    expect((await g.deliver({ ...update(1), kind: 'ticket.card' })).status).toBe('delivered');
    expect(surface.posts.map((p) => p.message)).toEqual(['card']);

    // Five entries: messages of two; the second thread post fails (a 503), so the row is retried.
    events = [
      ...events,
      ev(2, 'ticket.claimed', {}, DAVE),
      ev(3, 'ticket.replied', { text: 'a' }, DAVE),
      ev(4, 'ticket.replied', { text: 'b' }, DAVE),
      ev(5, 'ticket.replied', { text: 'c' }, DAVE),
      ev(6, 'ticket.replied', { text: 'd' }, DAVE),
    ];
    surface.failPost = [3];
    const first = await g.deliver(update(2));
    expect(first.status).toBe('retry');
    const retried = await g.deliver(update(2));
    expect(retried.status).toBe('delivered');

    const thread = surface.posts.filter((p) => p.place.thread === 'm1').map((p) => p.message);
    expect(thread.flat()).toEqual([
      'Dave Zhang claimed the ticket',
      'Dave Zhang replied to the customer: a',
      'Dave Zhang replied to the customer: b',
      'Dave Zhang replied to the customer: c',
      'Dave Zhang replied to the customer: d',
    ]);
    expect(thread).toHaveLength(3);
    // The card was edited in place on each delivery, never posted again.
    expect(surface.posts.filter((p) => p.message === 'card')).toHaveLength(1);
    expect(surface.updates.map((u) => u.id)).toEqual(['m1', 'm1']);
    expect((await messages.get('slack', `card:${state().ticket.id}:technical`))?.timelineSeq).toBe(6);
  });
});

describe('StaffGateway customer messages in the card thread', () => {
  const said = (id: number, text: string): OutboundMessage => ({
    id,
    ticketId: 't',
    destination: 'department:technical',
    kind: 'customer.message',
    payload: { number: 'AC-000001', text, attachments: [] },
    attempt: 1,
  });

  it('posts a customer message as its thread entry with Reply, the pending entries with it; rows it took along need no lane and post nothing', async () => {
    const surface = new RecordingSurface();
    const messages = new MemoryMessages();
    let events = [ev(1, 'ticket.created', {})];
    const g = gateway(surface, messages, () => detail(events));
    await g.deliver({ ...update(1), kind: 'ticket.card' });
    events = [...events, ev(2, 'ticket.claimed', {}, DAVE), ev(3, 'customer.message', { text: 'one' }, CUSTOMER), ev(4, 'customer.message', { text: 'two' }, CUSTOMER)];

    // The first row needs the channel's post lane and posts everything pending in one go.
    expect(await g.lanes('department:technical', 'customer.message', said(2, 'one'))).toEqual([{ key: 'post', max: 1, perMs: 1000 }]);
    expect((await g.deliver(said(2, 'one'))).status).toBe('delivered');
    const thread = () => surface.posts.filter((p) => p.place.thread === 'm1').map((p) => p.message);
    expect(thread()).toEqual([['Dave Zhang claimed the ticket', 'Customer wrote: one'], ['Customer wrote: two', '[reply]']]);

    // The second message went out with the first: no lane, nothing posted, still delivered.
    expect(await g.lanes('department:technical', 'customer.message', said(3, 'two'))).toEqual([]);
    expect((await g.deliver(said(3, 'two'))).status).toBe('delivered');
    expect(thread()).toHaveLength(2);

    // A card refresh with nothing new for the thread needs only the edit lane.
    expect(await g.lanes('department:technical', 'ticket.card_update', update(4))).toEqual([{ key: 'edit', max: 50, perMs: 60_000 }]);
    events = [...events, ev(5, 'customer.message', { text: 'two' }, CUSTOMER)];
    // The same words again are a new message: posted, and a refresh would now need both lanes.
    expect(await g.lanes('department:technical', 'customer.message', said(5, 'two'))).toHaveLength(1);
    expect(await g.lanes('department:technical', 'ticket.card_update', update(6))).toHaveLength(2);
    await g.deliver(said(5, 'two'));
    expect(thread().at(-1)).toEqual(['Customer wrote: two', '[reply]']);
    expect((await messages.get('slack', `card:${state().ticket.id}:technical`))?.timelineSeq).toBe(5);
  });

  it('without a card in the channel, a customer message is a notice there', async () => {
    const surface = new RecordingSurface();
    const g = gateway(surface, new MemoryMessages(), () => detail([ev(1, 'customer.message', { text: 'hello' }, CUSTOMER)]));
    expect(await g.lanes('department:technical', 'customer.message', said(1, 'hello'))).toHaveLength(1);
    expect((await g.deliver(said(1, 'hello'))).status).toBe('delivered');
    expect(surface.posts).toHaveLength(1);
    expect(surface.posts[0]!.place.thread).toBeUndefined();
  });
});
