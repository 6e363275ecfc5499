import { PgPrivacyStore } from './db/privacy-store.js';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { DiscordAdapter } from '../adapters/discord/index.js';
import type { SlackAdapter } from '../adapters/slack/index.js';
import type { TelegramAdapter } from '../adapters/telegram/index.js';
import { WebhookGateway } from '../adapters/webhook/webhook-gateway.js';
import type { ChatGateway } from './app/chat-gateway.js';
import { FanOutGateway, GatewayRouter } from './app/compose-gateways.js';
import type { UseCaseDeps } from './app/deps.js';
import type { Env } from './config/env.js';
import { safeError } from './core/safe-error.js';
import { resolveApiToken } from './db/api-token.js';
import { PgChatMessageStore } from './db/chat-message-store.js';
import type { Database } from './db/client.js';
import { PgCustomerStore, PgInboundDedup } from './db/customer-store.js';
import { PgDialogStore } from './db/dialog-store.js';
import { resolveLinkSecret } from './db/link-secret.js';
import { PgReports } from './db/reports.js';
import type { PgTicketStore } from './db/ticket-store.js';
import type { AdapterRoutes, HttpOptions } from './http/server.js';

/** What every chat adapter factory returns. */
export interface ChatAdapter {
  gateway: ChatGateway;
  routes: AdapterRoutes;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Adapters {
  telegram: TelegramAdapter | undefined;
  slack: SlackAdapter | undefined;
  discord: DiscordAdapter | undefined;
}

/**
 * What was started, stopped in reverse order: by `close()` and when a start fails half way.
 * Every part is stopped even when one fails; the first failure is rethrown.
 */
export class StopList {
  private readonly parts: { name: string; stop: (graceMs: number | undefined) => Promise<void> | void }[] = [];

  constructor(private readonly logger: Logger) {}

  add(name: string, stop: (graceMs: number | undefined) => Promise<void> | void): void {
    this.parts.push({ name, stop });
  }

  /** `graceMs` bounds how long running jobs may finish (after a failed start: briefly). */
  async stopAll(graceMs?: number): Promise<void> {
    let first: Error | undefined;
    for (const part of this.parts.splice(0).reverse()) {
      try {
        await part.stop(graceMs);
      } catch (err) {
        this.logger.warn({ err: safeError(err), part: part.name }, 'could not stop cleanly');
        first ??= err instanceof Error ? err : new Error(String(err));
      }
    }
    if (first !== undefined) throw first;
  }
}

/**
 * Fields never written to the log (SPEC §9): credentials, and personal data should any log
 * call pass it (names of customers, contacts, what they wrote).
 */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'customer',
  '*.customer',
  'phone',
  '*.phone',
  'email',
  '*.email',
  'description',
  '*.description',
  'text',
  '*.text',
];

/** The app's logger: every `err` logged goes through safeError (no query parameters or customer text); {@link LOG_REDACT} is censored. */
export function appLogger(env: Env, given: Logger | undefined): Logger {
  const serializers = { err: safeError };
  const redact = { paths: LOG_REDACT, censor: '[redacted]' };
  return given ? given.child({}, { serializers, redact }) : pino({ level: env.LOG_LEVEL, serializers, redact });
}

/**
 * The chat adapters the environment configures; none of them is started yet. Each
 * adapter's module (and with it its SDK: node-telegram-bot-api, Bolt, discord.js) is only
 * loaded when the adapter is configured, so a process does not pay for platforms it does
 * not talk to.
 */
export async function createAdapters(env: Env, deps: UseCaseDeps, store: PgTicketStore, database: Database, logger: Logger): Promise<Adapters> {
  const role = env.AFTERCARE_ROLE;
  // Shared by the chat adapters: handled platform event ids, and the staff messages to edit later.
  const dedup = new PgInboundDedup(database.db);
  const messages = new PgChatMessageStore(database.db);
  const reports = new PgReports(database.sql);
  const wantDiscord = Boolean(env.DISCORD_BOT_TOKEN && env.DISCORD_APPLICATION_ID);
  const [telegram, slack, discord] = await Promise.all([
    env.TELEGRAM_BOT_TOKEN ? import('../adapters/telegram/index.js') : undefined,
    env.SLACK_BOT_TOKEN ? import('../adapters/slack/index.js') : undefined,
    wantDiscord ? import('../adapters/discord/index.js') : undefined,
  ]);
  return {
    telegram:
      telegram && env.TELEGRAM_BOT_TOKEN
        ? telegram.createTelegramAdapter({
            token: env.TELEGRAM_BOT_TOKEN,
            apiRoot: env.TELEGRAM_API_URL,
            webhookUrl: env.TELEGRAM_WEBHOOK_URL,
            webhookSecret: env.TELEGRAM_WEBHOOK_SECRET,
            deps,
            customers: new PgCustomerStore(database.db, store),
            dialogs: new PgDialogStore(database.db),
            dedup,
            privacy: new PgPrivacyStore(database.db),
            poll: role !== 'worker',
          })
        : undefined,
    slack:
      slack && env.SLACK_BOT_TOKEN
        ? slack.createSlackAdapter({
            botToken: env.SLACK_BOT_TOKEN,
            signingSecret: env.SLACK_SIGNING_SECRET,
            appToken: env.SLACK_APP_TOKEN,
            apiUrl: env.SLACK_API_URL,
            defaultChannel: env.SLACK_DEFAULT_CHANNEL,
            deps,
            reports,
            messages,
            dedup,
            logger,
          })
        : undefined,
    discord:
      discord && env.DISCORD_BOT_TOKEN && env.DISCORD_APPLICATION_ID
        ? discord.createDiscordAdapter({
            token: env.DISCORD_BOT_TOKEN,
            applicationId: env.DISCORD_APPLICATION_ID,
            publicKey: env.DISCORD_PUBLIC_KEY,
            apiUrl: env.DISCORD_API_URL,
            defaultChannel: env.DISCORD_DEFAULT_CHANNEL,
            deps,
            reports,
            messages,
            dedup,
            logger,
            connect: role !== 'worker',
          })
        : undefined,
  };
}

/** The configured adapters, in start order (Telegram, Slack, Discord). */
export function adapterList(a: Adapters): { name: string; adapter: ChatAdapter }[] {
  return [
    ...(a.telegram ? [{ name: 'telegram', adapter: a.telegram }] : []),
    ...(a.slack ? [{ name: 'slack', adapter: a.slack }] : []),
    ...(a.discord ? [{ name: 'discord', adapter: a.discord }] : []),
  ];
}

/** Where outbox deliveries go: the adapters' gateways, then the outgoing webhook when configured. */
export function gatewayFromEnv(env: Env, platformGateways: ChatGateway[] = []): ChatGateway {
  const gateways: ChatGateway[] = [...platformGateways];
  if (env.AFTERCARE_WEBHOOK_URL) {
    gateways.push(
      new WebhookGateway({
        url: env.AFTERCARE_WEBHOOK_URL,
        secret: env.AFTERCARE_WEBHOOK_SECRET,
        ratePerSecond: env.AFTERCARE_WEBHOOK_RATE,
        perDestinationPerSecond: env.AFTERCARE_WEBHOOK_PER_DESTINATION_RATE,
      }),
    );
  }
  return new GatewayRouter(gateways);
}

/** The adapters' gateways: Telegram for customers; staff messages go to every staff platform (Slack and Discord side by side). */
export function platformGateways(a: Adapters): ChatGateway[] {
  const staff: ChatGateway[] = [...(a.slack ? [a.slack.gateway] : []), ...(a.discord ? [a.discord.gateway] : [])];
  return [...(a.telegram ? [a.telegram.gateway] : []), ...(staff.length > 1 ? [new FanOutGateway(staff)] : staff)];
}

/**
 * Builds the HTTP server (API token and link secret first; a generated token is shown once),
 * registers it in `stops` and listens. Returns the server, its base URL and address.
 */
export async function serveHttp(
  o: Omit<HttpOptions, 'apiTokenHash' | 'linkSecret' | 'publicUrl' | 'logger'> & {
    env: Env;
    database: Database;
    logger: Logger;
    stops: StopList;
    onGeneratedToken: ((token: string) => void) | undefined;
  },
): Promise<{ http: FastifyInstance; url: string; addr: AddressInfo }> {
  const { env, database, logger, stops, onGeneratedToken, ...http } = o;
  if (env.AFTERCARE_API_TOKEN && env.AFTERCARE_API_TOKEN.length < 16) {
    logger.warn('AFTERCARE_API_TOKEN is shorter than 16 characters: use a long random token in production');
  }
  const token = await resolveApiToken(database.db, env.AFTERCARE_API_TOKEN);
  if (token.generated) {
    (onGeneratedToken ?? ((t) => logger.warn(`Generated an API token (shown only this once): ${t} — set AFTERCARE_API_TOKEN to use a token of your own.`)))(
      token.generated,
    );
  }
  const linkSecret = await resolveLinkSecret(database.db);
  // Loaded here, not at the top: a worker process has no HTTP server (Fastify, bull-board, the OpenAPI document).
  const { buildHttpServer } = await import('./http/server.js');
  let url = '';
  const server = await buildHttpServer({
    reports: new PgReports(database.sql),
    privacy: new PgPrivacyStore(database.db),
    ...http,
    apiTokenHash: token.hash,
    linkSecret,
    publicUrl: () => env.AFTERCARE_PUBLIC_URL ?? url,
    logger,
  });
  stops.add('http', () => server.close());
  await server.listen({ port: env.PORT, host: env.HOST });
  const addr = server.server.address() as AddressInfo;
  url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  return { http: server, url, addr };
}
