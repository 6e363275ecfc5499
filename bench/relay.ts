import { randomBytes } from 'node:crypto';
import { FakeSlack } from '../src/emulators/slack.js';
import { FakeTelegram } from '../src/emulators/telegram.js';
import { startTestApp, ticketBody, type TestApp } from '../tests/helpers/app.js';
import { DEFAULT_CHANNEL, slackConfig } from '../tests/helpers/slack-org.js';
import { log, round, roundSummary, sleep, summarize, type Summary } from './lib/common.js';

const TG_TOKEN = '424242:BENCH-TOKEN';

export interface RelayResult {
  samples: number;
  /** Telegram update available on the Bot API emulator (long polling) → the staff thread post on the Slack emulator. */
  customerToStaffMs: Summary;
  /** `POST /api/tickets/:n/actions` reply → `sendMessage` on the Bot API emulator. */
  staffToCustomerMs: Summary;
  flood?: FloodResult;
  timeouts: number;
}

export interface FloodResult {
  customers: number;
  seconds: number;
  messages: number;
  /** Follow-ups sent one at a time once the flood stopped, and their relay time. */
  followUps: number;
  followUpMs: Summary;
  /** From the end of the flood until no outbox row is open. */
  backlogSeconds: number;
  /** Card refreshes collapsed into a newer one. */
  coalesced: number;
  /** `customer.message` events on the flood's tickets: all flood messages and follow-ups, `messages + followUps`. */
  recorded: number;
}

interface Chat {
  chat: number;
  number: string;
  channel: string;
  actor: string;
}

/**
 * A ticket per customer, opened over the API and linked to a Telegram chat, so the chat's
 * messages are follow-ups. Categories spread the tickets over the three Slack channels of
 * the example organisation (customer service, technical, and the default channel for product).
 */
export async function openChats(app: TestApp, tg: FakeTelegram, count: number, firstChat: number): Promise<Chat[]> {
  const kinds = [
    { category: 'inquiry', channel: 'C0CS', actor: 'alice', description: 'How do I reset the printer to factory settings?' },
    { category: 'fault', channel: 'C0TECH', actor: 'dave', description: 'The printer shows error E02 since Monday, restarting did not help.' },
    { category: 'suggestion', channel: DEFAULT_CHANNEL, actor: 'frank', description: 'It would help to have a quieter night mode.' },
  ];
  const chats: Chat[] = [];
  for (let i = 0; i < count; i++) {
    const k = kinds[i % kinds.length]!;
    const chat = firstChat + i;
    tg.addChat(chat, { languageCode: 'en' });
    const res = await app.api('/api/tickets', {
      method: 'POST',
      // Customers are matched by phone: one per chat (the chat number in it), or a later call's
      // first chats would be the earlier call's customers, with two open tickets each, and their
      // messages would get "which ticket?" instead of being relayed.
      json: ticketBody({ category: k.category, description: k.description, customer: { name: `Bench ${chat}`, company: 'Acme Ltd', phone: `+86 138 ${String(chat).padStart(8, '0')}`, language: 'en' } }),
    });
    if (res.status !== 201) throw new Error(`ticket not created: ${res.status} ${await res.text()}`);
    const { number } = (await res.json()) as { number: string };
    await app.database.sql`update customers set telegram_chat_id = ${String(chat)} where id = (select customer_id from tickets where number = ${number})`;
    chats.push({ chat, number, channel: k.channel, actor: k.actor });
  }
  return chats;
}

/** The app with Telegram long polling and Slack, each against its local emulator. */
export async function startRelayRig(): Promise<{ tg: FakeTelegram; slack: FakeSlack; app: TestApp; stop: () => Promise<void> }> {
  const tg = await new FakeTelegram(TG_TOKEN).start();
  const slack = await new FakeSlack().start();
  const app = await startTestApp({
    config: slackConfig(),
    env: {
      TELEGRAM_BOT_TOKEN: TG_TOKEN,
      TELEGRAM_API_URL: tg.apiRoot,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: 'bench-slack-signing-secret',
      SLACK_API_URL: slack.apiUrl,
      SLACK_DEFAULT_CHANNEL: DEFAULT_CHANNEL,
    },
  });
  return {
    tg,
    slack,
    app,
    stop: async () => {
      await app.stop();
      await slack.stop();
      await tg.stop();
    },
  };
}

async function openRows(app: TestApp): Promise<number> {
  const [r] = await app.database.sql<[{ n: number }]>`select count(*)::int as n from outbox where status in ('pending', 'sending')`;
  return r.n;
}

async function drained(app: TestApp, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await openRows(app)) === 0) return true;
    await sleep(100);
  }
  return false;
}

/** The slowest samples with their index (a warm-up outlier shows as a low index). */
function slowest(values: number[], n = 3): string {
  return values
    .map((v, i) => ({ v, i }))
    .sort((a, b) => b.v - a.v)
    .slice(0, n)
    .map((x) => `#${x.i} ${Math.round(x.v)} ms`)
    .join(', ');
}

/**
 * Relay latency, one message in flight: a customer's follow-up (Telegram update picked up
 * by the app's real node-telegram-bot-api long polling) until its notice is posted in the
 * card's Slack thread; a staff reply (the API action) until Telegram's sendMessage. The
 * samples rotate over three channels and are spaced so each channel's post lane (Slack:
 * 1 post/s; a follow-up posts its notice and its timeline entry) has room again: the figure
 * is the relay path, not a rate limit. With `flood`, then `customers` chats send together
 * for `seconds` and single follow-ups are timed while the backlog drains.
 */
export async function benchRelay(o: {
  samples: number;
  flood?: { customers: number; seconds: number; messagesPerSecond: number; followUps: number };
}): Promise<RelayResult> {
  const { tg, slack, app, stop } = await startRelayRig();
  let timeouts = 0;
  const run = randomBytes(3).toString('hex');
  try {
    const chats = await openChats(app, tg, 3, 7_000_000);
    if (!(await drained(app, 30_000))) log('relay: the first cards did not go out within 30 s');

    const perChannelGapMs = 2100;
    // The cards just took each channel's post lane: the first follow-up of a channel waits as
    // the next ones do, or it would measure the lane (the hand-over to a delivery job) instead
    // of the relay path.
    const lastOn = new Map<string, number>(chats.map((c) => [c.channel, Date.now()]));
    const pace = async (key: string, gap: number) => {
      const wait = (lastOn.get(key) ?? 0) + gap - Date.now();
      if (wait > 0) await sleep(wait);
      lastOn.set(key, Date.now());
    };

    const toStaff: number[] = [];
    for (let i = 0; i < o.samples; i++) {
      const c = chats[i % chats.length]!;
      await pace(c.channel, perChannelGapMs);
      const token = `cs${run}x${i}`;
      const since = slack.mark();
      const t0 = Date.now();
      tg.userSends(c.chat, `Follow-up ${token}: the paper still jams after the fix`);
      try {
        const call = await slack.waitForCall(
          'chat.postMessage',
          (x) => x.ok && x.args.channel === c.channel && Boolean(x.args.thread_ts) && JSON.stringify(x.args.blocks ?? '').includes(token),
          10_000,
          since,
        );
        toStaff.push(call.at - t0);
      } catch {
        timeouts++;
      }
    }
    log(`relay customer → staff: ${JSON.stringify(roundSummary(summarize(toStaff)))}; slowest ${slowest(toStaff)}`);

    const toCustomer: number[] = [];
    for (let i = 0; i < o.samples; i++) {
      const c = chats[i % chats.length]!;
      // Telegram: about 1 message per second per chat; the card refresh goes to the channel.
      await pace(`chat:${c.chat}`, 1100);
      await pace(c.channel, 1050);
      const token = `sc${run}x${i}`;
      const since = tg.mark();
      const t0 = Date.now();
      const res = await app.api(`/api/tickets/${c.number}/actions`, { method: 'POST', json: { type: 'reply', actor: c.actor, text: `Reply ${token}: please try the rear tray` } });
      if (res.status !== 200) throw new Error(`reply refused: ${res.status} ${await res.text()}`);
      try {
        const msg = await tg.waitForMessage(c.chat, token, 10_000, since);
        toCustomer.push(msg.at - t0);
      } catch {
        timeouts++;
      }
    }
    log(`relay staff → customer: ${JSON.stringify(roundSummary(summarize(toCustomer)))}; slowest ${slowest(toCustomer)}`);

    const result: RelayResult = {
      samples: o.samples,
      customerToStaffMs: roundSummary(summarize(toStaff)),
      staffToCustomerMs: roundSummary(summarize(toCustomer)),
      timeouts,
    };
    if (o.flood) result.flood = await flood(app, tg, slack, run, o.flood);
    return result;
  } finally {
    await stop();
  }
}

async function flood(
  app: TestApp,
  tg: FakeTelegram,
  slack: FakeSlack,
  run: string,
  o: { customers: number; seconds: number; messagesPerSecond: number; followUps: number },
): Promise<FloodResult> {
  const chats = await openChats(app, tg, o.customers, 7_100_000);
  await drained(app, 120_000);
  log(`flood: ${o.customers} customers, ${o.messagesPerSecond} messages/s for ${o.seconds} s`);
  const total = Math.round(o.messagesPerSecond * o.seconds);
  const t0 = Date.now();
  for (let i = 0; i < total; i++) {
    const at = t0 + (i * 1000) / o.messagesPerSecond;
    const wait = at - Date.now();
    if (wait > 0) await sleep(wait);
    const c = chats[i % chats.length]!;
    tg.userSends(c.chat, `Flood ${run} message ${i}: is there any news on my ticket?`);
  }
  const floodEnd = Date.now();
  let backlogSeconds = -1;
  const watch = (async () => {
    if (await drained(app, 900_000)) backlogSeconds = round((Date.now() - floodEnd) / 1000);
  })();
  const latencies: number[] = [];
  for (let i = 0; i < o.followUps; i++) {
    const c = chats[i % chats.length]!;
    const token = `fu${run}x${i}`;
    const since = slack.mark();
    const s0 = Date.now();
    tg.userSends(c.chat, `Follow-up ${token}: one more detail about the fault`);
    try {
      const call = await slack.waitForCall(
        'chat.postMessage',
        (x) => x.ok && Boolean(x.args.thread_ts) && JSON.stringify(x.args.blocks ?? '').includes(token),
        120_000,
        since,
      );
      latencies.push(call.at - s0);
    } catch {
      latencies.push(120_000);
    }
  }
  await watch;
  const [co] = await app.database.sql<[{ n: number }]>`select count(*)::int as n from outbox where status = 'skipped' and last_error like 'coalesced into row %'`;
  // The flood's tickets get no other customer messages (the texts are kept apart, as personal data).
  const [rec] = await app.database.sql<[{ n: number }]>`
    select count(*)::int as n from ticket_events e join tickets t on t.id = e.ticket_id
    where e.type = 'customer.message' and t.number in ${app.database.sql(chats.map((c) => c.number))}`;
  const result: FloodResult = {
    customers: o.customers,
    seconds: o.seconds,
    messages: total,
    followUps: o.followUps,
    followUpMs: roundSummary(summarize(latencies)),
    backlogSeconds,
    coalesced: co.n,
    recorded: rec.n,
  };
  log(`flood: follow-ups ${JSON.stringify(result.followUpMs)}, backlog drained ${backlogSeconds} s after the flood, ${co.n} card refreshes coalesced, ${rec.n} of ${total + o.followUps} messages recorded`);
  return result;
}
