import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Client, Events, GatewayDispatchEvents, GatewayIntentBits, REST, Routes } from 'discord.js';
import type { Logger } from 'pino';
import type { ReportSource } from '../../src/app/reports.js';
import type { UseCaseDeps } from '../../src/app/deps.js';
import type { ChatMessageStore, InboundDedup } from '../../src/app/ports.js';
import { StaffGateway } from '../../src/app/staff-gateway.js';
import type { AdapterRoutes, RawRoutes } from '../../src/http/server.js';
import { DiscordSurface } from './discord-surface.js';
import { createInteractionHandler, type InteractionResponse } from './interactions.js';
import { safeError } from '../../src/core/safe-error.js';

export const DISCORD_INTERACTIONS_PATH = '/discord/interactions';

export interface DiscordOptions {
  token: string;
  applicationId: string;
  /** Enables the HTTP interactions endpoint (Ed25519-checked). */
  publicKey?: string | undefined;
  /** REST base, e.g. http://127.0.0.1:9000/api (tests); the gateway URL comes from its /gateway/bot. */
  apiUrl?: string | undefined;
  defaultChannel?: string | undefined;
  deps: UseCaseDeps;
  /** Report aggregates for `/aftercare stats` (off without them). */
  reports?: ReportSource | undefined;
  messages: ChatMessageStore;
  dedup: InboundDedup;
  logger: Logger;
  /** Connect to the gateway to receive interactions (off in worker-only processes). */
  connect: boolean;
  /** How long start() waits for the gateway before going on (default 30 s). */
  readyTimeoutMs?: number;
}

export interface DiscordAdapter {
  client: Client | undefined;
  rest: REST;
  gateway: StaffGateway;
  /** The HTTP interactions endpoint (with a public key). */
  routes: AdapterRoutes;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A raw 32-byte Ed25519 public key (hex, as the Developer Portal shows it) as a KeyObject. */
export function ed25519PublicKey(hex: string): KeyObject {
  return createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

/** Discord's request signature: Ed25519 over timestamp + raw body. */
export function verifyDiscordSignature(key: KeyObject, signatureHex: string, timestamp: string, body: Buffer): boolean {
  if (!/^[0-9a-f]{128}$/i.test(signatureHex) || !timestamp) return false;
  try {
    return verify(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), body]), key, Buffer.from(signatureHex, 'hex'));
  } catch {
    return false;
  }
}

const MAX_BODY = 256 * 1024;

/** Past this, a too-large body is no longer read to its end: the 413 goes out and the connection is closed. */
const MAX_DRAIN = 4 * 1024 * 1024;

/**
 * The request body, or undefined when it is over {@link MAX_BODY}. A too-large body is read
 * to its end (and dropped) before the caller answers, so the client gets the 413 instead of a
 * reset connection; one over {@link MAX_DRAIN} stops being read once `onAbandon` answered.
 */
function readBody(req: IncomingMessage, onAbandon: () => void): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
      else if (size > MAX_DRAIN && !settled) {
        settled = true;
        req.pause();
        onAbandon();
        resolve(undefined);
      }
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * The Discord staff workspace: the discord.js gateway client receiving interactions (and
 * an optional HTTP interactions endpoint), and the gateway posting cards through
 * discord.js's REST client, whose queue waits out 429s; long waits go back to the outbox.
 */
export function createDiscordAdapter(o: DiscordOptions): DiscordAdapter {
  const rest = new REST({
    version: '10',
    ...(o.apiUrl && { api: o.apiUrl.replace(/\/+$/, '') }),
    // Short rate-limit waits are queued by discord.js; anything longer is handed back to the outbox.
    rejectOnRateLimit: (limit) => limit.retryAfter > 10_000,
    retries: 1,
  }).setToken(o.token);
  const log = o.logger.child({ platform: 'discord' });
  const surface = new DiscordSurface({ rest });
  const gateway = new StaffGateway({ surface, deps: o.deps, messages: o.messages, botKey: o.applicationId, defaultChannel: o.defaultChannel });
  const handle = createInteractionHandler({ deps: o.deps, reports: o.reports, rest, applicationId: o.applicationId, dedup: o.dedup, logger: log });
  const key = o.publicKey ? ed25519PublicKey(o.publicKey) : undefined;

  let client: Client | undefined;
  if (o.connect) {
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { ...(o.apiUrl && { api: o.apiUrl.replace(/\/+$/, '') }) } });
    client.ws.on(GatewayDispatchEvents.InteractionCreate, (data: { id?: string; token?: string }) => {
      const respond = async (body: InteractionResponse) => {
        await rest.post(Routes.interactionCallback(String(data.id), String(data.token)), { body, auth: false });
      };
      handle(data, respond).catch((err: unknown) => log.error({ err: safeError(err) }, 'discord: interaction handler failed'));
    });
    client.on(Events.Error, (err) => log.warn({ err: safeError(err) }, 'discord client error'));
  }

  const addRoutes = (routes: RawRoutes): void => {
    if (!key) return;
    routes.set(DISCORD_INTERACTIONS_PATH, (req, res) => {
      void (async () => {
        if (req.method !== 'POST') return json(res, 405, { error: { code: 'method_not_allowed', message: 'POST interactions here' } });
        const tooLarge = () => {
          res.setHeader('connection', 'close');
          json(res, 413, { error: { code: 'payload_too_large', message: `body over ${MAX_BODY} bytes` } });
        };
        const body = await readBody(req, () => {
          tooLarge();
          res.once('finish', () => req.destroy());
        });
        if (!body) return tooLarge();
        const signature = String(req.headers['x-signature-ed25519'] ?? '');
        const timestamp = String(req.headers['x-signature-timestamp'] ?? '');
        if (!verifyDiscordSignature(key, signature, timestamp, body)) {
          log.warn({ ip: req.socket.remoteAddress }, 'discord: interaction with a bad signature rejected');
          return json(res, 401, { error: { code: 'unauthorized', message: 'invalid request signature' } });
        }
        let payload: unknown;
        try {
          payload = JSON.parse(body.toString('utf8'));
        } catch {
          return json(res, 400, { error: { code: 'validation_failed', message: 'body must be JSON' } });
        }
        let answered = false;
        await handle(payload, (answer) => {
          answered = true;
          json(res, 200, answer);
          return Promise.resolve();
        });
        // Duplicates and malformed payloads get an empty acknowledgement.
        if (!answered) json(res, 200, { type: 6 });
      })().catch((err: unknown) => {
        log.error({ err: safeError(err) }, 'discord: HTTP interaction failed');
        json(res, 500, { error: { code: 'internal_error', message: 'interaction failed' } });
      });
    });
  };
  const raw: RawRoutes = new Map();
  addRoutes(raw);

  return {
    client,
    rest,
    gateway,
    routes: { raw },
    async start() {
      if (!client) return;
      let timer: NodeJS.Timeout | undefined;
      const ready = new Promise<boolean>((resolve) => {
        client.once(Events.ClientReady, () => resolve(true));
        // Start anyway after a while: discord.js keeps reconnecting in the background.
        timer = setTimeout(() => resolve(false), o.readyTimeoutMs ?? 30_000);
      });
      try {
        await client.login(o.token);
        if (await ready) log.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'discord connected');
        else log.warn('discord gateway not ready yet; still connecting in the background');
      } catch (err) {
        log.error({ err: safeError(err) }, 'discord login failed: check DISCORD_BOT_TOKEN');
      } finally {
        clearTimeout(timer);
      }
    },
    async stop() {
      await client?.destroy();
    },
  };
}
