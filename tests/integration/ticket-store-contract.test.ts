/**
 * What every TicketStore promises, run against the Postgres store and the in-memory one
 * the use-case unit tests rely on: if the two drift apart, one of these goes red.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTicketStore } from '../../src/app/memory-ticket-store.js';
import type { NewTicketPlan, TicketDetail, TicketFilter, TicketRecord, TicketStore } from '../../src/app/ports.js';
import { verifyChain } from '../../src/core/audit.js';
import type { RoutedDepartment } from '../../src/core/route.js';
import { PgTicketStore } from '../../src/db/ticket-store.js';
import { exampleConfig } from '../helpers/config.js';
import { freshDatabase } from '../helpers/db.js';
import { clock, customer, ticket } from '../helpers/ticket-fixtures.js';

interface Harness {
  store: TicketStore;
  close(): Promise<void>;
}

const config = exampleConfig();
const T0 = new Date('2027-03-01T08:00:00Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

const harnesses: [string, () => Promise<Harness>][] = [
  [
    'PgTicketStore',
    async () => {
      const tdb = await freshDatabase(config);
      return { store: new PgTicketStore(tdb.database.db), close: () => tdb.drop() };
    },
  ],
  ['MemoryTicketStore', () => Promise.resolve({ store: new MemoryTicketStore(() => later(3_600_000)), close: () => Promise.resolve() })],
];

interface PlanOptions {
  ticket?: Partial<Omit<TicketRecord, 'number'>>;
  departments?: RoutedDepartment[];
}

/** A new ticket of the technical department with one running clock, two events and two outbox rows. */
function planner(over: PlanOptions = {}): (number: string) => NewTicketPlan {
  const customerId = randomUUID();
  const id = randomUUID();
  const createdAt = over.ticket?.createdAt ?? T0;
  return (number) => ({
    customerExists: false,
    customer: customer({ id: customerId }),
    // The plan carries no number: the store allocates it.
    ticket: (({ number: _number, ...rest }) => rest)(
      ticket({ id, customerId, severity: 'normal', source: 'api', createdAt, updatedAt: createdAt, ...over.ticket }),
    ),
    departments: over.departments ?? [{ departmentId: 'technical', role: 'primary' }],
    clocks: { first_response: clock({ kind: 'first_response', startedAt: createdAt, segmentStartedAt: createdAt }) },
    escalations: [],
    events: [
      { type: 'ticket.created', actor: { kind: 'api' }, source: 'api', data: { number, category: 'fault', severity: 'normal', tier: 'standard', product: 'Router R1', orderNumber: 'SO-1', departments: [{ departmentId: 'technical', role: 'responsible' }], expectedBy: null } },
      { type: 'ticket.classification_suggested', actor: { kind: 'system' }, source: 'system', data: { category: 'fault', categoryKeywords: [], severity: 'normal', severityKeywords: [], applied: { category: 'suggested', severity: 'suggested' } } },
    ],
    outbox: [
      { destination: `customer:${customerId}`, kind: 'customer.acknowledgement', payload: { number } },
      { destination: 'department:technical', kind: 'ticket.card', payload: { number } },
    ],
  });
}

function chainBreak(d: TicketDetail) {
  return verifyChain(
    d.events.map((e) => ({ ticketId: d.ticket.id, seq: e.seq, type: e.type, actor: e.actor, platform: e.source, data: e.chained ?? e.data, createdAt: e.createdAt, prevHash: e.prevHash, hash: e.hash })),
    d.chainHead,
  );
}

const seq = (number: string) => Number(number.slice(3));

describe.each(harnesses)('TicketStore contract: %s', (_name, open) => {
  let h: Harness;
  let store: TicketStore;
  beforeAll(async () => {
    h = await open();
    store = h.store;
  });
  afterAll(async () => {
    await h.close();
  });

  const detail = async (number: string) => {
    const d = await store.get(number);
    expect(d).toBeDefined();
    return d!;
  };

  it('creates a ticket that get() returns with its events, clocks and a verifying audit chain', async () => {
    const created = await store.create(planner());
    expect(created.replayed).toBe(false);
    expect(created.state.ticket.number).toMatch(/^AC-\d{6}$/);
    expect(created.outbox.map((o) => o.destination)).toEqual([`customer:${created.state.customer.id}`, 'department:technical']);
    expect(created.outbox[1]!.id).toBeGreaterThan(created.outbox[0]!.id);

    const d = await detail(created.state.ticket.number);
    expect(d.ticket).toEqual(created.state.ticket);
    expect(d.customer).toEqual(created.state.customer);
    expect(d.departments).toEqual([{ departmentId: 'technical', role: 'primary' }]);
    expect(d.clocks.first_response).toEqual(created.state.clocks.first_response);
    expect(d.tasks).toEqual([]);
    expect(d.surveys).toEqual([]);
    expect(d.events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'ticket.created'],
      [2, 'ticket.classification_suggested'],
    ]);
    expect(d.events[0]!.createdAt).toBe(T0.toISOString());
    expect(d.chainHead).toEqual({ count: 2, lastHash: d.events[1]!.hash });
    expect(chainBreak(d)).toBeNull();
    expect(await store.get('AC-999999')).toBeUndefined();
  });

  it('numbers tickets one after another', async () => {
    const a = await store.create(planner());
    const b = await store.create(planner());
    expect(seq(b.state.ticket.number)).toBe(seq(a.state.ticket.number) + 1);
  });

  it('replays a repeated idempotency key and refuses the key with a different request', async () => {
    const key = `key-${randomUUID()}`;
    const first = await store.create(planner(), { key, requestHash: 'h1' });
    const again = await store.create(planner(), { key, requestHash: 'h1' });
    expect(again.replayed).toBe(true);
    expect(again.outbox).toEqual([]);
    expect(again.state.ticket).toEqual(first.state.ticket);
    await expect(store.create(planner(), { key, requestHash: 'h2' })).rejects.toMatchObject({ code: 'idempotency_conflict' });
    // Neither the replay nor the conflict made a ticket: the next one follows the first directly.
    const next = await store.create(planner());
    expect(seq(next.state.ticket.number)).toBe(seq(first.state.ticket.number) + 1);
  });

  it('mutate commits the change, its events and outbox rows together, and the chain still verifies', async () => {
    const created = await store.create(planner());
    const number = created.state.ticket.number;
    const at = later(60_000);
    const taskId = randomUUID();
    const escalationId = randomUUID();
    const out = await store.mutate(number, (s) => {
      expect(s.ticket.version).toBe(1);
      return {
        ticket: { status: 'assigned', ownerId: 'dave', updatedAt: at },
        addDepartments: [
          { departmentId: 'technical', role: 'responsible' },
          { departmentId: 'customer-service', role: 'involved' },
        ],
        clocks: { first_response: { ...s.clocks.first_response!, status: 'stopped', stoppedAt: at, segmentStartedAt: null, version: 2 } },
        lifecycle: { waiting_reminder: { kind: 'waiting_reminder', status: 'running', startedAt: at, deadline: later(86_400_000), firedAt: null, stoppedAt: null, version: 1 } },
        tasks: [
          { id: taskId, ticketId: s.ticket.id, departmentId: 'customer-service', role: 'calm_customer', note: 'call them', status: 'open', ownerId: null, outcome: null, createdBy: 'dave', createdAt: at, updatedAt: at },
        ],
        escalations: [
          {
            id: escalationId, ticketId: s.ticket.id, departmentId: 'technical', trigger: 'manual', reason: 'stuck', level: 1, status: 'open',
            notified: ['erin'], nextStepAt: later(120_000), acknowledgedBy: null, acknowledgedAt: null, createdAt: at, updatedAt: at,
          },
        ],
        surveys: [{ kind: 'satisfaction', csat: 5 }],
        events: [{ type: 'ticket.claimed', actor: { kind: 'staff', staffId: 'dave' }, source: 'slack', data: { owner: 'dave', department: 'technical' } }],
        outbox: [{ destination: 'staff:dave', kind: 'staff.assigned', payload: { number } }],
        result: 'done',
      };
    });
    expect(out.result).toBe('done');
    expect(out.outbox).toHaveLength(1);
    expect(out.outbox[0]!.destination).toBe('staff:dave');
    expect(out.outbox[0]!.id).toBeGreaterThan(created.outbox.at(-1)!.id);
    expect(out.state.ticket).toMatchObject({ status: 'assigned', ownerId: 'dave', version: 2, updatedAt: at });

    const d = await detail(number);
    expect(d.ticket).toEqual(out.state.ticket);
    expect(d.departments).toEqual([
      { departmentId: 'technical', role: 'responsible' },
      { departmentId: 'customer-service', role: 'involved' },
    ]);
    expect(d.clocks.first_response).toMatchObject({ status: 'stopped', stoppedAt: at, version: 2 });
    expect(d.lifecycle?.waiting_reminder).toMatchObject({ status: 'running', startedAt: at, version: 1 });
    expect(d.tasks.map((t) => [t.id, t.status])).toEqual([[taskId, 'open']]);
    expect(d.escalations.map((e) => [e.id, e.level, e.notified])).toEqual([[escalationId, 1, ['erin']]]);
    expect(d.surveys).toEqual([{ kind: 'satisfaction', csat: 5, nps: null, answer: null, comment: null, answeredAt: at }]);
    expect(d.events.map((e) => e.type)).toEqual(['ticket.created', 'ticket.classification_suggested', 'ticket.claimed']);
    expect(d.events[2]).toMatchObject({ seq: 3, source: 'slack', actor: { kind: 'staff', staffId: 'dave' }, createdAt: at.toISOString(), prevHash: d.events[1]!.hash });
    expect(chainBreak(d)).toBeNull();

    // Tasks and escalations are updated by id; the survey answers merge.
    const at2 = later(90_000);
    await store.mutate({ id: created.state.ticket.id }, (s) => ({
      ticket: { updatedAt: at2 },
      tasks: [{ ...s.tasks[0]!, status: 'done', ownerId: 'alice', outcome: 'calmed', updatedAt: at2 }],
      escalations: [{ ...s.escalations[0]!, status: 'acknowledged', acknowledgedBy: 'erin', acknowledgedAt: at2, nextStepAt: null, updatedAt: at2 }],
      surveys: [{ kind: 'satisfaction', nps: 9 }],
      events: [],
      result: null,
    }));
    const d2 = await detail(number);
    expect(d2.ticket.version).toBe(3);
    expect(d2.tasks).toHaveLength(1);
    expect(d2.tasks[0]).toMatchObject({ status: 'done', ownerId: 'alice', outcome: 'calmed' });
    expect(d2.escalations).toHaveLength(1);
    expect(d2.escalations[0]).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'erin', nextStepAt: null });
    expect(d2.surveys).toEqual([{ kind: 'satisfaction', csat: 5, nps: 9, answer: null, comment: null, answeredAt: at2 }]);
    expect(d2.events).toHaveLength(3);
    expect(chainBreak(d2)).toBeNull();
  });

  it('a change with only events appends them without bumping the version', async () => {
    const { state } = await store.create(planner());
    await store.mutate(state.ticket.number, () => ({ events: [{ type: 'ticket.flagged', actor: { kind: 'system' }, source: 'system', data: { reasons: ['n1'] } }], result: null }));
    const d = await detail(state.ticket.number);
    expect(d.ticket.version).toBe(1);
    expect(d.events.map((e) => e.type)).toEqual(['ticket.created', 'ticket.classification_suggested', 'ticket.flagged']);
    expect(chainBreak(d)).toBeNull();
  });

  it('a decision that throws changes nothing', async () => {
    const { state } = await store.create(planner());
    const before = await detail(state.ticket.number);
    await expect(
      store.mutate(state.ticket.number, () => {
        throw Object.assign(new Error('no'), { code: 'forbidden' });
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect(await detail(state.ticket.number)).toEqual(before);
    await expect(store.mutate('AC-999999', () => ({ events: [], result: null }))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('two mutations of one ticket at once run one after the other', async () => {
    const { state } = await store.create(planner());
    const seen: number[] = [];
    const bump = (n: number) =>
      store.mutate(state.ticket.number, (s) => {
        seen.push(s.ticket.version);
        return {
          ticket: { flagged: n === 1, updatedAt: later(n * 1000) },
          events: [{ type: 'ticket.flagged', actor: { kind: 'system' }, source: 'system', data: { reasons: [`n${n}`] } }],
          result: s.ticket.version,
        };
      });
    const [a, b] = await Promise.all([bump(1), bump(2)]);
    // Each decision saw the other's commit or none: never the same version twice.
    expect([a.result, b.result].sort()).toEqual([1, 2]);
    expect(seen.sort()).toEqual([1, 2]);
    const d = await detail(state.ticket.number);
    expect(d.ticket.version).toBe(3);
    expect(d.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    const order = d.events.slice(2).map((e) => (e.data.reasons as string[])[0]);
    expect(order.sort()).toEqual(['n1', 'n2']);
    expect(chainBreak(d)).toBeNull();
  });

  it('states handed out are copies: changing one does not change the store', async () => {
    const { state } = await store.create(planner());
    state.ticket.status = 'closed';
    state.departments.push({ departmentId: 'sales', role: 'involved' });
    const d = await detail(state.ticket.number);
    expect(d.ticket.status).toBe('new');
    expect(d.departments).toHaveLength(1);
  });

  describe('list', () => {
    // Newer than every other ticket of this file, so they come first in the list.
    const base = new Date('2040-01-01T00:00:00Z');
    const ids: Record<string, string> = {};
    const mine = (states: { ticket: { id: string } }[]) => states.map((s) => s.ticket.id).filter((id) => Object.values(ids).includes(id));
    const names = (states: { ticket: { id: string } }[]) => mine(states).map((id) => Object.keys(ids).find((k) => ids[k] === id));

    beforeAll(async () => {
      const specs: [string, PlanOptions][] = [
        ['a', { ticket: { createdAt: new Date(base.getTime() + 1000) } }],
        ['b', { ticket: { createdAt: new Date(base.getTime() + 2000), status: 'assigned', ownerId: 'dave', severity: 'urgent' } }],
        ['c', { ticket: { createdAt: new Date(base.getTime() + 3000), status: 'resolved', ownerId: 'dave' } }],
        [
          'd',
          {
            ticket: { createdAt: new Date(base.getTime() + 4000), severity: 'critical', primaryDepartmentId: 'customer-service' },
            departments: [
              { departmentId: 'customer-service', role: 'primary' },
              { departmentId: 'logistics', role: 'involved' },
            ],
          },
        ],
      ];
      for (const [name, over] of specs) ids[name] = (await store.create(planner(over))).state.ticket.id;
    });

    const query = (f: Omit<TicketFilter, 'limit'>) => store.list({ limit: 100, ...f });

    it('returns the newest first', async () => {
      expect(names(await query({}))).toEqual(['d', 'c', 'b', 'a']);
    });

    it('filters by status, severity, owner, department and openness', async () => {
      const status = await query({ status: 'assigned' });
      expect(status.every((s) => s.ticket.status === 'assigned')).toBe(true);
      expect(names(status)).toEqual(['b']);

      const severity = await query({ severity: 'critical' });
      expect(severity.every((s) => s.ticket.severity === 'critical')).toBe(true);
      expect(names(severity)).toEqual(['d']);

      const owner = await query({ ownerId: 'dave' });
      expect(owner.every((s) => s.ticket.ownerId === 'dave')).toBe(true);
      expect(names(owner)).toEqual(['c', 'b']);

      // Any department on the ticket counts, not only the primary one.
      const logistics = await query({ departmentId: 'logistics' });
      expect(logistics.every((s) => s.departments.some((d) => d.departmentId === 'logistics'))).toBe(true);
      expect(names(logistics)).toEqual(['d']);

      const open = await query({ open: true });
      expect(open.every((s) => s.ticket.status !== 'resolved' && s.ticket.status !== 'closed')).toBe(true);
      expect(names(open)).toEqual(['d', 'b', 'a']);

      expect(names(await query({ ownerId: 'dave', open: true }))).toEqual(['b']);
    });

    it('pages with a cursor of (createdAt, id), newest first', async () => {
      const page1 = await store.list({ limit: 2 });
      expect(names(page1)).toEqual(['d', 'c']);
      const last = page1.at(-1)!.ticket;
      const page2 = await store.list({ limit: 2, cursor: { createdAt: last.createdAt, id: last.id } });
      expect(names(page2)).toEqual(['b', 'a']);
    });

    it('breaks a tie of createdAt by id, descending', async () => {
      const at = new Date(base.getTime() + 10_000);
      const x = (await store.create(planner({ ticket: { createdAt: at } }))).state.ticket.id;
      const y = (await store.create(planner({ ticket: { createdAt: at } }))).state.ticket.id;
      const [hi, lo] = x > y ? [x, y] : [y, x];
      const page = await store.list({ limit: 2 });
      expect(page.map((s) => s.ticket.id)).toEqual([hi, lo]);
      const next = await store.list({ limit: 1, cursor: { createdAt: at, id: hi } });
      expect(next.map((s) => s.ticket.id)).toEqual([lo]);
    });
  });

  it('keeps the report facts in step with the events of each change, and leaves them alone when a decision throws', async () => {
    const created = await store.create(planner({ ticket: { source: 'telegram', category: 'complaint' } }));
    const id = created.state.ticket.id;
    const f0 = await store.factsOf(id);
    expect(f0).toMatchObject({ ticketId: id, number: created.state.ticket.number, channel: 'telegram', complaint: true, departmentId: 'technical', firstResponseAt: null });
    const claimAt = later(10 * 60_000);
    await store.mutate({ id }, () => ({
      ticket: { status: 'assigned', ownerId: 'dave', updatedAt: claimAt },
      events: [
        { type: 'ticket.claimed', actor: { kind: 'staff', staffId: 'dave' }, source: 'slack', data: { owner: 'dave', department: 'technical' } },
        { type: 'ticket.status_changed', actor: { kind: 'staff', staffId: 'dave' }, source: 'slack', data: { from: 'new', to: 'assigned', action: 'claim' } },
      ],
      result: null,
    }));
    const replyAt = later(30 * 60_000);
    await store.mutate({ id }, () => ({
      ticket: { status: 'resolved', updatedAt: replyAt },
      events: [
        { type: 'ticket.replied', actor: { kind: 'staff', staffId: 'dave' }, source: 'slack', data: { text: 'fixed', staff: 'dave' } },
        { type: 'ticket.status_changed', actor: { kind: 'staff', staffId: 'dave' }, source: 'slack', data: { from: 'assigned', to: 'resolved', action: 'resolve' } },
        { type: 'ticket.resolved', actor: { kind: 'staff', staffId: 'dave' }, source: 'slack', data: { measures: 'fixed', advice: 'none' } },
      ],
      result: null,
    }));
    await expect(store.mutate({ id }, () => { throw new Error('no'); })).rejects.toThrow('no');
    const f = await store.factsOf(id);
    expect(f).toMatchObject({
      ownerId: 'dave',
      status: 'resolved',
      firstClaimedAt: claimAt,
      timeToClaimS: 600,
      firstResponseAt: replyAt,
      firstResponseS: 1800,
      timeToContactS: 1200,
      resolutionFirstS: 1800,
      fcr: true,
      surveySent: true,
      updatedAt: replyAt,
    });
    expect(await store.factsOf(randomUUID())).toBeUndefined();
  });
});
