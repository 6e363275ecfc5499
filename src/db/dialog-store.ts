import { and, eq, sql } from 'drizzle-orm';
import type { DialogStore } from '../app/ports.js';
import type { Db } from './client.js';
import { chatDialogs } from './schema.js';

export class PgDialogStore<S> implements DialogStore<S> {
  constructor(private readonly db: Db) {}

  async get(platform: string, chatId: string): Promise<{ language: string; state: S | null } | undefined> {
    const [r] = await this.db
      .select()
      .from(chatDialogs)
      .where(and(eq(chatDialogs.platform, platform), eq(chatDialogs.chatId, chatId)));
    return r ? { language: r.language, state: (r.state as { v: S | null }).v } : undefined;
  }

  async save(platform: string, chatId: string, language: string, state: S | null): Promise<void> {
    await this.db
      .insert(chatDialogs)
      .values({ platform, chatId, language, state: { v: state }, updatedAt: new Date() })
      .onConflictDoUpdate({
        target: [chatDialogs.platform, chatDialogs.chatId],
        set: { language, state: { v: state }, updatedAt: sql`now()` },
      });
  }
}
