import { ErrorCode as SlackErrorCode, type WebClient } from '@slack/web-api';
import type { DeliveryResult, RateLane } from '../../src/app/chat-gateway.js';
import type { PostedMessage } from '../../src/app/ports.js';
import { platformLanes } from '../../src/app/rate-lanes.js';
import type { Place, Rendered, StaffSurface } from '../../src/app/staff-gateway.js';
import type { CardButton, TicketCard } from '../../src/app/desk/card.js';
import type { TaskCard } from '../../src/app/desk/coordination.js';
import type { EscalationPost } from '../../src/app/desk/escalation-post.js';
import type { TimelineEntry } from '../../src/app/desk/timeline.js';
import { cardBlocks, escalationBlocks, noticeBlocks, sheetBlocks, taskBlocks, timelineBlocks, type Block } from './blocks.js';

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

export interface SlackSurfaceOptions {
  client: WebClient;
}

/** The text Slack shows in notifications: the first line of what the blocks say, escaped. */
function fallbackOf(blocks: Block[]): string {
  for (const b of blocks) {
    const text = (b.text as { text?: string } | undefined)?.text ?? (b.elements as { text?: string }[] | undefined)?.[0]?.text;
    if (text) return text.split('\n')[0]!;
  }
  return 'Aftercare';
}

/** Slack as a staff surface: Block Kit messages, chat.postMessage / chat.update, threads by ts. */
export class SlackSurface implements StaffSurface {
  readonly platform = 'slack' as const;

  constructor(private readonly o: SlackSurfaceOptions) {}

  lanes(key: string, channel: string): RateLane[] {
    return platformLanes.slack(key, channel);
  }

  editLanes(key: string): RateLane[] {
    return platformLanes.slackEdit(key);
  }

  async dm(userId: string): Promise<string> {
    const res = await this.o.client.conversations.open({ users: userId });
    return res.channel?.id ?? userId;
  }

  async post(place: Place, message: Rendered): Promise<{ channel: string; id: string }> {
    const blocks = message as Block[];
    const res = await this.o.client.chat.postMessage({
      channel: place.channel,
      text: fallbackOf(blocks),
      blocks,
      unfurl_links: false,
      unfurl_media: false,
      ...(place.thread && { thread_ts: place.thread }),
    });
    return { channel: String(res.channel ?? place.channel), id: String(res.ts) };
  }

  async update(channel: string, id: string, message: Rendered): Promise<void> {
    const blocks = message as Block[];
    await this.o.client.chat.update({ channel, ts: id, text: fallbackOf(blocks), blocks });
  }

  thread(card: PostedMessage): Promise<Place & { threadId: string }> {
    return Promise.resolve({ channel: card.channel, thread: card.messageId, threadId: card.messageId });
  }

  isGone(err: unknown): boolean {
    return isMessageGone(err);
  }

  classify(err: unknown): DeliveryResult {
    return classifySlackError(err);
  }

  readonly render = {
    card: (card: TicketCard) => cardBlocks(card),
    timeline: (entries: TimelineEntry[], buttons?: CardButton[]) => timelineBlocks(entries, buttons),
    sheet: (sheet: { title: string; rows: { line: string; note?: string; outcome?: string }[] }) => sheetBlocks(sheet),
    task: (task: TaskCard) => taskBlocks(task),
    escalation: (post: EscalationPost) => escalationBlocks(post),
    notice: (text: string, quote: string | undefined, buttons: CardButton[]) => noticeBlocks(text, quote, buttons),
  };
}
