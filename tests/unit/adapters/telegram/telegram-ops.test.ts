import { getEventListeners } from 'node:events';
import { Api } from 'node-telegram-bot-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramAdapter, pollUpdates } from '../../../../adapters/telegram/index.js';
import type { UseCaseDeps } from '../../../../src/app/deps.js';
import { FakeTelegram } from '../../../../src/emulators/telegram.js';
import { waitFor } from '../../../helpers/wait.js';

const TOKEN = '123456:OPS-TEST-TOKEN';
const NGINX_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

let tg: FakeTelegram;
beforeEach(async () => {
  tg = await new FakeTelegram(TOKEN).start();
});
afterEach(async () => {
  await tg.stop();
});

type Logged = { obj: Record<string, unknown>; msg: string };

/** The adapter with only what start() needs: a logger (no database; it does not poll here). */
function adapterWithLog(logged: Logged[]) {
  const log = { warn: (obj: object, msg: string) => logged.push({ obj: obj as Record<string, unknown>, msg }), info: () => {} };
  return createTelegramAdapter({
    token: TOKEN,
    apiRoot: tg.apiRoot,
    deps: { log } as unknown as UseCaseDeps,
    customers: {} as never,
    dialogs: {} as never,
    dedup: {} as never,
    poll: false,
  });
}

describe('setMyCommands failures that are not Bot API answers', () => {
  it('are logged with the HTTP status and body, never as "undefined: undefined"', async () => {
    // A proxy in front of the Bot API: nginx's 502 page for the English commands, a JSON 404 of its
    // own (not Telegram-shaped) for the Chinese ones; its 404 page echoes the path with the token.
    tg.answerRawWhile(({ method, params }) => {
      if (method !== 'setMyCommands') return undefined;
      if (params.language_code === 'zh') return { status: 404, body: JSON.stringify({ message: `Cannot POST /bot${TOKEN}/setMyCommands` }), contentType: 'application/json' };
      return { status: 502, body: NGINX_502 };
    });
    const logged: Logged[] = [];
    await adapterWithLog(logged).start();

    const en = logged.find((l) => l.msg === 'telegram setMyCommands (en) failed');
    const zh = logged.find((l) => l.msg === 'telegram setMyCommands (zh) failed');
    expect(en?.obj).toMatchObject({ status: 502 });
    expect(en?.obj.body).toContain('<title>502 Bad Gateway</title>');
    expect(zh?.obj).toMatchObject({ status: 404 });
    expect(zh?.obj.body).toContain('Cannot POST /bot<token>/setMyCommands');
    const text = JSON.stringify(logged);
    expect(text).not.toContain('undefined');
    expect(text).not.toContain(TOKEN);
  });

  it('a Bot API error keeps its code and description', async () => {
    tg.failNext('setMyCommands', 1, { status: 400, description: 'Bad Request: BOT_COMMAND_INVALID' });
    const logged: Logged[] = [];
    await adapterWithLog(logged).start();
    expect(logged).toHaveLength(1);
    expect(logged[0]!.obj).toEqual({ err: '400: Bad Request: BOT_COMMAND_INVALID', status: 400 });
  });
});

describe('long polling against a server that answers getUpdates at once', () => {
  it('leaves no abort listener behind per request (no MaxListenersExceededWarning)', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const abort = new AbortController();
    const api = new Api(TOKEN, { apiRoot: tg.apiRoot, maxRetries: 0 });
    const errors: unknown[] = [];
    // timeout 0: the server answers an empty list at once, like one that ignores the long-poll timeout.
    const loop = (async () => {
      for await (const _ of pollUpdates(api, abort.signal, (e) => errors.push(e), { timeoutSeconds: 0, idlePauseMs: 1 })) {
        // no updates are ever queued
      }
    })();
    const polls = () => tg.calls.filter((c) => c.method === 'getUpdates').length;
    let most = 0;
    await waitFor(() => {
      most = Math.max(most, getEventListeners(abort.signal, 'abort').length);
      return polls() >= 30;
    }, 20_000, '30 getUpdates');
    most = Math.max(most, getEventListeners(abort.signal, 'abort').length);
    abort.abort();
    await loop;
    await new Promise((r) => setImmediate(r)); // a warning is emitted on the next tick
    process.off('warning', onWarning);

    expect(errors).toEqual([]);
    expect(most).toBeLessThanOrEqual(2);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

describe('a Bot API request that is never answered', () => {
  it('times out (injected short timeout): the update loop goes on with the next customers', async () => {
    const claimed = new Set<string>();
    const logged: Logged[] = [];
    const log = { warn: (obj: object, msg: string) => logged.push({ obj: obj as Record<string, unknown>, msg }), info: () => {} };
    const adapter = createTelegramAdapter({
      token: TOKEN,
      apiRoot: tg.apiRoot,
      deps: { log } as unknown as UseCaseDeps,
      customers: { byTelegramChat: () => Promise.resolve(undefined) } as never,
      dialogs: { get: () => Promise.resolve(undefined), save: () => Promise.resolve() },
      dedup: {
        claim: (_p, id) => Promise.resolve(!claimed.has(id) && Boolean(claimed.add(id))),
        release: (_p, id) => Promise.resolve(void claimed.delete(id)),
      },
      poll: true,
      requestTimeoutMs: 300,
    });
    // The first answer to chat 1 hangs (no status, no body), as a server or proxy may leave it.
    tg.hangNext('sendMessage', 1, ({ params }) => params.chat_id === 1);
    await adapter.start();
    try {
      tg.userSends(1, '/help');
      tg.userSends(2, '/help');
      tg.userSends(3, '/help');
      // Chat 1's answer is sent again once the hung request timed out; chats 2 and 3 follow in order.
      const third = await tg.waitForMessage(3, '/new', 10_000);
      expect(tg.hung.map((h) => [h.method, h.params.chat_id])).toEqual([['sendMessage', 1]]);
      const answered = tg.sent().map((p) => p.chat_id);
      expect(answered).toEqual([1, 2, 3]);
      expect(third.at - tg.hung[0]!.at).toBeLessThan(10_000);
    } finally {
      await adapter.stop();
    }
  });
});
