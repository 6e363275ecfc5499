import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgChatMessageStore } from '../../src/db/chat-message-store.js';
import { PgInboundDedup } from '../../src/db/customer-store.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await freshDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

describe('inbound dedup', () => {
  it('claims an id once per platform, releases it, and prunes only ids older than the cut-off', async () => {
    const dedup = new PgInboundDedup(tdb.database.db);
    expect(await dedup.claim('slack', 'Ev1')).toBe(true);
    expect(await dedup.claim('slack', 'Ev1')).toBe(false);
    expect(await dedup.claim('discord', 'Ev1')).toBe(true);
    await dedup.release('slack', 'Ev1');
    expect(await dedup.claim('slack', 'Ev1')).toBe(true);

    await tdb.database.sql`insert into inbound_dedup (platform, event_id, received_at) values ('telegram', 'old-1', now() - interval '8 days'), ('telegram', 'old-2', now() - interval '9 days')`;
    const pruned = await dedup.prune(new Date(Date.now() - 7 * 24 * 3600_000));
    expect(pruned).toBe(2);
    expect(await dedup.claim('telegram', 'old-1')).toBe(true);
    // Recent ids survive pruning.
    expect(await dedup.claim('slack', 'Ev1')).toBe(false);
  });
});

describe('chat messages', () => {
  it('saves, replaces, advances the timeline monotonically and lists by key prefix (prefix taken literally)', async () => {
    const store = new PgChatMessageStore(tdb.database.db);
    await store.save('slack', null, { key: 'esc:e1', channel: 'C1', messageId: '1.1', threadId: null });
    await store.save('slack', null, { key: 'esc:e1:dm:erin', channel: 'D1', messageId: '2.1', threadId: null });
    await store.save('slack', null, { key: 'esc_e1:dm:x', channel: 'D2', messageId: '3.1', threadId: null });
    await store.save('discord', null, { key: 'esc:e1:dm:erin', channel: '9', messageId: '9', threadId: null });
    expect((await store.withPrefix('slack', 'esc:e1:dm:')).map((m) => m.key)).toEqual(['esc:e1:dm:erin']);
    expect((await store.withPrefix('slack', 'esc:e1')).map((m) => m.key)).toEqual(['esc:e1', 'esc:e1:dm:erin']);

    await store.setTimelineSeq('slack', 'esc:e1', 5);
    await store.setTimelineSeq('slack', 'esc:e1', 3);
    expect((await store.get('slack', 'esc:e1'))?.timelineSeq).toBe(5);
    // Re-posting (the message was deleted) keeps how far the timeline got unless told otherwise.
    await store.save('slack', null, { key: 'esc:e1', channel: 'C1', messageId: '4.1', threadId: '4.1' });
    expect(await store.get('slack', 'esc:e1')).toEqual({ key: 'esc:e1', channel: 'C1', messageId: '4.1', threadId: '4.1', timelineSeq: 5 });
    expect(await store.get('slack', 'nothing')).toBeUndefined();
  });
});
