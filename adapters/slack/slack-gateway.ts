import { createHash } from 'node:crypto';
import { ErrorCode as SlackErrorCode, type WebClient } from '@slack/web-api';
import type { ChatGateway, DeliveryResult, OutboundMessage, RateLane } from '../../src/app/chat-gateway.js';
import type { UseCaseDeps } from '../../src/app/deps.js';
import type { ChatMessageStore, TicketDetail } from '../../src/app/ports.js';
import { platformLanes } from '../../src/app/rate-lanes.js';
import {
  coordinationSheet,
  escalationPost,
  staffNotice,
  taskCard,
  ticketCard,
  timelineEntries,
  type ViewContext,
} from '../../src/app/staff-view.js';
import { translator } from '../../src/i18n/index.js';
import { cardBlocks, escalationBlocks, escapeSlack, noticeBlocks, sheetBlocks, taskBlocks, timelineBlocks, type Block } from './blocks.js';

export const SLACK = 'slack';

/** Slack errors that will not go away by trying again. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'no_text',
  'user_not_found',
  'cannot_dm_bot',
  'restricted_action',
  'invalid_arguments',
]);

function slackError(err: unknown): { code: string | undefined; platform?: string; retryAfterMs?: number; status?: number } {
  const e = err as { code?: string; data?: { error?: string }; retryAfter?: number; statusCode?: number; message?: string };
  return {
    code: e.code,
    ...(e.data?.error !== undefined && { platform: e.data.error }),
    ...(e.retryAfter !== undefined && { retryAfterMs: e.retryAfter * 1000 }),
    ...(e.statusCode !== undefined && { status: e.statusCode }),
  };
}

/** Maps a Web API failure to what the outbox should do with the message. */
export function classifySlackError(err: unknown): DeliveryResult {
  const e = slackError(err);
  const message = err instanceof Error ? err.message : String(err);
  if (e.code === String(SlackErrorCode.RateLimitedError)) return { status: 'retry', error: `slack 429: ${message}`, afterMs: e.retryAfterMs ?? 1000 };
  if (e.code === String(SlackErrorCode.PlatformError)) {
    if (e.platform === 'ratelimited') return { status: 'retry', error: 'slack ratelimited', afterMs: 1000 };
    if (e.platform && PERMANENT.has(e.platform)) return { status: 'failed', error: `slack ${e.platform}` };
    return { status: 'retry', error: `slack ${e.platform ?? message}` };
  }
  return { status: 'retry', error: `slack: ${message}` };
}

export function isMessageGone(err: unknown): boolean {
  const e = slackError(err);
  return e.code === String(SlackErrorCode.PlatformError) && (e.platform === 'message_not_found' || e.platform === 'cant_update_message');
}

export interface SlackGatewayOptions {
  client: WebClient;
  token: string;
  deps: UseCaseDeps;
  messages: ChatMessageStore;
  /** Channel for departments without a Slack channel, and for escalations when none is set. */
  defaultChannel?: string | undefined;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/**
 * Delivers the staff side of the outbox to Slack (SPEC §5–7): ticket cards in department
 * channels (posted once, then edited in place, with the ticket's timeline and coordination
 * sheet in the card's thread), coordination task cards, escalation posts and DMs, and
 * one-off notices. Every delivery is idempotent — what was posted is recorded under a key
 * — so a retried row never posts twice.
 */
export class SlackGateway implements ChatGateway {
  private readonly team: string;
  private readonly dms = new Map<string, string>();

  constructor(private readonly o: SlackGatewayOptions) {
    this.team = createHash('sha256').update(o.token).digest('hex').slice(0, 12);
  }

  private get directory() {
    return this.o.deps.directory;
  }

  private view(language?: string): ViewContext {
    return { directory: this.directory, now: this.o.deps.now(), language: language ?? this.directory.config.defaultLanguage };
  }

  /** The channel a department's cards go to. */
  departmentChannel(departmentId: string): string | undefined {
    return this.directory.department(departmentId)?.channels.slack ?? this.o.defaultChannel;
  }

  escalationChannel(): string | undefined {
    return this.directory.config.escalation.channels.slack ?? this.o.defaultChannel;
  }

  private target(destination: string): { channel: string; language?: string; staffId?: string } | undefined {
    if (destination === 'escalation') {
      const channel = this.escalationChannel();
      return channel ? { channel } : undefined;
    }
    if (destination.startsWith('department:')) {
      const channel = this.departmentChannel(destination.slice('department:'.length));
      return channel ? { channel } : undefined;
    }
    if (destination.startsWith('staff:')) {
      const staff = this.directory.staff(destination.slice('staff:'.length));
      if (!staff?.slack) return undefined;
      return { channel: staff.slack, staffId: staff.id, ...(staff.language && { language: staff.language }) };
    }
    return undefined;
  }

  lanes(destination: string): Promise<RateLane[] | undefined> {
    const target = this.target(destination);
    return Promise.resolve(target ? platformLanes.slack(this.team, target.channel) : undefined);
  }

  /** The DM channel with a user (conversations.open), cached. */
  private async dm(userId: string): Promise<string> {
    const known = this.dms.get(userId);
    if (known) return known;
    const res = await this.o.client.conversations.open({ users: userId });
    const id = res.channel?.id ?? userId;
    this.dms.set(userId, id);
    return id;
  }

  async deliver(m: OutboundMessage): Promise<DeliveryResult> {
    const target = this.target(m.destination);
    if (!target) return { status: 'skipped', reason: `no Slack channel for ${m.destination}` };
    const number = str(m.payload.number);
    try {
      const detail = number ? await this.o.deps.store.get(number) : undefined;
      if (!detail) return { status: 'skipped', reason: `ticket ${number || '(none)'} not found` };
      const channel = target.staffId ? await this.dm(target.channel) : target.channel;
      const language = target.language ?? this.directory.config.defaultLanguage;
      let ids: string[];
      switch (m.kind) {
        case 'ticket.card':
        case 'ticket.card_update':
          if (!m.destination.startsWith('department:')) return { status: 'skipped', reason: 'cards go to department channels' };
          ids = await this.syncCard(detail, m.destination.slice('department:'.length), channel, language);
          break;
        case 'coordination.task':
        case 'coordination.task_update':
          ids = await this.syncTask(detail, str(m.payload.taskId), channel, language);
          break;
        case 'escalation.ping':
        case 'escalation.acknowledged':
          ids = await this.syncEscalation(detail, str(m.payload.escalationId), channel, target.staffId, language);
          break;
        default:
          ids = await this.notice(m, detail, channel, language);
      }
      return ids.length ? { status: 'delivered', messageIds: { slack: ids.join(',') } } : { status: 'skipped', reason: `nothing to show for ${m.kind}` };
    } catch (err) {
      return classifySlackError(err);
    }
  }

  /** Posts or edits a message recorded under `key`; returns `channel/ts`. */
  private async upsert(
    key: string,
    ticketId: string,
    channel: string,
    text: string,
    blocks: Block[],
    thread?: string,
  ): Promise<{ id: string; ts: string; posted: boolean }> {
    const known = await this.o.messages.get(SLACK, key);
    if (known) {
      try {
        await this.o.client.chat.update({ channel: known.channel, ts: known.messageId, text, blocks });
        return { id: `${known.channel}/${known.messageId}`, ts: known.messageId, posted: false };
      } catch (err) {
        if (!isMessageGone(err)) throw err;
        // Someone deleted it: post it again below.
      }
    }
    const res = await this.o.client.chat.postMessage({
      channel,
      text,
      blocks,
      unfurl_links: false,
      unfurl_media: false,
      ...(thread && { thread_ts: thread }),
    });
    const ts = String(res.ts);
    const ch = String(res.channel ?? channel);
    await this.o.messages.save(SLACK, ticketId, { key, channel: ch, messageId: ts, threadId: thread ?? ts, ...(known ? { timelineSeq: known.timelineSeq } : {}) });
    return { id: `${ch}/${ts}`, ts, posted: true };
  }

  /** The card in one department's channel, then what happened since in its thread, then the coordination sheet. */
  private async syncCard(detail: TicketDetail, departmentId: string, channel: string, language: string): Promise<string[]> {
    const ctx = this.view(language);
    const card = ticketCard(detail, departmentId, ctx);
    const key = `card:${detail.ticket.id}:${departmentId}`;
    const posted = await this.upsert(key, detail.ticket.id, channel, escapeSlack(card.fallback), cardBlocks(card));
    const ids = [posted.id];
    const record = await this.o.messages.get(SLACK, key);
    const cardChannel = record?.channel ?? channel;
    const fromSeq = record?.timelineSeq ?? 0;
    const entries = timelineEntries(detail.events, fromSeq, ctx);
    for (const blocks of timelineBlocks(entries)) {
      const res = await this.o.client.chat.postMessage({ channel: cardChannel, thread_ts: posted.ts, text: escapeSlack(card.number), blocks, unfurl_links: false });
      ids.push(`${cardChannel}/${String(res.ts)}`);
    }
    const last = detail.events.at(-1)?.seq ?? 0;
    if (last > fromSeq) await this.o.messages.setTimelineSeq(SLACK, key, last);
    if (detail.tasks.length) {
      const sheet = coordinationSheet(detail, ctx);
      const s = await this.upsert(`sheet:${detail.ticket.id}:${departmentId}`, detail.ticket.id, cardChannel, escapeSlack(sheet.title), sheetBlocks(sheet), posted.ts);
      ids.push(s.id);
    }
    return ids;
  }

  private async syncTask(detail: TicketDetail, taskId: string, channel: string, language: string): Promise<string[]> {
    const task = detail.tasks.find((t) => t.id === taskId);
    if (!task) return [];
    const card = taskCard(detail, task, this.view(language));
    const posted = await this.upsert(`task:${task.id}`, detail.ticket.id, channel, escapeSlack(card.title), taskBlocks(card));
    return [posted.id];
  }

  /** The escalation channel's post (updated on acknowledgement and level-up), or a supervisor's DM. */
  private async syncEscalation(detail: TicketDetail, escalationId: string, channel: string, staffId: string | undefined, language: string): Promise<string[]> {
    const esc = detail.escalations.find((e) => e.id === escalationId);
    if (!esc) return [];
    const post = escalationPost(detail, esc, this.view(language));
    const text = escapeSlack(post.fallback);
    if (!staffId) {
      const ids = [(await this.upsert(`esc:${esc.id}`, detail.ticket.id, channel, text, escalationBlocks(post))).id];
      if (esc.status !== 'open') {
        // Closed: the supervisors' DMs lose their Acknowledge button too.
        for (const dm of await this.o.messages.withPrefix(SLACK, `esc:${esc.id}:dm:`)) {
          const staff = this.directory.staff(dm.key.slice(`esc:${esc.id}:dm:`.length));
          const p = escalationPost(detail, esc, this.view(staff?.language));
          await this.o.client.chat.update({ channel: dm.channel, ts: dm.messageId, text: escapeSlack(p.fallback), blocks: escalationBlocks(p) });
          ids.push(`${dm.channel}/${dm.messageId}`);
        }
      }
      return ids;
    }
    const key = `esc:${esc.id}:dm:${staffId}`;
    const dm = await this.upsert(key, detail.ticket.id, channel, text, escalationBlocks(post));
    if (dm.posted) {
      const t = translator(language);
      await this.o.client.chat.postMessage({ channel, thread_ts: dm.ts, text: escapeSlack(t('desk.escalation.dm', { number: detail.ticket.number })) });
    }
    return [dm.id];
  }

  /** A one-off notice, posted once per outbox row: in the card's thread for a department, else as a DM. */
  private async notice(m: OutboundMessage, detail: TicketDetail, channel: string, language: string): Promise<string[]> {
    const rendered = staffNotice(m.kind, m.payload, this.view(language));
    if (!rendered) return [];
    const key = `row:${m.id}`;
    const known = await this.o.messages.get(SLACK, key);
    if (known) return [`${known.channel}/${known.messageId}`];
    let thread: string | undefined;
    if (m.destination.startsWith('department:')) {
      thread = (await this.o.messages.get(SLACK, `card:${detail.ticket.id}:${m.destination.slice('department:'.length)}`))?.messageId;
    }
    const res = await this.o.client.chat.postMessage({
      channel,
      text: escapeSlack(rendered.text),
      blocks: noticeBlocks(rendered.text, rendered.quote, rendered.buttons),
      unfurl_links: false,
      ...(thread && { thread_ts: thread }),
    });
    const ts = String(res.ts);
    const ch = String(res.channel ?? channel);
    await this.o.messages.save(SLACK, detail.ticket.id, { key, channel: ch, messageId: ts, threadId: thread ?? null });
    return [`${ch}/${ts}`];
  }
}
