import { and, eq, like, sql } from 'drizzle-orm';
import type { ChatMessageStore, PostedMessage } from '../app/ports.js';
import type { Db } from './client.js';
import { chatMessages } from './schema.js';

const columns = {
  key: chatMessages.key,
  channel: chatMessages.channel,
  messageId: chatMessages.messageId,
  threadId: chatMessages.threadId,
  timelineSeq: chatMessages.timelineSeq,
};

/** Posted staff-platform messages in Postgres, so cards are edited in place across restarts. */
export class PgChatMessageStore implements ChatMessageStore {
  constructor(private readonly db: Db) {}

  async get(platform: string, key: string): Promise<PostedMessage | undefined> {
    const rows = await this.db
      .select(columns)
      .from(chatMessages)
      .where(and(eq(chatMessages.platform, platform), eq(chatMessages.key, key)));
    return rows[0];
  }

  async save(platform: string, ticketId: string | null, m: Omit<PostedMessage, 'timelineSeq'> & { timelineSeq?: number }): Promise<void> {
    const values = { channel: m.channel, messageId: m.messageId, threadId: m.threadId, updatedAt: new Date() };
    await this.db
      .insert(chatMessages)
      .values({ platform, key: m.key, ticketId, ...values, timelineSeq: m.timelineSeq ?? 0 })
      .onConflictDoUpdate({
        target: [chatMessages.platform, chatMessages.key],
        set: m.timelineSeq === undefined ? values : { ...values, timelineSeq: m.timelineSeq },
      });
  }

  async setTimelineSeq(platform: string, key: string, seq: number): Promise<void> {
    await this.db
      .update(chatMessages)
      .set({ timelineSeq: sql`greatest(${chatMessages.timelineSeq}, ${seq})`, updatedAt: new Date() })
      .where(and(eq(chatMessages.platform, platform), eq(chatMessages.key, key)));
  }

  async withPrefix(platform: string, prefix: string): Promise<PostedMessage[]> {
    const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
    return this.db
      .select(columns)
      .from(chatMessages)
      .where(and(eq(chatMessages.platform, platform), like(chatMessages.key, `${escaped}%`)))
      .orderBy(chatMessages.key);
  }
}
