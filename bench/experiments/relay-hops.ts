/**
 * Where the relay's time goes, hop by hop (not part of `npm run bench`):
 *
 *   npx tsx bench/experiments/relay-hops.ts [samples]
 *
 * Runs the relay bench's set-up (bench/relay.ts) and wraps the app's own classes from the
 * outside (nothing in src/ changes): for every sample it notes when each hop starts and ends,
 * relative to the moment the update was queued on the Bot API emulator (customer → staff) or
 * the reply action was sent (staff → customer), and how many SQL statements and transactions
 * ran in between. Prints the median of each mark and the statements per sample.
 */
import { randomBytes } from 'node:crypto';
import { Bot } from 'node-telegram-bot-api';
import { PostgresJsPreparedQuery, PostgresJsSession } from 'drizzle-orm/postgres-js/session';
import { PgCustomerStore, PgInboundDedup } from '../../src/db/customer-store.js';
import { PgDialogStore } from '../../src/db/dialog-store.js';
import { PgTicketStore } from '../../src/db/ticket-store.js';
import { PgOutboxStore } from '../../src/db/outbox-store.js';
import { PgChatMessageStore } from '../../src/db/chat-message-store.js';
import { HotPathKicker } from '../../src/jobs/hot-path.js';
import { BullOutboxKicker, BullTimerScheduler } from '../../src/jobs/scheduler.js';
import { RateLimiter } from '../../src/jobs/rate-limiter.js';
import { OutboxSender } from '../../src/jobs/outbox-sender.js';
import { StaffGateway } from '../../src/app/staff-gateway.js';
import { TelegramGateway } from '../../adapters/telegram/telegram-gateway.js';
import { sleep } from '../lib/common.js';
import { openChats, startRelayRig } from '../relay.js';

const SAMPLES = Number(process.argv[2] ?? 20);

interface Mark {
  label: string;
  t: number;
  stmts: number;
}
let t0 = 0;
let active = false;
let marks: Mark[] = [];
let stmts = 0;
let txs = 0;
const now = () => performance.timeOrigin + performance.now();
const mark = (label: string) => {
  if (active) marks.push({ label, t: now() - t0, stmts });
};

/** Replaces a method of `proto` by `around`, which gets the original, the receiver and the arguments. */
function patch(proto: object, name: string, what: string, around: (orig: (...a: unknown[]) => unknown, self: unknown, args: unknown[]) => unknown): void {
  const p = proto as Record<string, unknown>;
  const orig = p[name] as (...a: unknown[]) => unknown;
  if (typeof orig !== 'function') throw new Error(`no method ${name} for ${what}`);
  p[name] = function (this: unknown, ...args: unknown[]) {
    return around(orig, this, args);
  };
}

/** Wraps an async method: `label>` when called, `label<` when it settles. */
function wrap(proto: object, name: string, base: string, detail?: (args: unknown[]) => string): void {
  patch(proto, name, base, (orig, self, args) => {
    const label = detail ? `${base} ${detail(args)}` : base;
    mark(`${label}>`);
    const out = orig.apply(self, args);
    if (out instanceof Promise) return out.finally(() => mark(`${label}<`));
    mark(`${label}<`);
    return out;
  });
}

// Statements and transactions while a sample runs.
for (const m of ['execute', 'all'])
  patch(PostgresJsPreparedQuery.prototype, m, 'statements', (orig, self, a) => {
    if (active) stmts++;
    return orig.apply(self, a);
  });
patch(PostgresJsSession.prototype, 'transaction', 'transactions', (orig, self, a) => {
  if (active) txs++;
  return orig.apply(self, a);
});
wrap(Bot.prototype, 'handleUpdate', 'tg.handleUpdate');
wrap(PgInboundDedup.prototype, 'claim', 'dedup.claim');
wrap(PgDialogStore.prototype, 'get', 'dialog.get');
wrap(PgCustomerStore.prototype, 'byTelegramChat', 'customer.byChat');
wrap(PgCustomerStore.prototype, 'openTickets', 'customer.openTickets');
wrap(PgTicketStore.prototype, 'mutate', 'store.mutate');
wrap(PgTicketStore.prototype, 'get', 'store.get');
wrap(BullTimerScheduler.prototype, 'schedule', 'timers.schedule');
wrap(HotPathKicker.prototype, 'kick', 'kick');
wrap(BullOutboxKicker.prototype, 'kick', 'bull.kick');
wrap(OutboxSender.prototype, 'drain', 'drain', (a) => `${String(a[0])} ${String(a[1])}`);
wrap(PgOutboxStore.prototype, 'claimHead', 'claimHead', (a) => String(a[0]));
wrap(PgOutboxStore.prototype, 'markDelivered', 'markDelivered');
wrap(RateLimiter.prototype, 'tryAcquireAll', 'lane');
wrap(StaffGateway.prototype, 'lanes', 'staff.lanes');
wrap(StaffGateway.prototype, 'deliver', 'staff.deliver');
wrap(TelegramGateway.prototype, 'lanes', 'tg.lanes');
wrap(TelegramGateway.prototype, 'deliver', 'tg.deliver');
wrap(PgChatMessageStore.prototype, 'get', 'msgs.get');
wrap(PgChatMessageStore.prototype, 'setTimelineSeq', 'msgs.setSeq');

const origFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  const method = /\/([A-Za-z]+)\/?$/.exec(url)?.[1] ?? url;
  mark(`fetch ${method}>`);
  try {
    return await origFetch(input, init);
  } finally {
    mark(`fetch ${method}<`);
  }
};

function report(title: string, samples: { marks: Mark[]; total: number; stmts: number; txs: number }[]): void {
  const byLabel = new Map<string, { t: number[]; s: number[]; n: number }>();
  const order: string[] = [];
  for (const s of samples) {
    const seen = new Set<string>();
    for (const m of s.marks) {
      if (seen.has(m.label)) continue;
      seen.add(m.label);
      if (!byLabel.has(m.label)) {
        byLabel.set(m.label, { t: [], s: [], n: 0 });
        order.push(m.label);
      }
      const e = byLabel.get(m.label)!;
      e.t.push(m.t);
      e.s.push(m.stmts);
      e.n++;
    }
  }
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? NaN;
  };
  const rows = order.map((l) => ({ l, ...byLabel.get(l)! })).sort((a, b) => med(a.t) - med(b.t));
  console.log(`\n== ${title}: ${samples.length} samples, total p50 ${med(samples.map((s) => s.total)).toFixed(1)} ms, statements/sample ${med(samples.map((s) => s.stmts))}, transactions/sample ${med(samples.map((s) => s.txs))}`);
  const one = samples[Math.floor(samples.length / 2)]!;
  console.log('-- one sample:');
  for (const m of one.marks) console.log(`${m.t.toFixed(1).padStart(8)} ms  stmts ${String(m.stmts).padStart(3)}  ${m.label}`);
  console.log(`-- first sample (${samples[0]!.total.toFixed(1)} ms):`);
  for (const m of samples[0]!.marks) console.log(`${m.t.toFixed(1).padStart(8)} ms  stmts ${String(m.stmts).padStart(3)}  ${m.label}`);
  const slowest = [...samples].sort((a, b) => b.total - a.total)[0]!;
  console.log(`-- slowest sample (${slowest.total.toFixed(1)} ms; all totals: ${samples.map((s) => s.total.toFixed(0)).join(' ')}):`);
  for (const m of slowest.marks) console.log(`${m.t.toFixed(1).padStart(8)} ms  stmts ${String(m.stmts).padStart(3)}  ${m.label}`);
  console.log('-- medians:');
  for (const r of rows) console.log(`${med(r.t).toFixed(1).padStart(8)} ms  stmts ${String(med(r.s)).padStart(3)}  ${r.l}${r.n < samples.length ? ` (${r.n}/${samples.length})` : ''}`);
}

type Sample = { marks: Mark[]; total: number; stmts: number; txs: number };

/** One traced sample: `send` starts it, the returned instant is when it arrived. */
async function sample(i: number, send: () => Promise<number>): Promise<Sample> {
  await sleep(i < 3 ? 2100 : 700);
  marks = [];
  stmts = 0;
  txs = 0;
  t0 = now();
  active = true;
  const total = (await send()) - t0;
  await sleep(300); // what the chain does after the post
  active = false;
  return { marks, total, stmts, txs };
}

async function main(): Promise<void> {
  const { tg, slack, app, stop } = await startRelayRig();
  tg.onCall((c) => mark(`emu.tg ${c.method} answered`));
  slack.onCall((c) => mark(`emu.slack ${c.method}${c.args.thread_ts ? ' (thread)' : ''} recorded`));
  const run = randomBytes(3).toString('hex');
  try {
    const chats = await openChats(app, tg, 3, 7_000_000);
    await sleep(3000);

    const toStaff: Sample[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const c = chats[i % 3]!;
      const token = `cs${run}x${i}`;
      const since = slack.mark();
      toStaff.push(
        await sample(i, async () => {
          tg.userSends(c.chat, `Follow-up ${token}: the paper still jams after the fix`);
          const call = await slack.waitForCall('chat.postMessage', (x) => x.ok && Boolean(x.args.thread_ts) && JSON.stringify(x.args.blocks ?? '').includes(token), 10_000, since);
          return call.at;
        }),
      );
    }
    report('customer → staff', toStaff);

    const toCustomer: Sample[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const c = chats[i % 3]!;
      const token = `sc${run}x${i}`;
      const since = tg.mark();
      toCustomer.push(
        await sample(i, async () => {
          const res = await app.api(`/api/tickets/${c.number}/actions`, { method: 'POST', json: { type: 'reply', actor: c.actor, text: `Reply ${token}: please try the rear tray` } });
          mark('api answered');
          if (res.status !== 200) throw new Error(`reply refused: ${res.status}`);
          return (await tg.waitForMessage(c.chat, token, 10_000, since)).at;
        }),
      );
    }
    report('staff → customer', toCustomer);
  } finally {
    await stop();
  }
}

await main();
