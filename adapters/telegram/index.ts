import { createHash, timingSafeEqual } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { Api, Bot, type Update } from 'node-telegram-bot-api';
import { z } from 'zod';
import type { UseCaseDeps } from '../../src/app/deps.js';
import type { DialogState } from '../../src/app/intake-dialog.js';
import type { CustomerStore, DialogStore, InboundDedup, PrivacyStore } from '../../src/app/ports.js';
import type { AdapterRoutes } from '../../src/http/server.js';
import { en } from '../../src/i18n/en.js';
import { zhCN } from '../../src/i18n/zh-CN.js';
import { botApiFetch, describeTelegramError } from './bot-api-fetch.js';
import { CallbackSigner } from './callback-data.js';
import { TelegramConversation } from './telegram-bot.js';
import { TelegramGateway } from './telegram-gateway.js';

export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';

export interface TelegramOptions {
  token: string;
  apiRoot?: string | undefined;
  webhookUrl?: string | undefined;
  webhookSecret?: string | undefined;
  deps: UseCaseDeps;
  customers: CustomerStore;
  dialogs: DialogStore<DialogState>;
  dedup: InboundDedup;
  /** Customer data export and erasure for /privacy. */
  privacy?: PrivacyStore | undefined;
  /** Poll getUpdates (when no webhook URL is set) in this process. */
  poll: boolean;
  /**
   * A Bot API call other than the long poll gives up after this many ms (default 15 s), so a request
   * the server never answers cannot hold the update loop (the SDK's own default is 5 minutes).
   * getUpdates waits its long-poll `timeout` plus 10 s (the SDK's rule).
   */
  requestTimeoutMs?: number | undefined;
}

const REQUEST_TIMEOUT_MS = 15_000;

export interface TelegramAdapter {
  gateway: TelegramGateway;
  bot: Bot;
  /** The webhook on the app's fastify (webhook mode only). */
  routes: AdapterRoutes;
  /** Registers commands (and the webhook), then starts polling unless in webhook mode. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const updateShape = z.looseObject({ update_id: z.number().int().nonnegative() });

/**
 * Waits `ms`, or less when `signal` aborts. timers/promises removes its abort listener when the
 * time is up: the polling signal lives as long as the process, and a listener left behind per
 * pause would pile up (MaxListenersExceededWarning after ten quick empty answers).
 */
const sleep = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined);

export interface PollOptions {
  /** getUpdates `timeout` (seconds the server holds an empty answer). */
  timeoutSeconds?: number;
  /** Pause after an empty answer that came back sooner than 500 ms. */
  idlePauseMs?: number;
}

/**
 * Long polling like the SDK's own loop (the offset advances once an update is handled),
 * but it never spins: a Bot API server that answers an empty getUpdates at once, ignoring
 * `timeout`, is asked again after a pause, and errors back off.
 */
export async function* pollUpdates(
  api: Api,
  signal: AbortSignal,
  onError: (err: unknown) => void,
  { timeoutSeconds = 25, idlePauseMs = 500 }: PollOptions = {},
): AsyncGenerator<Update> {
  let offset: number | undefined;
  while (!signal.aborted) {
    const started = Date.now();
    let updates: Update[];
    try {
      updates = await api.getUpdates(
        { ...(offset !== undefined && { offset }), timeout: timeoutSeconds, allowed_updates: ['message', 'callback_query'] },
        signal,
      );
    } catch (err) {
      if (signal.aborted) return;
      onError(err);
      const retryAfter = (err as { retryAfter?: number }).retryAfter;
      await sleep(retryAfter ? retryAfter * 1000 : 1000, signal);
      continue;
    }
    if (updates.length === 0 && Date.now() - started < 500) await sleep(idlePauseMs, signal);
    for (const update of updates) {
      yield update;
      offset = update.update_id + 1;
    }
  }
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The Telegram adapter (node-telegram-bot-api 2.x): long polling by default, webhook mode
 * with TELEGRAM_WEBHOOK_URL (checked with the secret token header), commands in en and zh.
 */
export function createTelegramAdapter(o: TelegramOptions): TelegramAdapter {
  // botApiFetch: an answer that is not the Bot API's (a proxy's error page) keeps its status and body.
  const transport = {
    ...(o.apiRoot && { apiRoot: o.apiRoot.replace(/\/$/, '') }),
    fetch: botApiFetch(o.token),
    timeoutMs: o.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
  };
  // Conversation replies may retry a 429 in place; outbox deliveries never do (the outbox does).
  const bot = new Bot(o.token, { ...transport, maxRetries: 2, maxRetryAfterMs: 10_000 });
  const outboundApi = new Api(o.token, { ...transport, maxRetries: 0 });
  const signer = new CallbackSigner(createHash('sha256').update(`aftercare-callback|${o.token}`).digest('hex'));
  const botId = o.token.split(':')[0] ?? 'bot';
  const gateway = new TelegramGateway(outboundApi, botId, o.customers, signer);
  const conversation = new TelegramConversation({ deps: o.deps, api: bot.api, customers: o.customers, dialogs: o.dialogs, dedup: o.dedup, signer, privacy: o.privacy });
  conversation.register(bot);
  bot.catch((err) => {
    o.deps.log?.warn(describeTelegramError(err), 'telegram update failed');
  });
  let polling: Promise<void> | undefined;
  const pollAbort = new AbortController();
  const warn = (what: string) => (err: unknown) => o.deps.log?.warn(describeTelegramError(err), what);

  const commands = (c: typeof en) =>
    (['new', 'status', 'language', 'privacy', 'cancel', 'help'] as const).map((command) => ({ command, description: c.commands[command] }));

  const webhookSecret = o.webhookUrl ? o.webhookSecret : undefined;
  const serveWebhook = (app: FastifyInstance, secret: string) => {
    app.post(TELEGRAM_WEBHOOK_PATH, async (req, reply) => {
      const given = req.headers['x-telegram-bot-api-secret-token'];
      if (!sameSecret(Array.isArray(given) ? given[0] : given, secret)) {
        req.log.warn('telegram webhook with a wrong or missing secret token');
        return reply.code(401).send({ error: { code: 'unauthorized', message: 'wrong or missing X-Telegram-Bot-Api-Secret-Token' } });
      }
      const parsed = updateShape.safeParse(req.body);
      if (!parsed.success) {
        return reply.code(400).send({ error: { code: 'validation_failed', message: 'body must be a Telegram Update with update_id' } });
      }
      await bot.handleUpdate(parsed.data as unknown as Update);
      return reply.code(200).send({ ok: true });
    });
  };

  return {
    gateway,
    bot,
    routes: webhookSecret ? { fastify: (app) => serveWebhook(app, webhookSecret) } : {},
    async start() {
      const api = bot.api;
      // Registration problems are logged, not fatal: the bot still answers, and the next start retries.
      await api.setMyCommands({ commands: commands(en) }).catch(warn('telegram setMyCommands (en) failed'));
      await api.setMyCommands({ commands: commands(zhCN), language_code: 'zh' }).catch(warn('telegram setMyCommands (zh) failed'));
      if (o.webhookUrl && o.webhookSecret) {
        await api
          .setWebhook({ url: o.webhookUrl, secret_token: o.webhookSecret, allowed_updates: ['message', 'callback_query'] })
          .catch(warn('telegram setWebhook failed'));
        return;
      }
      if (!o.poll) return;
      await api.deleteWebhook({}).catch(() => undefined);
      polling = bot
        .startPolling(pollUpdates(api, pollAbort.signal, warn('telegram polling error')))
        .catch(warn('telegram polling stopped'));
    },
    async stop() {
      pollAbort.abort();
      if (bot.isRunning()) bot.stop();
      await polling;
    },
  };
}
