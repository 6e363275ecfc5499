import { createHash } from 'node:crypto';
import type { ChatGateway, DeliveryResult, OutboundMessage, RateLane } from './chat-gateway.js';
import type { UseCaseDeps } from './deps.js';
import type { ChatMessageStore, PostedMessage, TicketDetail } from './ports.js';
import { ticketCard, type CardButton, type TicketCard } from './desk/card.js';
import { coordinationSheet, taskCard, type TaskCard } from './desk/coordination.js';
import { escalationPost, type EscalationPost } from './desk/escalation-post.js';
import { staffNotice } from './desk/notices.js';
import { timelineEntries, type TimelineEntry } from './desk/timeline.js';
import { staffLanguage, ticketTimeZone, type ViewContext } from './desk/view-context.js';
import { translator } from '../i18n/index.js';
import { str } from '../core/payload.js';
import { safeError } from '../core/safe-error.js';
import { isStaffMessageKind, type StaffMessageKind } from '../core/ticket-events.js';

/** A message rendered for one platform (Block Kit, an embed with components, …). */
export type Rendered = unknown;

/** Where a message goes: a channel, and on Slack a thread's parent ts. */
export interface Place {
  channel: string;
  thread?: string | undefined;
}

/**
 * One staff chat platform as the staff gateway needs it: turn the platform-neutral views
 * into messages (the last step, which differs per platform) and post or edit them.
 */
export interface StaffSurface {
  readonly platform: 'slack' | 'discord';
  /** Rate lanes of a channel. */
  lanes(key: string, channel: string): RateLane[];
  /**
   * Rate lanes of an edit of a posted message, when the platform limits edits apart from
   * posts (Slack: chat.update is its own method and tier); else edits count as posts.
   */
  editLanes?(key: string, channel: string): RateLane[];
  /** The DM channel with a user. */
  dm(userId: string): Promise<string>;
  post(place: Place, message: Rendered): Promise<{ channel: string; id: string }>;
  update(channel: string, id: string, message: Rendered): Promise<void>;
  /** The place of a card's thread; `threadId` is what to remember for next time. */
  thread(card: PostedMessage, name: string): Promise<Place & { threadId: string }>;
  /** True when `err` says the message to edit no longer exists (deleted by someone). */
  isGone(err: unknown): boolean;
  /** What the outbox should do after `err`. */
  classify(err: unknown): DeliveryResult;
  render: {
    card(card: TicketCard): Rendered;
    /** Entries as few messages as the platform allows; `buttons` go under the last one. */
    timeline(entries: TimelineEntry[], buttons?: CardButton[]): Rendered[];
    sheet(sheet: ReturnType<typeof coordinationSheet>): Rendered;
    task(task: TaskCard): Rendered;
    escalation(post: EscalationPost): Rendered;
    notice(text: string, quote: string | undefined, buttons: CardButton[]): Rendered;
  };
}

export interface StaffGatewayOptions {
  surface: StaffSurface;
  deps: UseCaseDeps;
  messages: ChatMessageStore;
  /** Identifies the bot in rate-lane keys (a token's hash, an application id). */
  botKey: string;
  /** Channel for departments without one of their own on this platform, and for escalations when none is set. */
  defaultChannel?: string | undefined;
}


/** Kinds whose delivery edits a message posted before (a card refresh also posts its thread's new entries). */
const EDIT_KINDS = new Set<string>(['ticket.card_update', 'coordination.task_update', 'escalation.acknowledged'] satisfies StaffMessageKind[]);

/**
 * Kinds whose lanes depend on what the card's thread has told already (see
 * {@link StaffGateway.lanes}): the ticket is loaded once for the lanes and the delivery.
 */
const THREAD_KINDS = new Set<string>(['customer.message', 'ticket.card_update'] satisfies StaffMessageKind[]);

/** How many tickets loaded for a row's lanes are kept for its delivery (rows handed back unsent drop out). */
const PREPARED_MAX = 256;

interface Target {
  channel: string;
  language?: string | undefined;
  staffId?: string | undefined;
}

/**
 * True when the card's thread shows the customer's message of row `m` already: an earlier
 * row's post took its entry along. Found by its text; should the customer have written the
 * same text again later and that one is not posted yet, this row posts the pending entries
 * (which the later row then finds told), so nothing is ever left out or posted twice.
 */
export function toldIn(card: PostedMessage, detail: TicketDetail, m: OutboundMessage): boolean {
  const text = str(m.payload.text);
  const same = detail.events.filter((e) => e.type === 'customer.message' && str(e.data.text) === text);
  return same.length > 0 && same.every((e) => e.seq <= card.timelineSeq);
}

/** How many of `entries` the first message rendered from them holds (at least one). */
export function coveredByFirstMessage(entries: TimelineEntry[], render: (entries: TimelineEntry[]) => Rendered[]): number {
  let lo = 1;
  let hi = entries.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (render(entries.slice(0, mid)).length <= 1) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Delivers the staff side of the outbox to a staff platform (SPEC §5–7): ticket cards in
 * department channels (posted once, then edited in place, with the ticket's timeline and
 * coordination sheet in the card's thread), coordination task cards, escalation posts
 * (edited when acknowledged or moved up a level) and DMs, and one-off notices. Everything
 * posted is recorded under a key, so a retried outbox row never posts twice.
 */
export class StaffGateway implements ChatGateway {
  private readonly dms = new Map<string, string>();
  private readonly laneKey: string;
  /** Tickets loaded to find a row's lanes, by outbox row id, for its delivery right after. */
  private readonly prepared = new Map<number, TicketDetail | undefined>();
  /** The card record read for a row's lanes, by outbox row id, for its delivery right after (under the same lease). */
  private readonly preparedCards = new Map<number, { key: string; card: PostedMessage | undefined }>();

  constructor(private readonly o: StaffGatewayOptions) {
    this.laneKey = createHash('sha256').update(o.botKey).digest('hex').slice(0, 12);
  }

  private get directory() {
    return this.o.deps.directory;
  }

  private get platform() {
    return this.o.surface.platform;
  }

  private view(language?: string): ViewContext {
    return { directory: this.directory, now: this.o.deps.now(), language: language ?? this.directory.config.defaultLanguage };
  }

  /** Where a destination is on this platform, from the config (channel and user ids per platform). */
  private target(destination: string): Target | undefined {
    const platform = this.platform;
    if (destination === 'escalation') {
      const channel = this.directory.config.escalation.channels[platform] ?? this.o.defaultChannel;
      return channel ? { channel } : undefined;
    }
    if (destination.startsWith('department:')) {
      const channel = this.directory.department(destination.slice('department:'.length))?.channels[platform] ?? this.o.defaultChannel;
      return channel ? { channel } : undefined;
    }
    if (destination.startsWith('staff:')) {
      const staff = this.directory.staff(destination.slice('staff:'.length));
      const user = staff?.[platform];
      return staff && user ? { channel: user, staffId: staff.id, language: staff.language } : undefined;
    }
    return undefined;
  }

  /**
   * With `message`, the lanes of that very delivery: a customer message the card's thread
   * already tells (an earlier row posted it with the entries before it) needs none, and a
   * card refresh whose thread has nothing new to post needs only the edit lane.
   */
  async lanes(destination: string, kind?: string, message?: OutboundMessage): Promise<RateLane[] | undefined> {
    const target = this.target(destination);
    if (!target) return undefined;
    const s = this.o.surface;
    const lanes = s.lanes(this.laneKey, target.channel);
    const edit = s.editLanes?.(this.laneKey, target.channel);
    const departmentId = destination.startsWith('department:') ? destination.slice('department:'.length) : undefined;
    if (message && departmentId && THREAD_KINDS.has(message.kind)) {
      const pending = await this.threadPending(message, departmentId, target);
      if (message.kind === 'customer.message') return pending === 'nothing' ? [] : lanes;
      if (pending === 'nothing' && edit) return edit;
    }
    if (!edit || kind === undefined || !EDIT_KINDS.has(kind)) return lanes;
    // A card refresh edits the card and posts what happened since into its thread: both lanes.
    return kind === 'ticket.card_update' ? [...lanes, ...edit] : edit;
  }

  /**
   * Loads the row's ticket (kept for its delivery) and tells whether the department card's
   * thread has entries or a new coordination sheet to post: `nothing`, `some`, or `no-card`.
   */
  private async threadPending(m: OutboundMessage, departmentId: string, target: Target): Promise<'nothing' | 'some' | 'no-card'> {
    const number = str(m.payload.number);
    const detail = number ? await this.o.deps.store.get(number) : undefined;
    if (this.prepared.size >= PREPARED_MAX) this.prepared.delete(this.prepared.keys().next().value!);
    this.prepared.set(m.id, detail);
    this.preparedCards.delete(m.id);
    if (!detail) return 'nothing';
    const key = `card:${detail.ticket.id}:${departmentId}`;
    const card = await this.o.messages.get(this.platform, key);
    if (this.preparedCards.size >= PREPARED_MAX) this.preparedCards.delete(this.preparedCards.keys().next().value!);
    this.preparedCards.set(m.id, { key, card });
    if (!card) return 'no-card';
    if (m.kind === 'customer.message' && toldIn(card, detail, m)) return 'nothing';
    const ctx = this.view(staffLanguage(this.directory, target));
    if (timelineEntries(detail.events, card.timelineSeq, ctx, ticketTimeZone(detail, ctx.directory)).length) return 'some';
    if (m.kind === 'ticket.card_update' && detail.tasks.length && !(await this.o.messages.get(this.platform, `sheet:${detail.ticket.id}:${departmentId}`))) return 'some';
    return 'nothing';
  }

  /** The ticket as loaded for the row's lanes, else as it is now. */
  private async detailFor(m: OutboundMessage, number: string): Promise<TicketDetail | undefined> {
    if (this.prepared.has(m.id)) {
      const detail = this.prepared.get(m.id);
      this.prepared.delete(m.id);
      return detail;
    }
    return number ? this.o.deps.store.get(number) : undefined;
  }

  /** The card record under `key` as read for the row's lanes, else as it is now. */
  private async cardFor(m: OutboundMessage | undefined, key: string): Promise<PostedMessage | undefined> {
    const prepared = m && this.preparedCards.get(m.id);
    if (m) this.preparedCards.delete(m.id);
    if (prepared && prepared.key === key) return prepared.card;
    return this.o.messages.get(this.platform, key);
  }

  private async dm(userId: string): Promise<string> {
    const known = this.dms.get(userId);
    if (known) return known;
    const id = await this.o.surface.dm(userId);
    this.dms.set(userId, id);
    return id;
  }

  async deliver(m: OutboundMessage): Promise<DeliveryResult> {
    const target = this.target(m.destination);
    if (!target) return { status: 'skipped', reason: `no ${this.platform} channel for ${m.destination}` };
    const number = str(m.payload.number);
    try {
      const detail = await this.detailFor(m, number);
      if (!detail) return { status: 'skipped', reason: `ticket ${number || '(none)'} not found` };
      const channel = target.staffId ? await this.dm(target.channel) : target.channel;
      const language = staffLanguage(this.directory, target);
      const kind = m.kind;
      let ids: string[] = [];
      if (isStaffMessageKind(kind)) {
        switch (kind) {
          case 'ticket.card':
          case 'ticket.card_update':
            if (!m.destination.startsWith('department:')) return { status: 'skipped', reason: 'cards go to department channels' };
            ids = await this.syncCard(detail, m.destination.slice('department:'.length), channel, language, m);
            break;
          case 'coordination.task':
          case 'coordination.task_update':
            ids = await this.syncTask(detail, str(m.payload.taskId), channel, language);
            break;
          case 'escalation.ping':
          case 'escalation.acknowledged':
            ids = await this.syncEscalation(detail, str(m.payload.escalationId), channel, target.staffId, language);
            break;
          case 'customer.message':
            ids = await this.customerMessage(m, detail, channel, language);
            break;
          case 'staff.assigned':
          case 'sla.reminder':
          case 'sla.overdue_prompt':
          case 'followup.result_notice_due':
          case 'outbox.delivery_failed':
            ids = await this.notice(m, detail, channel, language);
            break;
          default: {
            const _exhaustive: never = kind;
            return _exhaustive;
          }
        }
      }
      return ids.length
        ? { status: 'delivered', messageIds: { [this.platform]: ids.join(',') } }
        : { status: 'skipped', reason: `nothing to show for ${m.kind}` };
    } catch (err) {
      return this.o.surface.classify(err);
    }
  }

  /** Posts or edits the message recorded under `key` (`row`: the outbox row delivering it, whose lanes may have read the record). */
  private async upsert(key: string, ticketId: string, place: Place, message: Rendered, row?: OutboundMessage): Promise<{ record: PostedMessage; posted: boolean }> {
    const s = this.o.surface;
    const known = await this.cardFor(row, key);
    if (known) {
      try {
        await s.update(known.channel, known.messageId, message);
        return { record: known, posted: false };
      } catch (err) {
        if (!s.isGone(err)) throw err;
        // Someone deleted it: post it again.
      }
    }
    const sent = await s.post(place, message);
    const record: PostedMessage = { key, channel: sent.channel, messageId: sent.id, threadId: null, timelineSeq: known?.timelineSeq ?? 0 };
    await this.o.messages.save(this.platform, ticketId, record);
    return { record, posted: true };
  }

  private async threadOf(card: PostedMessage, ticketId: string, name: string): Promise<Place> {
    const place = await this.o.surface.thread(card, name);
    if (place.threadId !== card.threadId) {
      await this.o.messages.save(this.platform, ticketId, { ...card, threadId: place.threadId });
      card.threadId = place.threadId;
    }
    return place;
  }

  /** The card in one department's channel, then what happened since in its thread, then the coordination sheet. */
  private async syncCard(detail: TicketDetail, departmentId: string, channel: string, language: string, row: OutboundMessage): Promise<string[]> {
    const s = this.o.surface;
    const ctx = this.view(language);
    const card = ticketCard(detail, departmentId, ctx);
    const key = `card:${detail.ticket.id}:${departmentId}`;
    const { record } = await this.upsert(key, detail.ticket.id, { channel }, s.render.card(card), row);
    const ids = [`${record.channel}/${record.messageId}`];
    const entries = timelineEntries(detail.events, record.timelineSeq, ctx, ticketTimeZone(detail, ctx.directory));
    const last = detail.events.at(-1)?.seq ?? 0;
    if (entries.length || detail.tasks.length) {
      let thread: Place;
      try {
        thread = await this.threadOf(record, detail.ticket.id, `${detail.ticket.number} ${detail.ticket.product}`);
      } catch (err) {
        // A channel where threads cannot be started (permissions): the card itself still counts.
        if (s.classify(err).status !== 'failed') throw err;
        this.o.deps.log?.warn({ ticket: detail.ticket.number, err: safeError(err) }, `${this.platform}: no thread for the card`);
        return ids;
      }
      ids.push(...(await this.postEntries(thread, key, entries, [])));
      if (detail.tasks.length) {
        const sheet = await this.upsert(`sheet:${detail.ticket.id}:${departmentId}`, detail.ticket.id, thread, s.render.sheet(coordinationSheet(detail, ctx)));
        ids.push(`${sheet.record.channel}/${sheet.record.messageId}`);
      }
    }
    if (last > record.timelineSeq) await this.o.messages.setTimelineSeq(this.platform, key, last);
    return ids;
  }

  /**
   * Posts timeline entries in a card's thread, as few messages as the platform allows, one
   * message at a time, remembering how far the thread got, so a retry never repeats an entry.
   */
  private async postEntries(thread: Place, cardKey: string, entries: TimelineEntry[], buttons: CardButton[]): Promise<string[]> {
    const s = this.o.surface;
    const ids: string[] = [];
    let pending = entries;
    while (pending.length) {
      const take = coveredByFirstMessage(pending, (e) => s.render.timeline(e));
      const sent = await s.post(thread, s.render.timeline(pending.slice(0, take), take === pending.length ? buttons : [])[0]);
      ids.push(`${sent.channel}/${sent.id}`);
      await this.o.messages.setTimelineSeq(this.platform, cardKey, pending[take - 1]!.seq);
      pending = pending.slice(take);
    }
    return ids;
  }

  /**
   * A customer's message to a department whose card is posted: its timeline entry in the
   * card's thread, with the entries not posted yet before it and a Reply button, in one post
   * where they fit (a flood of messages becomes a few posts). A message an earlier row's
   * post already showed posts nothing. Without a card it is a notice in the channel.
   */
  private async customerMessage(m: OutboundMessage, detail: TicketDetail, channel: string, language: string): Promise<string[]> {
    if (!m.destination.startsWith('department:')) return this.notice(m, detail, channel, language);
    const key = `card:${detail.ticket.id}:${m.destination.slice('department:'.length)}`;
    const card = await this.cardFor(m, key);
    if (!card) return this.notice(m, detail, channel, language);
    const ctx = this.view(language);
    const entries = toldIn(card, detail, m) ? [] : timelineEntries(detail.events, card.timelineSeq, ctx, ticketTimeZone(detail, ctx.directory));
    const thread = await this.threadOf(card, detail.ticket.id, `${detail.ticket.number} ${detail.ticket.product}`);
    if (!entries.length) return [`${thread.channel}/${thread.thread ?? card.messageId}`];
    const reply: CardButton = { action: 'reply', label: translator(language)('desk.action.reply'), value: detail.ticket.number, style: 'primary' };
    return this.postEntries(thread, key, entries, [reply]);
  }

  private async syncTask(detail: TicketDetail, taskId: string, channel: string, language: string): Promise<string[]> {
    const task = detail.tasks.find((t) => t.id === taskId);
    if (!task) return [];
    const { record } = await this.upsert(`task:${task.id}`, detail.ticket.id, { channel }, this.o.surface.render.task(taskCard(detail, task, this.view(language))));
    return [`${record.channel}/${record.messageId}`];
  }

  /** The escalation channel's post (edited on acknowledgement and level-up), or a supervisor's DM. */
  private async syncEscalation(detail: TicketDetail, escalationId: string, channel: string, staffId: string | undefined, language: string): Promise<string[]> {
    const s = this.o.surface;
    const esc = detail.escalations.find((e) => e.id === escalationId);
    if (!esc) return [];
    const post = escalationPost(detail, esc, this.view(language));
    if (!staffId) {
      const { record } = await this.upsert(`esc:${esc.id}`, detail.ticket.id, { channel }, s.render.escalation(post));
      const ids = [`${record.channel}/${record.messageId}`];
      if (esc.status !== 'open') {
        // Closed: the supervisors' DMs lose their Acknowledge button too.
        const prefix = `esc:${esc.id}:dm:`;
        for (const dm of await this.o.messages.withPrefix(this.platform, prefix)) {
          const staff = this.directory.staff(dm.key.slice(prefix.length));
          await s.update(dm.channel, dm.messageId, s.render.escalation(escalationPost(detail, esc, this.view(staff?.language))));
          ids.push(`${dm.channel}/${dm.messageId}`);
        }
      }
      return ids;
    }
    const dm = await this.upsert(`esc:${esc.id}:dm:${staffId}`, detail.ticket.id, { channel }, s.render.escalation(post));
    if (dm.posted) {
      const text = translator(language)('desk.escalation.dm', { number: detail.ticket.number });
      await s.post({ channel: dm.record.channel }, s.render.notice(text, undefined, []));
    }
    return [`${dm.record.channel}/${dm.record.messageId}`];
  }

  /** A one-off notice, posted once per outbox row: in the card's thread for a department, else as a DM. */
  private async notice(m: OutboundMessage, detail: TicketDetail, channel: string, language: string): Promise<string[]> {
    const rendered = staffNotice(m.kind, m.payload, this.view(language));
    if (!rendered) return [];
    const key = `row:${m.id}`;
    const known = await this.o.messages.get(this.platform, key);
    if (known) return [`${known.channel}/${known.messageId}`];
    let place: Place = { channel };
    if (m.destination.startsWith('department:')) {
      const card = await this.o.messages.get(this.platform, `card:${detail.ticket.id}:${m.destination.slice('department:'.length)}`);
      if (card) place = await this.threadOf(card, detail.ticket.id, `${detail.ticket.number} ${detail.ticket.product}`);
    }
    const sent = await this.o.surface.post(place, this.o.surface.render.notice(rendered.text, rendered.quote, rendered.buttons));
    await this.o.messages.save(this.platform, detail.ticket.id, { key, channel: sent.channel, messageId: sent.id, threadId: place.thread ?? null });
    return [`${sent.channel}/${sent.id}`];
  }
}
