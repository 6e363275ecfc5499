import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

/**
 * A fake Slack platform speaking the real wire protocol, for driving the real `@slack/web-api` WebClient and
 * the real `@slack/bolt` App end to end.
 *
 * `FakeSlack` is the Web API (https://docs.slack.dev/reference/methods): `POST {apiUrl}<method>` (point a
 * WebClient at it with `slackApiUrl: fake.apiUrl`) with an `application/x-www-form-urlencoded` body (objects
 * such as `blocks` / `view` JSON-encoded inside the form, as WebClient sends them) or a JSON body, the token in
 * `Authorization: Bearer <token>` (or a `token` field). It answers HTTP 200 with `{ ok: true, ... }` or
 * `{ ok: false, error }` like Slack, except for injected faults (`failNext`): HTTP 429 + `Retry-After`, or 5xx.
 * It also serves `response_url`s (`responseUrl()`), recording what Bolt's `respond()` posts there.
 *
 * `SlackSender` plays Slack's side towards the app: it POSTs signed Events API callbacks, interactivity
 * payloads (block_actions, view_submission) and slash commands to the app's request URL.
 *
 * Socket Mode (https://docs.slack.dev/apis/events-api/using-socket-mode): `apps.connections.open`, called with
 * the app-level token (`xapp-…`, option `appToken`), answers a one-time `ws://` URL on the same server; the fake
 * greets each WebSocket with `hello`, answers pings with pongs, and `socketSend()` delivers an envelope
 * (`events_api` / `interactive` / `slash_commands`) and resolves with the client's ack frame.
 * `SlackSocketSender` builds the same payloads as `SlackSender` and delivers them over the socket instead.
 *
 * Tests observe what the app did through `calls()` / `postedIn()` / `threadOf()` / `views` and await it with
 * `waitForCall()` / `waitForMessage()`, which resolve on the recorded call instead of sleeping.
 */

// ---------------------------------------------------------------- identities

export const SLACK_TEAM_ID = 'T0001';
export const SLACK_TEAM_DOMAIN = 'aftercare-test';
export const SLACK_TEAM_NAME = 'Aftercare Test';
export const SLACK_APP_ID = 'A0001';
export const SLACK_BOT_USER_ID = 'U0BOT';
export const SLACK_BOT_ID = 'B0BOT';
export const SLACK_BOT_TOKEN = 'xoxb-test';
export const SLACK_APP_TOKEN = 'xapp-1-test';

// ---------------------------------------------------------------- wire types

/** Decoded arguments of a Web API call (form values are strings; `blocks`, `view`, `attachments`, `metadata` decoded). */
export type SlackArgs = Record<string, unknown>;

export interface SlackCall {
  /** Web API method (`chat.postMessage`), or `response_url` for a POST to a `responseUrl()`. */
  method: string;
  args: SlackArgs;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** HTTP status answered. */
  status: number;
  /** The `ok` of the answer (false for injected HTTP failures). */
  ok: boolean;
  /** The JSON answered (without the HTTP-level details). */
  response?: Record<string, unknown>;
  /** The `error` code answered, if any. */
  error?: string;
  /** For `response_url` calls: the id in `/response/<id>`. */
  responseId?: string;
  /** The token the Web API call carried (Authorization bearer, else the `token` field), if any. */
  token?: string;
}

/** A message as Slack returns it (in `chat.postMessage`'s `message`, in history, ...). */
export interface SlackMessage {
  type: 'message';
  ts: string;
  text: string;
  user: string;
  /** Absent on messages people wrote (`userMessage`). */
  bot_id?: string;
  app_id?: string;
  team: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users?: string[];
  latest_reply?: string;
  edited?: { user: string; ts: string };
  [k: string]: unknown;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  /** Set for thread replies (and on a parent once it has replies, as Slack does: `thread_ts === ts`). */
  thread_ts?: string;
  /** The current version. */
  latest: SlackMessage;
  /** Every version, oldest first (the original post, then one per chat.update); `history.at(-1) === latest`. */
  history: SlackMessage[];
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  message_ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  args: SlackArgs;
}

/** A view as Slack returns it from views.open/update/push/publish. */
export interface SlackView {
  id: string;
  team_id: string;
  type: string;
  blocks: unknown[];
  private_metadata: string;
  callback_id: string;
  external_id: string;
  state: { values: Record<string, unknown> };
  hash: string;
  title: unknown;
  close: unknown;
  submit: unknown;
  clear_on_close: boolean;
  notify_on_close: boolean;
  previous_view_id: string | null;
  root_view_id: string;
  app_id: string;
  app_installed_team_id: string;
  bot_id: string;
  [k: string]: unknown;
}

export interface StoredView {
  id: string;
  /** The method that created it: views.open, views.push or views.publish. */
  via: 'views.open' | 'views.push' | 'views.publish';
  /** The user of an App Home view (views.publish). */
  userId?: string;
  /** The trigger_id that opened a modal. */
  triggerId?: string;
  latest: SlackView;
  /** Every version, oldest first. */
  history: SlackView[];
}

export interface SlackUser {
  id: string;
  name: string;
  real_name: string;
  tz: string;
  locale: string;
  is_bot?: boolean;
}

/**
 * An injected failure. `status: 429` answers HTTP 429 with `Retry-After: <retryAfter ?? 1>` and
 * `{ ok: false, error: error ?? 'ratelimited' }`; another status answers that HTTP status (`internal_error`
 * body); no status answers HTTP 200 `{ ok: false, error }`.
 */
export interface SlackFailure {
  status?: number;
  retryAfter?: number;
  error?: string;
}

export interface FakeSlackOptions {
  /** The only accepted bot token (default `xoxb-test`). */
  botToken?: string;
  /** Channels that answer `channel_not_found`. */
  missingChannels?: Iterable<string>;
  /** Users that answer `user_not_found` (and whose DMs answer `channel_not_found`). */
  missingUsers?: Iterable<string>;
  /** Known users (others get generated profiles). */
  users?: Record<string, Partial<Omit<SlackUser, 'id'>>>;
  /** Seconds part of the first message ts (default 1700000000 → first ts `1700000000.000100`). */
  tsBase?: number;
  /** The only app-level token `apps.connections.open` accepts (default `xapp-1-test`). */
  appToken?: string;
  /** Socket Mode: send a ping frame to each client this often (default: never; Slack pings every few seconds). */
  socketPingIntervalMs?: number;
}

// ---------------------------------------------------------------- Socket Mode wire types

export type SocketEnvelopeType = 'events_api' | 'interactive' | 'slash_commands';

/** An envelope as Slack sends it over the Socket Mode WebSocket. */
export interface SocketEnvelope {
  envelope_id: string;
  type: SocketEnvelopeType;
  accepts_response_payload: boolean;
  /** The body Slack would POST over HTTP: the event_callback, the interactivity payload, the command fields. */
  payload: Record<string, unknown>;
  retry_attempt: number;
  retry_reason: string;
}

/** An ack frame the client sent: `{ envelope_id, payload? }`. */
export interface SocketAck {
  envelope_id: string;
  /** The response payload (Bolt always sends one: `{}` for a bare `ack()`). */
  payload?: Record<string, unknown>;
  /** The id of the connection that carried it. */
  connection: number;
  at: number;
  /** The frame as received. */
  raw: string;
}

export interface SocketConnection {
  /** 1, 2, ... in the order `apps.connections.open` issued their URLs. */
  id: number;
  /** The URL `apps.connections.open` answered. */
  url: string;
  openedAt: number;
  /** When `hello` was sent (right after the WebSocket handshake). */
  helloAt?: number;
  closedAt?: number;
  /** The close code and reason: the client's close frame, or what the fake sent when it closed the connection. */
  closeCode?: number;
  closeReason?: string;
  /** Who closed it: the client (close frame or dropped socket), or the fake (`socketClose`, `stop`). */
  closedBy?: 'client' | 'server';
  /** Ping frames the client sent (each answered with a pong). */
  pingsReceived: number;
  /** Pong frames the client sent (answers to `socketPingIntervalMs` pings). */
  pongsReceived: number;
  /** Text frames that were not acks of an envelope sent on this connection (unparseable, unknown envelope_id). */
  strayFrames: string[];
  /** Envelopes sent on this connection, oldest first. */
  envelopes: SocketEnvelope[];
}

export interface SocketSendOptions {
  /** Default: a fresh UUID. */
  envelopeId?: string;
  /** Default: true for slash_commands and view_submission / block_suggestion / shortcuts, false otherwise (as Slack). */
  acceptsResponsePayload?: boolean;
  /** Default 0; Slack re-sends an envelope not acked in time with retry_attempt + 1. */
  retryAttempt?: number;
  /** Default ''; e.g. `timeout`. */
  retryReason?: string;
  /** The connection id to send on (default: the newest open connection). */
  connection?: number;
  /** How long to wait for the ack (default 5000 ms). */
  timeoutMs?: number;
}

export type TextMatch = string | RegExp | ((text: string) => boolean);

type FailHook = (call: { method: string; args: SlackArgs }) => boolean | SlackFailure | undefined | null;

interface SocketState {
  info: SocketConnection;
  ws: WebSocket;
  pinger?: NodeJS.Timeout;
  /** Set when the fake started the close: recorded as the server's, with the code and reason it sent. */
  closingByServer?: { code: number; reason: string };
  /** Resolves once the connection is closed (by either side). */
  closed: Promise<SocketConnection>;
  markClosed: (c: SocketConnection) => void;
}

interface PendingAck {
  connection: number;
  resolve: (a: SocketAck) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface SocketWaiter {
  afterId: number;
  resolve: (c: SocketConnection) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

interface CallWaiter {
  pred: (c: SlackCall) => boolean;
  since: number;
  resolve: (c: SlackCall) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

// ---------------------------------------------------------------- internals

class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

/** Slack's answer for a malformed argument: `invalid_arguments` with `[ERROR]` messages in response_metadata. */
const invalidArguments = (...messages: string[]) => new SlackApiError('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });

const METHODS = new Set([
  'auth.test',
  'apps.connections.open',
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'views.open',
  'views.update',
  'views.publish',
  'views.push',
  'conversations.open',
  'users.info',
]);

/** Fields that carry JSON inside a form body. */
const JSON_FIELDS: Record<string, string> = {
  blocks: 'invalid_blocks_format',
  attachments: 'invalid_attachments',
  metadata: 'invalid_metadata_format',
  view: 'invalid_arguments',
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const truthy = (v: unknown) => v === true || v === 'true' || v === '1' || v === 1;
const nonEmptyArray = (v: unknown) => Array.isArray(v) && v.length > 0;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const isUserId = (id: string) => /^[UW][A-Z0-9]+$/.test(id);
/** For promises a caller may never await: a rejection is still seen by awaiting callers, but never unhandled. */
const quiet = <T>(p: Promise<T>): Promise<T> => {
  p.catch(() => undefined);
  return p;
};
const SOCKET_PATH = /^\/socket-mode\/(\d+)$/;

function textMatcher(match: TextMatch): (s: string) => boolean {
  if (typeof match === 'string') return (s) => s.includes(match);
  if (match instanceof RegExp) {
    const re = new RegExp(match.source, match.flags.replace('g', ''));
    return (s) => re.test(s);
  }
  return match;
}

// ---------------------------------------------------------------- the fake Web API

export class FakeSlack {
  readonly botToken: string;
  /** The app-level token `apps.connections.open` accepts (Socket Mode). */
  readonly appToken: string;
  /** Every request (Web API and response_url), in the order answered. See `calls(method)`. */
  readonly callLog: SlackCall[] = [];
  /** channel → ts → message (bot messages posted through the API, thread replies included). */
  readonly messages = new Map<string, Map<string, StoredMessage>>();
  readonly ephemerals: EphemeralMessage[] = [];
  /** view id → view (modals and App Home views). */
  readonly views = new Map<string, StoredView>();
  /** Channels that answer `channel_not_found`. */
  readonly missingChannels: Set<string>;
  /** Users that answer `user_not_found`. */
  readonly missingUsers: Set<string>;
  /** `http://127.0.0.1:<port>` once started. */
  baseUrl = '';
  /** `http://127.0.0.1:<port>/api/` once started: the WebClient's `slackApiUrl`. */
  apiUrl = '';
  /** Socket Mode connections (open and closed), oldest first. */
  readonly socketConnections: SocketConnection[] = [];
  /** Every ack frame received over Socket Mode, oldest first. */
  readonly socketAcks: SocketAck[] = [];
  private readonly listeners = new Set<(call: SlackCall) => void>();

  private server: Server | undefined;
  private readonly users = new Map<string, SlackUser>();
  private readonly openDms = new Set<string>();
  private readonly tsBase: number;
  private tsSeq = 0;
  private viewSeq = 0;
  private responseSeq = 0;
  private waiters: CallWaiter[] = [];
  private faults: { method: string; remaining: number; spec: SlackFailure }[] = [];
  private hooks: { pred: FailHook; spec: SlackFailure }[] = [];
  private wss: WebSocketServer | undefined;
  private readonly socketPingIntervalMs: number | undefined;
  private socketSeq = 0;
  /** connection id → the one-time ticket in its URL, until the client connects with it. */
  private readonly tickets = new Map<number, { ticket: string; url: string }>();
  private readonly sockets = new Map<number, SocketState>();
  /** envelope_id → who awaits its ack (several when the same envelope is re-sent as a retry). */
  private readonly pendingAcks = new Map<string, PendingAck[]>();
  private socketWaiters: SocketWaiter[] = [];

  constructor(options: FakeSlackOptions = {}) {
    this.botToken = options.botToken ?? SLACK_BOT_TOKEN;
    this.appToken = options.appToken ?? SLACK_APP_TOKEN;
    this.socketPingIntervalMs = options.socketPingIntervalMs;
    this.missingChannels = new Set(options.missingChannels ?? []);
    this.missingUsers = new Set(options.missingUsers ?? []);
    this.tsBase = options.tsBase ?? 1_700_000_000;
    for (const [id, u] of Object.entries(options.users ?? {})) this.addUser(id, u);
  }

  // ------------------------------------------------------------ lifecycle

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    const wss = new WebSocketServer({ noServer: true });
    this.wss = wss;
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(wss, req, socket, head));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.apiUrl = `${this.baseUrl}/api/`;
    return this;
  }

  async stop(): Promise<void> {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error('FakeSlack stopped'));
    }
    this.waiters = [];
    const socketWaiters = this.socketWaiters;
    this.socketWaiters = [];
    for (const w of socketWaiters) {
      clearTimeout(w.timer);
      w.reject(new Error('FakeSlack stopped'));
    }
    for (const [id, list] of this.pendingAcks) {
      this.pendingAcks.delete(id);
      for (const p of list) {
        clearTimeout(p.timer);
        p.reject(new Error(`FakeSlack stopped before envelope ${id} was acked`));
      }
    }
    for (const s of [...this.sockets.values()]) {
      this.socketClosed(s, 1006, 'FakeSlack stopped', 'server');
      s.ws.terminate();
    }
    this.tickets.clear();
    this.wss?.close();
    this.wss = undefined;
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  // ------------------------------------------------------------ directory

  /** Makes a user known to users.info (unknown user ids get a generated profile). */
  addUser(id: string, fields: Partial<Omit<SlackUser, 'id'>> = {}): SlackUser {
    const prev = this.users.get(id) ?? this.defaultUser(id);
    const user: SlackUser = { ...prev, ...fields, id };
    this.users.set(id, user);
    return user;
  }

  /**
   * Stores a message a person wrote (so the bot can reply in its thread, and chat.update on it answers
   * `cant_update_message`) and returns it as a `message` event, ready for `SlackSender.event()`.
   */
  userMessage(channel: string, user: string, text: string, opts: { threadTs?: string } = {}): SlackMessage & { channel: string; channel_type: string; event_ts: string } {
    const key = this.channelKey(channel);
    const ts = this.nextTs();
    const msg: SlackMessage = { type: 'message', user, text, ts, team: SLACK_TEAM_ID };
    let byTs = this.messages.get(key);
    if (!byTs) this.messages.set(key, (byTs = new Map()));
    if (opts.threadTs !== undefined) {
      msg.thread_ts = opts.threadTs;
      const parent = byTs.get(opts.threadTs);
      msg.parent_user_id = parent?.latest.user ?? user;
      if (parent) this.noteReply(parent, user, ts);
    }
    byTs.set(ts, { channel: key, ts, ...(opts.threadTs !== undefined && { thread_ts: opts.threadTs }), latest: msg, history: [structuredClone(msg)] });
    return { ...structuredClone(msg), channel: key, channel_type: key.startsWith('D') ? 'im' : key.startsWith('G') ? 'group' : 'channel', event_ts: ts };
  }

  /** The DM channel id Slack gives the conversation between the bot and `userId`. */
  dmChannel(userId: string): string {
    return `D${userId}`;
  }

  // ------------------------------------------------------------ observation

  /** Calls `listener` after every recorded call (a live view of the workspace); returns the unsubscribe. */
  onCall(listener: (call: SlackCall) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Recorded calls of `method` (all calls without it), oldest first. */
  calls(method?: string): SlackCall[] {
    return method === undefined ? [...this.callLog] : this.callLog.filter((c) => c.method === method);
  }

  /** Index to pass as `since` so waits only consider calls made after this point. */
  mark(): number {
    return this.callLog.length;
  }

  /** A message (current version and history) of a channel. A user id stands for the bot's DM with that user. */
  message(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.get(this.channelKey(channel))?.get(ts);
  }

  /** Current versions of the top-level messages posted in a channel (a user id means the DM), oldest first. */
  postedIn(channel: string): SlackMessage[] {
    return this.stored(channel)
      .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts)
      .map((m) => m.latest);
  }

  /** Current versions of the replies in the thread of `ts`, oldest first. */
  threadOf(channel: string, ts: string): SlackMessage[] {
    return this.stored(channel)
      .filter((m) => m.thread_ts === ts && m.ts !== ts)
      .map((m) => m.latest);
  }

  /** A view by id. */
  view(id: string): SlackView | undefined {
    return this.views.get(id)?.latest;
  }

  /** The App Home view last published for a user. */
  homeView(userId: string): SlackView | undefined {
    return [...this.views.values()].find((v) => v.via === 'views.publish' && v.userId === userId)?.latest;
  }

  /** JSON bodies posted to `responseUrl()`s (by Bolt's `respond()`), oldest first. */
  responses(id?: string): unknown[] {
    return this.calls('response_url')
      .filter((c) => c.ok && (id === undefined || c.responseId === id))
      .map((c) => c.args);
  }

  /** A fresh response_url served by this fake (`POST` JSON to it is recorded as a `response_url` call). */
  responseUrl(): string {
    if (!this.baseUrl) throw new Error('FakeSlack.responseUrl: start() the fake first');
    return `${this.baseUrl}/response/${++this.responseSeq}${hex(6)}`;
  }

  /** Resolves with the first call (index >= since) matching `pred`, already recorded or future. Event-driven. */
  waitFor(pred: (c: SlackCall) => boolean, timeoutMs = 20_000, since = 0, what = 'matching call'): Promise<SlackCall> {
    const hit = this.callLog.slice(since).find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise<SlackCall>((resolve, reject) => {
      const w: CallWaiter = {
        pred,
        since,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          const recent = this.callLog.slice(-8).map((c) => `${c.method}(${JSON.stringify(c.args).slice(0, 160)}) -> ${c.status} ${c.error ?? 'ok'}`);
          reject(new Error(`FakeSlack: no ${what} within ${timeoutMs} ms; last calls:\n  ${recent.join('\n  ') || '(none)'}`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /**
   * Resolves with the first call of `method` (index >= since) for which `predicate` holds, already recorded or
   * future. Failed calls count too (filter on `c.ok` to skip them).
   */
  waitForCall(method: string, predicate: (c: SlackCall) => boolean = () => true, timeoutMs = 20_000, since = 0): Promise<SlackCall> {
    return this.waitFor((c) => c.method === method && predicate(c), timeoutMs, since, `${method} call`);
  }

  /**
   * Resolves with the first message successfully posted (chat.postMessage) to `channel` (a user id means the DM)
   * whose text or blocks JSON matches: a string as a substring, a RegExp by `test`, a function by its result.
   */
  async waitForMessage(channel: string, match: TextMatch, timeoutMs = 20_000, since = 0): Promise<SlackMessage> {
    const key = this.channelKey(channel);
    const test = textMatcher(match);
    const call = await this.waitFor(
      (c) => {
        if (c.method !== 'chat.postMessage' || !c.ok || c.response?.channel !== key) return false;
        const msg = c.response.message as SlackMessage;
        return test(msg.text) || (msg.blocks !== undefined && test(JSON.stringify(msg.blocks)));
      },
      timeoutMs,
      since,
      `message in ${channel} matching ${String(match)}`,
    );
    return (call.response as { message: SlackMessage }).message;
  }

  // ------------------------------------------------------------ fault injection

  /** The next `count` calls of `method` (or `response_url`) fail with `spec` (see `SlackFailure`). */
  failNext(method: string, spec: SlackFailure, count = 1): void {
    this.faults.push({ method, remaining: count, spec });
  }

  /**
   * While installed, every call for which `pred` returns true (failing with `spec`) or a `SlackFailure` (failing
   * with that) fails. Returns a function that removes the hook.
   */
  failWhile(pred: FailHook, spec: SlackFailure = { status: 500 }): () => void {
    const hook = { pred, spec };
    this.hooks.push(hook);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== hook);
    };
  }

  // ------------------------------------------------------------ Socket Mode

  /** The newest open Socket Mode connection, if any. */
  socket(): SocketConnection | undefined {
    return this.openSocket()?.info;
  }

  /**
   * Resolves with the newest open Socket Mode connection with an id above `afterId` once `hello` was sent on
   * it (already, or in the future). `afterId` (a connection's id) waits for a reconnection.
   */
  waitForSocket(timeoutMs = 20_000, afterId = 0): Promise<SocketConnection> {
    const ready = this.readySocket(afterId);
    if (ready) return Promise.resolve(ready);
    return quiet(
      new Promise<SocketConnection>((resolve, reject) => {
        const w: SocketWaiter = {
          afterId,
          resolve,
          reject,
          timer: setTimeout(() => {
            this.socketWaiters = this.socketWaiters.filter((x) => x !== w);
            const opened = this.calls('apps.connections.open').map((c) => `${c.status} ${c.error ?? 'ok'} (token ${c.token ?? 'none'})`);
            reject(new Error(`FakeSlack: no Socket Mode connection (id > ${afterId}) within ${timeoutMs} ms; apps.connections.open calls: ${opened.join(', ') || '(none)'}`));
          }, timeoutMs),
        };
        this.socketWaiters.push(w);
      }),
    );
  }

  /**
   * Sends an envelope (`{ envelope_id, type, accepts_response_payload, payload, retry_attempt, retry_reason }`)
   * to the newest open connection (or `opts.connection`) and resolves with the client's ack frame — its
   * `payload` is what the app answered (e.g. `{ response_action: 'errors', ... }` for a view_submission).
   * Rejects when no client is connected, when the connection closes first, or after `opts.timeoutMs` (5 s).
   */
  socketSend(type: SocketEnvelopeType, payload: Record<string, unknown>, opts: SocketSendOptions = {}): Promise<SocketAck> {
    const state = opts.connection !== undefined ? this.sockets.get(opts.connection) : this.openSocket();
    if (!state || state.ws.readyState !== state.ws.OPEN) {
      return quiet(Promise.reject(new Error(`FakeSlack.socketSend: no open Socket Mode connection${opts.connection !== undefined ? ` ${opts.connection}` : ''}`)));
    }
    const innerType = typeof payload.type === 'string' ? payload.type : '';
    const envelope: SocketEnvelope = {
      envelope_id: opts.envelopeId ?? randomUUID(),
      type,
      accepts_response_payload:
        opts.acceptsResponsePayload ?? (type === 'slash_commands' || (type === 'interactive' && ['view_submission', 'block_suggestion'].includes(innerType))),
      payload,
      retry_attempt: opts.retryAttempt ?? 0,
      retry_reason: opts.retryReason ?? '',
    };
    const timeoutMs = opts.timeoutMs ?? 20_000;
    return quiet(
      new Promise<SocketAck>((resolve, reject) => {
        const id = envelope.envelope_id;
        const pending: PendingAck = {
          connection: state.info.id,
          resolve,
          reject,
          timer: setTimeout(() => {
            this.dropPending(id, pending);
            reject(new Error(`FakeSlack: envelope ${id} (${type}${innerType && ` ${innerType}`}) not acked within ${timeoutMs} ms`));
          }, timeoutMs),
        };
        this.pendingAcks.set(id, [...(this.pendingAcks.get(id) ?? []), pending]);
        state.info.envelopes.push(structuredClone(envelope));
        state.ws.send(JSON.stringify(envelope));
      }),
    );
  }

  /** Sends any text frame (a malformed envelope, say) on the newest open connection (or `connection`). */
  socketSendRaw(frame: string, connection?: number): void {
    const state = connection !== undefined ? this.sockets.get(connection) : this.openSocket();
    if (!state || state.ws.readyState !== state.ws.OPEN) throw new Error('FakeSlack.socketSendRaw: no open Socket Mode connection');
    state.ws.send(frame);
  }

  /**
   * Sends Slack's `{ type: 'disconnect', reason }` (`refresh_requested`, `warning`, `link_disabled`) and resolves
   * once the client has closed that connection (the Socket Mode client closes it, then reconnects with a fresh
   * `apps.connections.open`: await `waitForSocket(ms, closed.id)`).
   */
  socketDisconnect(reason = 'refresh_requested', opts: { connection?: number; timeoutMs?: number } = {}): Promise<SocketConnection> {
    const state = opts.connection !== undefined ? this.sockets.get(opts.connection) : this.openSocket();
    if (!state) return quiet(Promise.reject(new Error('FakeSlack.socketDisconnect: no open Socket Mode connection')));
    state.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: `applink-fake-${state.info.id}` } }));
    return this.untilClosed(state, opts.timeoutMs ?? 20_000);
  }

  /** Closes a connection from Slack's side (close frame `code`, default 1000; `terminate` drops the TCP socket). */
  socketClose(opts: { connection?: number; code?: number; reason?: string; terminate?: boolean; timeoutMs?: number } = {}): Promise<SocketConnection> {
    const state = opts.connection !== undefined ? this.sockets.get(opts.connection) : this.openSocket();
    if (!state) return quiet(Promise.reject(new Error('FakeSlack.socketClose: no open Socket Mode connection')));
    const code = opts.terminate ? 1006 : (opts.code ?? 1000);
    const reason = opts.reason ?? '';
    state.closingByServer = { code, reason };
    if (opts.terminate) {
      this.socketClosed(state, code, reason, 'server');
      state.ws.terminate();
    } else {
      state.ws.close(code, reason);
    }
    return this.untilClosed(state, opts.timeoutMs ?? 20_000);
  }

  // ------------------------------------------------------------ HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(req);
      const api = /^\/api\/([A-Za-z0-9_.]+)\/?$/.exec(url.pathname);
      const response = /^\/response\/([A-Za-z0-9]+)$/.exec(url.pathname);
      if (response && req.method === 'POST') return this.handleResponseUrl(res, response[1]!, req.headers['content-type'], body, at);
      if (!api || (req.method !== 'POST' && req.method !== 'GET')) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('Not Found');
        return;
      }
      const method = api[1]!;
      const call: SlackCall = { method, args: {}, at, status: 200, ok: false };
      try {
        call.args = await parseArgs(req.headers['content-type'], body, url.searchParams);
      } catch (err) {
        if (err instanceof SlackApiError) return this.answer(res, call, { ok: false, error: err.code, ...err.extra });
        throw err;
      }
      const fault = this.takeFault(method, call.args);
      if (fault) return this.fail(res, call, fault);
      if (!METHODS.has(method)) return this.answer(res, call, { ok: false, error: 'unknown_method', req_method: method });
      const auth = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? str(call.args.token);
      if (auth !== undefined) call.token = auth;
      if (auth === undefined) return this.answer(res, call, { ok: false, error: 'not_authed' });
      // apps.connections.open takes the app-level token (xapp-…); every other method the bot token.
      if (auth !== (method === 'apps.connections.open' ? this.appToken : this.botToken)) return this.answer(res, call, { ok: false, error: 'invalid_auth' });
      let result: Record<string, unknown>;
      try {
        result = this.dispatch(method, call.args);
      } catch (err) {
        if (err instanceof SlackApiError) return this.answer(res, call, { ok: false, error: err.code, ...err.extra });
        throw err;
      }
      this.answer(res, call, { ok: true, ...result });
    } catch (err) {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake slack: ${String(err)}`);
      }
    }
  }

  private handleResponseUrl(res: ServerResponse, id: string, contentType: string | undefined, body: Buffer, at: number): void {
    const call: SlackCall = { method: 'response_url', args: {}, at, status: 200, ok: false, responseId: id };
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (!(contentType ?? '').toLowerCase().startsWith('application/json') || !isRecord(parsed)) {
      return this.answer(res, call, { ok: false, error: 'invalid_payload' }, 400);
    }
    call.args = parsed;
    const fault = this.takeFault('response_url', call.args);
    if (fault) return this.fail(res, call, fault);
    this.answer(res, call, { ok: true });
  }

  private answer(res: ServerResponse, call: SlackCall, body: Record<string, unknown>, status = 200, headers: Record<string, string> = {}): void {
    call.status = status;
    call.ok = body.ok === true;
    call.response = body;
    if (typeof body.error === 'string') call.error = body.error;
    this.record(call);
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }

  private fail(res: ServerResponse, call: SlackCall, spec: SlackFailure): void {
    if (spec.status === 429) {
      const retryAfter = spec.retryAfter ?? 1;
      return this.answer(res, call, { ok: false, error: spec.error ?? 'ratelimited' }, 429, { 'retry-after': String(retryAfter) });
    }
    if (spec.status !== undefined && spec.status !== 200) {
      return this.answer(res, call, { ok: false, error: spec.error ?? 'internal_error' }, spec.status);
    }
    this.answer(res, call, { ok: false, error: spec.error ?? 'fatal_error' });
  }

  private record(call: SlackCall): void {
    this.callLog.push(call);
    const index = this.callLog.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (index < w.since || !w.pred(call)) return true;
      clearTimeout(w.timer);
      w.resolve(call);
      return false;
    });
    for (const l of this.listeners) l(call);
  }

  private takeFault(method: string, args: SlackArgs): SlackFailure | undefined {
    const f = this.faults.find((x) => x.method === method && x.remaining > 0);
    if (f) {
      f.remaining--;
      if (f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
      return f.spec;
    }
    for (const h of this.hooks) {
      const out = h.pred({ method, args });
      if (out === true) return h.spec;
      if (isRecord(out)) return out;
    }
    return undefined;
  }

  // ------------------------------------------------------------ Socket Mode internals

  /** apps.connections.open: a one-time WebSocket URL on this server. */
  private openSocketUrl(): Record<string, unknown> {
    const id = ++this.socketSeq;
    const ticket = randomUUID();
    const url = `${this.baseUrl.replace(/^http/, 'ws')}/socket-mode/${id}?ticket=${ticket}&app_id=${SLACK_APP_ID}`;
    this.tickets.set(id, { ticket, url });
    return { url };
  }

  private upgrade(wss: WebSocketServer, req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = SOCKET_PATH.exec(url.pathname);
    if (!m) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const id = Number(m[1]);
    const issued = this.tickets.get(id);
    if (!issued || url.searchParams.get('ticket') !== issued.ticket) {
      // Unknown, or already used: a URL from apps.connections.open opens one connection.
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.tickets.delete(id);
    wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(id, issued.url, ws));
  }

  private onSocket(id: number, url: string, ws: WebSocket): void {
    const info: SocketConnection = { id, url, openedAt: Date.now(), pingsReceived: 0, pongsReceived: 0, strayFrames: [], envelopes: [] };
    let markClosed!: (c: SocketConnection) => void;
    const closed = new Promise<SocketConnection>((r) => (markClosed = r));
    const state: SocketState = { info, ws, closed, markClosed };
    this.socketConnections.push(info);
    this.sockets.set(id, state);
    ws.on('error', () => undefined);
    ws.on('ping', () => void info.pingsReceived++);
    ws.on('pong', () => void info.pongsReceived++);
    ws.on('message', (data, isBinary) => this.onSocketFrame(state, data, isBinary));
    ws.on('close', (code, reason) => {
      const server = state.closingByServer;
      if (server) this.socketClosed(state, server.code, server.reason, 'server');
      else this.socketClosed(state, code, reason.toString(), 'client');
    });
    if (this.socketPingIntervalMs) {
      state.pinger = setInterval(() => {
        if (ws.readyState === ws.OPEN) ws.ping(Buffer.from(`ping ${Date.now()}`));
      }, this.socketPingIntervalMs);
    }
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.size,
        debug_info: { host: `applink-fake-${id}`, build_number: 1, approximate_connection_time: 18_060 },
        connection_info: { app_id: SLACK_APP_ID },
      }),
    );
    info.helloAt = Date.now();
    this.socketWaiters = this.socketWaiters.filter((w) => {
      const ready = this.readySocket(w.afterId);
      if (!ready) return true;
      clearTimeout(w.timer);
      w.resolve(ready);
      return false;
    });
  }

  private onSocketFrame(state: SocketState, data: RawData, isBinary: boolean): void {
    const raw = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    let parsed: unknown;
    try {
      parsed = isBinary ? undefined : JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (!isRecord(parsed) || typeof parsed.envelope_id !== 'string') {
      state.info.strayFrames.push(raw);
      return;
    }
    const ack: SocketAck = {
      envelope_id: parsed.envelope_id,
      ...(isRecord(parsed.payload) && { payload: parsed.payload }),
      connection: state.info.id,
      at: Date.now(),
      raw,
    };
    this.socketAcks.push(ack);
    const waiting = (this.pendingAcks.get(ack.envelope_id) ?? []).filter((p) => p.connection === state.info.id);
    if (waiting.length === 0) {
      state.info.strayFrames.push(raw);
      return;
    }
    for (const p of waiting) {
      this.dropPending(ack.envelope_id, p);
      clearTimeout(p.timer);
      p.resolve(ack);
    }
  }

  private socketClosed(state: SocketState, code: number, reason: string, by: 'client' | 'server'): void {
    const info = state.info;
    if (info.closedAt !== undefined) return;
    info.closedAt = Date.now();
    info.closeCode = code;
    info.closeReason = reason;
    info.closedBy = by;
    clearInterval(state.pinger);
    this.sockets.delete(info.id);
    for (const [id, list] of [...this.pendingAcks]) {
      for (const p of list.filter((x) => x.connection === info.id)) {
        this.dropPending(id, p);
        clearTimeout(p.timer);
        p.reject(new Error(`FakeSlack: Socket Mode connection ${info.id} closed (${code}) before envelope ${id} was acked`));
      }
    }
    state.markClosed(info);
  }

  private dropPending(id: string, p: PendingAck): void {
    const rest = (this.pendingAcks.get(id) ?? []).filter((x) => x !== p);
    if (rest.length > 0) this.pendingAcks.set(id, rest);
    else this.pendingAcks.delete(id);
  }

  private openSocket(): SocketState | undefined {
    let newest: SocketState | undefined;
    for (const s of this.sockets.values()) if (s.ws.readyState === s.ws.OPEN && (!newest || s.info.id > newest.info.id)) newest = s;
    return newest;
  }

  private readySocket(afterId: number): SocketConnection | undefined {
    const s = this.openSocket();
    return s && s.info.id > afterId && s.info.helloAt !== undefined ? s.info : undefined;
  }

  private untilClosed(state: SocketState, timeoutMs: number): Promise<SocketConnection> {
    return quiet(
      new Promise<SocketConnection>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`FakeSlack: Socket Mode connection ${state.info.id} still open after ${timeoutMs} ms`)), timeoutMs);
        void state.closed.then((c) => {
          clearTimeout(timer);
          resolve(c);
        });
      }),
    );
  }

  // ------------------------------------------------------------ methods

  private dispatch(method: string, a: SlackArgs): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return {
          url: `https://${SLACK_TEAM_DOMAIN}.slack.com/`,
          team: SLACK_TEAM_NAME,
          user: 'aftercare',
          team_id: SLACK_TEAM_ID,
          user_id: SLACK_BOT_USER_ID,
          bot_id: SLACK_BOT_ID,
          is_enterprise_install: false,
        };
      case 'apps.connections.open':
        return this.openSocketUrl();
      case 'chat.postMessage':
        return this.postMessage(a);
      case 'chat.update':
        return this.updateMessage(a);
      case 'chat.postEphemeral':
        return this.postEphemeral(a);
      case 'views.open':
      case 'views.push':
        return this.openView(method, a);
      case 'views.update':
        return this.updateView(a);
      case 'views.publish':
        return this.publishView(a);
      case 'conversations.open':
        return this.openConversation(a);
      case 'users.info':
        return this.userInfo(a);
      default:
        throw new SlackApiError('unknown_method');
    }
  }

  private postMessage(a: SlackArgs): Record<string, unknown> {
    const channel = this.resolveChannel(a.channel, true);
    const { text, blocks, attachments } = this.content(a);
    if (!text && !nonEmptyArray(blocks) && !nonEmptyArray(attachments)) throw new SlackApiError('no_text');
    const threadTs = str(a.thread_ts);
    const ts = this.nextTs();
    const msg: SlackMessage = {
      type: 'message',
      user: SLACK_BOT_USER_ID,
      bot_id: SLACK_BOT_ID,
      app_id: SLACK_APP_ID,
      team: SLACK_TEAM_ID,
      text,
      ts,
      ...(blocks !== undefined && { blocks }),
      ...(attachments !== undefined && { attachments }),
      ...(a.metadata !== undefined && { metadata: a.metadata }),
      bot_profile: { id: SLACK_BOT_ID, app_id: SLACK_APP_ID, name: 'Aftercare', deleted: false, team_id: SLACK_TEAM_ID },
    };
    let byTs = this.messages.get(channel);
    if (!byTs) this.messages.set(channel, (byTs = new Map()));
    const parent = threadTs !== undefined ? byTs.get(threadTs) : undefined;
    if (threadTs !== undefined) {
      msg.thread_ts = threadTs;
      msg.parent_user_id = parent?.latest.user ?? SLACK_BOT_USER_ID;
    }
    if (parent) this.noteReply(parent, SLACK_BOT_USER_ID, ts);
    byTs.set(ts, { channel, ts, ...(threadTs !== undefined && { thread_ts: threadTs }), latest: msg, history: [structuredClone(msg)] });
    return { channel, ts, message: structuredClone(msg) };
  }

  private updateMessage(a: SlackArgs): Record<string, unknown> {
    const channel = this.resolveChannel(a.channel, false);
    const ts = str(a.ts);
    const stored = ts !== undefined ? this.messages.get(channel)?.get(ts) : undefined;
    if (!stored) throw new SlackApiError('message_not_found');
    if (stored.latest.user !== SLACK_BOT_USER_ID) throw new SlackApiError('cant_update_message');
    const { text, blocks, attachments } = this.content(a);
    if (a.text === undefined && blocks === undefined && attachments === undefined) throw new SlackApiError('no_text');
    const next: SlackMessage = { ...structuredClone(stored.latest), edited: { user: SLACK_BOT_USER_ID, ts: this.nextTs() } };
    if (a.text !== undefined) next.text = text;
    // Omitted blocks/attachments are kept; an empty array removes them (chat.update semantics).
    if (blocks !== undefined) {
      if (blocks.length > 0) next.blocks = blocks;
      else delete next.blocks;
    }
    if (attachments !== undefined) {
      if (attachments.length > 0) next.attachments = attachments;
      else delete next.attachments;
    }
    if (a.metadata !== undefined) next.metadata = a.metadata;
    stored.latest = next;
    stored.history.push(structuredClone(next));
    return { channel, ts: stored.ts, text: next.text, message: structuredClone(next) };
  }

  private postEphemeral(a: SlackArgs): Record<string, unknown> {
    const channel = this.resolveChannel(a.channel, true);
    const user = str(a.user);
    if (user === undefined || this.missingUsers.has(user)) throw new SlackApiError('user_not_in_channel');
    const { text, blocks, attachments } = this.content(a);
    if (!text && !nonEmptyArray(blocks) && !nonEmptyArray(attachments)) throw new SlackApiError('no_text');
    const message_ts = this.nextTs();
    const threadTs = str(a.thread_ts);
    this.ephemerals.push({
      channel,
      user,
      message_ts,
      text,
      ...(blocks !== undefined && { blocks }),
      ...(threadTs !== undefined && { thread_ts: threadTs }),
      args: a,
    });
    return { message_ts };
  }

  private openView(method: 'views.open' | 'views.push', a: SlackArgs): Record<string, unknown> {
    const triggerId = str(a.trigger_id);
    if (triggerId === undefined) throw invalidArguments('missing required field: trigger_id');
    const input = this.checkView(a.view, 'modal');
    const externalId = str(input.external_id);
    if (externalId !== undefined && this.byExternalId(externalId)) throw new SlackApiError('duplicate_external_id');
    const view = this.buildView(input, `V${String(++this.viewSeq).padStart(10, '0')}`);
    this.views.set(view.id, { id: view.id, via: method, triggerId, latest: view, history: [structuredClone(view)] });
    return { view: structuredClone(view) };
  }

  private updateView(a: SlackArgs): Record<string, unknown> {
    const viewId = str(a.view_id);
    const externalId = str(a.external_id);
    if (viewId === undefined && externalId === undefined) throw invalidArguments('either view_id or external_id is required');
    const input = this.checkView(a.view);
    const stored = viewId !== undefined ? this.views.get(viewId) : this.byExternalId(externalId!);
    if (!stored) throw new SlackApiError('not_found');
    if (str(a.hash) !== undefined && a.hash !== stored.latest.hash) throw new SlackApiError('hash_conflict');
    const newExternal = str(input.external_id);
    if (newExternal !== undefined && newExternal !== stored.latest.external_id && this.byExternalId(newExternal)) throw new SlackApiError('duplicate_external_id');
    const view = this.buildView(input, stored.id, stored.latest);
    stored.latest = view;
    stored.history.push(structuredClone(view));
    return { view: structuredClone(view) };
  }

  private publishView(a: SlackArgs): Record<string, unknown> {
    const userId = str(a.user_id);
    if (userId === undefined) throw invalidArguments('missing required field: user_id');
    if (this.missingUsers.has(userId) || !isUserId(userId)) throw new SlackApiError('user_not_found');
    const input = this.checkView(a.view, 'home');
    const stored = [...this.views.values()].find((v) => v.via === 'views.publish' && v.userId === userId);
    if (stored && str(a.hash) !== undefined && a.hash !== stored.latest.hash) throw new SlackApiError('hash_conflict');
    if (stored) {
      const view = this.buildView(input, stored.id, stored.latest);
      stored.latest = view;
      stored.history.push(structuredClone(view));
      return { view: structuredClone(view) };
    }
    const view = this.buildView(input, `V${String(++this.viewSeq).padStart(10, '0')}`);
    this.views.set(view.id, { id: view.id, via: 'views.publish', userId, latest: view, history: [structuredClone(view)] });
    return { view: structuredClone(view) };
  }

  private openConversation(a: SlackArgs): Record<string, unknown> {
    const channel = str(a.channel);
    if (channel !== undefined) {
      if (this.missingChannels.has(channel)) throw new SlackApiError('channel_not_found');
      return { no_op: true, already_open: true, channel: { id: channel } };
    }
    const users = (str(a.users) ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    if (users.length === 0) throw new SlackApiError('users_list_not_supplied');
    for (const u of users) if (this.missingUsers.has(u) || !isUserId(u)) throw new SlackApiError('user_not_found');
    const id = users.length === 1 ? this.dmChannel(users[0]!) : `G${[...users].sort().join('')}`;
    const already = this.openDms.has(id);
    this.openDms.add(id);
    return { ...(already && { no_op: true, already_open: true }), channel: { id } };
  }

  private userInfo(a: SlackArgs): Record<string, unknown> {
    const id = str(a.user);
    if (id === undefined || this.missingUsers.has(id) || !isUserId(id)) throw new SlackApiError('user_not_found');
    const u = this.users.get(id) ?? this.defaultUser(id);
    return {
      user: {
        id: u.id,
        team_id: SLACK_TEAM_ID,
        name: u.name,
        deleted: false,
        real_name: u.real_name,
        tz: u.tz,
        tz_label: u.tz === 'UTC' ? 'Coordinated Universal Time' : u.tz,
        tz_offset: 0,
        profile: { real_name: u.real_name, display_name: u.name, real_name_normalized: u.real_name, display_name_normalized: u.name, team: SLACK_TEAM_ID },
        is_admin: false,
        is_owner: false,
        is_bot: u.is_bot ?? false,
        is_app_user: false,
        updated: 1_700_000_000,
        ...(truthy(a.include_locale) && { locale: u.locale }),
      },
    };
  }

  // ------------------------------------------------------------ helpers

  /** A reply makes its parent a thread parent (thread_ts = its own ts) with current reply metadata. */
  private noteReply(parent: StoredMessage, user: string, ts: string): void {
    parent.thread_ts = parent.ts;
    const p = parent.latest;
    p.thread_ts = parent.ts;
    p.reply_count = (p.reply_count ?? 0) + 1;
    p.reply_users = [...new Set([...(p.reply_users ?? []), user])];
    p.latest_reply = ts;
  }

  private defaultUser(id: string): SlackUser {
    const name = `user_${id.toLowerCase()}`;
    return { id, name, real_name: `User ${id}`, tz: 'UTC', locale: 'en-US' };
  }

  /** A user id stands for the bot's DM with that user. */
  private channelKey(channel: string): string {
    return isUserId(channel) ? this.dmChannel(channel) : channel;
  }

  private stored(channel: string): StoredMessage[] {
    return [...(this.messages.get(this.channelKey(channel))?.values() ?? [])].sort((x, y) => (x.ts < y.ts ? -1 : x.ts > y.ts ? 1 : 0));
  }

  /** The channel of a call; `allowUser` lets a user id stand for the DM with that user (chat.postMessage). */
  private resolveChannel(v: unknown, allowUser: boolean): string {
    const channel = str(v);
    if (channel === undefined || this.missingChannels.has(channel)) throw new SlackApiError('channel_not_found');
    if (isUserId(channel)) {
      if (!allowUser || this.missingUsers.has(channel)) throw new SlackApiError('channel_not_found');
      return this.dmChannel(channel);
    }
    return channel;
  }

  private content(a: SlackArgs): { text: string; blocks: unknown[] | undefined; attachments: unknown[] | undefined } {
    const text = typeof a.text === 'string' ? a.text : typeof a.text === 'number' ? String(a.text) : '';
    if (text.length > 40_000) throw new SlackApiError('msg_too_long');
    let blocks: unknown[] | undefined;
    if (a.blocks !== undefined) {
      if (!Array.isArray(a.blocks) || a.blocks.length > 50 || !a.blocks.every((b) => isRecord(b) && typeof b.type === 'string')) {
        throw new SlackApiError('invalid_blocks', { errors: ['invalid blocks'] });
      }
      blocks = a.blocks;
    }
    let attachments: unknown[] | undefined;
    if (a.attachments !== undefined) {
      if (!Array.isArray(a.attachments) || !a.attachments.every(isRecord)) throw new SlackApiError('invalid_attachments');
      attachments = a.attachments;
    }
    return { text, blocks, attachments };
  }

  /** Slack's checks of a view object (the subset apps trip over). */
  private checkView(v: unknown, type?: 'modal' | 'home'): Record<string, unknown> {
    if (!isRecord(v)) throw invalidArguments('missing required field: view');
    if (v.type !== 'modal' && v.type !== 'home') throw invalidArguments('must be a valid enum value [json-pointer:/view/type]');
    if (type !== undefined && v.type !== type) throw invalidArguments(`must be a valid enum value [json-pointer:/view/type]`);
    if (!Array.isArray(v.blocks)) throw invalidArguments('missing required field: blocks [json-pointer:/view/blocks]');
    if (v.blocks.length > 100) throw invalidArguments('no more than 100 items allowed [json-pointer:/view/blocks]');
    if (!v.blocks.every((b) => isRecord(b) && typeof b.type === 'string')) throw invalidArguments('missing required field: type [json-pointer:/view/blocks]');
    if (v.type === 'modal') {
      const title = v.title;
      if (!isRecord(title) || typeof title.text !== 'string' || title.text === '') throw invalidArguments('missing required field: title [json-pointer:/view/title]');
      if (title.text.length > 24) throw invalidArguments('must be less than 25 characters [json-pointer:/view/title/text]');
    }
    if (v.private_metadata !== undefined && (typeof v.private_metadata !== 'string' || v.private_metadata.length > 3000)) {
      throw invalidArguments('must be less than 3001 characters [json-pointer:/view/private_metadata]');
    }
    if (v.callback_id !== undefined && (typeof v.callback_id !== 'string' || v.callback_id.length > 255)) {
      throw invalidArguments('must be less than 256 characters [json-pointer:/view/callback_id]');
    }
    return v;
  }

  private buildView(input: Record<string, unknown>, id: string, prev?: SlackView): SlackView {
    return {
      ...structuredClone(input),
      id,
      team_id: SLACK_TEAM_ID,
      type: String(input.type),
      blocks: structuredClone(input.blocks as unknown[]),
      private_metadata: typeof input.private_metadata === 'string' ? input.private_metadata : '',
      callback_id: typeof input.callback_id === 'string' ? input.callback_id : '',
      state: { values: {} },
      hash: `${Math.floor(Date.now() / 1000)}.${hex(4)}`,
      title: input.title ?? { type: 'plain_text', text: 'View Title', emoji: true },
      close: input.close ?? null,
      submit: input.submit ?? null,
      clear_on_close: truthy(input.clear_on_close),
      notify_on_close: truthy(input.notify_on_close),
      previous_view_id: prev?.previous_view_id ?? null,
      root_view_id: prev?.root_view_id ?? id,
      app_id: SLACK_APP_ID,
      external_id: typeof input.external_id === 'string' ? input.external_id : (prev?.external_id ?? ''),
      app_installed_team_id: SLACK_TEAM_ID,
      bot_id: SLACK_BOT_ID,
    };
  }

  private byExternalId(externalId: string): StoredView | undefined {
    return [...this.views.values()].find((v) => v.latest.external_id === externalId);
  }

  /** Unique, increasing message timestamps: `1700000000.000100`, `1700000000.000200`, ... */
  private nextTs(): string {
    const micros = ++this.tsSeq * 100;
    return `${this.tsBase + Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }
}

// ---------------------------------------------------------------- Slack → app requests

/** `X-Slack-Signature` for a body: `v0=` + hex HMAC-SHA256(secret, `v0:<timestamp>:<body>`). */
export function slackSignature(signingSecret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export interface SlackSendOptions {
  /** Sign with a wrong secret (the app must answer 401). */
  badSignature?: boolean;
  /** `X-Slack-Request-Timestamp` in unix seconds (default now); an old one tests the staleness check. */
  timestamp?: number;
  /** Extra headers (override the computed ones). */
  headers?: Record<string, string>;
}

export interface SlackSendResult {
  status: number;
  /** The response body: parsed JSON when the app answered JSON, else the text ('' when empty). */
  body: any;
  headers: Headers;
  /** What was sent: the event envelope, the interactivity payload or the command form fields. */
  sent: Record<string, any>;
}

export interface SlackSenderOptions {
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  /** The response_url put in block_actions payloads and slash commands (e.g. `() => fakeSlack.responseUrl()`). */
  responseUrl?: string | (() => string);
}

export interface EventOptions extends SlackSendOptions {
  eventId?: string;
  eventTime?: number;
  /** Adds `X-Slack-Retry-Num` (and `X-Slack-Retry-Reason`, default `http_timeout`). */
  retryNum?: number;
  retryReason?: string;
  teamId?: string;
}

export interface BlockActionOptions extends SlackSendOptions {
  userId: string;
  actionId: string;
  value?: string;
  /** Message buttons: the channel and ts of the message carrying the button. */
  channel?: string;
  messageTs?: string;
  /** The thread of the message (container.thread_ts). */
  threadTs?: string;
  /** The message as Slack includes it (default: a bot message with that ts and no blocks). */
  message?: Record<string, unknown>;
  /** View buttons (App Home / modal): the view carrying the button; container becomes `{ type: 'view', view_id }`. */
  view?: Record<string, unknown>;
  viewId?: string;
  triggerId?: string;
  blockId?: string;
  userName?: string;
  /** Merged into the action (e.g. `{ type: 'static_select', selected_option: {...} }`). */
  action?: Record<string, unknown>;
  /** `state.values` of the message/view inputs. */
  stateValues?: Record<string, unknown>;
  responseUrl?: string;
}

export interface ViewSubmissionOptions extends SlackSendOptions {
  userId: string;
  callbackId: string;
  privateMetadata?: string;
  /** Slack's shape: `{ [block_id]: { [action_id]: { type: 'plain_text_input', value } | ... } }`, sent as given. */
  values: Record<string, Record<string, unknown>>;
  viewId?: string;
  /** Merged into the submitted view (blocks, title, hash, external_id, ...). */
  view?: Record<string, unknown>;
  triggerId?: string;
  userName?: string;
  /** `response_urls` (for modals with response_url_enabled inputs). */
  responseUrls?: { block_id: string; action_id: string; channel_id: string; response_url: string }[];
}

export interface CommandOptions extends SlackSendOptions {
  userId: string;
  command: string;
  text?: string;
  /** Default `C0001`. */
  channelId?: string;
  channelName?: string;
  triggerId?: string;
  userName?: string;
  responseUrl?: string;
}

/** Where response_urls point when none was configured: a closed local port, so a stray respond() fails fast. */
const NOWHERE_RESPONSE_URL = 'http://127.0.0.1:9/response/unconfigured';

/**
 * Sends requests to a Bolt app exactly as Slack does: signed (`X-Slack-Request-Timestamp`,
 * `X-Slack-Signature`), Events API callbacks as JSON, interactivity as `payload=<json>` and slash commands as
 * form fields, both with `Content-Type: application/x-www-form-urlencoded` (no charset, which Bolt requires).
 */
export class SlackSender {
  private readonly teamId: string;
  private readonly teamDomain: string;
  private readonly apiAppId: string;
  private readonly responseUrlOpt: string | (() => string) | undefined;

  constructor(
    readonly eventsUrl: string,
    readonly signingSecret: string,
    options: SlackSenderOptions = {},
  ) {
    this.teamId = options.teamId ?? SLACK_TEAM_ID;
    this.teamDomain = options.teamDomain ?? SLACK_TEAM_DOMAIN;
    this.apiAppId = options.apiAppId ?? SLACK_APP_ID;
    this.responseUrlOpt = options.responseUrl;
  }

  /** A fresh trigger_id, shaped like Slack's. */
  static triggerId(): string {
    return `1337.42.${hex(12)}`;
  }

  /** An Events API `event_callback` around `event` (`event_ts` added when missing). */
  event(event: object, opts: EventOptions = {}): Promise<SlackSendResult> {
    const now = Date.now();
    const ev = { ...event } as Record<string, unknown>;
    if (ev.event_ts === undefined) ev.event_ts = actionTs(now);
    const teamId = opts.teamId ?? this.teamId;
    const envelope = {
      token: 'x',
      team_id: teamId,
      context_team_id: teamId,
      context_enterprise_id: null,
      api_app_id: this.apiAppId,
      event: ev,
      type: 'event_callback',
      event_id: opts.eventId ?? `Ev${hex(5).toUpperCase()}`,
      event_time: opts.eventTime ?? Math.floor(now / 1000),
      authorizations: [{ enterprise_id: null, team_id: teamId, user_id: SLACK_BOT_USER_ID, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    };
    const headers: Record<string, string> = {};
    if (opts.retryNum !== undefined) {
      headers['X-Slack-Retry-Num'] = String(opts.retryNum);
      headers['X-Slack-Retry-Reason'] = opts.retryReason ?? 'http_timeout';
    }
    return this.send(JSON.stringify(envelope), 'application/json', envelope, { ...opts, headers: { ...headers, ...opts.headers } });
  }

  /** A `block_actions` payload for a button (or, with `action`, any element) in a message or a view. */
  blockAction(o: BlockActionOptions): Promise<SlackSendResult> {
    const now = Date.now();
    const inView = o.view !== undefined || o.viewId !== undefined;
    if (!inView && (o.channel === undefined || o.messageTs === undefined)) {
      throw new Error('SlackSender.blockAction: give channel + messageTs (message button) or view / viewId (view button)');
    }
    const user = this.user(o.userId, o.userName);
    const action = {
      action_id: o.actionId,
      block_id: o.blockId ?? `b${hex(2)}`,
      text: { type: 'plain_text', text: 'Button', emoji: true },
      ...(o.value !== undefined && { value: o.value }),
      type: 'button',
      action_ts: actionTs(now),
      ...o.action,
    };
    const base = {
      type: 'block_actions',
      user,
      api_app_id: this.apiAppId,
      token: 'x',
      trigger_id: o.triggerId ?? SlackSender.triggerId(),
      team: { id: this.teamId, domain: this.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
    };
    let payload: Record<string, unknown>;
    if (inView) {
      const viewId = o.viewId ?? (typeof o.view?.id === 'string' ? o.view.id : `V${hex(5).toUpperCase()}`);
      const view = {
        id: viewId,
        team_id: this.teamId,
        type: 'home',
        blocks: [],
        private_metadata: '',
        callback_id: '',
        state: { values: o.stateValues ?? {} },
        hash: `${Math.floor(now / 1000)}.${hex(4)}`,
        app_id: this.apiAppId,
        bot_id: SLACK_BOT_ID,
        ...o.view,
      };
      payload = {
        ...base,
        container: { type: 'view', view_id: viewId },
        view,
        actions: [action],
        ...(o.responseUrl !== undefined && { response_url: o.responseUrl }),
      };
    } else {
      const message = o.message ?? {
        type: 'message',
        user: SLACK_BOT_USER_ID,
        bot_id: SLACK_BOT_ID,
        app_id: SLACK_APP_ID,
        team: this.teamId,
        text: '',
        ts: o.messageTs,
        blocks: [],
        ...(o.threadTs !== undefined && { thread_ts: o.threadTs }),
      };
      payload = {
        ...base,
        container: {
          type: 'message',
          message_ts: o.messageTs,
          channel_id: o.channel,
          is_ephemeral: false,
          ...(o.threadTs !== undefined && { thread_ts: o.threadTs }),
        },
        channel: { id: o.channel, name: channelName(o.channel!) },
        message,
        state: { values: o.stateValues ?? {} },
        response_url: o.responseUrl ?? this.responseUrl(),
        actions: [action],
      };
    }
    return this.sendPayload(payload, o);
  }

  /** A `view_submission` payload of a modal. */
  viewSubmission(o: ViewSubmissionOptions): Promise<SlackSendResult> {
    const now = Date.now();
    const viewId = o.viewId ?? `V${hex(5).toUpperCase()}`;
    const payload = {
      type: 'view_submission',
      team: { id: this.teamId, domain: this.teamDomain },
      user: this.user(o.userId, o.userName),
      api_app_id: this.apiAppId,
      token: 'x',
      trigger_id: o.triggerId ?? SlackSender.triggerId(),
      view: {
        id: viewId,
        team_id: this.teamId,
        type: 'modal',
        blocks: [],
        private_metadata: o.privateMetadata ?? '',
        callback_id: o.callbackId,
        state: { values: o.values },
        hash: `${Math.floor(now / 1000)}.${hex(4)}`,
        title: { type: 'plain_text', text: 'Form', emoji: true },
        clear_on_close: false,
        notify_on_close: false,
        close: null,
        submit: { type: 'plain_text', text: 'Submit', emoji: true },
        previous_view_id: null,
        root_view_id: viewId,
        app_id: this.apiAppId,
        external_id: '',
        app_installed_team_id: this.teamId,
        bot_id: SLACK_BOT_ID,
        ...o.view,
      },
      response_urls: o.responseUrls ?? [],
      is_enterprise_install: false,
      enterprise: null,
    };
    return this.sendPayload(payload, o);
  }

  /** A slash command invocation. */
  command(o: CommandOptions): Promise<SlackSendResult> {
    const channelId = o.channelId ?? 'C0001';
    const fields: Record<string, string> = {
      token: 'x',
      team_id: this.teamId,
      team_domain: this.teamDomain,
      channel_id: channelId,
      channel_name: o.channelName ?? channelName(channelId),
      user_id: o.userId,
      user_name: o.userName ?? `user_${o.userId.toLowerCase()}`,
      command: o.command,
      text: o.text ?? '',
      api_app_id: this.apiAppId,
      is_enterprise_install: 'false',
      response_url: o.responseUrl ?? this.responseUrl(),
      trigger_id: o.triggerId ?? SlackSender.triggerId(),
    };
    return this.send(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', fields, o);
  }

  /** Any body, signed like Slack signs it; `headers` (e.g. `content-type`) override the defaults. */
  raw(body: string, headers: Record<string, string> = {}, opts: SlackSendOptions = {}): Promise<SlackSendResult> {
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const rest = { ...lower };
    delete rest['content-type'];
    return this.send(body, lower['content-type'] ?? 'application/json', { raw: body }, { ...opts, headers: { ...rest, ...opts.headers } });
  }

  private sendPayload(payload: Record<string, unknown>, opts: SlackSendOptions): Promise<SlackSendResult> {
    // URLSearchParams.toString(), not the URLSearchParams object: fetch would add `;charset=UTF-8`, which Bolt rejects.
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.send(body, 'application/x-www-form-urlencoded', payload, opts);
  }

  protected async send(body: string, contentType: string, sent: Record<string, unknown>, opts: SlackSendOptions): Promise<SlackSendResult> {
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const secret = opts.badSignature ? `${this.signingSecret}-wrong` : this.signingSecret;
    const headers: Record<string, string> = {
      'content-type': contentType,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(secret, timestamp, body),
    };
    for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
    const res = await fetch(this.eventsUrl, { method: 'POST', headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed, headers: res.headers, sent };
  }

  private user(id: string, name?: string): Record<string, string> {
    const username = name ?? `user_${id.toLowerCase()}`;
    return { id, username, name: username, team_id: this.teamId };
  }

  private responseUrl(): string {
    const r = this.responseUrlOpt;
    return typeof r === 'function' ? r() : (r ?? NOWHERE_RESPONSE_URL);
  }
}

// ---------------------------------------------------------------- Slack → app over Socket Mode

export interface SlackSocketSendResult extends SlackSendResult {
  /** The client's ack frame; `body` is its payload (`{}` for a bare `ack()`). */
  ack: SocketAck;
  /** The envelope type it was sent as. */
  envelopeType: SocketEnvelopeType;
}

export interface SlackSocketSenderOptions extends SlackSenderOptions {
  /** How long each send waits for the ack (default 5000 ms). */
  ackTimeoutMs?: number;
}

/**
 * `SlackSender`'s payloads (event_callback, block_actions, view_submission, slash command fields), delivered
 * as Socket Mode envelopes over `fake`'s WebSocket instead of signed HTTP POSTs; each send resolves once the
 * client acked, with `status` 200 and `body` = the ack's payload. `retryNum` / `retryReason` become the
 * envelope's `retry_attempt` / `retry_reason`; signature options do not apply.
 */
export class SlackSocketSender extends SlackSender {
  private readonly ackTimeoutMs: number | undefined;

  constructor(
    readonly fake: FakeSlack,
    options: SlackSocketSenderOptions = {},
  ) {
    super('socket-mode', '', options);
    this.ackTimeoutMs = options.ackTimeoutMs;
  }

  override event(event: object, opts: EventOptions = {}): Promise<SlackSocketSendResult> {
    return super.event(event, opts) as Promise<SlackSocketSendResult>;
  }

  override blockAction(o: BlockActionOptions): Promise<SlackSocketSendResult> {
    return super.blockAction(o) as Promise<SlackSocketSendResult>;
  }

  override viewSubmission(o: ViewSubmissionOptions): Promise<SlackSocketSendResult> {
    return super.viewSubmission(o) as Promise<SlackSocketSendResult>;
  }

  override command(o: CommandOptions): Promise<SlackSocketSendResult> {
    return super.command(o) as Promise<SlackSocketSendResult>;
  }

  /** Not available over Socket Mode: use `fake.socketSend()` (any envelope) or `fake.socketSendRaw()` (any frame). */
  override raw(): Promise<SlackSocketSendResult> {
    return quiet(Promise.reject(new Error('SlackSocketSender.raw: use fake.socketSend() or fake.socketSendRaw() in Socket Mode')));
  }

  protected override async send(_body: string, _contentType: string, sent: Record<string, unknown>, opts: SlackSendOptions): Promise<SlackSocketSendResult> {
    const envelopeType: SocketEnvelopeType = typeof sent.command === 'string' ? 'slash_commands' : sent.type === 'event_callback' ? 'events_api' : 'interactive';
    const headers = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const retryNum = headers['x-slack-retry-num'];
    const ack = await this.fake.socketSend(envelopeType, sent, {
      ...(retryNum !== undefined && { retryAttempt: Number(retryNum), retryReason: headers['x-slack-retry-reason'] ?? '' }),
      ...(this.ackTimeoutMs !== undefined && { timeoutMs: this.ackTimeoutMs }),
    });
    return { status: 200, body: ack.payload ?? {}, headers: new Headers(), sent, ack, envelopeType };
  }
}

// ---------------------------------------------------------------- module helpers

/** `1700000000.123456`-style seconds with microseconds. */
function actionTs(nowMs: number): string {
  return `${Math.floor(nowMs / 1000)}.${String((nowMs % 1000) * 1000 + Math.floor(Math.random() * 1000)).padStart(6, '0')}`;
}

function channelName(id: string): string {
  if (id.startsWith('D')) return 'directmessage';
  if (id.startsWith('G')) return 'privategroup';
  return 'general';
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Decodes a Web API request (query string, urlencoded, JSON or multipart body) into args, JSON fields decoded. */
async function parseArgs(contentType: string | undefined, body: Buffer, query: URLSearchParams): Promise<SlackArgs> {
  const raw: SlackArgs = {};
  for (const [k, v] of query) raw[k] = v;
  const ct = (contentType ?? '').toLowerCase();
  if (body.length > 0) {
    if (ct.startsWith('application/json')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new SlackApiError('invalid_json');
      }
      if (!isRecord(parsed)) throw new SlackApiError('invalid_json');
      Object.assign(raw, parsed);
    } else if (ct.startsWith('multipart/form-data')) {
      const form = await new Response(body, { headers: { 'content-type': contentType! } }).formData();
      for (const [k, v] of form) raw[k] = typeof v === 'string' ? v : { filename: v.name, size: v.size, contentType: v.type };
    } else {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) raw[k] = v;
    }
  }
  for (const [field, error] of Object.entries(JSON_FIELDS)) {
    const v = raw[field];
    if (typeof v !== 'string') continue;
    try {
      raw[field] = JSON.parse(v);
    } catch {
      throw error === 'invalid_arguments' ? invalidArguments(`failed to parse ${field} as JSON`) : new SlackApiError(error);
    }
  }
  return raw;
}
