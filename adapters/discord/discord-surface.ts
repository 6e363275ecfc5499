import { ChannelType, DiscordAPIError, HTTPError, RateLimitError, Routes, ThreadAutoArchiveDuration, type REST } from 'discord.js';
import type { DeliveryResult, RateLane } from '../../src/app/chat-gateway.js';
import type { PostedMessage } from '../../src/app/ports.js';
import { platformLanes } from '../../src/app/rate-lanes.js';
import type { Place, Rendered, StaffSurface } from '../../src/app/staff-gateway.js';
import type { CardButton, TicketCard } from '../../src/app/desk/card.js';
import type { TaskCard } from '../../src/app/desk/coordination.js';
import type { EscalationPost } from '../../src/app/desk/escalation-post.js';
import type { TimelineEntry } from '../../src/app/desk/timeline.js';
import { cardMessage, escalationMessage, noticeMessage, sheetMessage, taskMessage, timelineMessages, type DiscordMessage } from './render.js';

/** Discord JSON error codes that will not go away by trying again. */
const PERMANENT_CODES = new Set([10003, 10004, 10013, 50001, 50007, 50013, 50035, 50083]);
const GONE_CODES = new Set([10008]);

/** Maps a REST failure to what the outbox should do with the message. */
export function classifyDiscordError(err: unknown): DeliveryResult {
  if (err instanceof RateLimitError) return { status: 'retry', error: `discord 429 on ${err.route}`, afterMs: Math.max(1, err.retryAfter) };
  if (err instanceof DiscordAPIError) {
    const error = `discord ${err.status} (${String(err.code)}): ${err.message}`;
    if (err.status === 429) return { status: 'retry', error, afterMs: 1000 };
    if (err.status >= 500) return { status: 'retry', error };
    if (typeof err.code === 'number' && PERMANENT_CODES.has(err.code)) return { status: 'failed', error };
    // Any other 4xx is a request Discord will refuse again.
    if (err.status >= 400) return { status: 'failed', error };
    return { status: 'retry', error };
  }
  if (err instanceof HTTPError) return { status: 'retry', error: `discord http ${err.status}: ${err.message}` };
  return { status: 'retry', error: `discord: ${err instanceof Error ? err.message : String(err)}` };
}

export interface DiscordSurfaceOptions {
  rest: REST;
}

/**
 * Discord as a staff surface: embeds with button rows posted and edited through discord.js's
 * REST client (its queue waits out 429s), a thread per card as the ticket's timeline.
 */
export class DiscordSurface implements StaffSurface {
  readonly platform = 'discord' as const;

  constructor(private readonly o: DiscordSurfaceOptions) {}

  lanes(key: string, channel: string): RateLane[] {
    return platformLanes.discord(key, channel);
  }

  async dm(userId: string): Promise<string> {
    const channel = (await this.o.rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
    return channel.id;
  }

  async post(place: Place, message: Rendered): Promise<{ channel: string; id: string }> {
    const sent = (await this.o.rest.post(Routes.channelMessages(place.channel), { body: message as DiscordMessage })) as { id: string; channel_id?: string };
    return { channel: sent.channel_id ?? place.channel, id: sent.id };
  }

  async update(channel: string, id: string, message: Rendered): Promise<void> {
    await this.o.rest.patch(Routes.channelMessage(channel, id), { body: message as DiscordMessage });
  }

  /** The card's thread (a channel of its own), started from the card the first time. */
  async thread(card: PostedMessage, name: string): Promise<Place & { threadId: string }> {
    if (card.threadId) return { channel: card.threadId, threadId: card.threadId };
    const thread = (await this.o.rest.post(Routes.threads(card.channel, card.messageId), {
      body: { name: name.slice(0, 100), auto_archive_duration: ThreadAutoArchiveDuration.OneWeek, type: ChannelType.PublicThread },
    })) as { id: string };
    return { channel: thread.id, threadId: thread.id };
  }

  isGone(err: unknown): boolean {
    return err instanceof DiscordAPIError && typeof err.code === 'number' && GONE_CODES.has(err.code);
  }

  classify(err: unknown): DeliveryResult {
    return classifyDiscordError(err);
  }

  readonly render = {
    card: (card: TicketCard) => cardMessage(card),
    timeline: (entries: TimelineEntry[], buttons?: CardButton[]) => timelineMessages(entries, buttons),
    sheet: (sheet: { title: string; rows: { line: string; note?: string; outcome?: string }[] }) => sheetMessage(sheet),
    task: (task: TaskCard) => taskMessage(task),
    escalation: (post: EscalationPost) => escalationMessage(post),
    notice: (text: string, quote: string | undefined, buttons: CardButton[]) => noticeMessage(text, quote, buttons),
  };
}
