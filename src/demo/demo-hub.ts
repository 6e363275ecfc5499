import { z } from 'zod';
import type { Database } from '../db/client.js';
import type { AftercareConfig, Language } from '../core/types.js';
import { SlackSender, type FakeSlack, type SlackMessage, type SlackView } from '../emulators/slack.js';
import type { FakeTelegram, TgMessage } from '../emulators/telegram.js';

/**
 * The demo's live model: what the page shows is read from the emulators (exactly what the
 * app sent over the platforms' wire protocols) and from the database (the running clocks);
 * what the page does is turned into what the platforms would send — Telegram updates into
 * the emulator's long poll, signed Slack interactivity payloads to the app's /slack/events.
 */

export const ESCALATIONS_CHANNEL = 'escalations';

export interface DemoChannel {
  /** Department id, or `escalations`. */
  id: string;
  slack: string;
  name: Record<Language, string>;
}

interface OpenModal {
  viewId: string;
  /** Errors the app answered to the last submission (`response_action: errors`), by block id. */
  errors: Record<string, string>;
}

type Listener = () => void;

/** A Slack message as the page renders it, with its thread. */
export interface PageSlackMessage {
  ts: string;
  text: string;
  blocks: unknown[];
  user: string;
  bot: boolean;
  edited: boolean;
  thread: PageSlackMessage[];
}

export class DemoHub {
  /** The customer's Telegram chat on the phone (a new customer gets a new chat). */
  chatId = 10_001;
  language: Language = 'en';
  private readonly listeners = new Set<Listener>();
  private readonly modals = new Map<string, OpenModal[]>();
  /** Which staff member pressed the button that carried a trigger_id. */
  private readonly triggers = new Map<string, string>();
  /** Which staff member a response_url was given to (Bolt's respond() posts there). */
  private readonly responseUrls = new Map<string, string>();
  private readonly ephemerals = new Map<string, { channel: string; text: string; blocks: unknown[]; at: number }[]>();
  private database: Database | undefined;
  private dashboard: (() => Promise<boolean>) | undefined;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    readonly config: AftercareConfig,
    readonly telegram: FakeTelegram,
    readonly slack: FakeSlack,
    private sender: SlackSender | undefined = undefined,
  ) {
    this.unsubscribe.push(
      telegram.onCall((c) => {
        if (c.ok && c.method !== 'getUpdates' && c.method !== 'getMe') this.changed();
      }),
      slack.onCall((c) => {
        if (!c.ok) return;
        if (c.method === 'views.open' || c.method === 'views.push') this.noteModal(c.args, c.response);
        if (c.method === 'response_url' && c.responseId) this.noteResponse(c.responseId, c.args);
        if (c.method === 'chat.postEphemeral') this.noteEphemeral(c.args);
        this.changed();
      }),
    );
    telegram.addChat(this.chatId, { firstName: 'Li Lei', languageCode: 'en' });
  }

  /** Connects the hub to the started app. */
  attach(o: { database: Database; sender: SlackSender; dashboard: () => Promise<boolean> }): void {
    this.database = o.database;
    this.sender = o.sender;
    // Asked at most every 10 s: the page polls its state.
    let known: { at: number; value: Promise<boolean> } | undefined;
    this.dashboard = () => {
      if (!known || Date.now() - known.at > 10_000) known = { at: Date.now(), value: o.dashboard().catch(() => false) };
      return known.value;
    };
  }

  detach(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.listeners.clear();
  }

  onChange(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  channels(): DemoChannel[] {
    const list: DemoChannel[] = this.config.departments
      .filter((d) => d.channels.slack)
      .map((d) => ({ id: d.id, slack: d.channels.slack!, name: d.name }));
    const esc = this.config.escalation.channels.slack;
    if (esc) list.push({ id: ESCALATIONS_CHANNEL, slack: esc, name: { en: 'Escalations', 'zh-CN': '升级' } });
    return list;
  }

  private slackIdOf(staffId: string): string {
    const s = this.config.departments.flatMap((d) => d.staff).find((m) => m.id === staffId);
    if (!s?.slack) throw new DemoInputError('staff', `no staff member "${staffId}" with a Slack id in the demo configuration`);
    return s.slack;
  }

  private staffOfSlack(userId: string): string | undefined {
    return this.config.departments.flatMap((d) => d.staff).find((m) => m.slack === userId)?.id;
  }

  // ---------------------------------------------------------------- the customer

  customerSends(text: string): void {
    this.telegram.userSends(this.chatId, text, { language_code: this.language });
    this.changed();
  }

  customerSendsPhoto(caption: string | undefined): void {
    this.telegram.userSendsPhoto(this.chatId, caption, { from: { language_code: this.language } });
    this.changed();
  }

  customerPresses(messageId: number, data: string): void {
    const m = this.telegram.message(this.chatId, messageId);
    const rows = (m?.reply_markup as { inline_keyboard?: { callback_data?: string }[][] } | undefined)?.inline_keyboard ?? [];
    if (!rows.flat().some((b) => b.callback_data === data)) throw new DemoInputError('data', 'must be the data of a button on that message');
    this.telegram.userPresses(this.chatId, data, messageId, { language_code: this.language });
    this.changed();
  }

  /**
   * Switches the customer's language: new chats start in it (Telegram's `language_code`), and a
   * chat that already talks to the bot asks for /language so the bot's own picker switches it.
   */
  customerLanguage(language: Language): void {
    this.language = language;
    this.telegram.setLanguage(this.chatId, language);
    if (this.telegram.chatMessages(this.chatId).length > 0) this.telegram.userSends(this.chatId, '/language', { language_code: language });
    this.changed();
  }

  /** A new customer: a new, empty chat on the phone. */
  newCustomer(): void {
    this.chatId += 1;
    this.telegram.addChat(this.chatId, { firstName: 'Li Lei', languageCode: this.language });
    this.changed();
  }

  // ---------------------------------------------------------------- the staff

  private requireSender(): SlackSender {
    if (!this.sender) throw new Error('demo not started');
    return this.sender;
  }

  /** A button or select on a message (block_actions), as Slack sends it. */
  async staffAction(a: { staff: string; channel: string; ts: string; actionId: string; value?: string | undefined; selected?: string | undefined }): Promise<void> {
    const userId = this.slackIdOf(a.staff);
    const stored = this.slack.message(a.channel, a.ts);
    if (!stored) throw new DemoInputError('ts', 'must be a message in that channel');
    const element = findElement(stored.latest.blocks ?? [], a.actionId);
    if (!element) throw new DemoInputError('actionId', 'must be a button or menu on that message');
    const triggerId = SlackSender.triggerId();
    this.triggers.set(triggerId, a.staff);
    const responseUrl = this.slack.responseUrl();
    this.responseUrls.set(/\/response\/([^/]+)$/.exec(responseUrl)?.[1] ?? '', a.staff);
    const action =
      a.selected !== undefined
        ? { type: typeof element.type === 'string' ? element.type : 'static_select', selected_option: { value: a.selected, text: { type: 'plain_text', text: a.selected } } }
        : undefined;
    await this.requireSender().blockAction({
      userId,
      actionId: a.actionId,
      ...(a.value !== undefined && { value: a.value }),
      ...(a.value === undefined && typeof element.value === 'string' && { value: element.value }),
      channel: a.channel,
      messageTs: a.ts,
      ...(stored.thread_ts !== undefined && stored.thread_ts !== a.ts && { threadTs: stored.thread_ts }),
      message: { ...stored.latest },
      triggerId,
      responseUrl,
      ...(action && { action }),
    });
  }

  /** Submits the staff member's open modal (view_submission) with the page's form values. */
  async submitModal(staff: string, viewId: string, values: Record<string, Record<string, unknown>>): Promise<void> {
    const stack = this.modals.get(staff) ?? [];
    const top = stack.at(-1);
    if (!top || top.viewId !== viewId) throw new DemoInputError('viewId', 'must be the modal open for that staff member');
    const view = this.slack.view(viewId);
    if (!view) throw new DemoInputError('viewId', 'must be a modal the app opened');
    const res = await this.requireSender().viewSubmission({
      userId: this.slackIdOf(staff),
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values,
      viewId,
      view: { blocks: view.blocks, title: view.title, external_id: view.external_id },
    });
    const body = (typeof res.body === 'object' && res.body !== null ? res.body : {}) as { response_action?: string; errors?: Record<string, string> };
    if (body.response_action === 'errors') top.errors = body.errors ?? {};
    else if (body.response_action === 'clear') this.modals.delete(staff);
    else if (body.response_action !== 'update' && body.response_action !== 'push') stack.pop();
    this.changed();
  }

  closeModal(staff: string): void {
    this.modals.get(staff)?.pop();
    this.changed();
  }

  private noteModal(args: Record<string, unknown>, response: Record<string, unknown> | undefined): void {
    const staff = typeof args.trigger_id === 'string' ? this.triggers.get(args.trigger_id) : undefined;
    const view = response?.view as SlackView | undefined;
    if (!staff || !view) return;
    const stack = this.modals.get(staff) ?? [];
    stack.push({ viewId: view.id, errors: {} });
    this.modals.set(staff, stack);
  }

  private noteResponse(id: string, args: Record<string, unknown>): void {
    const staff = this.responseUrls.get(id);
    if (!staff || typeof args.text !== 'string') return;
    this.pushEphemeral(staff, { channel: '', text: args.text, blocks: Array.isArray(args.blocks) ? args.blocks : [], at: Date.now() });
  }

  private noteEphemeral(args: Record<string, unknown>): void {
    const staff = typeof args.user === 'string' ? this.staffOfSlack(args.user) : undefined;
    if (!staff) return;
    this.pushEphemeral(staff, {
      channel: typeof args.channel === 'string' ? args.channel : '',
      text: typeof args.text === 'string' ? args.text : '',
      blocks: Array.isArray(args.blocks) ? args.blocks : [],
      at: Date.now(),
    });
  }

  private pushEphemeral(staff: string, e: { channel: string; text: string; blocks: unknown[]; at: number }): void {
    const list = this.ephemerals.get(staff) ?? [];
    list.push(e);
    this.ephemerals.set(staff, list.slice(-20));
  }

  // ---------------------------------------------------------------- what the page shows

  private slackMessages(channel: string): PageSlackMessage[] {
    const page = (m: SlackMessage, thread: PageSlackMessage[]): PageSlackMessage => ({
      ts: m.ts,
      text: m.text,
      blocks: m.blocks ?? [],
      user: m.user,
      bot: m.bot_id !== undefined,
      edited: m.edited !== undefined,
      thread,
    });
    return this.slack.postedIn(channel).map((m) => page(m, this.slack.threadOf(channel, m.ts).map((r) => page(r, []))));
  }

  async state(): Promise<DemoState> {
    const customer = this.telegram.chatMessages(this.chatId).map((m) => pageTelegramMessage(m, this.telegram.botUser.id));
    const staff = this.config.departments.flatMap((d) =>
      d.staff.map((s) => ({ id: s.id, name: s.name, role: s.role, department: d.id, departmentName: d.name, language: s.language, slack: s.slack ?? '' })),
    );
    const dms: Record<string, PageSlackMessage[]> = {};
    const modals: Record<string, { view: SlackView; errors: Record<string, string> } | null> = {};
    const ephemerals: Record<string, { channel: string; text: string; blocks: unknown[]; at: number }[]> = {};
    for (const s of staff) {
      if (s.slack) dms[s.id] = this.slackMessages(this.slack.dmChannel(s.slack));
      const top = this.modals.get(s.id)?.at(-1);
      const view = top && this.slack.view(top.viewId);
      modals[s.id] = view ? { view, errors: top.errors } : null;
      ephemerals[s.id] = this.ephemerals.get(s.id) ?? [];
    }
    return {
      now: new Date().toISOString(),
      customer: { chatId: this.chatId, language: this.language, messages: customer },
      staff,
      channels: this.channels().map((c) => ({ ...c, messages: this.slackMessages(c.slack) })),
      dms,
      ephemerals,
      modals,
      ...(await this.clocks()),
      links: { queues: '/admin/queues', dashboard: (await this.dashboard?.().catch(() => false)) ?? false },
    };
  }

  private async clocks(): Promise<Pick<DemoState, 'clocks' | 'escalations'>> {
    if (!this.database) return { clocks: [], escalations: [] };
    const sql = this.database.sql;
    const clocks = clockRows.parse(
      await sql`
        select t.number, c.kind, t.severity, c.deadline, c.remind_at, c.breached_at is not null as breached
        from sla_clocks c join tickets t on t.id = c.ticket_id
        where c.status = 'running' and c.deadline is not null
        order by c.deadline limit 30`,
    );
    const escalations = escalationRows.parse(
      await sql`
        select t.number, e.level, e.next_step_at from escalations e join tickets t on t.id = e.ticket_id
        where e.status = 'open' and e.next_step_at is not null order by e.next_step_at limit 20`,
    );
    return {
      clocks: clocks.map((c) => ({ ticket: c.number, kind: c.kind, severity: c.severity, deadline: c.deadline.toISOString(), remindAt: c.remind_at?.toISOString() ?? null, breached: c.breached })),
      escalations: escalations.map((e) => ({ ticket: e.number, level: e.level, nextStepAt: e.next_step_at.toISOString() })),
    };
  }
}

const clockRows = z.array(
  z.object({ number: z.string(), kind: z.string(), severity: z.string(), deadline: z.coerce.date(), remind_at: z.coerce.date().nullable(), breached: z.boolean() }),
);
const escalationRows = z.array(z.object({ number: z.string(), level: z.number(), next_step_at: z.coerce.date() }));

export interface DemoState {
  now: string;
  customer: { chatId: number; language: Language; messages: PageTelegramMessage[] };
  staff: { id: string; name: string; role: string; department: string; departmentName: Record<Language, string>; language: Language; slack: string }[];
  channels: (DemoChannel & { messages: PageSlackMessage[] })[];
  dms: Record<string, PageSlackMessage[]>;
  ephemerals: Record<string, { channel: string; text: string; blocks: unknown[]; at: number }[]>;
  modals: Record<string, { view: SlackView; errors: Record<string, string> } | null>;
  clocks: { ticket: string; kind: string; severity: string; deadline: string; remindAt: string | null; breached: boolean }[];
  escalations: { ticket: string; level: number; nextStepAt: string }[];
  links: { queues: string; dashboard: boolean };
}

export interface PageTelegramMessage {
  id: number;
  from: 'bot' | 'customer';
  text: string;
  entities: unknown[];
  photo: boolean;
  document: string | undefined;
  buttons: { text: string; data?: string; url?: string }[][];
  date: number;
  edited: boolean;
}

function pageTelegramMessage(m: TgMessage, botId: number): PageTelegramMessage {
  const rows = (m.reply_markup as { inline_keyboard?: { text: string; callback_data?: string; url?: string }[][] } | undefined)?.inline_keyboard ?? [];
  return {
    id: m.message_id,
    from: m.from?.id === botId ? 'bot' : 'customer',
    text: m.text ?? m.caption ?? '',
    entities: m.entities ?? m.caption_entities ?? [],
    photo: Array.isArray(m.photo) && m.photo.length > 0,
    document: m.document?.file_name,
    buttons: rows.map((r) => r.map((b) => ({ text: b.text, ...(b.callback_data !== undefined && { data: b.callback_data }), ...(b.url !== undefined && { url: b.url }) }))),
    date: m.date,
    edited: m.edit_date !== undefined,
  };
}

/** The interactive element with `actionId` in a message's blocks (actions blocks and section accessories). */
function findElement(blocks: unknown[], actionId: string): Record<string, unknown> | undefined {
  for (const b of blocks as { elements?: Record<string, unknown>[]; accessory?: Record<string, unknown> }[]) {
    for (const e of [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]) if (e.action_id === actionId) return e;
  }
  return undefined;
}

/** A page request that names something that does not exist (answered 400, naming the field). */
export class DemoInputError extends Error {
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field} ${rule}`);
  }
}
