import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

/**
 * A fake Discord platform speaking the real wire protocol of API v10, so tests can drive the REAL discord.js
 * `Client` against it:
 *
 * - REST (https://discord.com/developers/docs/reference): `{apiRoot}/v10/...` with `Authorization: Bot <token>`
 *   on authenticated routes, JSON or multipart (`payload_json` + `files[n]`) bodies, Discord's error envelope
 *   `{ message, code, errors? }`, and `X-RateLimit-*` headers on every answer. Point discord.js at it with
 *   `new Client({ intents, rest: { api: fake.apiRoot } })`.
 * - Gateway (https://discord.com/developers/docs/events/gateway): plain JSON frames on the same port (the URL
 *   comes from `GET /gateway/bot`): HELLO, IDENTIFY → READY + one GUILD_CREATE per guild of the shard,
 *   heartbeat ACKs, RESUME with replay of missed dispatches, INVALID_SESSION, and dispatches filtered by the
 *   identified intents (the bot's own messages echo as MESSAGE_CREATE like on Discord).
 * - Interactions: `clickButton` / `selectMenu` / `submitModal` / `runCommand` dispatch realistic
 *   INTERACTION_CREATE payloads; the bot answers through the callback / webhook routes, which enforce
 *   Discord's rules (one initial response, follow-ups only after it, the first follow-up after a deferred
 *   reply replaces the "thinking" message, ...). HTTP interactions are posted signed with Ed25519
 *   (`signedInteractionRequest`, `postInteraction`, `publicKeyHex`).
 *
 * Tests observe through `requests` / `messages` / `gateway` and the `waitFor…` helpers, which are
 * event-driven (re-checked on every request, frame and state change), never sleeping. Faults are injected
 * with `rateLimitNext` (429 + headers discord.js's REST queue honours) and `failNext` (5xx and others).
 */

// ---------------------------------------------------------------- wire types

export interface DiscordUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: string | null;
  bot?: boolean;
  public_flags?: number;
  flags?: number;
  [k: string]: unknown;
}

export interface DiscordRole {
  id: string;
  name: string;
  permissions: string;
  position: number;
  color: number;
  hoist: boolean;
  managed: boolean;
  mentionable: boolean;
  [k: string]: unknown;
}

export interface DiscordMember {
  user: DiscordUser;
  nick: string | null;
  roles: string[];
  joined_at: string;
  deaf: boolean;
  mute: boolean;
  flags: number;
  /** Only in interaction payloads: the member's computed permissions. */
  permissions?: string;
  [k: string]: unknown;
}

/** A channel (0 text, 1 DM, 4 category, 5 announcement, 11/12 public/private thread, 15 forum, ...). */
export interface DiscordChannel {
  id: string;
  type: number;
  guild_id?: string;
  name?: string;
  parent_id?: string | null;
  last_message_id?: string | null;
  thread_metadata?: { archived: boolean; auto_archive_duration: number; archive_timestamp: string; locked: boolean; create_timestamp?: string; invitable?: boolean };
  recipients?: DiscordUser[];
  [k: string]: unknown;
}

export interface DiscordAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
  description?: string;
  [k: string]: unknown;
}

export interface DiscordMessage {
  id: string;
  channel_id: string;
  author: DiscordUser;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: DiscordUser[];
  mention_roles: string[];
  attachments: DiscordAttachment[];
  embeds: Record<string, unknown>[];
  components: Record<string, unknown>[];
  pinned: boolean;
  type: number;
  flags: number;
  webhook_id?: string;
  application_id?: string;
  interaction_metadata?: Record<string, unknown>;
  message_reference?: Record<string, unknown>;
  thread?: DiscordChannel;
  [k: string]: unknown;
}

export interface DiscordInteraction {
  id: string;
  application_id: string;
  /** 1 PING, 2 APPLICATION_COMMAND, 3 MESSAGE_COMPONENT, 4 AUTOCOMPLETE, 5 MODAL_SUBMIT. */
  type: number;
  token: string;
  version: 1;
  data?: Record<string, unknown>;
  guild_id?: string;
  channel_id?: string;
  channel?: DiscordChannel & { permissions?: string };
  member?: DiscordMember;
  user?: DiscordUser;
  message?: DiscordMessage;
  app_permissions: string;
  locale?: string;
  guild_locale?: string;
  entitlements: unknown[];
  authorizing_integration_owners: Record<string, string>;
  context?: number;
  attachment_size_limit: number;
  [k: string]: unknown;
}

export interface DiscordCommand {
  id: string;
  application_id: string;
  version: string;
  type: number;
  name: string;
  description: string;
  guild_id?: string;
  options?: Record<string, unknown>[];
  default_member_permissions: string | null;
  [k: string]: unknown;
}

/** A file part of a multipart request. */
export interface RecordedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
  bytes: Uint8Array;
}

export interface RecordedRequest {
  method: string;
  /** Path after `/api/v10`, without the query string, e.g. `/channels/123/messages`. */
  path: string;
  /** The matched route template, e.g. `POST /channels/:channel_id/messages` (`''` when no route matched). */
  route: string;
  query: Record<string, string>;
  /** Parsed JSON body (or the multipart `payload_json`); `undefined` when empty. */
  body: any;
  files: RecordedFile[];
  headers: IncomingHttpHeaders;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** HTTP status answered. */
  status: number;
  /** JSON answered (`undefined` for 204). */
  response: any;
  /** Set on interaction callback / webhook requests: the interaction they answer. */
  interactionId?: string;
}

/** One gateway event, in order: connections, frames both ways, closes. */
export type GatewayLogEntry =
  | { kind: 'connect'; connection: number; at: number; query: Record<string, string> }
  | { kind: 'recv'; connection: number; at: number; op: number; d: any }
  | { kind: 'send'; connection: number; at: number; op: number; t: string | null; s: number | null; d: any }
  | { kind: 'close'; connection: number; at: number; code: number; reason: string; by: 'client' | 'server' };

/** Matches a request: `'POST /channels/:id/messages'` (`:x` or `*` = one segment; method optional), a RegExp tested on `'METHOD /path'`, or a predicate. */
export type RouteMatcher = string | RegExp | ((r: { method: string; path: string; route: string; body: any }) => boolean);

export interface RateLimitSpec {
  /** Seconds (may be fractional); sent as `Retry-After`, `X-RateLimit-Reset-After` and body `retry_after`. */
  retryAfter: number;
  global?: boolean;
  /** `X-RateLimit-Scope`; default `global` for global limits, else `user`. */
  scope?: 'user' | 'global' | 'shared';
  /** How many matching requests get the 429 (default 1). */
  times?: number;
}

export interface GuildSpec {
  id?: string;
  name?: string;
  /** Default: one text channel named `general`. */
  channels?: ChannelSpec[];
  roles?: { id?: string; name: string; permissions?: bigint | string }[];
  /** Permissions of @everyone (default: a typical member set). */
  everyonePermissions?: bigint | string;
}

export interface ChannelSpec {
  id?: string;
  name?: string;
  /** Default 0 (GUILD_TEXT). */
  type?: number;
  parentId?: string;
  topic?: string;
}

export interface UserSpec {
  id?: string;
  username?: string;
  globalName?: string | null;
  /** Role ids, in every guild the user is a member of. */
  roles?: string[];
  nick?: string | null;
  /** Guilds the user is a member of (default: all). */
  guildIds?: string[];
  locale?: string;
}

export interface FakeDiscordOptions {
  token?: string;
  /** Default: the bot user's id (as for every bot). */
  applicationId?: string;
  botUser?: Partial<DiscordUser>;
  /** Default: one guild `Aftercare HQ` with a `general` text channel. */
  guilds?: GuildSpec[];
  users?: UserSpec[];
  /** HELLO `heartbeat_interval` (default 41250 like Discord). */
  heartbeatIntervalMs?: number;
  /** `shards` recommended by `GET /gateway/bot` (default 1). */
  shards?: number;
  /** Unregistered channel ids answer 404 Unknown Channel (default false: they become text channels of the first guild). */
  strictChannels?: boolean;
  /** Permissions of the bot's managed role (default: messaging, threads, embeds, files, manage messages/threads). */
  botPermissions?: bigint | string;
  /** Privileged intents enabled for the app (GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT by default); others close with 4014. */
  privilegedIntents?: number;
  /** If set, initial interaction responses later than this (Discord: 3000 ms) get 404 Unknown interaction. */
  interactionDeadlineMs?: number;
}

interface InteractionBase {
  /** Default: the channel's guild (`null` = a DM with the user). */
  guildId?: string | null;
  userId: string;
  locale?: string;
}

export interface ComponentInteractionSpec extends InteractionBase {
  /** Default: the channel holding `messageId`. */
  channelId?: string;
  messageId: string;
  customId: string;
}

export interface SelectMenuSpec extends ComponentInteractionSpec {
  values: string[];
  /** 3 string (default), 5 user, 6 role, 7 mentionable, 8 channel. */
  componentType?: number;
}

export interface ModalSubmitSpec extends InteractionBase {
  channelId: string;
  customId: string;
  /** Text inputs by custom_id; an array answers a select inside the modal. */
  fields: Record<string, string | string[]>;
  /** The message whose component opened the modal (default: the one of the interaction that showed it). */
  messageId?: string;
}

export type CommandOptionValue = string | number | boolean;

export interface CommandSpec extends InteractionBase {
  channelId: string;
  name: string;
  /** Raw option objects, or values by name (types taken from the registered command, else inferred). */
  options?: Record<string, CommandOptionValue> | Record<string, unknown>[];
  subcommand?: string;
  /** 1 chat input (default), 2 user, 3 message. */
  commandType?: number;
  targetId?: string;
}

export interface DispatchedInteraction {
  id: string;
  token: string;
  payload: DiscordInteraction;
}

export interface StoredMessage {
  /** The current version. */
  current: DiscordMessage;
  /** Every version, oldest first (`versions.at(-1)` is `current`). */
  versions: DiscordMessage[];
  deleted: boolean;
}

export type ContentMatch = string | RegExp | ((m: DiscordMessage) => boolean);

// ---------------------------------------------------------------- constants

const DISCORD_EPOCH = 1_420_070_400_000n;
let snowflakeSeq = 0n;
let lastSnowflakeMs = 0n;

/** A real-looking snowflake (timestamp, worker 1, process 1, increment), strictly increasing within the process. */
export function snowflake(at = Date.now()): string {
  let ms = BigInt(at) - DISCORD_EPOCH;
  if (ms < lastSnowflakeMs) ms = lastSnowflakeMs;
  if (ms === lastSnowflakeMs) {
    snowflakeSeq++;
    if (snowflakeSeq > 0xfffn) {
      ms++;
      snowflakeSeq = 0n;
    }
  } else {
    snowflakeSeq = 0n;
  }
  lastSnowflakeMs = ms;
  return ((ms << 22n) | (1n << 17n) | (1n << 12n) | snowflakeSeq).toString();
}

export const Intents = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  DirectMessages: 1 << 12,
  MessageContent: 1 << 15,
} as const;

const PRIVILEGED = Intents.GuildMembers | Intents.GuildPresences | Intents.MessageContent;

const Perm = {
  CreateInstantInvite: 1n << 0n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  ChangeNickname: 1n << 26n,
  UseApplicationCommands: 1n << 31n,
  ManageThreads: 1n << 34n,
  CreatePublicThreads: 1n << 35n,
  CreatePrivateThreads: 1n << 36n,
  SendMessagesInThreads: 1n << 38n,
};
const ALL_PERMISSIONS = (1n << 53n) - 1n;
const EVERYONE_PERMISSIONS =
  Perm.CreateInstantInvite | Perm.AddReactions | Perm.ViewChannel | Perm.SendMessages | Perm.EmbedLinks | Perm.AttachFiles |
  Perm.ReadMessageHistory | Perm.UseExternalEmojis | Perm.Connect | Perm.Speak | Perm.ChangeNickname | Perm.UseApplicationCommands |
  Perm.CreatePublicThreads | Perm.SendMessagesInThreads;
const BOT_PERMISSIONS =
  EVERYONE_PERMISSIONS | Perm.ManageMessages | Perm.ManageThreads | Perm.CreatePrivateThreads | Perm.MentionEveryone | Perm.ManageChannels;

const MessageFlags = { HasThread: 1 << 5, Ephemeral: 1 << 6, Loading: 1 << 7, SuppressEmbeds: 1 << 2, SuppressNotifications: 1 << 12, ComponentsV2: 1 << 15 };
const SENDABLE_FLAGS = MessageFlags.SuppressEmbeds | MessageFlags.SuppressNotifications | MessageFlags.ComponentsV2;
const ChannelType = { GuildText: 0, DM: 1, GuildVoice: 2, GuildCategory: 4, GuildAnnouncement: 5, AnnouncementThread: 10, PublicThread: 11, PrivateThread: 12, GuildForum: 15, GuildMedia: 16 };
const THREAD_TYPES = new Set([ChannelType.AnnouncementThread, ChannelType.PublicThread, ChannelType.PrivateThread]);
const InteractionType = { Ping: 1, ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4, ModalSubmit: 5 };
const Callback = { Pong: 1, ChannelMessage: 4, DeferredChannelMessage: 5, DeferredUpdate: 6, UpdateMessage: 7, Autocomplete: 8, Modal: 9, PremiumRequired: 10, LaunchActivity: 12 };

const COMMAND_NAME_RE = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const RATE_LIMIT = { limit: 5, remaining: 4, resetAfter: 1 };
const BACKLOG = 1000;

// ---------------------------------------------------------------- internals

class DiscordError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Record<string, unknown>,
  ) {
    super(message);
  }

  get body(): Record<string, unknown> {
    return { message: this.message, code: this.code, ...(this.errors && { errors: this.errors }) };
  }
}

const unknownChannel = () => new DiscordError(404, 10003, 'Unknown Channel');
const unknownMessage = () => new DiscordError(404, 10008, 'Unknown Message');
const unknownWebhook = () => new DiscordError(404, 10015, 'Unknown Webhook');
const unknownInteraction = () => new DiscordError(404, 10062, 'Unknown interaction');
/** 400 Invalid Form Body with Discord's nested `errors` shape: `formError('content', 'BASE_TYPE_MAX_LENGTH', '...')`. */
function formError(path: string, code: string, message: string): DiscordError {
  const errors: Record<string, unknown> = {};
  let node = errors;
  const keys = path.split('.');
  keys.forEach((k, i) => {
    const next: Record<string, unknown> = i === keys.length - 1 ? { _errors: [{ code, message }] } : {};
    node[k] = next;
    node = next;
  });
  return new DiscordError(400, 50035, 'Invalid Form Body', errors);
}

interface Route {
  method: string;
  template: string;
  re: RegExp;
  keys: string[];
  auth: boolean;
  handler: (ctx: Ctx) => Result | Promise<Result>;
}

interface Ctx {
  params: Record<string, string>;
  query: URLSearchParams;
  body: any;
  files: RecordedFile[];
  rec: RecordedRequest;
}

interface Result {
  status: number;
  body?: unknown;
}

interface Fault {
  match: RouteMatcher;
  remaining: number;
  rateLimit?: RateLimitSpec;
  status?: number;
  body?: unknown;
}

interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  joinedAt: string;
  roles: DiscordRole[];
  /** Member records by user id (the bot included). */
  members: Map<string, { roles: string[]; nick: string | null; joinedAt: string }>;
}

interface UserRecord {
  user: DiscordUser;
  locale: string;
}

interface Session {
  id: string;
  token: string;
  intents: number;
  shard: [number, number];
  seq: number;
  backlog: { op: 0; t: string; s: number; d: unknown }[];
  conn: Connection | undefined;
}

interface Connection {
  id: number;
  ws: WebSocket;
  session: Session | undefined;
  closed: boolean;
}

interface InteractionState {
  id: string;
  token: string;
  type: number;
  channelId: string;
  guildId: string | undefined;
  userId: string;
  createdAt: number;
  messageId: string | undefined;
  commandName: string | undefined;
  commandType: number | undefined;
  acknowledged: boolean;
  callbackType: number | undefined;
  originalMessageId: string | undefined;
  /** The ephemeral flag chosen by a deferred reply (the first follow-up replaces the loading message). */
  deferredEphemeral: boolean;
  payload: DiscordInteraction;
}

interface Waiter {
  check: () => boolean;
  timer: NodeJS.Timeout;
  reject: (e: Error) => void;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '000+00:00');
const toBig = (v: bigint | string | undefined, dflt: bigint) => (v === undefined ? dflt : BigInt(v));
const clone = <T>(v: T): T => structuredClone(v);

function compile(method: string, template: string, auth: boolean, handler: Route['handler']): Route {
  const keys: string[] = [];
  const re = new RegExp(
    '^' +
      template
        .split('/')
        .map((seg) => {
          if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          keys.push(seg.slice(1));
          return '([^/]+)';
        })
        .join('/') +
      '$',
  );
  return { method, template, re, keys, auth, handler };
}

function matches(m: RouteMatcher, r: { method: string; path: string; route: string; body: any }): boolean {
  if (typeof m === 'function') return m(r);
  if (m instanceof RegExp) return new RegExp(m.source, m.flags.replace('g', '')).test(`${r.method} ${r.path}`);
  const sp = m.trim().split(/\s+/);
  const [method, pattern] = sp.length > 1 ? [sp[0]!.toUpperCase(), sp[1]!] : [undefined, sp[0]!];
  if (method && method !== r.method) return false;
  const want = pattern.replace(/\/+$/, '').split('/');
  const got = r.path.split('/');
  return want.length === got.length && want.every((w, i) => w === '*' || w.startsWith(':') || w === got[i]);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function parseBody(contentType: string | undefined, raw: Buffer): Promise<{ body: any; files: RecordedFile[] }> {
  const files: RecordedFile[] = [];
  if (raw.length === 0) return { body: undefined, files };
  const ct = (contentType ?? '').toLowerCase();
  const invalidJson = () => new DiscordError(400, 50109, 'The request body contains invalid JSON.');
  if (ct.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await new Response(raw, { headers: { 'content-type': contentType! } }).formData();
    } catch {
      throw new DiscordError(400, 50035, 'Invalid Form Body');
    }
    let body: any;
    for (const [field, v] of form) {
      if (typeof v === 'string') {
        if (field === 'payload_json') {
          try {
            body = JSON.parse(v);
          } catch {
            throw invalidJson();
          }
        }
      } else {
        const bytes = new Uint8Array(await v.arrayBuffer());
        files.push({ field, filename: v.name, contentType: v.type || 'application/octet-stream', size: bytes.length, bytes });
      }
    }
    return { body, files };
  }
  try {
    return { body: JSON.parse(raw.toString('utf8')), files };
  } catch {
    throw invalidJson();
  }
}

/** Depth-first walk over message/modal components (rows, sections' accessories, containers, labels). */
function* walkComponents(list: unknown): Generator<Record<string, unknown>> {
  if (!Array.isArray(list)) return;
  for (const c of list) {
    if (!isRecord(c)) continue;
    yield c;
    yield* walkComponents(c.components);
    if (isRecord(c.accessory)) yield* walkComponents([c.accessory]);
    if (isRecord(c.component)) yield* walkComponents([c.component]);
  }
}

// ---------------------------------------------------------------- the fake

export class FakeDiscord {
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: DiscordUser;
  /** Hex Ed25519 public key, as in the Developer Portal ("verify_key"); HTTP interactions are signed with it. */
  readonly publicKeyHex: string;
  /** Every REST request, in the order answered. */
  readonly requests: RecordedRequest[] = [];
  /** Messages by channel id, then message id (insertion order = posting order), with version history. */
  readonly messages = new Map<string, Map<string, StoredMessage>>();
  /** Every gateway connection, frame and close, in order. */
  readonly gateway: GatewayLogEntry[] = [];
  /** Channel ids answering 404 Unknown Channel (e.g. a channel deleted behind the bot's back). */
  readonly missingChannels = new Set<string>();
  /** Commands registered per scope: `'global'` or a guild id. */
  readonly commands = new Map<string, DiscordCommand[]>();
  /** Set to false to stop answering heartbeats (discord.js then reconnects and resumes: a zombie connection). */
  ackHeartbeats = true;
  heartbeatsAnswered = 0;
  /** `http://127.0.0.1:PORT/api`: pass as discord.js `rest.api`. */
  apiRoot = '';
  /** `ws://127.0.0.1:PORT`. */
  gatewayUrl = '';

  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly opts: FakeDiscordOptions;
  private readonly privateKey: KeyObject;
  private readonly routes: Route[];
  private readonly guilds = new Map<string, GuildRecord>();
  private readonly channels = new Map<string, DiscordChannel>();
  private readonly users = new Map<string, UserRecord>();
  private readonly dms = new Map<string, string>();
  private readonly sessions = new Map<string, Session>();
  private readonly connections = new Set<Connection>();
  private readonly interactions = new Map<string, InteractionState>();
  private readonly interactionsByToken = new Map<string, InteractionState>();
  /** Modals shown through a callback, by custom_id: submitModal mirrors their layout. */
  private readonly modals = new Map<string, { data: Record<string, unknown>; interaction: InteractionState }>();
  private faults: Fault[] = [];
  private waiters: Waiter[] = [];
  private connSeq = 0;
  private identifies = 0;

  constructor(options: FakeDiscordOptions = {}) {
    this.opts = options;
    const botId = options.botUser?.id ?? snowflake();
    this.token = options.token ?? `${Buffer.from(botId).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(20).toString('base64url')}`;
    this.applicationId = options.applicationId ?? botId;
    this.botUser = {
      id: botId,
      username: 'Aftercare',
      discriminator: '0',
      global_name: null,
      avatar: null,
      bot: true,
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
      ...options.botUser,
    };
    this.users.set(botId, { user: this.botUser, locale: 'en-US' });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    this.privateKey = privateKey;
    this.publicKeyHex = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');
    for (const g of options.guilds ?? [{ name: 'Aftercare HQ' }]) this.addGuild(g);
    for (const u of options.users ?? []) this.addUser(u);
    this.routes = this.buildRoutes();
  }

  // ------------------------------------------------------------ lifecycle

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 60_000;
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
    });
    this.server = server;
    this.wss = wss;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    this.apiRoot = `http://127.0.0.1:${port}/api`;
    this.gatewayUrl = `ws://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    const pending = this.waiters;
    this.waiters = [];
    for (const w of pending) {
      clearTimeout(w.timer);
      w.reject(new Error('FakeDiscord stopped'));
    }
    for (const c of this.connections) {
      c.closed = true;
      c.ws.terminate();
    }
    this.connections.clear();
    this.wss?.close();
    this.wss = undefined;
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  // ------------------------------------------------------------ world

  /** Adds a guild (joined by the bot, which gets a managed role); returns its id. Channels default to one `general` text channel. */
  addGuild(spec: GuildSpec = {}): string {
    const id = spec.id ?? snowflake();
    const joinedAt = iso(Date.now());
    const everyone: DiscordRole = this.role(id, '@everyone', toBig(spec.everyonePermissions, EVERYONE_PERMISSIONS), 0, false);
    const botRole = this.role(snowflake(), this.botUser.username, toBig(this.opts.botPermissions, BOT_PERMISSIONS), 1, true);
    botRole.tags = { bot_id: this.botUser.id };
    const roles = [everyone, botRole, ...(spec.roles ?? []).map((r, i) => this.role(r.id ?? snowflake(), r.name, toBig(r.permissions, 0n), i + 2, false))];
    const g: GuildRecord = { id, name: spec.name ?? `Guild ${id}`, ownerId: snowflake(), joinedAt, roles, members: new Map() };
    g.members.set(this.botUser.id, { roles: [botRole.id], nick: null, joinedAt });
    this.guilds.set(id, g);
    for (const c of spec.channels ?? [{ name: 'general' }]) this.addChannel(id, c);
    return id;
  }

  /** Adds a guild channel (text by default); returns it. */
  addChannel(guildId: string, spec: ChannelSpec = {}): DiscordChannel {
    const g = this.guilds.get(guildId);
    if (!g) throw new Error(`FakeDiscord.addChannel: unknown guild ${guildId}`);
    const id = spec.id ?? snowflake();
    const type = spec.type ?? ChannelType.GuildText;
    const position = [...this.channels.values()].filter((c) => c.guild_id === guildId).length;
    const ch: DiscordChannel = {
      id,
      type,
      guild_id: guildId,
      name: spec.name ?? `channel-${position}`,
      position,
      permission_overwrites: [],
      parent_id: spec.parentId ?? null,
      flags: 0,
      ...(type !== ChannelType.GuildCategory && { nsfw: false, topic: spec.topic ?? null, last_message_id: null, rate_limit_per_user: 0 }),
      ...(type === ChannelType.GuildForum || type === ChannelType.GuildMedia ? { available_tags: [], default_reaction_emoji: null, default_sort_order: null, default_forum_layout: 0 } : {}),
    };
    this.channels.set(id, ch);
    this.missingChannels.delete(id);
    return clone(ch);
  }

  /** Adds (or updates) a human user, a member of the given guilds (default: all). */
  addUser(spec: UserSpec = {}): DiscordUser {
    const id = spec.id ?? snowflake();
    const existing = this.users.get(id);
    const user: DiscordUser = existing?.user ?? { id, username: `user${id.slice(-4)}`, discriminator: '0', global_name: null, avatar: null, public_flags: 0, flags: 0 };
    if (spec.username !== undefined) user.username = spec.username;
    if (spec.globalName !== undefined) user.global_name = spec.globalName;
    this.users.set(id, { user, locale: spec.locale ?? existing?.locale ?? 'en-US' });
    for (const gid of spec.guildIds ?? [...this.guilds.keys()]) {
      const g = this.guilds.get(gid);
      if (!g) throw new Error(`FakeDiscord.addUser: unknown guild ${gid}`);
      const m = g.members.get(id);
      g.members.set(id, { roles: spec.roles ?? m?.roles ?? [], nick: spec.nick ?? m?.nick ?? null, joinedAt: m?.joinedAt ?? iso(Date.now()) });
    }
    return clone(user);
  }

  /** The first guild's id. */
  get guildId(): string {
    const g = this.guilds.keys().next();
    if (g.done) throw new Error('FakeDiscord: no guild');
    return g.value;
  }

  /** The first text channel of the first guild. */
  get channelId(): string {
    const ch = [...this.channels.values()].find((c) => c.guild_id === this.guildId && c.type === ChannelType.GuildText);
    if (!ch) throw new Error('FakeDiscord: the first guild has no text channel');
    return ch.id;
  }

  /** A channel (guild channel, thread or DM) as the API would return it. */
  channel(id: string): DiscordChannel | undefined {
    const ch = this.channels.get(id);
    return ch && clone(ch);
  }

  /** Channels (threads included) of a guild. */
  guildChannels(guildId: string): DiscordChannel[] {
    return [...this.channels.values()].filter((c) => c.guild_id === guildId).map(clone);
  }

  /** The DM channel opened with a user via `POST /users/@me/channels`, if any. */
  dmChannelId(userId: string): string | undefined {
    return this.dms.get(userId);
  }

  // ------------------------------------------------------------ observing

  /** Current versions of the messages the bot (or its interaction webhooks) posted in a channel, oldest first; deleted ones excluded. */
  postedIn(channelId: string): DiscordMessage[] {
    return this.channelMessages(channelId).filter((m) => m.author.id === this.botUser.id);
  }

  /** Current versions of every non-deleted message of a channel (users' too), oldest first. */
  channelMessages(channelId: string): DiscordMessage[] {
    return [...(this.messages.get(channelId)?.values() ?? [])].filter((s) => !s.deleted).map((s) => s.current);
  }

  /** The current version of a message (also when deleted: check `messageRecord`). */
  message(channelId: string, id: string): DiscordMessage | undefined {
    return this.messages.get(channelId)?.get(id)?.current;
  }

  /** Every version of a message, oldest first. */
  messageHistory(channelId: string, id: string): DiscordMessage[] {
    return this.messages.get(channelId)?.get(id)?.versions ?? [];
  }

  messageRecord(channelId: string, id: string): StoredMessage | undefined {
    return this.messages.get(channelId)?.get(id);
  }

  /** REST requests answering an interaction (callback, follow-ups, @original edits), in order. */
  interactionResponses(interactionId: string): RecordedRequest[] {
    return this.requests.filter((r) => r.interactionId === interactionId);
  }

  /** Commands registered globally (`guildId` omitted) or for a guild. */
  registeredCommands(guildId?: string): DiscordCommand[] {
    return clone(this.commands.get(guildId ?? 'global') ?? []);
  }

  /** The last IDENTIFY's `d` (token, intents, properties, shard, ...). */
  get identifyPayload(): Record<string, any> | undefined {
    return [...this.gateway].reverse().find((e): e is Extract<GatewayLogEntry, { kind: 'recv' }> => e.kind === 'recv' && e.op === 2)?.d;
  }

  /** Open gateway connections. */
  get connectionCount(): number {
    return [...this.connections].filter((c) => !c.closed).length;
  }

  /** Index to pass as `since` so waits only consider requests made after this point. */
  mark(): number {
    return this.requests.length;
  }

  /** Resolves with the first request (index >= since) matching `pred`, already recorded or future. */
  waitForRequest(pred: (r: RecordedRequest) => boolean, timeoutMs = 20_000, since = 0): Promise<RecordedRequest> {
    return this.waitUntil(() => this.requests.slice(since).find(pred), timeoutMs, 'a matching request');
  }

  /** Resolves with the first gateway log entry matching `pred` (index >= since). */
  waitForGateway(pred: (e: GatewayLogEntry) => boolean, timeoutMs = 20_000, since = 0): Promise<GatewayLogEntry> {
    return this.waitUntil(() => this.gateway.slice(since).find(pred), timeoutMs, 'a matching gateway event');
  }

  /** Resolves with the first IDENTIFY payload received (or the next one, if `since` is a `gateway.length`). */
  async waitForIdentify(timeoutMs = 20_000, since = 0): Promise<Record<string, any>> {
    const e = await this.waitForGateway((x) => x.kind === 'recv' && x.op === 2, timeoutMs, since);
    return (e as Extract<GatewayLogEntry, { kind: 'recv' }>).d;
  }

  /** Resolves once an identified (or resumed) session has an open connection. */
  async waitForSession(timeoutMs = 20_000): Promise<void> {
    await this.waitUntil(() => [...this.sessions.values()].some((s) => s.conn && !s.conn.closed) || undefined, timeoutMs, 'a gateway session');
  }

  /** Resolves with the first message posted by the bot in the channel whose content matches (string: substring). */
  waitForMessage(channelId: string, match: ContentMatch = () => true, timeoutMs = 20_000): Promise<DiscordMessage> {
    const test = (m: DiscordMessage) =>
      typeof match === 'string' ? m.content.includes(match) : match instanceof RegExp ? new RegExp(match.source, match.flags.replace('g', '')).test(m.content) : match(m);
    return this.waitUntil(() => this.postedIn(channelId).find(test), timeoutMs, `a message in channel ${channelId}`);
  }

  /** Resolves with the interaction's initial response request (callback route). */
  waitForInteractionResponse(interactionId: string, timeoutMs = 20_000): Promise<RecordedRequest> {
    return this.waitForRequest((r) => r.interactionId === interactionId && r.route.endsWith('/callback'), timeoutMs);
  }

  /** Resolves with the first truthy value of `check`, re-evaluated on every request, gateway event and state change. */
  waitUntil<T>(check: () => T | undefined | null | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
    const now = check();
    if (now !== undefined && now !== null && now !== false) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const w: Waiter = {
        check: () => {
          const v = check();
          if (v === undefined || v === null || v === false) return false;
          clearTimeout(w.timer);
          resolve(v);
          return true;
        },
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          const recent = this.requests.slice(-8).map((r) => `${r.method} ${r.path} -> ${r.status}`);
          reject(new Error(`FakeDiscord: timed out after ${timeoutMs} ms waiting for ${what}; last requests:\n  ${recent.join('\n  ') || '(none)'}`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  // ------------------------------------------------------------ fault injection

  /** The next matching request(s) get HTTP 429 with Discord's rate-limit headers and body. */
  rateLimitNext(match: RouteMatcher, spec: RateLimitSpec): void {
    this.faults.push({ match, remaining: spec.times ?? 1, rateLimit: spec });
  }

  /** The next `times` matching requests answer `status` (default 500) with `body` (default Discord's generic error). */
  failNext(match: RouteMatcher, status = 500, times = 1, body?: unknown): void {
    this.faults.push({ match, remaining: times, status, body });
  }

  // ------------------------------------------------------------ gateway control

  /** Pushes a dispatch (op 0, next `s` per session) to every identified session; returns how many got it. */
  dispatch(type: string, data: unknown): number {
    let n = 0;
    for (const s of this.sessions.values()) {
      this.sendDispatch(s, type, data);
      n++;
    }
    return n;
  }

  /** Closes every gateway connection with `code` (4000 = resumable; 1000 from the server makes discord.js reconnect fresh). */
  closeGateway(code = 4000, reason = 'fake: closed by server'): void {
    for (const c of this.connections) this.closeConn(c, code, reason);
  }

  /** Sends op 7 RECONNECT: discord.js closes and resumes. */
  requestReconnect(): void {
    for (const c of this.connections) if (!c.closed) this.send(c, { op: 7, d: null, s: null, t: null });
  }

  /** Sends op 9 INVALID_SESSION (`resumable` = d); a non-resumable one also forgets the session. */
  invalidateSession(resumable = false): void {
    for (const c of this.connections) {
      if (c.closed) continue;
      if (!resumable && c.session) {
        this.sessions.delete(c.session.id);
        c.session = undefined;
      }
      this.send(c, { op: 9, d: resumable, s: null, t: null });
    }
  }

  // ------------------------------------------------------------ users act

  /** A user posts a message in a channel: stored and dispatched as MESSAGE_CREATE (content blanked without the MESSAGE_CONTENT intent, like Discord). */
  userSays(spec: { channelId: string; userId: string; content: string; embeds?: Record<string, unknown>[]; messageReference?: { message_id: string } }): DiscordMessage {
    const ch = this.channels.get(spec.channelId);
    if (!ch) throw new Error(`FakeDiscord.userSays: unknown channel ${spec.channelId}`);
    const user = this.ensureUser(spec.userId, ch.guild_id);
    const msg = this.createMessage(ch, { content: spec.content, embeds: spec.embeds ?? [], ...(spec.messageReference && { message_reference: spec.messageReference }) }, [], user, {});
    return clone(msg);
  }

  /** Builds and registers a button click (type 3, component_type 2) on a stored message. */
  buttonInteraction(spec: ComponentInteractionSpec): DiscordInteraction {
    const { channel, message } = this.componentTarget(spec, 'clickButton');
    const button = [...walkComponents(message.components)].find((c) => c.custom_id === spec.customId);
    if (message.components.length > 0 && (!button || button.type !== 2)) {
      throw new Error(`FakeDiscord.clickButton: message ${message.id} has no button with custom_id ${JSON.stringify(spec.customId)}`);
    }
    if (button?.disabled === true) throw new Error(`FakeDiscord.clickButton: button ${spec.customId} is disabled`);
    return this.buildInteraction(spec, channel, InteractionType.MessageComponent, { custom_id: spec.customId, component_type: 2 }, message);
  }

  /** Builds and registers a select-menu choice (type 3) on a stored message. */
  selectMenuInteraction(spec: SelectMenuSpec): DiscordInteraction {
    const { channel, message } = this.componentTarget(spec, 'selectMenu');
    const menu = [...walkComponents(message.components)].find((c) => c.custom_id === spec.customId);
    const componentType = spec.componentType ?? (typeof menu?.type === 'number' ? menu.type : 3);
    if (message.components.length > 0 && !menu) throw new Error(`FakeDiscord.selectMenu: message ${message.id} has no select with custom_id ${JSON.stringify(spec.customId)}`);
    if (menu && Array.isArray(menu.options)) {
      const allowed = new Set((menu.options as Record<string, unknown>[]).map((o) => o.value));
      const bad = spec.values.find((v) => !allowed.has(v));
      if (bad !== undefined) throw new Error(`FakeDiscord.selectMenu: ${JSON.stringify(bad)} is not an option of ${spec.customId}`);
    }
    return this.buildInteraction(spec, channel, InteractionType.MessageComponent, { custom_id: spec.customId, component_type: componentType, values: [...spec.values] }, message);
  }

  /** Builds and registers a modal submit (type 5), mirroring the layout of the modal shown with that custom_id if any. */
  modalSubmitInteraction(spec: ModalSubmitSpec): DiscordInteraction {
    const channel = this.requireChannel(spec.channelId, 'submitModal');
    const shown = this.modals.get(spec.customId);
    let nextId = 1;
    const answer = (c: Record<string, unknown>): Record<string, unknown> => {
      const id = typeof c.id === 'number' ? c.id : nextId++;
      nextId = Math.max(nextId, id + 1);
      const cid = typeof c.custom_id === 'string' ? c.custom_id : undefined;
      switch (c.type) {
        case 1:
          return { type: 1, id, components: (Array.isArray(c.components) ? c.components : []).filter(isRecord).map(answer) };
        case 18:
          return { type: 18, id, component: answer(isRecord(c.component) ? c.component : {}) };
        case 4: {
          const v = cid === undefined ? undefined : spec.fields[cid];
          return { type: 4, id, custom_id: cid, value: typeof v === 'string' ? v : (v?.join(',') ?? '') };
        }
        case 3:
        case 5:
        case 6:
        case 7:
        case 8: {
          const v = cid === undefined ? undefined : spec.fields[cid];
          return { type: c.type, id, custom_id: cid, values: v === undefined ? [] : Array.isArray(v) ? v : [v] };
        }
        default:
          return { type: c.type, id };
      }
    };
    const components = shown
      ? (Array.isArray(shown.data.components) ? shown.data.components : []).filter(isRecord).map(answer)
      : Object.entries(spec.fields).map(([cid, v]) =>
          answer({ type: 1, components: [Array.isArray(v) ? { type: 3, custom_id: cid } : { type: 4, custom_id: cid }] }),
        );
    const messageId = spec.messageId ?? shown?.interaction.messageId;
    const message = messageId === undefined ? undefined : this.findMessage(messageId)?.current;
    return this.buildInteraction(spec, channel, InteractionType.ModalSubmit, { custom_id: spec.customId, components }, message);
  }

  /** Builds and registers an application command (type 2); the command id comes from the registered command when there is one. */
  commandInteraction(spec: CommandSpec): DiscordInteraction {
    const channel = this.requireChannel(spec.channelId, 'runCommand');
    const guildId = spec.guildId === undefined ? channel.guild_id : (spec.guildId ?? undefined);
    const commandType = spec.commandType ?? 1;
    const registered = [...(guildId ? (this.commands.get(guildId) ?? []) : []), ...(this.commands.get('global') ?? [])].find((c) => c.name === spec.name && c.type === commandType);
    let defs = (registered?.options ?? []);
    let options: Record<string, unknown>[] | undefined;
    if (Array.isArray(spec.options)) {
      options = spec.options;
    } else if (spec.options) {
      if (spec.subcommand) defs = ((defs.find((d) => d.name === spec.subcommand)?.options ?? []) as Record<string, unknown>[]);
      options = Object.entries(spec.options).map(([name, value]) => {
        const def = defs.find((d) => d.name === name);
        const type = typeof def?.type === 'number' ? def.type : typeof value === 'boolean' ? 5 : typeof value === 'number' ? (Number.isInteger(value) ? 4 : 10) : 3;
        return { name, type, value };
      });
    }
    if (spec.subcommand) options = [{ name: spec.subcommand, type: 1, options: options ?? [] }];
    const data: Record<string, unknown> = {
      id: registered?.id ?? snowflake(),
      name: spec.name,
      type: commandType,
      ...(options && options.length > 0 && { options }),
      ...(registered?.guild_id && { guild_id: registered.guild_id }),
      ...(spec.targetId && { target_id: spec.targetId }),
    };
    return this.buildInteraction(spec, channel, InteractionType.ApplicationCommand, data, undefined);
  }

  /** Builds and registers a PING (HTTP interactions endpoint check). */
  pingInteraction(): DiscordInteraction {
    const id = snowflake();
    const payload: DiscordInteraction = {
      id,
      application_id: this.applicationId,
      type: InteractionType.Ping,
      token: randomBytes(48).toString('base64url'),
      version: 1,
      app_permissions: '0',
      entitlements: [],
      authorizing_integration_owners: {},
      attachment_size_limit: 10_485_760,
      user: clone(this.botUser),
    };
    return payload;
  }

  /** A user clicks a button: dispatches INTERACTION_CREATE. */
  clickButton(spec: ComponentInteractionSpec): DispatchedInteraction {
    return this.dispatchInteraction(this.buttonInteraction(spec));
  }

  /** A user picks values in a select menu: dispatches INTERACTION_CREATE. */
  selectMenu(spec: SelectMenuSpec): DispatchedInteraction {
    return this.dispatchInteraction(this.selectMenuInteraction(spec));
  }

  /** A user submits a modal: dispatches INTERACTION_CREATE. */
  submitModal(spec: ModalSubmitSpec): DispatchedInteraction {
    return this.dispatchInteraction(this.modalSubmitInteraction(spec));
  }

  /** A user runs a slash (or context-menu) command: dispatches INTERACTION_CREATE. */
  runCommand(spec: CommandSpec): DispatchedInteraction {
    return this.dispatchInteraction(this.commandInteraction(spec));
  }

  // ------------------------------------------------------------ HTTP interactions

  /**
   * POSTs `body` to an HTTP interactions endpoint like Discord: `X-Signature-Ed25519` = hex Ed25519 signature
   * of `timestamp + body` with the key behind `publicKeyHex`, `X-Signature-Timestamp` = unix seconds.
   */
  signedInteractionRequest(url: string, body: string | object, o: { badSignature?: boolean; timestamp?: string; omitSignature?: boolean } = {}): Promise<Response> {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const timestamp = o.timestamp ?? String(Math.floor(Date.now() / 1000));
    const sig = sign(null, Buffer.from(timestamp + raw), this.privateKey);
    if (o.badSignature) sig[0] = sig[0]! ^ 0xff;
    return fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Discord-Interactions/1.0 (+https://discord.com)',
        ...(!o.omitSignature && { 'x-signature-ed25519': sig.toString('hex'), 'x-signature-timestamp': timestamp }),
      },
      body: raw,
    });
  }

  /**
   * Delivers an interaction to an HTTP endpoint (signed) and applies the app's answer (the response body is the
   * initial callback: a reply becomes the @original message, follow-ups then work by token).
   */
  async postInteraction(url: string, payload: DiscordInteraction, o: { badSignature?: boolean } = {}): Promise<{ status: number; body: any; response: Response }> {
    const response = await this.signedInteractionRequest(url, payload, o);
    const ct = response.headers.get('content-type') ?? '';
    let body: any;
    let files: RecordedFile[] = [];
    if (ct.includes('multipart/form-data')) {
      ({ body, files } = await parseBody(ct, Buffer.from(await response.clone().arrayBuffer())));
    } else {
      const text = await response.clone().text();
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const st = this.interactions.get(payload.id);
    if (response.ok && st && isRecord(body) && typeof body.type === 'number' && body.type !== Callback.Pong) {
      this.applyCallback(st, body, files);
      this.notify();
    }
    return { status: response.status, body, response };
  }

  // ------------------------------------------------------------ internals: interactions

  private componentTarget(spec: ComponentInteractionSpec, what: string): { channel: DiscordChannel; message: DiscordMessage } {
    const rec = spec.channelId === undefined ? this.findMessage(spec.messageId) : this.messages.get(spec.channelId)?.get(spec.messageId);
    if (!rec || rec.deleted) throw new Error(`FakeDiscord.${what}: no message ${spec.messageId}${spec.channelId ? ` in channel ${spec.channelId}` : ''}`);
    const channel = this.requireChannel(rec.current.channel_id, what);
    return { channel, message: rec.current };
  }

  private requireChannel(id: string, what: string): DiscordChannel {
    const ch = this.channels.get(id);
    if (!ch) throw new Error(`FakeDiscord.${what}: unknown channel ${id}`);
    return ch;
  }

  private findMessage(id: string): StoredMessage | undefined {
    for (const byId of this.messages.values()) {
      const m = byId.get(id);
      if (m) return m;
    }
    return undefined;
  }

  private buildInteraction(spec: InteractionBase, channel: DiscordChannel, type: number, data: Record<string, unknown>, message: DiscordMessage | undefined): DiscordInteraction {
    const guildId = spec.guildId === undefined ? channel.guild_id : (spec.guildId ?? undefined);
    const userRec = this.users.get(this.ensureUser(spec.userId, guildId).id)!;
    const locale = spec.locale ?? userRec.locale;
    const id = snowflake();
    const token = `aW50ZXJhY3Rpb246${Buffer.from(id).toString('base64url')}:${randomBytes(96).toString('base64url')}`;
    const appPermissions = guildId ? this.permissionsOf(guildId, this.botUser.id).toString() : '0';
    const payload: DiscordInteraction = {
      id,
      application_id: this.applicationId,
      type,
      data,
      token,
      version: 1,
      channel_id: channel.id,
      channel: { ...clone(channel), ...(guildId && { permissions: appPermissions }) },
      app_permissions: guildId ? appPermissions : (EVERYONE_PERMISSIONS | Perm.MentionEveryone).toString(),
      locale,
      entitlements: [],
      authorizing_integration_owners: guildId ? { '0': guildId } : { '1': userRec.user.id },
      context: guildId ? 0 : 1,
      attachment_size_limit: 10_485_760,
      ...(message && { message: clone(message) }),
    };
    if (guildId) {
      payload.guild_id = guildId;
      payload.guild_locale = 'en-US';
      payload.guild = { id: guildId, locale: 'en-US', features: [] };
      payload.member = { ...this.memberObject(guildId, userRec.user.id), permissions: this.permissionsOf(guildId, userRec.user.id).toString() };
    } else {
      payload.user = clone(userRec.user);
    }
    const st: InteractionState = {
      id,
      token,
      type,
      channelId: channel.id,
      guildId,
      userId: userRec.user.id,
      createdAt: Date.now(),
      messageId: message?.id,
      commandName: type === InteractionType.ApplicationCommand ? String(data.name) : undefined,
      commandType: type === InteractionType.ApplicationCommand ? Number(data.type) : undefined,
      acknowledged: false,
      callbackType: undefined,
      originalMessageId: undefined,
      deferredEphemeral: false,
      payload,
    };
    this.interactions.set(id, st);
    this.interactionsByToken.set(token, st);
    return payload;
  }

  private dispatchInteraction(payload: DiscordInteraction): DispatchedInteraction {
    if (this.dispatch('INTERACTION_CREATE', payload) === 0) {
      throw new Error('FakeDiscord: no identified gateway session to dispatch INTERACTION_CREATE to (log the client in first)');
    }
    return { id: payload.id, token: payload.token, payload };
  }

  private interactionMetadata(st: InteractionState): Record<string, unknown> {
    const user = clone(this.users.get(st.userId)!.user);
    return {
      id: st.id,
      type: st.type,
      user,
      authorizing_integration_owners: st.payload.authorizing_integration_owners,
      ...(st.commandName !== undefined && { name: st.commandName, command_type: st.commandType }),
      ...(st.messageId !== undefined && st.type === InteractionType.MessageComponent && { interacted_message_id: st.messageId }),
    };
  }

  /** Applies an initial interaction response (REST callback body or HTTP-interaction response body). */
  private applyCallback(st: InteractionState, body: any, files: RecordedFile[]): DiscordMessage | undefined {
    if (!isRecord(body) || typeof body.type !== 'number') throw formError('type', 'BASE_TYPE_REQUIRED', 'This field is required');
    const type = body.type;
    const data = isRecord(body.data) ? body.data : {};
    const allowed: Record<number, number[]> = {
      [InteractionType.ApplicationCommand]: [Callback.ChannelMessage, Callback.DeferredChannelMessage, Callback.Modal, Callback.PremiumRequired, Callback.LaunchActivity],
      [InteractionType.MessageComponent]: [Callback.ChannelMessage, Callback.DeferredChannelMessage, Callback.DeferredUpdate, Callback.UpdateMessage, Callback.Modal, Callback.PremiumRequired, Callback.LaunchActivity],
      [InteractionType.ModalSubmit]: [Callback.ChannelMessage, Callback.DeferredChannelMessage, ...(st.messageId ? [Callback.DeferredUpdate, Callback.UpdateMessage] : []), Callback.PremiumRequired],
      [InteractionType.Autocomplete]: [Callback.Autocomplete],
    };
    if (!(allowed[st.type] ?? []).includes(type)) throw formError('type', 'INTERACTION_RESPONSE_TYPE_INVALID', 'Invalid interaction response type');
    const ch = this.channels.get(st.channelId)!;
    let message: DiscordMessage | undefined;
    switch (type) {
      case Callback.ChannelMessage:
      case Callback.DeferredChannelMessage: {
        const flags = typeof data.flags === 'number' ? data.flags : 0;
        const ephemeral = (flags & MessageFlags.Ephemeral) !== 0;
        const fields =
          type === Callback.ChannelMessage
            ? data
            : { content: '', flags: MessageFlags.Loading | (ephemeral ? MessageFlags.Ephemeral : 0) };
        message = this.createMessage(ch, fields, files, this.botUser, {
          interaction: st,
          allowFlags: MessageFlags.Ephemeral | MessageFlags.Loading,
          allowEmpty: type === Callback.DeferredChannelMessage,
        });
        st.originalMessageId = message.id;
        st.deferredEphemeral = type === Callback.DeferredChannelMessage && ephemeral;
        break;
      }
      case Callback.DeferredUpdate:
        st.originalMessageId = st.messageId;
        break;
      case Callback.UpdateMessage: {
        const rec = this.findMessage(st.messageId!);
        if (!rec) throw unknownMessage();
        message = this.editMessage(rec, data, files);
        st.originalMessageId = rec.current.id;
        break;
      }
      case Callback.Modal: {
        if (typeof data.custom_id !== 'string' || typeof data.title !== 'string') throw formError('data.custom_id', 'BASE_TYPE_REQUIRED', 'This field is required');
        if (!Array.isArray(data.components) || data.components.length === 0) throw formError('data.components', 'BASE_TYPE_REQUIRED', 'This field is required');
        this.modals.set(data.custom_id, { data: clone(data), interaction: st });
        break;
      }
      default:
        break;
    }
    st.acknowledged = true;
    st.callbackType = type;
    return message;
  }

  private interactionByToken(appId: string, token: string): InteractionState {
    const st = this.interactionsByToken.get(token);
    if (!st || appId !== this.applicationId || !st.acknowledged) throw unknownWebhook();
    return st;
  }

  // ------------------------------------------------------------ internals: messages

  private newRecord(channelId: string, msg: DiscordMessage): StoredMessage {
    let byId = this.messages.get(channelId);
    if (!byId) {
      byId = new Map();
      this.messages.set(channelId, byId);
    }
    const rec: StoredMessage = { current: msg, versions: [msg], deleted: false };
    byId.set(msg.id, rec);
    return rec;
  }

  private mentionsOf(content: string, allowed: unknown, guildId: string | undefined): Pick<DiscordMessage, 'mentions' | 'mention_roles' | 'mention_everyone'> {
    const am = isRecord(allowed) ? allowed : undefined;
    const parse = am && Array.isArray(am.parse) ? new Set(am.parse as string[]) : undefined;
    const allow = (kind: 'users' | 'roles' | 'everyone', id?: string) => {
      if (!am) return true;
      if (parse?.has(kind)) return true;
      const list = kind === 'everyone' ? undefined : am[kind];
      return id !== undefined && Array.isArray(list) && list.includes(id);
    };
    const userIds = [...new Set([...content.matchAll(/<@!?(\d{17,20})>/g)].map((m) => m[1]!))].filter((id) => allow('users', id));
    const roleIds = [...new Set([...content.matchAll(/<@&(\d{17,20})>/g)].map((m) => m[1]!))].filter((id) => allow('roles', id));
    return {
      mentions: userIds.map((id) => this.users.get(id)?.user).filter((u): u is DiscordUser => u !== undefined).map((u) => ({ ...clone(u), ...(guildId && this.guilds.get(guildId)?.members.has(u.id) && { member: this.memberObject(guildId, u.id, false) }) })),
      mention_roles: roleIds,
      mention_everyone: /@(everyone|here)/.test(content) && allow('everyone'),
    };
  }

  private validateContent(f: { content: string; embeds: unknown[]; components: unknown[]; attachments: unknown[]; sticker_ids?: unknown; poll?: unknown }, allowEmpty: boolean): void {
    if (f.content.length > 2000) throw formError('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
    if (f.embeds.length > 10) throw formError('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    const empty = f.content.trim() === '' && f.embeds.length === 0 && f.components.length === 0 && f.attachments.length === 0 && f.sticker_ids === undefined && f.poll === undefined;
    if (empty && !allowEmpty) throw new DiscordError(400, 50006, 'Cannot send an empty message');
  }

  private attachmentsFrom(files: RecordedFile[], declared: unknown, channelId: string): DiscordAttachment[] {
    const decl = Array.isArray(declared) ? declared.filter(isRecord) : [];
    return files.map((f, i) => {
      const idx = /^files\[(\d+)\]$/.exec(f.field)?.[1];
      const d = decl.find((x) => String(x.id) === (idx ?? String(i)));
      const id = snowflake();
      const filename = typeof d?.filename === 'string' ? d.filename : f.filename;
      return {
        id,
        filename,
        size: f.size,
        url: `https://cdn.discordapp.com/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`,
        proxy_url: `https://media.discordapp.net/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`,
        content_type: f.contentType,
        ...(typeof d?.description === 'string' && { description: d.description }),
      };
    });
  }

  /** Creates, stores, echoes (gateway) and returns a message. */
  private createMessage(
    ch: DiscordChannel,
    body: Record<string, unknown>,
    files: RecordedFile[],
    author: DiscordUser,
    o: { interaction?: InteractionState; allowFlags?: number; allowEmpty?: boolean; id?: string },
  ): DiscordMessage {
    const content = typeof body.content === 'string' ? body.content : typeof body.content === 'number' ? String(body.content) : '';
    const embeds = (Array.isArray(body.embeds) ? body.embeds.filter(isRecord) : []).map((e) => ({ type: 'rich', ...e, content_scan_version: 0 }));
    const components = Array.isArray(body.components) ? (clone(body.components) as Record<string, unknown>[]) : [];
    const attachments = this.attachmentsFrom(files, body.attachments, ch.id);
    this.validateContent({ content, embeds, components, attachments, sticker_ids: body.sticker_ids, poll: body.poll }, o.allowEmpty ?? false);
    let reference: Record<string, unknown> | undefined;
    let referenced: DiscordMessage | undefined;
    if (isRecord(body.message_reference)) {
      const ref = body.message_reference;
      const refChannel = typeof ref.channel_id === 'string' ? ref.channel_id : ch.id;
      const target = typeof ref.message_id === 'string' ? this.messages.get(refChannel)?.get(ref.message_id) : undefined;
      if (!target || target.deleted) {
        if (ref.fail_if_not_exists !== false) throw formError('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
      } else {
        referenced = target.current;
        reference = { type: 0, channel_id: refChannel, message_id: target.current.id, ...(ch.guild_id && { guild_id: ch.guild_id }) };
      }
    }
    const flags = (typeof body.flags === 'number' ? body.flags : 0) & (SENDABLE_FLAGS | (o.allowFlags ?? 0));
    const st = o.interaction;
    const mentions = this.mentionsOf(content, body.allowed_mentions, ch.guild_id);
    if (referenced && (!isRecord(body.allowed_mentions) || body.allowed_mentions.replied_user !== false) && !mentions.mentions.some((u) => u.id === referenced.author.id)) {
      mentions.mentions.push(clone(referenced.author));
    }
    const at = Date.now();
    const msg: DiscordMessage = {
      type: st ? (st.type === InteractionType.ApplicationCommand ? (st.commandType === 1 ? 20 : 23) : 0) : referenced ? 19 : 0,
      content,
      mentions: mentions.mentions,
      mention_roles: mentions.mention_roles,
      attachments,
      embeds,
      timestamp: iso(at),
      edited_timestamp: null,
      flags,
      components,
      id: o.id ?? snowflake(at),
      channel_id: ch.id,
      author: clone(author),
      pinned: false,
      mention_everyone: mentions.mention_everyone,
      tts: body.tts === true,
      ...(st && { webhook_id: this.applicationId, application_id: this.applicationId, interaction_metadata: this.interactionMetadata(st) }),
      ...(reference && { message_reference: reference, referenced_message: clone(referenced) }),
      ...((typeof body.nonce === 'string' || typeof body.nonce === 'number') && { nonce: body.nonce }),
      ...(THREAD_TYPES.has(ch.type) && { position: Number(ch.total_message_sent ?? 0) }),
    };
    this.newRecord(ch.id, msg);
    if ((flags & MessageFlags.Ephemeral) === 0) {
      ch.last_message_id = msg.id;
      if (THREAD_TYPES.has(ch.type)) {
        ch.message_count = Number(ch.message_count ?? 0) + 1;
        ch.total_message_sent = Number(ch.total_message_sent ?? 0) + 1;
        if (ch.thread_metadata?.archived && !ch.thread_metadata.locked) ch.thread_metadata.archived = false;
      }
      this.echo('MESSAGE_CREATE', ch, msg);
    }
    return msg;
  }

  /** Applies a PATCH-style edit (fields present replace), stores the new version, echoes MESSAGE_UPDATE. */
  private editMessage(rec: StoredMessage, body: Record<string, unknown>, files: RecordedFile[]): DiscordMessage {
    const prev = rec.current;
    const next: DiscordMessage = clone(prev);
    if ('content' in body) next.content = typeof body.content === 'string' ? body.content : '';
    if ('embeds' in body) next.embeds = (Array.isArray(body.embeds) ? body.embeds.filter(isRecord) : []).map((e) => ({ type: 'rich', ...e, content_scan_version: 0 }));
    if ('components' in body) next.components = Array.isArray(body.components) ? (clone(body.components) as Record<string, unknown>[]) : [];
    if ('flags' in body && typeof body.flags === 'number') {
      next.flags = (prev.flags & ~MessageFlags.SuppressEmbeds) | (body.flags & MessageFlags.SuppressEmbeds);
    }
    if ('attachments' in body || files.length > 0) {
      const keep = Array.isArray(body.attachments) ? new Set(body.attachments.filter(isRecord).map((a) => String(a.id))) : undefined;
      next.attachments = [...(keep ? prev.attachments.filter((a) => keep.has(a.id)) : prev.attachments), ...this.attachmentsFrom(files, body.attachments, prev.channel_id)];
    }
    if (next.flags & MessageFlags.Loading) next.flags &= ~MessageFlags.Loading;
    const ch = this.channels.get(prev.channel_id);
    if ('content' in body || 'allowed_mentions' in body) Object.assign(next, this.mentionsOf(next.content, body.allowed_mentions, ch?.guild_id));
    this.validateContent(next, false);
    next.edited_timestamp = iso(Date.now());
    rec.current = next;
    rec.versions.push(next);
    if (ch && (next.flags & MessageFlags.Ephemeral) === 0) this.echo('MESSAGE_UPDATE', ch, next);
    return next;
  }

  /** Sends a message event to sessions whose intents cover it, like Discord. */
  private echo(type: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE' | 'MESSAGE_DELETE', ch: DiscordChannel, msg: DiscordMessage | { id: string; channel_id: string }): void {
    const guildId = ch.guild_id;
    for (const s of this.sessions.values()) {
      if (!(s.intents & (guildId ? Intents.GuildMessages : Intents.DirectMessages))) continue;
      if (guildId && !this.onShard(guildId, s.shard)) continue;
      let d: Record<string, unknown> = { ...clone(msg), ...(guildId && { guild_id: guildId }) };
      if ('author' in msg) {
        if (guildId && this.guilds.get(guildId)?.members.has(msg.author.id) && !msg.webhook_id) d.member = this.memberObject(guildId, msg.author.id, false);
        const mentioned = msg.mentions.some((u) => u.id === this.botUser.id);
        if (!(s.intents & Intents.MessageContent) && msg.author.id !== this.botUser.id && guildId && !mentioned) {
          d = { ...d, content: '', embeds: [], attachments: [], components: [] };
        }
      }
      this.sendDispatch(s, type, d);
    }
  }

  private createThread(parent: DiscordChannel, body: Record<string, unknown>, id: string, type: number): DiscordChannel {
    if (!parent.guild_id || THREAD_TYPES.has(parent.type) || parent.type === ChannelType.GuildCategory || parent.type === ChannelType.DM) {
      throw new DiscordError(400, 50024, 'Cannot execute action on this channel type');
    }
    const name = typeof body.name === 'string' ? body.name : '';
    if (name.length < 1 || name.length > 100) throw formError('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    const at = iso(Date.now());
    const thread: DiscordChannel = {
      id,
      type,
      guild_id: parent.guild_id,
      parent_id: parent.id,
      owner_id: this.botUser.id,
      name,
      last_message_id: null,
      rate_limit_per_user: typeof body.rate_limit_per_user === 'number' ? body.rate_limit_per_user : 0,
      flags: 0,
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
      applied_tags: Array.isArray(body.applied_tags) ? body.applied_tags : [],
      thread_metadata: {
        archived: false,
        auto_archive_duration: typeof body.auto_archive_duration === 'number' ? body.auto_archive_duration : 4320,
        archive_timestamp: at,
        locked: false,
        create_timestamp: at,
        ...(type === ChannelType.PrivateThread && { invitable: body.invitable !== false }),
      },
      member: { id, user_id: this.botUser.id, join_timestamp: at, flags: 1, muted: false, mute_config: null },
    };
    this.channels.set(id, thread);
    for (const s of this.sessions.values()) {
      if (s.intents & Intents.Guilds && this.onShard(parent.guild_id, s.shard)) this.sendDispatch(s, 'THREAD_CREATE', { ...clone(thread), newly_created: true });
    }
    return thread;
  }

  // ------------------------------------------------------------ internals: world

  private role(id: string, name: string, permissions: bigint, position: number, managed: boolean): DiscordRole {
    return {
      id,
      name,
      permissions: permissions.toString(),
      position,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      managed,
      mentionable: false,
      flags: 0,
    };
  }

  private ensureUser(userId: string, guildId: string | undefined): DiscordUser {
    if (!this.users.has(userId)) this.addUser({ id: userId, guildIds: guildId ? [guildId] : [] });
    else if (guildId && !this.guilds.get(guildId)?.members.has(userId)) this.addUser({ id: userId, guildIds: [guildId] });
    return this.users.get(userId)!.user;
  }

  private memberObject(guildId: string, userId: string, withUser = true): DiscordMember {
    const g = this.guilds.get(guildId)!;
    const m = g.members.get(userId)!;
    const member: DiscordMember = {
      user: clone(this.users.get(userId)!.user),
      nick: m.nick,
      avatar: null,
      banner: null,
      roles: [...m.roles],
      joined_at: m.joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
      unusual_dm_activity_until: null,
    };
    if (!withUser) delete (member as Partial<DiscordMember>).user;
    return member;
  }

  private permissionsOf(guildId: string, userId: string): bigint {
    const g = this.guilds.get(guildId);
    if (!g) return 0n;
    if (g.ownerId === userId) return ALL_PERMISSIONS;
    const m = g.members.get(userId);
    let p = BigInt(g.roles[0]!.permissions);
    for (const rid of m?.roles ?? []) {
      const r = g.roles.find((x) => x.id === rid);
      if (r) p |= BigInt(r.permissions);
    }
    return p & Perm.Administrator ? ALL_PERMISSIONS : p;
  }

  private guildObject(g: GuildRecord): Record<string, unknown> {
    return {
      id: g.id,
      name: g.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: g.ownerId,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: 1,
      default_message_notifications: 1,
      explicit_content_filter: 2,
      roles: clone(g.roles),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      max_members: 500000,
      max_presences: null,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      nsfw: false,
      premium_progress_bar_enabled: false,
      incidents_data: null,
      home_header: null,
      latest_onboarding_question_id: null,
      hub_type: null,
      inventory_settings: null,
    };
  }

  private guildCreate(g: GuildRecord): Record<string, unknown> {
    const chans = [...this.channels.values()].filter((c) => c.guild_id === g.id);
    return {
      ...this.guildObject(g),
      joined_at: g.joinedAt,
      large: false,
      unavailable: false,
      lazy: true,
      member_count: g.members.size,
      voice_states: [],
      members: [...g.members.keys()].map((uid) => this.memberObject(g.id, uid)),
      channels: chans.filter((c) => !THREAD_TYPES.has(c.type)).map(clone),
      threads: chans.filter((c) => THREAD_TYPES.has(c.type) && !c.thread_metadata?.archived).map(clone),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
      activity_instances: [],
      application_command_counts: {},
      version: Date.now(),
    };
  }

  private onShard(guildId: string, [id, count]: [number, number]): boolean {
    return Number((BigInt(guildId) >> 22n) % BigInt(count)) === id;
  }

  /** A channel by id for REST: missing ids 404; unknown ids become text channels of the first guild unless strict. */
  private channelFor(id: string): DiscordChannel {
    if (this.missingChannels.has(id) || !/^\d{1,20}$/.test(id)) throw unknownChannel();
    const ch = this.channels.get(id);
    if (ch) return ch;
    if (this.opts.strictChannels || this.guilds.size === 0) throw unknownChannel();
    this.addChannel(this.guildId, { id, name: `channel-${id.slice(-4)}` });
    return this.channels.get(id)!;
  }

  private visibleMessage(channelId: string, messageId: string): StoredMessage {
    const rec = this.messages.get(channelId)?.get(messageId);
    if (!rec || rec.deleted || rec.current.flags & MessageFlags.Ephemeral) throw unknownMessage();
    return rec;
  }

  private notify(): void {
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => !w.check());
  }

  // ------------------------------------------------------------ gateway

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const conn: Connection = { id: ++this.connSeq, ws, session: undefined, closed: false };
    this.connections.add(conn);
    const query = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
    this.log({ kind: 'connect', connection: conn.id, at: Date.now(), query });
    ws.on('message', (data, isBinary) => this.onFrame(conn, data, isBinary));
    ws.on('close', (code, reason) => {
      if (!conn.closed) this.log({ kind: 'close', connection: conn.id, at: Date.now(), code, reason: reason.toString(), by: 'client' });
      conn.closed = true;
      this.connections.delete(conn);
      const s = conn.session;
      if (s && s.conn === conn) {
        s.conn = undefined;
        // Closing with 1000/1001 ends the session on Discord; anything else keeps it resumable.
        if (code === 1000 || code === 1001) this.sessions.delete(s.id);
      }
      this.notify();
    });
    ws.on('error', () => {});
    if (query.encoding !== undefined && query.encoding !== 'json') {
      this.closeConn(conn, 4002, 'Error while decoding payload.');
      return;
    }
    this.send(conn, { op: 10, d: { heartbeat_interval: this.opts.heartbeatIntervalMs ?? 41_250, _trace: ['["fake-discord-gateway",{"micros":0}]'] }, s: null, t: null });
  }

  private onFrame(conn: Connection, data: RawData, isBinary: boolean): void {
    if (conn.closed) return;
    let payload: any;
    try {
      payload = JSON.parse(isBinary ? '' : (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString('utf8'));
    } catch {
      this.closeConn(conn, 4002, 'Error while decoding payload.');
      return;
    }
    if (!isRecord(payload) || typeof payload.op !== 'number') {
      this.closeConn(conn, 4002, 'Error while decoding payload.');
      return;
    }
    this.log({ kind: 'recv', connection: conn.id, at: Date.now(), op: payload.op, d: payload.d });
    switch (payload.op) {
      case 1:
        if (this.ackHeartbeats) {
          this.heartbeatsAnswered++;
          this.send(conn, { op: 11, d: null, s: null, t: null });
        }
        return;
      case 2:
        return this.onIdentify(conn, payload.d);
      case 6:
        return this.onResume(conn, payload.d);
      case 3:
      case 4:
        if (!conn.session) this.closeConn(conn, 4003, 'Not authenticated.');
        return;
      case 8:
        if (!conn.session) return this.closeConn(conn, 4003, 'Not authenticated.');
        return this.onRequestMembers(conn.session, payload.d);
      default:
        this.closeConn(conn, 4001, 'Unknown opcode.');
    }
  }

  private onIdentify(conn: Connection, d: any): void {
    if (conn.session) return this.closeConn(conn, 4005, 'Already authenticated.');
    if (!isRecord(d) || d.token !== this.token) return this.closeConn(conn, 4004, 'Authentication failed.');
    const intents = typeof d.intents === 'number' ? d.intents : NaN;
    if (!Number.isInteger(intents) || intents < 0 || intents >= 1 << 26) return this.closeConn(conn, 4013, 'Invalid intent(s).');
    if (intents & PRIVILEGED & ~(this.opts.privilegedIntents ?? PRIVILEGED)) return this.closeConn(conn, 4014, 'Disallowed intent(s).');
    const shard: [number, number] = Array.isArray(d.shard) && d.shard.length === 2 ? [Number(d.shard[0]), Number(d.shard[1])] : [0, 1];
    if (!(shard[1] >= 1 && shard[0] >= 0 && shard[0] < shard[1])) return this.closeConn(conn, 4010, 'Invalid shard.');
    this.identifies++;
    const session: Session = { id: randomBytes(16).toString('hex'), token: this.token, intents, shard, seq: 0, backlog: [], conn };
    this.sessions.set(session.id, session);
    conn.session = session;
    const guilds = [...this.guilds.values()].filter((g) => this.onShard(g.id, shard));
    this.sendDispatch(session, 'READY', {
      v: 10,
      user_settings: {},
      user: { ...clone(this.botUser), verified: true, mfa_enabled: false, email: null },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.gatewayUrl,
      shard,
      application: { id: this.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['fake'],
      auth: {},
      _trace: ['["fake-discord-gateway",{"micros":0}]'],
    });
    // Right after READY, like Discord (discord.js handles READY first even when both arrive in one read).
    if (intents & Intents.Guilds) for (const g of guilds) this.sendDispatch(session, 'GUILD_CREATE', this.guildCreate(g));
  }

  private onResume(conn: Connection, d: any): void {
    if (conn.session) return this.closeConn(conn, 4005, 'Already authenticated.');
    const s = isRecord(d) && typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    if (!s || d.token !== s.token) {
      this.send(conn, { op: 9, d: false, s: null, t: null });
      return;
    }
    const seq = typeof d.seq === 'number' ? d.seq : 0;
    if (seq > s.seq || (s.backlog.length > 0 && seq < s.backlog[0]!.s - 1)) {
      this.sessions.delete(s.id);
      this.send(conn, { op: 9, d: false, s: null, t: null });
      return;
    }
    if (s.conn && s.conn !== conn) this.closeConn(s.conn, 4009, 'Session timed out.');
    s.conn = conn;
    conn.session = s;
    for (const p of s.backlog) if (p.s > seq) this.send(conn, p);
    this.sendDispatch(s, 'RESUMED', { _trace: ['["fake-discord-gateway",{"micros":0}]'] });
  }

  private onRequestMembers(s: Session, d: any): void {
    if (!isRecord(d) || typeof d.guild_id !== 'string') return;
    const g = this.guilds.get(d.guild_id);
    if (!g) return;
    const wanted = Array.isArray(d.user_ids) ? new Set(d.user_ids.map(String)) : typeof d.user_ids === 'string' ? new Set([d.user_ids]) : undefined;
    const prefix = typeof d.query === 'string' ? d.query.toLowerCase() : '';
    const limit = typeof d.limit === 'number' && d.limit > 0 ? d.limit : Infinity;
    const ids = [...g.members.keys()].filter((id) => (wanted ? wanted.has(id) : this.users.get(id)!.user.username.toLowerCase().startsWith(prefix))).slice(0, limit);
    this.sendDispatch(s, 'GUILD_MEMBERS_CHUNK', {
      guild_id: g.id,
      members: ids.map((id) => this.memberObject(g.id, id)),
      chunk_index: 0,
      chunk_count: 1,
      not_found: wanted ? [...wanted].filter((id) => !g.members.has(id)) : [],
      ...(typeof d.nonce === 'string' && { nonce: d.nonce }),
    });
  }

  private sendDispatch(s: Session, t: string, d: unknown): void {
    const payload = { op: 0 as const, t, s: ++s.seq, d };
    s.backlog.push(payload);
    if (s.backlog.length > BACKLOG) s.backlog.shift();
    if (s.conn && !s.conn.closed) this.send(s.conn, payload);
  }

  private send(conn: Connection, payload: { op: number; d: unknown; s: number | null; t: string | null }): void {
    if (conn.closed || conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.send(JSON.stringify(payload));
    this.log({ kind: 'send', connection: conn.id, at: Date.now(), op: payload.op, t: payload.t, s: payload.s, d: payload.d });
  }

  private closeConn(conn: Connection, code: number, reason: string): void {
    if (conn.closed) return;
    conn.closed = true;
    this.log({ kind: 'close', connection: conn.id, at: Date.now(), code, reason, by: 'server' });
    if (conn.session?.conn === conn) conn.session.conn = undefined;
    if (code === 4004 || code === 4010 || code === 4013 || code === 4014) conn.session = undefined;
    conn.ws.close(code, reason);
  }

  private log(e: GatewayLogEntry): void {
    this.gateway.push(e);
    this.notify();
  }

  // ------------------------------------------------------------ REST

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/api(?:\/v(\d+))?(\/.*?)\/?$/.exec(url.pathname);
    const path = m ? m[2]! : url.pathname;
    const rec: RecordedRequest = { method, path, route: '', query: Object.fromEntries(url.searchParams), body: undefined, files: [], headers: req.headers, at, status: 0, response: undefined };
    let bucket = 'fake';
    try {
      const raw = await readBody(req);
      const parsed = await parseBody(req.headers['content-type'], raw);
      rec.body = parsed.body;
      rec.files = parsed.files;
      let route: Route | undefined;
      let exec: RegExpExecArray | null = null;
      for (const r of m ? this.routes : []) {
        if (r.method !== method) continue;
        exec = r.re.exec(path);
        if (exec) {
          route = r;
          break;
        }
      }
      if (!route || !exec) throw new DiscordError(404, 0, '404: Not Found');
      rec.route = `${method} ${route.template}`;
      bucket = createHash('sha1').update(rec.route).digest('hex').slice(0, 32);
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(exec[i + 1]!)));
      if (route.auth && req.headers.authorization !== `Bot ${this.token}`) throw new DiscordError(401, 0, '401: Unauthorized');
      const fault = this.takeFault(rec);
      if (fault?.rateLimit) return this.answer(res, rec, bucket, 429, { message: 'You are being rate limited.', retry_after: fault.rateLimit.retryAfter, global: fault.rateLimit.global === true }, fault.rateLimit);
      if (fault) {
        const status = fault.status ?? 500;
        return this.answer(res, rec, bucket, status, fault.body ?? { message: `${status}: ${status >= 500 ? 'Internal Server Error' : 'Error'}`, code: 0 });
      }
      const out = await route.handler({ params, query: url.searchParams, body: rec.body, files: rec.files, rec });
      this.answer(res, rec, bucket, out.status, out.body);
    } catch (err) {
      if (err instanceof DiscordError) return this.answer(res, rec, bucket, err.status, err.body);
      this.answer(res, rec, bucket, 500, { message: `500: Internal Server Error (fake: ${String(err)})`, code: 0 });
    }
  }

  private answer(res: ServerResponse, rec: RecordedRequest, bucket: string, status: number, body: unknown, limited?: RateLimitSpec): void {
    rec.status = status;
    rec.response = body;
    this.requests.push(rec);
    const nowS = Date.now() / 1000;
    const headers: Record<string, string> = { via: '1.1 google', 'x-fake': 'discord' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (limited) {
      const scope = limited.scope ?? (limited.global ? 'global' : 'user');
      Object.assign(headers, {
        'retry-after': String(limited.retryAfter),
        'x-ratelimit-limit': String(RATE_LIMIT.limit),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': (nowS + limited.retryAfter).toFixed(3),
        'x-ratelimit-reset-after': limited.retryAfter.toFixed(3),
        'x-ratelimit-bucket': bucket,
        'x-ratelimit-scope': scope,
        ...(limited.global && { 'x-ratelimit-global': 'true' }),
      });
    } else if (rec.route !== '') {
      Object.assign(headers, {
        'x-ratelimit-limit': String(RATE_LIMIT.limit),
        'x-ratelimit-remaining': String(RATE_LIMIT.remaining),
        'x-ratelimit-reset': (nowS + RATE_LIMIT.resetAfter).toFixed(3),
        'x-ratelimit-reset-after': RATE_LIMIT.resetAfter.toFixed(3),
        'x-ratelimit-bucket': bucket,
      });
    }
    this.notify();
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, headers);
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  private takeFault(rec: RecordedRequest): Fault | undefined {
    const f = this.faults.find((x) => x.remaining > 0 && matches(x.match, rec));
    if (!f) return undefined;
    f.remaining--;
    if (f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
    return f;
  }

  // ------------------------------------------------------------ routes

  private buildRoutes(): Route[] {
    const ok = (body: unknown, status = 200): Result => ({ status, body });
    const noContent: Result = { status: 204 };
    const bodyRecord = (ctx: Ctx): Record<string, unknown> => (isRecord(ctx.body) ? ctx.body : {});
    const app = (ctx: Ctx) => {
      if (ctx.params.application_id !== this.applicationId) throw new DiscordError(403, 50001, 'Missing Access');
    };
    const guild = (id: string | undefined) => {
      const g = id === undefined ? undefined : this.guilds.get(id);
      if (!g) throw new DiscordError(404, 10004, 'Unknown Guild');
      return g;
    };
    const commandScope = (ctx: Ctx) => {
      app(ctx);
      if (ctx.params.guild_id !== undefined) guild(ctx.params.guild_id);
      return ctx.params.guild_id ?? 'global';
    };
    const toCommand = (scope: string, raw: unknown, existing: DiscordCommand | undefined, index?: number): DiscordCommand => {
      const at = index === undefined ? '' : `${index}.`;
      if (!isRecord(raw)) throw formError(`${at}name`.replace(/^\./, ''), 'BASE_TYPE_REQUIRED', 'This field is required');
      const type = typeof raw.type === 'number' ? raw.type : 1;
      const name = typeof raw.name === 'string' ? raw.name : '';
      if (!COMMAND_NAME_RE.test(name) || (type === 1 && name !== name.toLowerCase())) throw formError(`${at}name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
      const description = typeof raw.description === 'string' ? raw.description : '';
      if (type === 1 && (description.length < 1 || description.length > 100)) throw formError(`${at}description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
      return {
        ...raw,
        id: existing?.id ?? snowflake(),
        application_id: this.applicationId,
        version: snowflake(),
        type,
        name,
        description: type === 1 ? description : '',
        default_member_permissions: typeof raw.default_member_permissions === 'string' ? raw.default_member_permissions : null,
        nsfw: raw.nsfw === true,
        ...(scope !== 'global' && { guild_id: scope }),
        ...(scope === 'global' && { integration_types: Array.isArray(raw.integration_types) ? raw.integration_types : [0], contexts: Array.isArray(raw.contexts) ? raw.contexts : null }),
      };
    };
    const messageBody = (ctx: Ctx) => bodyRecord(ctx);
    const interactionFor = (ctx: Ctx) => {
      const st = this.interactionsByToken.get(ctx.params.interaction_token!);
      if (!st || st.id !== ctx.params.interaction_id) throw unknownInteraction();
      ctx.rec.interactionId = st.id;
      return st;
    };
    const webhookInteraction = (ctx: Ctx) => {
      const st = this.interactionByToken(ctx.params.webhook_id!, ctx.params.webhook_token!);
      ctx.rec.interactionId = st.id;
      return st;
    };
    const webhookMessage = (st: InteractionState, mid: string): StoredMessage => {
      const id = mid === '@original' ? st.originalMessageId : mid;
      const rec = id === undefined ? undefined : this.findMessage(id);
      if (!rec || rec.deleted) throw unknownMessage();
      if (mid !== '@original' && rec.current.interaction_metadata?.id !== st.id) throw unknownMessage();
      return rec;
    };

    return [
      // gateway & identity
      compile('GET', '/gateway', false, () => ok({ url: this.gatewayUrl })),
      compile('GET', '/gateway/bot', true, () =>
        ok({ url: this.gatewayUrl, shards: this.opts.shards ?? 1, session_start_limit: { total: 1000, remaining: Math.max(0, 1000 - this.identifies), reset_after: 0, max_concurrency: 1 } }),
      ),
      compile('GET', '/users/@me', true, () => ok({ ...clone(this.botUser), verified: true, mfa_enabled: false, locale: 'en-US', email: null })),
      compile('GET', '/users/:user_id', true, (ctx) => {
        const u = this.users.get(ctx.params.user_id!);
        if (!u) throw new DiscordError(404, 10013, 'Unknown User');
        return ok(clone(u.user));
      }),
      compile('GET', '/applications/@me', true, () =>
        ok({
          id: this.applicationId,
          name: this.botUser.username,
          icon: null,
          description: '',
          summary: '',
          type: null,
          hook: true,
          bot_public: false,
          bot_require_code_grant: false,
          verify_key: this.publicKeyHex,
          flags: 0,
          owner: { id: snowflake(), username: 'owner', discriminator: '0', global_name: null, avatar: null, public_flags: 0, flags: 0 },
          team: null,
          bot: clone(this.botUser),
          approximate_guild_count: this.guilds.size,
          approximate_user_install_count: 0,
          interactions_endpoint_url: null,
          redirect_uris: [],
          tags: [],
          integration_types_config: { '0': {} },
        }),
      ),
      compile('POST', '/users/@me/channels', true, (ctx) => {
        const rid = bodyRecord(ctx).recipient_id;
        const u = typeof rid === 'string' ? this.users.get(rid) : undefined;
        if (!u) throw formError('recipient_id', 'NUMBER_TYPE_COERCE', 'Value is not snowflake.');
        let id = this.dms.get(u.user.id);
        if (!id) {
          id = snowflake();
          this.dms.set(u.user.id, id);
          this.channels.set(id, { id, type: ChannelType.DM, last_message_id: null, flags: 0, recipients: [clone(u.user)] });
        }
        return ok(clone(this.channels.get(id)!));
      }),

      // channels
      compile('GET', '/channels/:channel_id', true, (ctx) => ok(clone(this.channelFor(ctx.params.channel_id!)))),
      compile('PATCH', '/channels/:channel_id', true, (ctx) => {
        const ch = this.channelFor(ctx.params.channel_id!);
        const b = bodyRecord(ctx);
        for (const k of ['name', 'topic', 'rate_limit_per_user', 'nsfw', 'parent_id', 'applied_tags', 'flags'] as const) if (k in b) (ch as Record<string, unknown>)[k] = b[k];
        if (ch.thread_metadata) {
          for (const k of ['archived', 'locked', 'auto_archive_duration', 'invitable'] as const) {
            if (k in b) (ch.thread_metadata as Record<string, unknown>)[k] = b[k];
          }
          if ('archived' in b) ch.thread_metadata.archive_timestamp = iso(Date.now());
        }
        for (const s of this.sessions.values()) {
          if (s.intents & Intents.Guilds && ch.guild_id && this.onShard(ch.guild_id, s.shard)) this.sendDispatch(s, THREAD_TYPES.has(ch.type) ? 'THREAD_UPDATE' : 'CHANNEL_UPDATE', clone(ch));
        }
        return ok(clone(ch));
      }),
      compile('POST', '/channels/:channel_id/typing', true, (ctx) => {
        this.channelFor(ctx.params.channel_id!);
        return noContent;
      }),
      compile('GET', '/channels/:channel_id/messages', true, (ctx) => {
        const ch = this.channelFor(ctx.params.channel_id!);
        const limit = Math.min(100, Math.max(1, Number(ctx.query.get('limit') ?? 50)));
        const list = [...(this.messages.get(ch.id)?.values() ?? [])].filter((s) => !s.deleted && !(s.current.flags & MessageFlags.Ephemeral)).map((s) => clone(s.current));
        return ok(list.reverse().slice(0, limit));
      }),
      compile('POST', '/channels/:channel_id/messages', true, (ctx) => {
        const ch = this.channelFor(ctx.params.channel_id!);
        if (ch.type === ChannelType.GuildCategory || ch.type === ChannelType.GuildForum || ch.type === ChannelType.GuildMedia) {
          throw new DiscordError(400, 50008, 'Cannot send messages in a non-text channel');
        }
        if (ch.thread_metadata?.locked && ch.thread_metadata.archived) throw new DiscordError(400, 50083, 'Thread is archived');
        return ok(clone(this.createMessage(ch, messageBody(ctx), ctx.files, this.botUser, {})));
      }),
      compile('GET', '/channels/:channel_id/messages/:message_id', true, (ctx) => {
        const ch = this.channelFor(ctx.params.channel_id!);
        return ok(clone(this.visibleMessage(ch.id, ctx.params.message_id!).current));
      }),
      compile('PATCH', '/channels/:channel_id/messages/:message_id', true, (ctx) => {
        const ch = this.channelFor(ctx.params.channel_id!);
        const rec = this.visibleMessage(ch.id, ctx.params.message_id!);
        if (rec.current.author.id !== this.botUser.id) throw new DiscordError(403, 50005, 'Cannot edit a message authored by another user');
        return ok(clone(this.editMessage(rec, messageBody(ctx), ctx.files)));
      }),
      compile('DELETE', '/channels/:channel_id/messages/:message_id', true, (ctx) => {
        const ch = this.channelFor(ctx.params.channel_id!);
        const rec = this.visibleMessage(ch.id, ctx.params.message_id!);
        rec.deleted = true;
        this.echo('MESSAGE_DELETE', ch, { id: rec.current.id, channel_id: ch.id });
        return noContent;
      }),
      compile('PUT', '/channels/:channel_id/messages/:message_id/reactions/:emoji/:user', true, (ctx) => {
        const ch = this.channelFor(ctx.params.channel_id!);
        this.visibleMessage(ch.id, ctx.params.message_id!);
        if (ctx.params.user !== '@me') throw new DiscordError(404, 0, '404: Not Found');
        return noContent;
      }),
      compile('DELETE', '/channels/:channel_id/messages/:message_id/reactions/:emoji/:user', true, (ctx) => {
        const ch = this.channelFor(ctx.params.channel_id!);
        this.visibleMessage(ch.id, ctx.params.message_id!);
        return noContent;
      }),
      compile('POST', '/channels/:channel_id/messages/:message_id/threads', true, (ctx) => {
        const parent = this.channelFor(ctx.params.channel_id!);
        const rec = this.visibleMessage(parent.id, ctx.params.message_id!);
        if (rec.current.thread || this.channels.has(rec.current.id)) throw new DiscordError(400, 160004, 'A thread has already been created for this message');
        const thread = this.createThread(parent, bodyRecord(ctx), rec.current.id, parent.type === ChannelType.GuildAnnouncement ? ChannelType.AnnouncementThread : ChannelType.PublicThread);
        const next = { ...clone(rec.current), flags: rec.current.flags | MessageFlags.HasThread, thread: clone(thread) };
        rec.current = next;
        rec.versions.push(next);
        return ok(clone(thread), 201);
      }),
      compile('POST', '/channels/:channel_id/threads', true, (ctx) => {
        const parent = this.channelFor(ctx.params.channel_id!);
        const b = bodyRecord(ctx);
        if (parent.type === ChannelType.GuildForum || parent.type === ChannelType.GuildMedia) {
          if (!isRecord(b.message)) throw formError('message', 'BASE_TYPE_REQUIRED', 'This field is required');
          const id = snowflake();
          const thread = this.createThread(parent, b, id, ChannelType.PublicThread);
          const starter = this.createMessage(thread, b.message, ctx.files, this.botUser, { id });
          return ok({ ...clone(thread), message: clone(starter) }, 201);
        }
        if (typeof b.type !== 'number' || !THREAD_TYPES.has(b.type)) throw formError('type', 'BASE_TYPE_CHOICES', 'Value must be one of {10, 11, 12}.');
        return ok(clone(this.createThread(parent, b, snowflake(), b.type)), 201);
      }),
      compile('PUT', '/channels/:channel_id/thread-members/:user_id', true, (ctx) => {
        const ch = this.channelFor(ctx.params.channel_id!);
        if (!THREAD_TYPES.has(ch.type)) throw new DiscordError(400, 50024, 'Cannot execute action on this channel type');
        const uid = ctx.params.user_id === '@me' ? this.botUser.id : ctx.params.user_id!;
        if (!this.users.has(uid)) throw new DiscordError(404, 10013, 'Unknown User');
        ch.member_count = Number(ch.member_count ?? 0) + 1;
        return noContent;
      }),
      compile('DELETE', '/channels/:channel_id/thread-members/:user_id', true, (ctx) => {
        const ch = this.channelFor(ctx.params.channel_id!);
        if (!THREAD_TYPES.has(ch.type)) throw new DiscordError(400, 50024, 'Cannot execute action on this channel type');
        return noContent;
      }),

      // guilds
      compile('GET', '/guilds/:guild_id', true, (ctx) => {
        const g = guild(ctx.params.guild_id);
        return ok({ ...this.guildObject(g), approximate_member_count: g.members.size, approximate_presence_count: 0 });
      }),
      compile('GET', '/guilds/:guild_id/channels', true, (ctx) => ok(this.guildChannels(guild(ctx.params.guild_id).id).filter((c) => !THREAD_TYPES.has(c.type)))),
      compile('GET', '/guilds/:guild_id/roles', true, (ctx) => ok(clone(guild(ctx.params.guild_id).roles))),
      compile('GET', '/guilds/:guild_id/threads/active', true, (ctx) => ok({ threads: this.guildChannels(guild(ctx.params.guild_id).id).filter((c) => THREAD_TYPES.has(c.type) && !c.thread_metadata?.archived), members: [] })),
      compile('GET', '/guilds/:guild_id/members/:user_id', true, (ctx) => {
        const g = guild(ctx.params.guild_id);
        if (!g.members.has(ctx.params.user_id!)) throw new DiscordError(404, 10007, 'Unknown Member');
        return ok(this.memberObject(g.id, ctx.params.user_id!));
      }),

      // application commands
      ...(['/applications/:application_id/commands', '/applications/:application_id/guilds/:guild_id/commands'] as const).flatMap((base) => [
        compile('GET', base, true, (ctx) => ok(clone(this.commands.get(commandScope(ctx)) ?? []))),
        compile('PUT', base, true, (ctx) => {
          const scope = commandScope(ctx);
          if (!Array.isArray(ctx.body)) throw formError('_errors', 'BASE_TYPE_ARRAY', 'Must be an array.');
          if (ctx.body.length > 100) throw formError('_errors', 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
          const old = this.commands.get(scope) ?? [];
          const list = (ctx.body as unknown[]).map((raw, i) =>
            toCommand(scope, raw, old.find((c) => isRecord(raw) && c.name === raw.name && c.type === (typeof raw.type === 'number' ? raw.type : 1)), i),
          );
          this.commands.set(scope, list);
          return ok(clone(list));
        }),
        compile('POST', base, true, (ctx) => {
          const scope = commandScope(ctx);
          const list = this.commands.get(scope) ?? [];
          const b = bodyRecord(ctx);
          const type = typeof b.type === 'number' ? b.type : 1;
          const existing = list.find((c) => c.name === b.name && c.type === type);
          const cmd = toCommand(scope, b, existing);
          this.commands.set(scope, existing ? list.map((c) => (c === existing ? cmd : c)) : [...list, cmd]);
          return ok(clone(cmd), existing ? 200 : 201);
        }),
        compile('GET', `${base}/:command_id`, true, (ctx) => {
          const cmd = (this.commands.get(commandScope(ctx)) ?? []).find((c) => c.id === ctx.params.command_id);
          if (!cmd) throw new DiscordError(404, 10063, 'Unknown application command');
          return ok(clone(cmd));
        }),
        compile('PATCH', `${base}/:command_id`, true, (ctx) => {
          const scope = commandScope(ctx);
          const list = this.commands.get(scope) ?? [];
          const existing = list.find((c) => c.id === ctx.params.command_id);
          if (!existing) throw new DiscordError(404, 10063, 'Unknown application command');
          const cmd = toCommand(scope, { ...existing, ...bodyRecord(ctx) }, existing);
          this.commands.set(scope, list.map((c) => (c === existing ? cmd : c)));
          return ok(clone(cmd));
        }),
        compile('DELETE', `${base}/:command_id`, true, (ctx) => {
          const scope = commandScope(ctx);
          const list = this.commands.get(scope) ?? [];
          if (!list.some((c) => c.id === ctx.params.command_id)) throw new DiscordError(404, 10063, 'Unknown application command');
          this.commands.set(scope, list.filter((c) => c.id !== ctx.params.command_id));
          return noContent;
        }),
      ]),

      // interactions
      compile('POST', '/interactions/:interaction_id/:interaction_token/callback', false, (ctx) => {
        const st = interactionFor(ctx);
        if (this.opts.interactionDeadlineMs !== undefined && Date.now() - st.createdAt > this.opts.interactionDeadlineMs) throw unknownInteraction();
        if (st.acknowledged) throw new DiscordError(400, 40060, 'Interaction has already been acknowledged.');
        const message = this.applyCallback(st, ctx.body, ctx.files);
        if (ctx.query.get('with_response') !== 'true') return noContent;
        const type = (ctx.body as { type: number }).type;
        return ok({
          interaction: {
            id: st.id,
            type: st.type,
            activity_instance_id: null,
            ...(message && {
              response_message_id: message.id,
              response_message_loading: (message.flags & MessageFlags.Loading) !== 0,
              response_message_ephemeral: (message.flags & MessageFlags.Ephemeral) !== 0,
            }),
          },
          ...(message ? { resource: { type, message: clone(message) } } : type === Callback.LaunchActivity ? { resource: { type, activity_instance: { id: snowflake() } } } : {}),
        });
      }),
      compile('POST', '/webhooks/:webhook_id/:webhook_token', false, (ctx) => {
        const st = webhookInteraction(ctx);
        const ch = this.channels.get(st.channelId)!;
        const b = messageBody(ctx);
        const original = st.originalMessageId === undefined ? undefined : this.findMessage(st.originalMessageId);
        let msg: DiscordMessage;
        if (original && !original.deleted && original.current.flags & MessageFlags.Loading && st.callbackType === Callback.DeferredChannelMessage) {
          // Discord: the first follow-up after a deferred reply replaces the "thinking…" message.
          msg = this.editMessage(original, b, ctx.files);
        } else {
          msg = this.createMessage(ch, b, ctx.files, this.botUser, { interaction: st, allowFlags: MessageFlags.Ephemeral });
        }
        return ctx.query.get('wait') === 'true' ? ok(clone(msg)) : noContent;
      }),
      compile('GET', '/webhooks/:webhook_id/:webhook_token/messages/:message_id', false, (ctx) => {
        const st = webhookInteraction(ctx);
        return ok(clone(webhookMessage(st, ctx.params.message_id!).current));
      }),
      compile('PATCH', '/webhooks/:webhook_id/:webhook_token/messages/:message_id', false, (ctx) => {
        const st = webhookInteraction(ctx);
        return ok(clone(this.editMessage(webhookMessage(st, ctx.params.message_id!), messageBody(ctx), ctx.files)));
      }),
      compile('DELETE', '/webhooks/:webhook_id/:webhook_token/messages/:message_id', false, (ctx) => {
        const st = webhookInteraction(ctx);
        const rec = webhookMessage(st, ctx.params.message_id!);
        rec.deleted = true;
        const ch = this.channels.get(rec.current.channel_id);
        if (ch && !(rec.current.flags & MessageFlags.Ephemeral)) this.echo('MESSAGE_DELETE', ch, { id: rec.current.id, channel_id: ch.id });
        return noContent;
      }),
    ];
  }
}
