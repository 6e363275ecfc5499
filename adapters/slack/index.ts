import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPModuleFunctions, HTTPReceiver, LogLevel, socketModeReceiver, type BufferedIncomingMessage, type Logger as BoltLogger, type Receiver } from './bolt.js';
import { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import { Desk, type Answer } from '../../src/app/desk/intents.js';
import { ticketList } from '../../src/app/desk/queries.js';
import { departmentName } from '../../src/app/desk/view-context.js';
import type { UseCaseDeps } from '../../src/app/deps.js';
import type { ReportSource } from '../../src/app/reports.js';
import type { ChatMessageStore, InboundDedup } from '../../src/app/ports.js';
import { StaffGateway } from '../../src/app/staff-gateway.js';
import { safeError } from '../../src/core/safe-error.js';
import type { AdapterRoutes, RawRoutes } from '../../src/http/server.js';
import { translator } from '../../src/i18n/index.js';
import { ACTION_PREFIX, cardBlocks, escapeSlack, plain, type Block } from './blocks.js';
import { checkEnvelope } from './envelope.js';
import { documentView, formView, MODAL_PREFIX, modalMeta, submittedValues, viewStateValues } from './forms.js';
import { SLACK, SlackSurface } from './slack-gateway.js';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackOptions {
  botToken: string;
  signingSecret?: string | undefined;
  /** Socket Mode when set (xapp-…); otherwise HTTP at /slack/events. */
  appToken?: string | undefined;
  /** Web API base URL, e.g. http://127.0.0.1:9000/api/ (tests). */
  apiUrl?: string | undefined;
  defaultChannel?: string | undefined;
  deps: UseCaseDeps;
  /** Report aggregates for `/aftercare stats` (off without them). */
  reports?: ReportSource | undefined;
  messages: ChatMessageStore;
  dedup: InboundDedup;
  logger: Logger;
}


export interface SlackAdapter {
  app: App;
  client: WebClient;
  gateway: StaffGateway;
  /** /slack/events on the app's HTTP server (HTTP mode). */
  routes: AdapterRoutes;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** JSON.parse that answers undefined for text that is not JSON. */
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text || '{}') as unknown;
  } catch {
    return undefined;
  }
}

function jsonError(res: ServerResponse, status: number, code: string, message: string, fields?: { path: string; message: string }[]): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message, ...(fields && { fields }) } }));
}

function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ platform: 'slack' });
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg: unknown[]) => child.debug(text(msg)),
    info: (...msg: unknown[]) => child.info(text(msg)),
    warn: (...msg: unknown[]) => child.warn(text(msg)),
    error: (...msg: unknown[]) => child.error(text(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

// ----------------------------------------------------------------- payload shapes (zod at the boundary)

const user = z.looseObject({ id: z.string().min(1) });

const blockAction = z.looseObject({
  type: z.literal('block_actions'),
  user,
  trigger_id: z.string().optional(),
  channel: z.looseObject({ id: z.string() }).nullish(),
  container: z.looseObject({ channel_id: z.string().optional() }).nullish(),
  actions: z
    .array(z.looseObject({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional() }))
    .min(1, 'actions must not be empty'),
});

const viewSubmission = z.looseObject({
  type: z.literal('view_submission'),
  user,
  trigger_id: z.string().optional(),
  view: z.looseObject({
    id: z.string().optional(),
    callback_id: z.string(),
    private_metadata: z.string().default(''),
    state: z.looseObject({ values: viewStateValues }).default({ values: {} }),
  }),
});

const slashCommand = z.looseObject({
  user_id: z.string().min(1),
  channel_id: z.string().optional(),
  text: z.string().default(''),
  trigger_id: z.string().optional(),
});

/**
 * The Slack staff workspace (SPEC §5–7): the Bolt app answering buttons, modals, the
 * `/aftercare` command and App Home, and the gateway posting cards. In HTTP mode Bolt's
 * own HTTPReceiver checks signatures and serves /slack/events on the app's port; every
 * request is acknowledged first and worked after, and each interaction is handled once.
 */
export function createSlackAdapter(o: SlackOptions): SlackAdapter {
  const logger = boltLogger(o.logger);
  const apiUrl = o.apiUrl && !o.apiUrl.endsWith('/') ? `${o.apiUrl}/` : o.apiUrl;
  const clientOptions = { ...(apiUrl && { slackApiUrl: apiUrl }), retryConfig: { retries: 0 }, rejectRateLimitedCalls: true };
  let http: HTTPReceiver | undefined;
  let receiver: Receiver;
  if (o.appToken) {
    const SocketModeReceiver = socketModeReceiver();
    receiver = new SocketModeReceiver({ appToken: o.appToken, logger, installerOptions: { clientOptions: { ...(apiUrl && { slackApiUrl: apiUrl }) } } });
  } else {
    if (!o.signingSecret) throw new Error('SLACK_SIGNING_SECRET is required for Slack HTTP mode');
    http = new HTTPReceiver({ signingSecret: o.signingSecret, endpoints: [SLACK_EVENTS_PATH], logger });
    receiver = http;
  }
  const client = new WebClient(o.botToken, { ...clientOptions, logger });
  // The bot's identity, from one auth.test when the first request needs it (never in a
  // constructor); a failed lookup is tried again on the next request.
  let identity: Promise<{ botId?: string; botUserId?: string }> | undefined;
  const whoAmI = (): Promise<{ botId?: string; botUserId?: string }> =>
    (identity ??= client.auth.test().then(
      (r): { botId?: string; botUserId?: string } => ({ ...(r.bot_id && { botId: r.bot_id }), ...(r.user_id && { botUserId: r.user_id }) }),
      (err: unknown) => {
        identity = undefined;
        o.logger.warn({ err: safeError(err) }, 'slack auth.test failed: check SLACK_BOT_TOKEN');
        return {};
      },
    ));
  const app = new App({
    receiver,
    logger,
    authorize: async () => ({ botToken: o.botToken, ...(await whoAmI()) }),
    clientOptions,
  });
  const { deps } = o;
  const directory = deps.directory;
  const surface = new SlackSurface({ client });
  const gateway = new StaffGateway({ surface, deps, messages: o.messages, botKey: o.botToken, defaultChannel: o.defaultChannel });

  const desk = new Desk(deps, 'slack', o.logger.child({ platform: 'slack' }), o.reports);
  const staffOf = (userId: string) => desk.staff(userId);

  /**
   * An ephemeral answer in the channel, or a DM when there is no channel. `text` may hold
   * what a customer wrote (a name, a contact): it is shown as plain text unless `blocks` say otherwise.
   */
  async function tell(userId: string, channel: string | undefined, text: string, blocks?: Block[]): Promise<void> {
    const body = { text: escapeSlack(text), blocks: blocks ?? [{ type: 'section', text: plain(text) }] };
    try {
      if (channel) {
        await client.chat.postEphemeral({ channel, user: userId, ...body });
      } else {
        const dm = await client.conversations.open({ users: userId });
        await client.chat.postMessage({ channel: dm.channel?.id ?? userId, ...body });
      }
    } catch (err) {
      o.logger.warn({ err: safeError(err), userId }, 'slack: could not answer the user');
    }
  }

  /**
   * True the first time a request is seen. Events are keyed by event_id (Slack's retries
   * repeat it); interactions and commands by their whole payload, so a replayed or retried
   * delivery is dropped while two real presses (each with its own trigger_id and
   * action_ts) both count — the use cases make a second claim or escalation a no-op.
   */
  async function firstTime(kind: string, eventId: string | undefined, body: unknown): Promise<boolean> {
    const id = eventId ?? createHash('sha256').update(JSON.stringify(body)).digest('hex');
    return o.dedup.claim(SLACK, `${kind}:${id}`);
  }

  /** Draws what the desk answered: a modal, an ephemeral text or card; work is done, then its answer drawn. */
  async function render(answer: Answer, to: { userId: string; channel: string | undefined; triggerId: string | undefined; language: string }): Promise<void> {
    switch (answer.kind) {
      case 'form':
        if (to.triggerId) await client.views.open({ trigger_id: to.triggerId, view: formView(answer.form, { ...(to.channel && { c: to.channel }) }) });
        return;
      case 'document':
        if (to.triggerId) await client.views.open({ trigger_id: to.triggerId, view: documentView(answer.title, answer.text, translator(to.language)('desk.modal.cancel')) });
        return;
      case 'say':
      case 'invalid':
        return tell(to.userId, to.channel, answer.text);
      case 'help':
        return tell(to.userId, to.channel, answer.text, [{ type: 'section', text: { type: 'mrkdwn', text: answer.text } }]);
      case 'card':
        return tell(to.userId, to.channel, answer.card.fallback, cardBlocks(answer.card));
      case 'work': {
        const next = await answer.run();
        if (next) await render(next, to);
      }
    }
  }

  async function draw(answer: Answer, to: { userId: string; channel: string | undefined; triggerId: string | undefined; language: string }): Promise<void> {
    try {
      await render(answer, to);
    } catch (err) {
      o.logger.warn({ err: safeError(err), userId: to.userId }, 'slack: could not show the answer');
    }
  }

  // ----------------------------------------------------------------- buttons

  app.action(new RegExp(`^${ACTION_PREFIX}`), async ({ ack, body }) => {
    await ack();
    const parsed = blockAction.safeParse(body);
    if (!parsed.success) {
      o.logger.warn({ issues: parsed.error.issues }, 'slack: malformed block_actions payload');
      return;
    }
    const p = parsed.data;
    const action = p.actions[0]!;
    if (!(await firstTime('a', undefined, body))) return;
    const userId = p.user.id;
    const answer = await desk.press(userId, action.action_id.slice(ACTION_PREFIX.length), action.value ?? '');
    await draw(answer, { userId, channel: p.channel?.id ?? p.container?.channel_id, triggerId: p.trigger_id, language: desk.language(desk.staff(userId)) });
  });

  // ----------------------------------------------------------------- modal submissions

  app.view(new RegExp(`^${MODAL_PREFIX}`), async ({ ack, body }) => {
    const parsed = viewSubmission.safeParse(body);
    if (!parsed.success) {
      await ack();
      o.logger.warn({ issues: parsed.error.issues }, 'slack: malformed view_submission payload');
      return;
    }
    const p = parsed.data;
    const userId = p.user.id;
    const meta = modalMeta.safeParse(safeJson(p.view.private_metadata));
    const { n: number, c: channel } = meta.success ? meta.data : {};
    const answer = await desk.submit(userId, p.view.callback_id.slice(MODAL_PREFIX.length), number, submittedValues(p.view.state.values));
    if (answer.kind === 'invalid') {
      await ack({ response_action: 'errors', errors: answer.errors });
      return;
    }
    await ack();
    if (!(await firstTime('v', undefined, body))) return;
    await draw(answer, { userId, channel, triggerId: undefined, language: desk.language(desk.staff(userId)) });
  });

  // ----------------------------------------------------------------- /aftercare

  app.command('/aftercare', async ({ ack, body }) => {
    await ack();
    const parsed = slashCommand.safeParse(body);
    if (!parsed.success) return;
    const c = parsed.data;
    if (!(await firstTime('c', undefined, body))) return;
    const answer = await desk.command(c.user_id, c.text);
    await draw(answer, { userId: c.user_id, channel: c.channel_id, triggerId: c.trigger_id, language: desk.language(desk.staff(c.user_id)) });
  });

  // ----------------------------------------------------------------- App Home

  app.event('app_home_opened', async ({ event, body }) => {
    const eventId = z.looseObject({ event_id: z.string() }).safeParse(body);
    if (!(await firstTime('e', eventId.success ? eventId.data.event_id : undefined, body))) return;
    const staff = staffOf(event.user);
    const language = desk.language(staff);
    const t = translator(language);
    const blocks: Block[] = [{ type: 'header', text: plain(t('desk.home.title'), 150) }];
    if (!staff) {
      blocks.push({ type: 'section', text: plain(t('desk.reply.unknownStaff')) });
    } else {
      const mine = await ticketList(deps, staff, 'mine');
      const queue = await ticketList(deps, staff, 'queue');
      blocks.push(
        { type: 'section', text: plain(`${t('desk.home.mine')}\n${(mine.lines.length ? mine.lines : [t('desk.home.empty')]).join('\n')}`) },
        { type: 'divider' },
        { type: 'section', text: plain(`${t('desk.home.queue', { department: departmentName(directory, staff.departmentId, language) })}\n${(queue.lines.length ? queue.lines : [t('desk.home.empty')]).join('\n')}`) },
      );
    }
    await client.views.publish({ user_id: event.user, view: { type: 'home', blocks } });
  });

  app.error((err) => {
    o.logger.error({ err: safeError(err) }, 'slack: unhandled error in a listener');
    return Promise.resolve();
  });

  const addRoutes = (routes: RawRoutes): void => {
    const listener = http?.requestListener;
    if (!listener) return;
    const signingSecret = o.signingSecret!;
    /**
     * Verifies the signature and checks the envelope before Bolt sees the request (Bolt
     * verifies again: the buffered body is reused). Bolt only gets bodies it can route.
     */
    const serve = async (req: IncomingMessage, res: ServerResponse) => {
      let buffered: BufferedIncomingMessage;
      try {
        buffered = await HTTPModuleFunctions.parseAndVerifyHTTPRequest({ enabled: true, signingSecret, bodyLimit: HTTPModuleFunctions.defaultBodyLimit }, req);
      } catch (err) {
        if (HTTPModuleFunctions.isRawBodyError(err) && err.statusCode === 413) return jsonError(res, 413, 'payload_too_large', 'request body is too large');
        return jsonError(res, 401, 'unauthorized', 'missing or wrong Slack request signature');
      }
      let body: unknown;
      try {
        body = HTTPModuleFunctions.parseHTTPRequestBody(buffered);
      } catch {
        return jsonError(res, 400, 'validation_failed', 'request body is not valid JSON or form data', [{ path: '(body)', message: 'must be valid JSON or form data' }]);
      }
      const check = checkEnvelope(body);
      if (check.verdict === 'reject') {
        o.logger.warn({ fields: check.fields.map((f) => f.path) }, 'slack: malformed request rejected');
        const summary = check.fields.map((f) => `${f.path}: ${f.message}`).join('; ');
        return jsonError(res, 400, 'validation_failed', `invalid Slack request: ${summary}`, check.fields);
      }
      if (check.verdict === 'ignore') {
        o.logger.debug({ type: check.type }, 'slack: request of a type Aftercare does not handle, ignored');
        res.writeHead(200).end();
        return;
      }
      listener(buffered, res);
    };
    routes.set(SLACK_EVENTS_PATH, (req, res) => {
      if (req.method !== 'POST') {
        res.writeHead(405, { 'content-type': 'application/json', allow: 'POST' }).end(JSON.stringify({ error: { code: 'method_not_allowed', message: 'POST Slack requests here' } }));
        return;
      }
      serve(req, res).catch((err: unknown) => {
        o.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'slack: request failed');
        if (!res.headersSent) jsonError(res, 500, 'internal_error', 'internal error');
        else res.end();
      });
    });
  };
  const raw: RawRoutes = new Map();
  addRoutes(raw);

  return {
    app,
    client,
    gateway,
    routes: { raw },
    async start() {
      const me = await whoAmI();
      if (me.botUserId) o.logger.info({ botUser: me.botUserId }, 'slack connected');
      if (o.appToken) await app.start();
    },
    async stop() {
      if (o.appToken) await app.stop().catch(() => undefined);
    },
  };
}

