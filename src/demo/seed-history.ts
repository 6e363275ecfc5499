import { randomUUID } from 'node:crypto';
import { actOnTicket } from '../app/act-on-ticket.js';
import { createTicket } from '../app/create-ticket.js';
import { customerAct } from '../app/customer-actions.js';
import type { UseCaseDeps } from '../app/deps.js';
import { handleTimer } from '../app/handle-timer.js';
import type { TicketState } from '../app/ports.js';
import { Directory } from '../core/directory.js';
import type { AftercareConfig, Category, Severity } from '../core/types.js';
import type { Database } from '../db/client.js';
import { PgTicketStore } from '../db/ticket-store.js';

const DAY = 86_400_000;
const MIN = 60_000;

/** A small deterministic PRNG (mulberry32), so a seed of N always gives the same history. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const CUSTOMERS = [
  { name: 'Li Lei', company: 'Acme Ltd', phone: '+86 138 0013 8000', language: 'zh-CN' },
  { name: 'Han Meimei', company: 'Bright Print', phone: '+86 139 1234 5678', language: 'zh-CN' },
  { name: 'Wang Fang', email: 'wangfang@example.cn', language: 'zh-CN' },
  { name: 'Tom Baker', company: 'Baker & Sons', email: 'tom@example.com', language: 'en' },
  { name: 'Sara Lind', phone: '+46 70 123 45 67', language: 'en' },
  { name: 'Chen Jing', company: 'Jing Logistics', phone: '+86 137 5555 0101', language: 'zh-CN' },
] as const;

const REPORTS: { category: Category; product: string; description: string }[] = [
  { category: 'fault', product: 'Model X printer', description: 'The printer shows error E02 since Monday; restarting did not help.' },
  { category: 'fault', product: '智能门锁', description: '门锁坏了，指纹不能用，已经换过电池。' },
  { category: 'fault', product: 'Model S scanner', description: 'The scanner stops half way through every page and beeps twice.' },
  { category: 'inquiry', product: 'Model X printer', description: 'Which toner cartridges fit the Model X, and where can I buy them?' },
  { category: 'inquiry', product: '空气净化器', description: '请问滤网多久需要更换一次？' },
  { category: 'suggestion', product: 'Companion app', description: 'Suggestion: please add a dark mode to the app.' },
  { category: 'complaint', product: 'Model X printer', description: 'I complain: the courier delivery was late again and nobody called me.' },
  { category: 'complaint', product: '智能门锁', description: '投诉：发货延迟了一周，客服也没有回复。' },
  { category: 'complaint', product: 'Model S scanner', description: 'Complaint: the quality is poor, the second unit is broken as well.' },
];

/**
 * Seeded history for the demo (`--seed N`): N tickets spread over the last 30 days, each taken
 * through the use cases on an injected clock — claimed, answered (some late enough to breach
 * first response), resolved, confirmed or reopened, rated and closed — so reports and queues
 * have something to show. Runs before the app's workers start, and marks what the history
 * queued for delivery as done: the past is not sent again to the emulators.
 */
export async function seedHistory(database: Database, config: AftercareConfig, o: { count: number; now: Date }): Promise<number> {
  const random = prng(o.count * 7919 + 17);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const directory = new Directory(config);
  const store = new PgTicketStore(database.db);
  const starts = Array.from({ length: o.count }, () => o.now.getTime() - 30 * DAY + random() * 29 * DAY).sort((a, b) => a - b);
  // Every ticket lives on its own clock, so several are walked at once.
  const plans = starts.map((start) => ({ start, report: pick(REPORTS), customer: pick(CUSTOMERS), roll: random() }));
  const ids: string[] = [];
  const one = async (p: (typeof plans)[number], seq: number): Promise<void> => {
    let clock = new Date(p.start);
    const deps: UseCaseDeps = {
      store,
      directory,
      now: () => clock,
      newId: randomUUID,
      // History needs no timers and no deliveries: its clocks are walked by hand below.
      scheduler: { schedule: () => Promise.resolve(), cancel: () => Promise.resolve() },
      kicker: { kick: () => Promise.resolve() },
    };
    const severity: Severity = p.roll < 0.15 ? 'urgent' : p.roll < 0.2 ? 'critical' : 'normal';
    const { state } = await createTicket(deps, {
      customer: { ...p.customer },
      product: p.report.product,
      orderNumber: `SO-2026-${String(1000 + seq).padStart(4, '0')}`,
      description: p.report.description,
      category: p.report.category,
      severity,
      source: 'api',
      actor: { kind: 'system' },
    });
    ids.push(state.ticket.id);
    await walk(deps, state, prng(seq * 31 + 7), (ms) => (clock = new Date(clock.getTime() + ms)));
  };
  let next = 0;
  const worker = async () => {
    while (next < plans.length) {
      const i = next++;
      await one(plans[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(6, plans.length) }, worker));
  if (ids.length) {
    await database.sql`update outbox set status = 'delivered', delivered_at = now() where ticket_id in ${database.sql(ids)} and status in ('pending', 'sending')`;
  }
  return ids.length;
}

/** One ticket's life, from the first answer to its close. */
async function walk(deps: UseCaseDeps, start: TicketState, random: () => number, advance: (ms: number) => void): Promise<void> {
  const ticket = { id: start.ticket.id };
  const department = deps.directory.department(start.ticket.primaryDepartmentId);
  const agent = department?.staff.find((s) => s.role === 'agent') ?? department?.staff[0];
  if (!agent) return;
  const as = { actorId: agent.id, source: 'slack' as const };
  const late = random() < 0.18;
  const firstResponse = start.clocks.first_response;
  if (late && firstResponse?.deadline) {
    // Nobody answered in time: the first-response clock breaches, as its timer would record it.
    advance(firstResponse.deadline.getTime() - deps.now().getTime() + MIN);
    await handleTimer(deps, { type: 'sla', ticketId: ticket.id, clock: 'first_response', kind: 'breach', version: firstResponse.version });
    advance((2 + random() * 8) * MIN);
    await acknowledgeAll(deps, start.ticket.number);
  } else {
    advance((5 + random() * 40) * MIN);
  }
  await actOnTicket(deps, ticket, as, { type: 'claim' });
  await actOnTicket(deps, ticket, as, { type: 'reply', text: 'Thank you, we are looking into it and will call you shortly.' });
  advance((30 + random() * 300) * MIN);
  await actOnTicket(deps, ticket, as, { type: 'progress', preset: 'investigating' });
  advance((60 + random() * 600) * MIN);
  await actOnTicket(deps, ticket, as, { type: 'resolve', measures: 'Replaced the faulty part and tested it with the customer.', advice: 'Keep the firmware up to date.' });
  const customerId = start.ticket.customerId;
  advance((10 + random() * 120) * MIN);
  if (random() < 0.1) {
    // Not resolved after all: reopened, then fixed for good.
    await customerAct(deps, ticket, customerId, 'telegram', { type: 'confirm', resolved: false, text: 'It broke again this morning.' });
    advance((60 + random() * 240) * MIN);
    await actOnTicket(deps, ticket, as, { type: 'claim' }).catch(() => undefined);
    await actOnTicket(deps, ticket, as, { type: 'resolve', measures: 'Replaced the whole unit.', advice: 'Call us if it happens again.' });
    advance((10 + random() * 60) * MIN);
  }
  await customerAct(deps, ticket, customerId, 'telegram', { type: 'confirm', resolved: true });
  if (random() < 0.8) {
    const happy = random() < 0.75;
    await customerAct(deps, ticket, customerId, 'telegram', {
      type: 'survey',
      csat: happy ? 4 + Math.round(random()) : 1 + Math.floor(random() * 3),
      nps: happy ? 8 + Math.floor(random() * 3) : Math.floor(random() * 7),
    });
  }
  advance((5 + random() * 60) * MIN);
  await acknowledgeAll(deps, start.ticket.number);
  await actOnTicket(deps, ticket, as, { type: 'close' }).catch(() => undefined);
  // A fault's verification callback comes after the fix: sent when its clock runs out, answered.
  const detail = await deps.store.get(start.ticket.number);
  const callback = detail?.clocks.verification_callback;
  if (callback?.status === 'running' && callback.deadline) {
    advance(Math.max(0, callback.deadline.getTime() - deps.now().getTime()) + MIN);
    await handleTimer(deps, { type: 'sla', ticketId: ticket.id, clock: 'verification_callback', kind: 'breach', version: callback.version });
    advance((30 + random() * 600) * MIN);
    await customerAct(deps, ticket, customerId, 'telegram', { type: 'verify', stillFixed: true }).catch(() => undefined);
  }
}

/** Whatever escalated (a breach, a reopen, a poor rating): the first supervisor it reached takes charge. */
async function acknowledgeAll(deps: UseCaseDeps, number: string): Promise<void> {
  const detail = await deps.store.get(number);
  for (const e of detail?.escalations.filter((x) => x.status === 'open') ?? []) {
    const supervisor = e.notified[0];
    if (supervisor) await actOnTicket(deps, { id: detail!.ticket.id }, { actorId: supervisor, source: 'slack' }, { type: 'acknowledge', escalationId: e.id }).catch(() => undefined);
  }
}
