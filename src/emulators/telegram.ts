import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Telegram Bot API server speaking the real wire protocol (https://core.telegram.org/bots/api):
 * `POST {apiRoot}/bot{token}/{method}` with urlencoded, multipart/form-data or JSON bodies (GET with a
 * query string works too), answered with the `{ ok: true, result }` / `{ ok: false, error_code,
 * description, parameters? }` envelope and the HTTP status equal to `error_code`. Files are served
 * at `GET {apiRoot}/file/bot{token}/{file_path}` like the real API.
 *
 * Tests inject updates (`userSends`, `userPresses`, `pushUpdate`, ...) which the bot receives through a
 * real long-polling `getUpdates` (held open until an update arrives, never busy-looping) or through
 * `postWebhook`, and observe what the bot did through `calls` / `sent` / `waitFor*`.
 */

// ---------------------------------------------------------------- wire types

export interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  [k: string]: unknown;
}

export interface TgChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  first_name?: string;
  last_name?: string;
  username?: string;
  title?: string;
}

export interface TgEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

export interface TgPhotoSize {
  file_id: string;
  file_unique_id: string;
  file_size: number;
  width: number;
  height: number;
}

export interface TgDocument {
  file_id: string;
  file_unique_id: string;
  file_size: number;
  file_name: string;
  mime_type: string;
}

export interface TgMessage {
  message_id: number;
  from?: TgUser;
  chat: TgChat;
  date: number;
  edit_date?: number;
  text?: string;
  entities?: TgEntity[];
  caption?: string;
  caption_entities?: TgEntity[];
  photo?: TgPhotoSize[];
  document?: TgDocument;
  reply_markup?: Record<string, unknown>;
  reply_to_message?: TgMessage;
  [k: string]: unknown;
}

export interface TgCallbackQuery {
  id: string;
  from: TgUser;
  message: TgMessage;
  chat_instance: string;
  data: string;
}

/** An update as injected; `update_id` is assigned when missing. */
export type TgUpdate = { update_id: number } & Record<string, unknown>;

/** A file part of a multipart request, as recorded in `calls[].params`. */
export interface UploadedFile {
  upload: true;
  filename: string;
  contentType: string;
  size: number;
  bytes: Uint8Array;
}

export interface TelegramErrorSpec {
  /** HTTP status and `error_code` (e.g. 400, 403, 429, 500). */
  status: number;
  /** Defaults to Telegram's wording for the status (e.g. `Too Many Requests: retry after N`). */
  description?: string;
  /** Seconds; for 429 defaults to 1 and is always sent as `parameters.retry_after`. */
  retryAfter?: number;
}

export interface RecordedCall {
  method: string;
  /** Parsed params: numbers/booleans coerced, JSON-string fields (reply_markup, ...) decoded, uploads as `UploadedFile`. */
  params: Record<string, unknown>;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** HTTP status answered. */
  status: number;
  ok: boolean;
  result?: unknown;
  error?: { error_code: number; description: string; parameters?: { retry_after?: number } };
}

export interface FakeTelegramOptions {
  token?: string;
  /** Overrides for the bot user returned by getMe / used as `from` of bot messages. */
  botUser?: Partial<TgUser>;
  /** Clock for message dates (ms); default `Date.now`. */
  now?: () => number;
  /** First auto-assigned update_id (default 1). */
  firstUpdateId?: number;
}

export interface AddChatOptions {
  type?: TgChat['type'];
  firstName?: string;
  lastName?: string;
  username?: string;
  title?: string;
  languageCode?: string;
}

export type TextMatch = string | RegExp | ((text: string) => boolean);

type FailHook = (call: { method: string; params: Record<string, unknown> }) => boolean | TelegramErrorSpec | undefined | null;

/** A raw HTTP answer that is not the Bot API envelope, as a reverse proxy in front of the API may give. */
export interface RawAnswer {
  status: number;
  body: string;
  /** Default `text/html`. */
  contentType?: string;
}

type RawHook = (call: { method: string; params: Record<string, unknown> }) => RawAnswer | undefined | null | false;

type HangHook = (call: { method: string; params: Record<string, unknown> }) => boolean;

// ---------------------------------------------------------------- internals

class TgError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}

const badRequest = (what: string) => new TgError(400, `Bad Request: ${what}`);

const METHODS = [
  'getMe',
  'getUpdates',
  'sendMessage',
  'editMessageText',
  'editMessageReplyMarkup',
  'deleteMessage',
  'answerCallbackQuery',
  'sendPhoto',
  'sendDocument',
  'sendChatAction',
  'getFile',
  'setMyCommands',
  'getMyCommands',
  'deleteMyCommands',
  'setWebhook',
  'deleteWebhook',
  'getWebhookInfo',
] as const;
type Method = (typeof METHODS)[number];
/** Bot API method names are case-insensitive. */
const METHOD_BY_LOWER = new Map<string, Method>(METHODS.map((m) => [m.toLowerCase(), m]));

/** Methods whose successful calls count as "messages sent to a chat". */
const SENT_METHODS = new Set<string>(['sendMessage', 'sendPhoto', 'sendDocument']);

const JSON_FIELDS = new Set([
  'reply_markup', 'entities', 'caption_entities', 'link_preview_options', 'reply_parameters', 'commands', 'scope',
  'allowed_updates', 'media', 'results', 'prices', 'permissions', 'menu_button', 'rights', 'reaction', 'message_ids',
  'options', 'explanation_entities', 'question_entities', 'input_message_content', 'button',
]);
const INT_FIELDS = new Set([
  'chat_id', 'from_chat_id', 'message_id', 'reply_to_message_id', 'message_thread_id', 'offset', 'limit', 'timeout',
  'cache_time', 'max_connections', 'user_id', 'duration', 'width', 'height',
]);
const BOOL_FIELDS = new Set([
  'show_alert', 'disable_notification', 'protect_content', 'drop_pending_updates', 'disable_web_page_preview',
  'allow_sending_without_reply', 'has_spoiler', 'show_caption_above_media', 'disable_content_type_detection',
]);

const SECRET_TOKEN_RE = /^[A-Za-z0-9_-]{1,256}$/;
const COMMAND_RE = /^[a-z0-9_]{1,32}$/;

const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  404: 'Not Found',
  409: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

const MIME_BY_EXT: Record<string, string> = {
  pdf: 'application/pdf', txt: 'text/plain', csv: 'text/csv', json: 'application/json', zip: 'application/zip',
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', mp4: 'video/mp4',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', log: 'text/plain',
};

interface ChatState {
  chat: TgChat;
  user: TgUser;
  blocked: boolean;
  nextMessageId: number;
  /** Every message of the chat (user's and bot's) by message_id. */
  messages: Map<number, TgMessage>;
}

interface FileRecord {
  file_id: string;
  file_unique_id: string;
  file_size: number;
  file_path: string;
  bytes: Uint8Array;
}

interface QueueEntry {
  update: TgUpdate;
  /** A re-push of an already issued update_id: delivered once even if the client's offset is past it. */
  redelivery: boolean;
  delivered: boolean;
}

interface Poller {
  wake: () => void;
  cancel: (err?: TgError) => void;
}

interface CallWaiter {
  pred: (c: RecordedCall) => boolean;
  since: number;
  resolve: (c: RecordedCall) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const randomId = (prefix: string, bytes: number) => prefix + randomBytes(bytes).toString('base64url');
const utf8Len = (s: string) => Buffer.byteLength(s, 'utf8');
const jsonEq = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

// ---------------------------------------------------------------- formatting

const HTML_TAGS: Record<string, string> = {
  b: 'bold', strong: 'bold', i: 'italic', em: 'italic', u: 'underline', ins: 'underline', s: 'strikethrough',
  strike: 'strikethrough', del: 'strikethrough', span: 'spoiler', 'tg-spoiler': 'spoiler', a: 'text_link',
  code: 'code', pre: 'pre', blockquote: 'blockquote', 'tg-emoji': 'custom_emoji',
};

/** Telegram's HTML parse mode, lightly: supported tags only, properly nested, `<` must be escaped. */
export function parseTelegramHtml(src: string): { text: string; entities: TgEntity[] } {
  const fail = (what: string): never => {
    throw badRequest(`can't parse entities: ${what}`);
  };
  const byteOffset = (i: number) => utf8Len(src.slice(0, i));
  let out = '';
  const entities: TgEntity[] = [];
  const stack: { name: string; start: number; attrs: Record<string, string> }[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === '&') {
      const m = /^&(lt|gt|amp|quot|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/.exec(src.slice(i, i + 12));
      if (m) {
        const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
        out += m[2] ? String.fromCodePoint(Number(m[2])) : m[3] ? String.fromCodePoint(parseInt(m[3], 16)) : named[m[1]!]!;
        i += m[0].length;
        continue;
      }
      out += ch;
      i++;
      continue;
    }
    if (ch !== '<') {
      out += ch;
      i++;
      continue;
    }
    const end = src.indexOf('>', i);
    if (end === -1) fail(`Can't find end of the tag starting at byte offset ${byteOffset(i)}`);
    const inner = src.slice(i + 1, end);
    if (inner.startsWith('/')) {
      const name = inner.slice(1).trim().toLowerCase();
      const top = stack.pop();
      if (!top) fail(`Unexpected end tag at byte offset ${byteOffset(i)}`);
      if (top!.name !== name) fail(`Unmatched end tag at byte offset ${byteOffset(i)}, expected "</${top!.name}>", found "</${name}>"`);
      const length = out.length - top!.start;
      if (length > 0) {
        const e: TgEntity = { type: HTML_TAGS[name]!, offset: top!.start, length };
        if (name === 'a') {
          const href = top!.attrs.href ?? '';
          if (href.startsWith('tg://user?id=')) e.type = 'text_mention';
          else e.url = href;
        }
        if (name === 'blockquote' && 'expandable' in top!.attrs) e.type = 'expandable_blockquote';
        if (name === 'tg-emoji') e.custom_emoji_id = top!.attrs['emoji-id'] ?? '';
        if (name === 'pre') {
          const code = entities.findIndex((x) => x.type === 'code' && x.offset === top!.start && x.length === length);
          if (code !== -1) {
            const lang = /^language-(.+)$/.exec(entities[code]!.language ?? '');
            entities.splice(code, 1);
            if (lang) e.language = lang[1]!;
          }
        }
        if (name === 'code' && top!.attrs.class) e.language = top!.attrs.class;
        entities.push(e);
      }
    } else {
      const m = /^([a-zA-Z][a-zA-Z0-9-]*)([\s\S]*?)\/?$/.exec(inner);
      const name = (m?.[1] ?? '').toLowerCase();
      if (!m || !(name in HTML_TAGS)) fail(`Unsupported start tag "${name || inner.trim()}" at byte offset ${byteOffset(i)}`);
      const attrs: Record<string, string> = {};
      for (const a of m![2]!.matchAll(/([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+)))?/g)) {
        attrs[a[1]!.toLowerCase()] = a[2] ?? a[3] ?? a[4] ?? '';
      }
      if (name === 'span' && attrs.class !== 'tg-spoiler') fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(i)}`);
      stack.push({ name, start: out.length, attrs });
    }
    i = end + 1;
  }
  const open = stack.pop();
  if (open) fail(`Can't find end tag corresponding to start tag "${open.name}"`);
  entities.sort((a, b) => a.offset - b.offset);
  return { text: out, entities };
}

/** MarkdownV2, lightly: characters that are never markup must be escaped outside code. */
function parseMarkdownV2(src: string): { text: string; entities: TgEntity[] } {
  let out = '';
  let inCode = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === '\\' && i + 1 < src.length) {
      out += src[++i];
      continue;
    }
    if (ch === '`') {
      inCode = !inCode;
      continue;
    }
    if (!inCode && '#+-={}.!'.includes(ch)) {
      throw badRequest(`can't parse entities: Character '${ch}' is reserved and must be escaped with the preceding '\\'`);
    }
    if (!inCode && '*_~|'.includes(ch)) continue;
    out += ch;
  }
  return { text: out, entities: [] };
}

function formatted(raw: string, parseMode: unknown): { text: string; entities: TgEntity[] } {
  if (parseMode === undefined || parseMode === '') return { text: raw, entities: [] };
  if (parseMode === 'HTML') return parseTelegramHtml(raw);
  if (parseMode === 'MarkdownV2') return parseMarkdownV2(raw);
  if (parseMode === 'Markdown') return { text: raw, entities: [] };
  throw badRequest(`unsupported parse_mode`);
}

// ---------------------------------------------------------------- the fake

export class FakeTelegram {
  readonly token: string;
  readonly botUser: TgUser;
  /** Every request, in the order it was answered. */
  readonly calls: RecordedCall[] = [];
  apiRoot = '';

  private server: Server | undefined;
  private readonly now: () => number;
  private readonly chats = new Map<number, ChatState>();
  private readonly files = new Map<string, FileRecord>();
  private readonly callbackQueries = new Map<string, { answered: boolean }>();
  private readonly commands = new Map<string, unknown[]>();
  private queue: QueueEntry[] = [];
  private nextUpdateId: number;
  private pollers: Poller[] = [];
  private wakeScheduled = false;
  private waiters: CallWaiter[] = [];
  private faults: { method: string; remaining: number; spec: TelegramErrorSpec }[] = [];
  private hooks: { pred: FailHook; spec: TelegramErrorSpec }[] = [];
  private rawHooks: RawHook[] = [];
  private hangs: { pred: HangHook; remaining: number }[] = [];
  /** Requests held unanswered by {@link hangNext}, as they arrived. */
  readonly hung: { method: string; params: Record<string, unknown>; at: number }[] = [];
  private readonly listeners = new Set<(call: RecordedCall) => void>();
  private fileSeq = 0;
  private webhookState: { url: string; secretToken?: string; allowedUpdates?: unknown; maxConnections?: number } | undefined;

  constructor(tokenOrOptions: string | FakeTelegramOptions = {}) {
    const o = typeof tokenOrOptions === 'string' ? { token: tokenOrOptions } : tokenOrOptions;
    this.token = o.token ?? '123456:TEST-TOKEN';
    this.now = o.now ?? Date.now;
    this.nextUpdateId = o.firstUpdateId ?? 1;
    const id = Number(/^(\d+):/.exec(this.token)?.[1] ?? 123456);
    this.botUser = {
      id,
      is_bot: true,
      first_name: 'Aftercare',
      username: 'aftercare_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      ...o.botUser,
    };
  }

  // ------------------------------------------------------------ lifecycle

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.apiRoot = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const p of [...this.pollers]) p.cancel();
    this.pollers = [];
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error('FakeTelegram stopped'));
    }
    this.waiters = [];
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise((r) => setImmediate(r)); // let cancelled long polls answer [] first
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  // ------------------------------------------------------------ chats

  /** Makes a chat known (sends to unknown chats fail with 400 chat not found). Idempotent; updates given fields. */
  addChat(id: number, o: AddChatOptions = {}): TgChat {
    let st = this.chats.get(id);
    if (!st) {
      const type = o.type ?? (id < 0 ? 'supergroup' : 'private');
      const chat: TgChat = type === 'private' ? { id, type, first_name: o.firstName ?? `User${id}` } : { id, type, title: o.title ?? `Group ${id}` };
      const user: TgUser = { id: Math.abs(id), is_bot: false, first_name: o.firstName ?? `User${Math.abs(id)}`, language_code: 'en' };
      st = { chat, user, blocked: false, nextMessageId: 1, messages: new Map() };
      this.chats.set(id, st);
    }
    if (o.firstName !== undefined) {
      st.user.first_name = o.firstName;
      if (st.chat.type === 'private') st.chat.first_name = o.firstName;
    }
    if (o.lastName !== undefined) {
      st.user.last_name = o.lastName;
      if (st.chat.type === 'private') st.chat.last_name = o.lastName;
    }
    if (o.username !== undefined) {
      st.user.username = o.username;
      if (st.chat.type === 'private') st.chat.username = o.username;
    }
    if (o.title !== undefined && st.chat.type !== 'private') st.chat.title = o.title;
    if (o.languageCode !== undefined) st.user.language_code = o.languageCode;
    return st.chat;
  }

  /** The `language_code` of the chat's user in future injected updates (e.g. 'zh-hans', 'en'). */
  setLanguage(chatId: number, languageCode: string): void {
    this.addChat(chatId, { languageCode });
  }

  /** Sends to the chat fail with 403 `Forbidden: bot was blocked by the user`. */
  blockChat(chatId: number): void {
    this.addChat(chatId);
    this.state(chatId).blocked = true;
  }

  unblockChat(chatId: number): void {
    const st = this.chats.get(chatId);
    if (st) st.blocked = false;
  }

  /** A message (user's or bot's, current version after edits) of a chat. */
  message(chatId: number, messageId: number): TgMessage | undefined {
    return this.chats.get(chatId)?.messages.get(messageId);
  }

  /** Every message of a chat, the user's and the bot's (current versions, deleted ones excluded), oldest first. */
  chatMessages(chatId: number): TgMessage[] {
    return [...(this.chats.get(chatId)?.messages.values() ?? [])].map((m) => structuredClone(m));
  }

  /** Calls `listener` after every recorded request (a live view of the chat); returns the unsubscribe. */
  onCall(listener: (call: RecordedCall) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The bot's messages in a chat (current versions, deleted ones excluded), oldest first. */
  botMessages(chatId: number): TgMessage[] {
    return [...(this.chats.get(chatId)?.messages.values() ?? [])].filter((m) => m.from?.id === this.botUser.id);
  }

  /** Commands registered with setMyCommands for a scope (default scope) and language ('' = all languages). */
  commandsFor(languageCode = '', scope: Record<string, unknown> = { type: 'default' }): unknown[] | undefined {
    return this.commands.get(`${JSON.stringify(scope)}|${languageCode}`);
  }

  get webhook(): { url: string; secretToken?: string } | undefined {
    return this.webhookState && { ...this.webhookState };
  }

  // ------------------------------------------------------------ recording helpers

  /** Params of successful sendMessage/sendPhoto/sendDocument calls (to `chatId` if given), in order. */
  sent(chatId?: number): Record<string, unknown>[] {
    return this.calls.filter((c) => c.ok && SENT_METHODS.has(c.method) && (chatId === undefined || c.params.chat_id === chatId)).map((c) => c.params);
  }

  /** Raw `text` (or `caption`) of the last message sent to the chat. */
  lastText(chatId: number): string | undefined {
    const p = this.sent(chatId).at(-1);
    const t = p?.text ?? p?.caption;
    return typeof t === 'string' ? t : undefined;
  }

  /** Index to pass as `since` so waits only consider calls made after this point. */
  mark(): number {
    return this.calls.length;
  }

  /** Resolves with the first call (index >= since) matching `pred`, already recorded or future. Event-driven. */
  waitFor(pred: (c: RecordedCall) => boolean, timeoutMs = 20_000, since = 0): Promise<RecordedCall> {
    const hit = this.calls.slice(since).find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise<RecordedCall>((resolve, reject) => {
      const w: CallWaiter = {
        pred,
        since,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          const recent = this.calls.slice(-8).map((c) => `${c.method}(${JSON.stringify(c.params).slice(0, 120)}) -> ${c.status}`);
          reject(new Error(`FakeTelegram.waitFor: no matching call within ${timeoutMs} ms; last calls:\n  ${recent.join('\n  ') || '(none)'}`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /**
   * Resolves with the first successful message sent to the chat whose text/caption matches: a string
   * matches as a substring, a RegExp by `test`, a function by its result. Both the raw text (as sent,
   * with HTML tags/escapes) and the rendered plain text are tried. `result` holds the Message.
   */
  waitForMessage(chatId: number, match: TextMatch, timeoutMs = 20_000, since = 0): Promise<RecordedCall> {
    const test = (s: string) => (typeof match === 'string' ? s.includes(match) : match instanceof RegExp ? new RegExp(match.source, match.flags.replace('g', '')).test(s) : match(s));
    return this.waitFor(
      (c) => {
        if (!c.ok || !SENT_METHODS.has(c.method) || c.params.chat_id !== chatId) return false;
        const raw = c.params.text ?? c.params.caption ?? '';
        const msg = c.result as TgMessage | undefined;
        const plain = msg?.text ?? msg?.caption ?? '';
        return (typeof raw === 'string' && test(raw)) || test(plain);
      },
      timeoutMs,
      since,
    );
  }

  // ------------------------------------------------------------ fault injection

  /** The next `count` calls of `method` answer this error (429 carries `parameters.retry_after`). */
  failNext(method: string, count: number, spec: TelegramErrorSpec): void {
    this.faults.push({ method: METHOD_BY_LOWER.get(method.toLowerCase()) ?? method, remaining: count, spec });
  }

  /**
   * While installed, every call for which `pred` returns true (answered with `spec`, default 500) or an
   * error spec (answered with that) fails. Returns a function that removes the hook.
   */
  failWhile(pred: FailHook, spec: TelegramErrorSpec = { status: 500 }): () => void {
    const hook = { pred, spec };
    this.hooks.push(hook);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== hook);
    };
  }

  /**
   * While installed, every call for which `answer` returns a {@link RawAnswer} gets that status and
   * body verbatim (e.g. 502 with nginx's HTML page) instead of a Bot API answer. Returns a remover.
   */
  answerRawWhile(answer: RawHook): () => void {
    this.rawHooks.push(answer);
    return () => {
      this.rawHooks = this.rawHooks.filter((h) => h !== answer);
    };
  }

  /**
   * The next `count` calls of `method` (for which `pred` returns true, if given) are never answered,
   * as a Bot API server or a proxy in front of it may leave a request hanging: no status, no body,
   * until the client gives up and closes the connection. They are listed in {@link hung}, not in `calls`.
   */
  hangNext(method: string, count = 1, pred: HangHook = () => true): void {
    const name = METHOD_BY_LOWER.get(method.toLowerCase()) ?? method;
    this.hangs.push({ pred: (c) => c.method === name && pred(c), remaining: count });
  }

  // ------------------------------------------------------------ update injection

  /**
   * Queues an update for getUpdates (assigning a monotonic update_id when missing) and wakes long polls.
   * Re-pushing an update with an already issued update_id delivers it again with the same id, even if the
   * bot's offset has moved past it (to test dedupe).
   */
  pushUpdate<U extends object>(update: U): U & { update_id: number } {
    const u = update as U & { update_id?: unknown };
    let redelivery = false;
    if (typeof u.update_id === 'number') {
      if (u.update_id < this.nextUpdateId) redelivery = true;
      else this.nextUpdateId = u.update_id + 1;
    } else {
      (u as { update_id?: number }).update_id = this.nextUpdateId++;
    }
    this.learnChat(u as unknown as TgUpdate);
    this.queue.push({ update: u as unknown as TgUpdate, redelivery, delivered: false });
    this.scheduleWake();
    return u as U & { update_id: number };
  }

  /** The user of a private chat sends a text message (a leading /command gets a bot_command entity). */
  userSends(chatId: number, text: string, from?: Partial<TgUser>): TgUpdate & { message: TgMessage } {
    const message = this.userMessage(chatId, from, { text });
    const cmd = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    if (cmd) message.entities = [{ type: 'bot_command', offset: 0, length: cmd[0].length }];
    return this.pushUpdate({ message });
  }

  /** The user sends a photo (3 sizes, file ids registered for getFile/download). */
  userSendsPhoto(chatId: number, caption?: string, o: { bytes?: Uint8Array; from?: Partial<TgUser> } = {}): TgUpdate & { message: TgMessage } {
    const photo = this.photoSizes(o.bytes ?? fakeJpeg(2048));
    const message = this.userMessage(chatId, o.from, { photo, ...(caption !== undefined && { caption }) });
    return this.pushUpdate({ message });
  }

  /** The user sends a document (file id registered for getFile/download). */
  userSendsDocument(
    chatId: number,
    fileName: string,
    o: { bytes?: Uint8Array; mimeType?: string; caption?: string; from?: Partial<TgUser> } = {},
  ): TgUpdate & { message: TgMessage } {
    const bytes = o.bytes ?? new Uint8Array(randomBytes(1024));
    const f = this.registerFile(bytes, `documents/file_${this.fileSeq}${extOf(fileName) ? `.${extOf(fileName)}` : ''}`, 'BQAC');
    const document: TgDocument = {
      file_name: fileName,
      mime_type: o.mimeType ?? MIME_BY_EXT[extOf(fileName)] ?? 'application/octet-stream',
      file_id: f.file_id,
      file_unique_id: f.file_unique_id,
      file_size: f.file_size,
    };
    const message = this.userMessage(chatId, o.from, { document, ...(o.caption !== undefined && { caption: o.caption }) });
    return this.pushUpdate({ message });
  }

  /**
   * The user presses an inline button: a callback_query whose `message` is the bot's message `messageId`
   * (default: the latest bot message with an inline keyboard, else the latest bot message).
   */
  userPresses(chatId: number, callbackData: string, messageId?: number, from?: Partial<TgUser>): TgUpdate & { callback_query: TgCallbackQuery } {
    const st = this.chats.get(chatId);
    const mine = this.botMessages(chatId);
    const message =
      messageId !== undefined
        ? st?.messages.get(messageId)
        : ([...mine].reverse().find((m) => isRecord(m.reply_markup) && 'inline_keyboard' in m.reply_markup) ?? mine.at(-1));
    if (!st || !message) {
      throw new Error(`FakeTelegram.userPresses: no bot message ${messageId ?? '(any)'} in chat ${chatId} to press a button on`);
    }
    const id = (BigInt(st.user.id) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6))).toString();
    this.callbackQueries.set(id, { answered: false });
    const callback_query: TgCallbackQuery = {
      id,
      from: { ...st.user, ...from },
      message: structuredClone(message),
      chat_instance: String(-(BigInt(chatId) * 7919n + 104729n)),
      data: callbackData,
    };
    return this.pushUpdate({ callback_query });
  }

  /**
   * Delivers an update like Telegram does in webhook mode: POSTs its JSON to the URL registered with
   * setWebhook with `X-Telegram-Bot-Api-Secret-Token` = the registered secret (`secret` string overrides
   * it, `null` omits the header). Does not queue it for getUpdates.
   */
  async postWebhook(update: object, secret?: string | null): Promise<Response> {
    const hook = this.webhookState;
    if (!hook) throw new Error('FakeTelegram.postWebhook: no webhook registered (setWebhook was not called)');
    const u = update as { update_id?: unknown };
    if (typeof u.update_id !== 'number') (u as { update_id?: number }).update_id = this.nextUpdateId++;
    this.learnChat(u as TgUpdate);
    const token = secret === undefined ? hook.secretToken : secret;
    return fetch(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token != null && { 'X-Telegram-Bot-Api-Secret-Token': token }) },
      body: JSON.stringify(update),
    });
  }

  /** Updates queued and not yet confirmed by a getUpdates offset. */
  pendingUpdates(): TgUpdate[] {
    return this.queue.map((e) => e.update);
  }

  // ------------------------------------------------------------ HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
      if (file && (req.method === 'GET' || req.method === 'HEAD')) return this.serveFile(res, decodeURIComponent(file[1]!), decodeURIComponent(file[2]!));
      const m = /^\/bot([^/]*)\/([^/]*)\/?$/.exec(url.pathname);
      if (!m) return this.reply(res, undefined, new TgError(404, 'Not Found'));
      const body = await readBody(req);
      const name = decodeURIComponent(m[2]!);
      const method = METHOD_BY_LOWER.get(name.toLowerCase());
      let params: Record<string, unknown> = {};
      try {
        params = await parseParams(req.headers['content-type'], body, url.searchParams);
      } catch (err) {
        const call: RecordedCall = { method: method ?? name, params, at, status: 0, ok: false };
        return this.reply(res, call, err instanceof TgError ? err : badRequest('invalid request body'));
      }
      const call: RecordedCall = { method: method ?? name, params, at, status: 0, ok: false };
      if (decodeURIComponent(m[1]!) !== this.token) return this.reply(res, call, new TgError(401, 'Unauthorized'));
      if (!method) return this.reply(res, call, new TgError(404, 'Not Found: method not found'));
      for (const hook of this.rawHooks) {
        const raw = hook({ method, params });
        if (!raw) continue;
        call.status = raw.status;
        this.record(call);
        res.writeHead(raw.status, { 'content-type': raw.contentType ?? 'text/html' });
        res.end(raw.body);
        return;
      }
      const hang = this.hangs.find((h) => h.remaining > 0 && h.pred({ method, params }));
      if (hang) {
        hang.remaining--;
        this.hangs = this.hangs.filter((h) => h.remaining > 0);
        this.hung.push({ method, params, at });
        return; // never answered; stop() closes the connection
      }
      const fault = this.takeFault(method, params);
      if (fault) return this.reply(res, call, fault);
      let result: unknown;
      let description: string | undefined;
      try {
        const out = await this.dispatch(method, params, res);
        if (out === ABORTED) return; // the client went away during a long poll
        if (out instanceof Described) {
          result = out.value;
          description = out.description;
        } else {
          result = out;
        }
      } catch (err) {
        if (err instanceof TgError) return this.reply(res, call, err);
        throw err;
      }
      this.reply(res, call, undefined, result, description);
    } catch (err) {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error_code: 500, description: `Internal Server Error: fake: ${String(err)}` }));
      }
    }
  }

  private reply(res: ServerResponse, call: RecordedCall | undefined, err: TgError | undefined, result?: unknown, description?: string): void {
    let status = 200;
    let body: Record<string, unknown>;
    if (err) {
      status = err.status;
      const error: NonNullable<RecordedCall['error']> = { error_code: err.status, description: err.description };
      if (err.retryAfter !== undefined) error.parameters = { retry_after: err.retryAfter };
      body = { ok: false, ...error };
      if (call) call.error = error;
    } else {
      body = { ok: true, result, ...(description !== undefined && { description }) };
      if (call) call.result = result;
    }
    if (call) {
      call.status = status;
      call.ok = !err;
      this.record(call);
    }
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private record(call: RecordedCall): void {
    this.calls.push(call);
    const index = this.calls.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (index < w.since || !w.pred(call)) return true;
      clearTimeout(w.timer);
      w.resolve(call);
      return false;
    });
    for (const l of this.listeners) l(call);
  }

  private takeFault(method: string, params: Record<string, unknown>): TgError | undefined {
    const f = this.faults.find((x) => x.method === method && x.remaining > 0);
    if (f) {
      f.remaining--;
      if (f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
      return toError(f.spec);
    }
    for (const h of this.hooks) {
      const out = h.pred({ method, params });
      if (out === true) return toError(h.spec);
      if (isRecord(out)) return toError(out as unknown as TelegramErrorSpec);
    }
    return undefined;
  }

  private serveFile(res: ServerResponse, token: string, path: string): void {
    const f = token === this.token ? [...this.files.values()].find((x) => x.file_path === path) : undefined;
    if (!f) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(f.bytes.length) });
    res.end(Buffer.from(f.bytes));
  }

  // ------------------------------------------------------------ methods

  private async dispatch(method: Method, p: Record<string, unknown>, res: ServerResponse): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return { ...this.botUser };
      case 'getUpdates':
        return this.getUpdates(p, res);
      case 'sendMessage':
        return this.sendMessage(p);
      case 'editMessageText':
        return this.editMessageText(p);
      case 'editMessageReplyMarkup':
        return this.editMessageReplyMarkup(p);
      case 'deleteMessage': {
        const st = this.chatFor(p);
        const id = p.message_id;
        if (typeof id !== 'number' || !st.messages.delete(id)) throw badRequest('message to delete not found');
        return true;
      }
      case 'answerCallbackQuery': {
        const q = typeof p.callback_query_id === 'string' ? this.callbackQueries.get(p.callback_query_id) : undefined;
        if (!q || q.answered) throw badRequest('query is too old and response timeout expired or query ID is invalid');
        if (typeof p.text === 'string' && p.text.length > 200) throw badRequest('MESSAGE_TOO_LONG');
        q.answered = true;
        return true;
      }
      case 'sendPhoto':
        return this.sendMedia(p, 'photo');
      case 'sendDocument':
        return this.sendMedia(p, 'document');
      case 'sendChatAction':
        this.chatFor(p);
        if (typeof p.action !== 'string' || !p.action) throw badRequest('wrong parameter action in request');
        return true;
      case 'getFile': {
        const f = typeof p.file_id === 'string' ? this.files.get(p.file_id) : undefined;
        if (!f) throw badRequest('invalid file_id');
        return { file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.file_size, file_path: f.file_path };
      }
      case 'setMyCommands': {
        const cmds = p.commands;
        if (!Array.isArray(cmds)) throw badRequest("parameter \"commands\" is required");
        if (cmds.length > 100) throw badRequest('BOT_COMMANDS_TOO_MUCH');
        for (const c of cmds) {
          if (!isRecord(c) || typeof c.command !== 'string' || !COMMAND_RE.test(c.command)) throw badRequest('BOT_COMMAND_INVALID');
          if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256) throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
        }
        this.commands.set(this.commandsKey(p), cmds);
        return true;
      }
      case 'getMyCommands':
        return this.commands.get(this.commandsKey(p)) ?? [];
      case 'deleteMyCommands':
        this.commands.delete(this.commandsKey(p));
        return true;
      case 'setWebhook': {
        const url = typeof p.url === 'string' ? p.url : undefined;
        if (url === undefined) throw badRequest('parameter "url" is required');
        if (p.secret_token !== undefined && (typeof p.secret_token !== 'string' || !SECRET_TOKEN_RE.test(p.secret_token))) {
          throw badRequest('secret token contains unallowed characters');
        }
        if (p.drop_pending_updates === true) this.queue = [];
        if (url === '') {
          this.webhookState = undefined;
          return described(true, 'Webhook was deleted');
        }
        if (!/^https?:\/\/[^/]+/i.test(url)) throw badRequest('bad webhook: Failed to resolve host: Name or service not known');
        this.webhookState = {
          url,
          ...(typeof p.secret_token === 'string' && { secretToken: p.secret_token }),
          ...(p.allowed_updates !== undefined && { allowedUpdates: p.allowed_updates }),
          ...(typeof p.max_connections === 'number' && { maxConnections: p.max_connections }),
        };
        // a webhook ends any pending long poll
        for (const poller of [...this.pollers]) poller.cancel(conflictWebhook());
        return described(true, 'Webhook was set');
      }
      case 'deleteWebhook': {
        const had = this.webhookState !== undefined;
        this.webhookState = undefined;
        if (p.drop_pending_updates === true) this.queue = [];
        return described(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
      }
      case 'getWebhookInfo':
        return {
          url: this.webhookState?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: this.queue.length,
          ...(this.webhookState?.maxConnections !== undefined && { max_connections: this.webhookState.maxConnections }),
          ...(this.webhookState?.allowedUpdates !== undefined && { allowed_updates: this.webhookState.allowedUpdates }),
        };
    }
  }

  private async getUpdates(p: Record<string, unknown>, res: ServerResponse): Promise<unknown> {
    if (this.webhookState) throw conflictWebhook();
    const offset = typeof p.offset === 'number' ? p.offset : undefined;
    const limit = Math.min(100, Math.max(1, typeof p.limit === 'number' ? p.limit : 100));
    const timeout = typeof p.timeout === 'number' && p.timeout > 0 ? p.timeout : 0;
    const allowed = Array.isArray(p.allowed_updates) && p.allowed_updates.length > 0 ? new Set(p.allowed_updates.map(String)) : undefined;
    this.confirm(offset);
    // A newer getUpdates terminates an older pending one, as on Telegram.
    for (const poller of [...this.pollers]) poller.cancel(new TgError(409, DEFAULT_DESCRIPTIONS[409]!));
    const now = this.take(limit, allowed);
    if (now.length > 0 || timeout === 0) return now;
    return new Promise<unknown>((resolve, reject) => {
      let done = false;
      const finish = () => {
        done = true;
        clearTimeout(timer);
        this.pollers = this.pollers.filter((x) => x !== poller);
        res.off('close', onClose);
      };
      const poller: Poller = {
        wake: () => {
          if (done) return;
          const ups = this.take(limit, allowed);
          if (ups.length === 0) return;
          finish();
          resolve(ups);
        },
        cancel: (err) => {
          if (done) return;
          finish();
          if (err) reject(err);
          else resolve([]);
        },
      };
      const timer = setTimeout(() => {
        if (done) return;
        finish();
        resolve([]);
      }, timeout * 1000);
      const onClose = () => {
        if (done || res.writableEnded) return;
        finish();
        resolve(ABORTED);
      };
      res.on('close', onClose);
      this.pollers.push(poller);
    });
  }

  /** Drops updates the offset confirms (update_id < offset; negative offset keeps the last -offset). */
  private confirm(offset: number | undefined): void {
    if (offset === undefined || offset === 0) return;
    if (offset < 0) {
      this.queue = [...this.queue].sort((a, b) => a.update.update_id - b.update.update_id).slice(offset);
      return;
    }
    this.queue = this.queue.filter((e) => e.update.update_id >= offset || (e.redelivery && !e.delivered));
  }

  private take(limit: number, allowed: Set<string> | undefined): TgUpdate[] {
    const entries = this.queue
      .filter((e) => !allowed || Object.keys(e.update).some((k) => k !== 'update_id' && allowed.has(k)))
      .sort((a, b) => a.update.update_id - b.update.update_id)
      .slice(0, limit);
    for (const e of entries) e.delivered = true;
    return entries.map((e) => e.update);
  }

  private scheduleWake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      for (const p of [...this.pollers]) p.wake();
    });
  }

  private sendMessage(p: Record<string, unknown>): TgMessage {
    const st = this.chatFor(p);
    const { text, entities } = this.text(p.text, p.parse_mode, 4096, 'text');
    const markup = validateMarkup(p.reply_markup);
    return this.storeBotMessage(st, p, { text, ...(entities.length > 0 && { entities }) }, markup);
  }

  private sendMedia(p: Record<string, unknown>, kind: 'photo' | 'document'): TgMessage {
    const st = this.chatFor(p);
    const input = p[kind];
    if (input === undefined || input === '') throw badRequest(`there is no ${kind} in the request`);
    const caption = p.caption === undefined ? undefined : this.text(p.caption, p.parse_mode, 1024, 'caption');
    const markup = validateMarkup(p.reply_markup);
    let bytes: Uint8Array;
    let fileName = kind === 'photo' ? 'photo.jpg' : 'document';
    let mime = 'application/octet-stream';
    let reuse: FileRecord | undefined;
    if (isUpload(input)) {
      if (input.size === 0) throw badRequest(kind === 'photo' ? 'IMAGE_PROCESS_FAILED' : 'file must be non-empty');
      bytes = input.bytes;
      fileName = input.filename;
      mime = input.contentType;
    } else if (typeof input === 'string' && this.files.has(input)) {
      reuse = this.files.get(input)!;
      bytes = reuse.bytes;
    } else if (typeof input === 'string' && /^https?:\/\//i.test(input)) {
      bytes = fakeJpeg(1024);
      fileName = input.split('/').at(-1) || fileName;
    } else {
      throw badRequest('wrong file identifier/HTTP URL specified');
    }
    const fields: Partial<TgMessage> = {};
    if (kind === 'photo') {
      fields.photo = reuse ? this.photoSizesFor(reuse) : this.photoSizes(bytes);
    } else {
      const f = reuse ?? this.registerFile(bytes, `documents/file_${this.fileSeq}${extOf(fileName) ? `.${extOf(fileName)}` : ''}`, 'BQAC');
      fields.document = {
        file_name: fileName,
        mime_type: mime === 'application/octet-stream' ? (MIME_BY_EXT[extOf(fileName)] ?? mime) : mime,
        file_id: f.file_id,
        file_unique_id: f.file_unique_id,
        file_size: f.file_size,
      };
    }
    if (caption && caption.text !== '') {
      fields.caption = caption.text;
      if (caption.entities.length > 0) fields.caption_entities = caption.entities;
    }
    return this.storeBotMessage(st, p, fields, markup);
  }

  private editMessageText(p: Record<string, unknown>): TgMessage | true {
    if (p.inline_message_id !== undefined) {
      this.text(p.text, p.parse_mode, 4096, 'text');
      validateMarkup(p.reply_markup);
      return true;
    }
    const st = this.chatFor(p);
    const msg = this.editable(st, p.message_id);
    if (msg.text === undefined) throw badRequest('there is no text in the message to edit');
    const { text, entities } = this.text(p.text, p.parse_mode, 4096, 'text');
    const markup = validateMarkup(p.reply_markup);
    const inline = markup && 'inline_keyboard' in markup ? markup : undefined;
    if (msg.text === text && jsonEq(msg.entities ?? [], entities) && jsonEq(msg.reply_markup, inline)) throw notModified();
    msg.text = text;
    if (entities.length > 0) msg.entities = entities;
    else delete msg.entities;
    if (inline) msg.reply_markup = inline;
    else delete msg.reply_markup;
    msg.edit_date = Math.floor(this.now() / 1000);
    return structuredClone(msg);
  }

  private editMessageReplyMarkup(p: Record<string, unknown>): TgMessage | true {
    const markup = validateMarkup(p.reply_markup);
    if (p.inline_message_id !== undefined) return true;
    const st = this.chatFor(p);
    const msg = this.editable(st, p.message_id);
    const inline = markup && 'inline_keyboard' in markup && Array.isArray(markup.inline_keyboard) && markup.inline_keyboard.length > 0 ? markup : undefined;
    if (jsonEq(msg.reply_markup, inline)) throw notModified();
    if (inline) msg.reply_markup = inline;
    else delete msg.reply_markup;
    msg.edit_date = Math.floor(this.now() / 1000);
    return structuredClone(msg);
  }

  // ------------------------------------------------------------ helpers

  private state(chatId: number): ChatState {
    return this.chats.get(chatId)!;
  }

  /** The chat of `chat_id`, enforcing Telegram's chat-level errors. */
  private chatFor(p: Record<string, unknown>): ChatState {
    const id = p.chat_id;
    if (id === undefined || id === '') throw badRequest('chat_id is empty');
    const st =
      typeof id === 'number'
        ? this.chats.get(id)
        : [...this.chats.values()].find((c) => typeof id === 'string' && c.chat.username !== undefined && `@${c.chat.username}` === id);
    if (!st) throw badRequest('chat not found');
    if (st.blocked) throw new TgError(403, 'Forbidden: bot was blocked by the user');
    return st;
  }

  private editable(st: ChatState, messageId: unknown): TgMessage {
    const msg = typeof messageId === 'number' ? st.messages.get(messageId) : undefined;
    if (!msg) throw badRequest('message to edit not found');
    if (msg.from?.id !== this.botUser.id) throw badRequest("message can't be edited");
    return msg;
  }

  private text(raw: unknown, parseMode: unknown, max: number, what: 'text' | 'caption'): { text: string; entities: TgEntity[] } {
    const s = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : '';
    if (what === 'text' && s.trim() === '') throw badRequest('message text is empty');
    const out = formatted(s, parseMode);
    if (what === 'text' && out.text.trim() === '') throw badRequest('message text is empty');
    if (out.text.length > max) throw badRequest(what === 'text' ? 'message is too long' : 'message caption is too long');
    return out;
  }

  private storeBotMessage(st: ChatState, p: Record<string, unknown>, fields: Partial<TgMessage>, markup: Record<string, unknown> | undefined): TgMessage {
    const replyTo = typeof p.reply_to_message_id === 'number' ? p.reply_to_message_id : isRecord(p.reply_parameters) ? p.reply_parameters.message_id : undefined;
    const replied = typeof replyTo === 'number' ? st.messages.get(replyTo) : undefined;
    if (typeof replyTo === 'number' && !replied && p.allow_sending_without_reply !== true && !(isRecord(p.reply_parameters) && p.reply_parameters.allow_sending_without_reply === true)) {
      throw badRequest('message to be replied not found');
    }
    const msg: TgMessage = {
      message_id: st.nextMessageId++,
      from: { ...this.botUser },
      chat: { ...st.chat },
      date: Math.floor(this.now() / 1000),
      ...(replied && { reply_to_message: structuredClone(replied) }),
      ...fields,
      ...(markup && 'inline_keyboard' in markup && { reply_markup: markup }),
    };
    st.messages.set(msg.message_id, msg);
    return structuredClone(msg);
  }

  private userMessage(chatId: number, from: Partial<TgUser> | undefined, fields: Partial<TgMessage>): TgMessage {
    this.addChat(chatId, { ...(from?.first_name !== undefined && { firstName: from.first_name }), ...(from?.language_code !== undefined && { languageCode: from.language_code }) });
    const st = this.state(chatId);
    const msg: TgMessage = {
      message_id: st.nextMessageId++,
      from: { ...st.user, ...(st.chat.type === 'private' && { id: chatId }), ...from },
      chat: { ...st.chat },
      date: Math.floor(this.now() / 1000),
      ...fields,
    };
    st.messages.set(msg.message_id, msg);
    return structuredClone(msg);
  }

  /** Any chat seen in an injected update becomes known (so the bot can answer it). */
  private learnChat(u: TgUpdate): void {
    for (const v of Object.values(u)) {
      if (!isRecord(v)) continue;
      const chat = isRecord(v.chat) ? v.chat : isRecord(v.message) && isRecord(v.message.chat) ? v.message.chat : undefined;
      if (!chat || typeof chat.id !== 'number' || this.chats.has(chat.id)) continue;
      const type = chat.type === 'group' || chat.type === 'supergroup' || chat.type === 'channel' ? chat.type : 'private';
      const from = isRecord(v.from) ? v.from : undefined;
      this.addChat(chat.id, {
        type,
        ...(typeof chat.first_name === 'string' && { firstName: chat.first_name }),
        ...(typeof chat.username === 'string' && { username: chat.username }),
        ...(typeof chat.title === 'string' && { title: chat.title }),
        ...(typeof from?.language_code === 'string' && { languageCode: from.language_code }),
      });
    }
  }

  private registerFile(bytes: Uint8Array, path: string, prefix: string): FileRecord {
    this.fileSeq++;
    const f: FileRecord = {
      file_id: randomId(prefix, 36),
      file_unique_id: randomId('AQAD', 9),
      file_size: bytes.length,
      file_path: path,
      bytes,
    };
    this.files.set(f.file_id, f);
    return f;
  }

  private photoSizes(bytes: Uint8Array): TgPhotoSize[] {
    return [
      [90, 0.05],
      [320, 0.25],
      [800, 1],
    ].map(([w, frac]) => {
      const part = frac === 1 ? bytes : bytes.slice(0, Math.max(1, Math.floor(bytes.length * frac!)));
      const f = this.registerFile(part, `photos/file_${this.fileSeq}.jpg`, 'AgAC');
      return { file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.file_size, width: w!, height: Math.round((w! * 3) / 4) };
    });
  }

  private photoSizesFor(f: FileRecord): TgPhotoSize[] {
    return [{ file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.file_size, width: 800, height: 600 }];
  }

  private commandsKey(p: Record<string, unknown>): string {
    const scope = isRecord(p.scope) ? p.scope : { type: 'default' };
    return `${JSON.stringify(scope)}|${typeof p.language_code === 'string' ? p.language_code : ''}`;
  }
}

// ---------------------------------------------------------------- module helpers

const ABORTED = Symbol('aborted');
/** A result that also carries the envelope's `description` (as setWebhook's does). */
class Described {
  constructor(
    readonly value: unknown,
    readonly description: string,
  ) {}
}

function described(value: unknown, description: string): Described {
  return new Described(value, description);
}

function conflictWebhook(): TgError {
  return new TgError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
}

function notModified(): TgError {
  return badRequest('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
}

function toError(spec: TelegramErrorSpec): TgError {
  const retryAfter = spec.retryAfter ?? (spec.status === 429 ? 1 : undefined);
  const description = spec.description ?? (spec.status === 429 ? `Too Many Requests: retry after ${retryAfter}` : (DEFAULT_DESCRIPTIONS[spec.status] ?? 'Error'));
  return new TgError(spec.status, description, retryAfter);
}

function isUpload(v: unknown): v is UploadedFile {
  return isRecord(v) && v.upload === true && v.bytes instanceof Uint8Array;
}

function extOf(name: string): string {
  const m = /\.([A-Za-z0-9]+)$/.exec(name);
  return m ? m[1]!.toLowerCase() : '';
}

function fakeJpeg(size: number): Uint8Array {
  const b = new Uint8Array(randomBytes(Math.max(size, 4)));
  b[0] = 0xff;
  b[1] = 0xd8;
  b[b.length - 2] = 0xff;
  b[b.length - 1] = 0xd9;
  return b;
}

/** Checks reply_markup like Telegram (inline keyboards in particular) and returns it decoded. */
function validateMarkup(v: unknown): Record<string, unknown> | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (!isRecord(v)) throw badRequest("can't parse reply keyboard markup JSON object");
  if ('inline_keyboard' in v) {
    const rows = v.inline_keyboard;
    if (!Array.isArray(rows) || !rows.every(Array.isArray)) throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays');
    for (const row of rows as unknown[][]) {
      for (const b of row) {
        if (!isRecord(b)) throw badRequest("can't parse inline keyboard button: InlineKeyboardButton should be an Object");
        if (typeof b.text !== 'string' || b.text === '') throw badRequest("can't parse inline keyboard button: Text must be non-empty");
        const actions = ['url', 'callback_data', 'web_app', 'login_url', 'switch_inline_query', 'switch_inline_query_current_chat', 'switch_inline_query_chosen_chat', 'copy_text', 'callback_game', 'pay'];
        if (!actions.some((k) => k in b)) throw badRequest('text buttons are unallowed in the inline keyboard');
        if ('callback_data' in b) {
          const d = b.callback_data;
          if (typeof d !== 'string' || utf8Len(d) < 1 || utf8Len(d) > 64) throw badRequest('BUTTON_DATA_INVALID');
        }
        if ('url' in b && (typeof b.url !== 'string' || b.url === '' || /\s/.test(b.url))) throw badRequest('BUTTON_URL_INVALID');
      }
    }
  } else if ('keyboard' in v) {
    const rows = v.keyboard;
    if (!Array.isArray(rows) || !rows.every(Array.isArray)) throw badRequest('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays');
  } else if (!('remove_keyboard' in v) && !('force_reply' in v)) {
    throw badRequest("can't parse reply keyboard markup JSON object");
  }
  return v;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Decodes a Bot API request in any of its wire formats into typed params. */
async function parseParams(contentType: string | undefined, body: Buffer, query: URLSearchParams): Promise<Record<string, unknown>> {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of query) raw[k] = v;
  const ct = (contentType ?? '').toLowerCase();
  if (body.length > 0) {
    if (ct.startsWith('application/json')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw badRequest("can't parse JSON encoded request body");
      }
      if (!isRecord(parsed)) throw badRequest("can't parse JSON encoded request body");
      Object.assign(raw, parsed);
    } else if (ct.startsWith('multipart/form-data')) {
      let form: FormData;
      try {
        form = await new Response(body, { headers: { 'content-type': contentType! } }).formData();
      } catch {
        throw badRequest("can't parse multipart/form-data request body");
      }
      for (const [k, v] of form) {
        if (typeof v === 'string') raw[k] = v;
        else {
          const bytes = new Uint8Array(await v.arrayBuffer());
          raw[k] = { upload: true, filename: v.name, contentType: v.type || 'application/octet-stream', size: bytes.length, bytes } satisfies UploadedFile;
        }
      }
    } else {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) raw[k] = v;
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') {
      out[k] = v;
    } else if (JSON_FIELDS.has(k)) {
      try {
        out[k] = JSON.parse(v);
      } catch {
        if (k === 'reply_markup') throw badRequest("can't parse reply keyboard markup JSON object");
        throw badRequest(`can't parse ${k} JSON object`);
      }
    } else if (INT_FIELDS.has(k) && /^-?\d+$/.test(v)) {
      out[k] = Number(v);
    } else if (BOOL_FIELDS.has(k) && (v === 'true' || v === 'false')) {
      out[k] = v === 'true';
    } else {
      out[k] = v;
    }
  }
  return out;
}
