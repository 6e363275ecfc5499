import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { actOnTicket, type TicketCommand } from '../app/act-on-ticket.js';
import { createTicket } from '../app/create-ticket.js';
import { customerAct, type CustomerCommand } from '../app/customer-actions.js';
import { signCustomerLink, verifyCustomerLink } from '../app/customer-link.js';
import type { UseCaseDeps } from '../app/deps.js';
import { canonicalJson } from '../core/audit.js';
import { cleanText } from '../core/text.js';
import { ERROR_CODES } from './response-schemas.js';
import { AftercareError, asAftercareError, ErrorCode } from '../core/errors.js';
import { safeError } from '../core/safe-error.js';
import { plainErrorMap, plainFields, type PlainField, type PlainFieldOptions } from '../core/plain-issues.js';
import { databaseUnavailableCode } from '../db/unavailable.js';
import type { Queue } from 'bullmq';
import type { Registry } from 'prom-client';
import { registerQueueBoard } from './admin-queues.js';
import type { MetricsSource, ReportSource } from '../app/reports.js';
import { registerReportMetrics } from './report-metrics.js';
import { registerReportRoutes } from './report-routes.js';
import { registerCustomerRoutes } from './customer-routes.js';
import { intakeCustomer } from '../app/privacy.js';
import { toLanguage } from '../i18n/index.js';
import type { PrivacyStore } from '../app/ports.js';
import { DependencyHealth, healthMetrics } from './health.js';
import { buildOpenApi } from './openapi.js';
import { registerRequestMetrics } from './request-metrics.js';
import { registerDashboard } from './dashboard.js';
import { registerSessions } from './session-auth.js';
import { customerPage, linkErrorPage, pageLanguage, type PageNotice } from './customer-page.js';
import { actionBody, createTicketBody, csat as csatSchema, customerActionBody, listTicketsQuery, nps as npsSchema, ticketParams, type ActionBody, type CustomerActionBody } from './schemas.js';
import { createdView, detailView, summaryView } from './views.js';

export interface HealthChecks {
  db: () => Promise<unknown>;
  redis: () => Promise<unknown>;
}

export interface HttpOptions {
  deps: UseCaseDeps;
  /** SHA-256 (hex) of the API token. */
  apiTokenHash: string;
  health: HealthChecks;
  logger: FastifyBaseLogger;
  /** Queues shown in the queue UI at /admin/queues. */
  queues?: Queue[];
  /** What the chat adapters serve (Slack's /slack/events, Discord interactions, the Telegram webhook). */
  routes?: AdapterRoutes[];
  /** Signs customer links (generated once, kept in Postgres); without it /c/* and customer-link are off. */
  linkSecret?: string;
  /** Absolute base URL of customer links (AFTERCARE_PUBLIC_URL, else the server's own address). */
  publicUrl?: () => string;
  /** GET /metrics without the bearer token (AFTERCARE_METRICS_PUBLIC). */
  metricsPublic?: boolean;
  /** The app's metrics registry, shared with the job workers (a registry of its own when absent). */
  registry?: Registry;
  /** The report aggregates behind GET /api/reports/* and the database-backed /metrics series; without it those routes are off. */
  reports?: ReportSource & MetricsSource;
  /** Customer lookup, export and erasure (GET/POST /api/customers…); without it those routes are off and intake does not match returning customers. */
  privacy?: PrivacyStore;
}

/** Plain Node request handlers by path, answered before fastify parses the request. */
export type RawRoutes = Map<string, (req: IncomingMessage, res: ServerResponse) => void>;

/** What a chat adapter serves on the app's HTTP server. */
export interface AdapterRoutes {
  /**
   * Paths answered by a plain Node handler before fastify parses anything (platforms that
   * verify a signature over the raw body, e.g. Slack's /slack/events).
   */
  raw?: RawRoutes;
  /** Routes registered on the fastify instance (bodies parsed and limited by fastify). */
  fastify?: (app: FastifyInstance) => void;
}

export const BODY_LIMIT = 64 * 1024;

/** Seconds a client is told to wait (Retry-After) when the database is unreachable. */
export const RETRY_AFTER_SECONDS = 1;

/** The HTTP status of each expected error code (ERROR_CODES documents them); anything else is a 500. */
const STATUS_BY_CODE: Partial<Record<string, number>> = Object.fromEntries(
  Object.entries(ERROR_CODES)
    .filter(([code]) => code !== ErrorCode.Internal)
    .map(([code, c]) => [code, c.status]),
);

function sendError(reply: FastifyReply, status: number, code: string, message: string, fields?: { path: string; message: string }[]) {
  return reply.code(status).send({ error: { code, message, ...(fields && { fields }) } });
}

/**
 * Where a bad value was: body fields by their path (`customer.phone`), everything else prefixed
 * with where it was sent, as OpenAPI names it (`query.limit`, `path.number`, `header.Idempotency-Key`).
 */
type Place = 'body' | 'query' | 'path';

const PLACE_OPTIONS: Record<Place, PlainFieldOptions> = {
  body: { root: '(body)' },
  query: { prefix: 'query', root: 'query', unknownKey: 'is not a known query parameter' },
  path: { prefix: 'path', root: 'path' },
};

function parseOr400<S extends z.ZodType>(reply: FastifyReply, schema: S, value: unknown, place: Place, what: string): z.output<S> | undefined {
  const parsed = schema.safeParse(value, { error: plainErrorMap });
  if (parsed.success) return parsed.data;
  validationError(reply, plainFields(parsed.error, PLACE_OPTIONS[place]), what);
  return undefined;
}

function validationError(reply: FastifyReply, fields: PlainField[], what: string) {
  const summary = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
  return sendError(reply, 400, ErrorCode.ValidationFailed, `invalid ${what}: ${summary}`, fields);
}

function tokenEquals(token: string, expectedHash: string): boolean {
  const got = createHash('sha256').update(token).digest();
  return timingSafeEqual(got, Buffer.from(expectedHash, 'hex'));
}

function tokenMatches(header: string | undefined, expectedHash: string): boolean {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m ? tokenEquals(m[1]!, expectedHash) : false;
}

function normaliseNumber(n: string): string {
  return n.trim().toUpperCase();
}

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) return undefined;
  return { createdAt, id };
}

function toCommand(body: ActionBody): TicketCommand {
  const { actor: _actor, ...rest } = body;
  if (rest.type === 'progress') return { ...rest, eta: rest.eta ? new Date(rest.eta) : undefined };
  if (rest.type === 'delay') return { ...rest, eta: new Date(rest.eta) };
  return rest;
}

function toCustomerCommand(body: CustomerActionBody): CustomerCommand {
  switch (body.type) {
    case 'confirm':
      return { type: 'confirm', resolved: true };
    case 'not_resolved':
      return { type: 'confirm', resolved: false, text: body.text || undefined };
    case 'survey':
      return { type: 'survey', csat: body.csat, nps: body.nps, comment: body.comment || undefined };
    case 'message':
      return { type: 'message', text: body.text };
  }
}

/** The HTTP API: health, intake, tickets, actions and the OpenAPI document. */
export async function buildHttpServer(opts: HttpOptions): Promise<FastifyInstance> {
  const { deps } = opts;
  const rawRoutes: RawRoutes | undefined = opts.routes && new Map(opts.routes.flatMap((r) => [...(r.raw ?? [])]));
  const app = Fastify({
    ...(rawRoutes && {
      serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
        createServer((req, res) => {
          const raw = rawRoutes.get((req.url ?? '/').split('?')[0]!);
          if (raw) raw(req, res);
          else handler(req, res);
        }),
    }),
    loggerInstance: opts.logger,
    bodyLimit: BODY_LIMIT,
    genReqId: () => deps.newId(),
    // A malformed percent-encoding in the path never reaches a route: name the parameter it is in.
    frameworkErrors: (err, req, reply) => {
      if (err.code === 'FST_ERR_BAD_URL') {
        const path = /^\/api\/tickets\/[^/?]*%/.test(req.url) ? 'path.number' : 'path';
        void sendError(reply, 400, ErrorCode.ValidationFailed, `invalid path: ${path}: must be correctly percent-encoded`, [
          { path, message: 'must be correctly percent-encoded' },
        ]);
        return;
      }
      void sendError(reply, 400, ErrorCode.ValidationFailed, 'the request could not be read', [{ path: '(request)', message: 'is malformed' }]);
    },
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 413, ErrorCode.PayloadTooLarge, `request body is larger than ${BODY_LIMIT} bytes`);
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(reply, 415, ErrorCode.UnsupportedMediaType, 'send the body as application/json');
    }
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return sendError(reply, 400, ErrorCode.ValidationFailed, 'request body is not valid JSON', [{ path: '(body)', message: 'must be valid JSON' }]);
    }
    const e = asAftercareError(err);
    const status = STATUS_BY_CODE[e.code];
    if (status) {
      const fields = (e.details?.fields as { path: string; message: string }[] | undefined) ?? undefined;
      return sendError(reply, status, e.code, e.message, fields);
    }
    // Anything else fastify refuses before a handler runs (a bad Content-Length, a broken header…).
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, 400, ErrorCode.ValidationFailed, 'the request could not be read', [{ path: '(request)', message: 'is malformed' }]);
    }
    const unavailable = databaseUnavailableCode(err);
    if (unavailable) {
      req.log.warn({ code: unavailable }, 'database unavailable');
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return sendError(reply, 503, ErrorCode.ServiceUnavailable, 'the database is unavailable for a moment: retry after Retry-After seconds');
    }
    req.log.error({ err: safeError(err) }, 'request failed');
    return sendError(reply, 500, ErrorCode.Internal, `internal error (reference ${req.id})`);
  });

  app.setNotFoundHandler((req, reply) => sendError(reply, 404, ErrorCode.NotFound, `no route ${req.method} ${req.url}`));

  // The dashboard's session cookie stands in for the bearer token on the reports API only.
  const sessions = await registerSessions(app, opts.apiTokenHash, deps.now);
  const requireToken = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!tokenMatches(req.headers.authorization, opts.apiTokenHash) && !sessions.allows(req)) {
      return sendError(reply, 401, ErrorCode.Unauthorized, 'missing or wrong bearer token (Authorization: Bearer <AFTERCARE_API_TOKEN>)');
    }
    return undefined;
  };

  // Reachability, not latency: a slow check is `slow` (up); latency is in /metrics.
  const metrics = healthMetrics(opts.registry);
  registerRequestMetrics(app, metrics.registry);
  if (opts.reports) registerReportMetrics(metrics.registry, opts.reports);
  const dbHealth = new DependencyHealth('db', opts.health.db, metrics);
  const redisHealth = new DependencyHealth('redis', opts.health.redis, metrics);
  app.get('/healthz', async (_req, reply) => {
    const [db, redis] = await Promise.all([dbHealth.state(), redisHealth.state()]);
    const ok = db !== 'down' && redis !== 'down';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', db, redis });
  });

  app.get('/metrics', async (req, reply) => {
    if (!opts.metricsPublic) {
      const denied = await requireToken(req, reply);
      if (denied) return denied;
    }
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  if (opts.queues?.length) await registerQueueBoard(app, opts.queues, (t) => tokenEquals(t, opts.apiTokenHash));

  const openapi = buildOpenApi();
  app.get('/api/openapi.json', (_req, reply) => reply.send(openapi));

  await app.register((api, _opts, done) => {
    api.addHook('onRequest', requireToken);

    /** The ticket number of the path, normalised; undefined when a 400 was sent. */
    const ticketNumber = (params: unknown, reply: FastifyReply): string | undefined => {
      const param = parseOr400(reply, ticketParams, params, 'path', 'path');
      return param && normaliseNumber(param.number);
    };
    /** The ticket as an action left it (what the action routes answer). */
    const detailAfterAction = async (number: string) => {
      const detail = await deps.store.get(number);
      if (!detail) throw new AftercareError(ErrorCode.NotFound, `ticket ${number} not found`);
      return detailView(detail);
    };

    if (opts.reports) {
      registerReportRoutes(api, {
        reports: opts.reports,
        deps,
        parseQuery: (reply, schema, value) => parseOr400(reply, schema, value, 'query', 'query'),
        invalid: (reply, path, message) => validationError(reply, [{ path, message }], 'query'),
      });
    }

    if (opts.privacy) {
      registerCustomerRoutes(api, { deps, privacy: opts.privacy, parse: (reply, schema, value, place, what) => parseOr400(reply, schema, value, place, what) });
    }

    api.post('/api/tickets', async (req, reply) => {
      const b = parseOr400(reply, createTicketBody, req.body ?? undefined, 'body', 'ticket');
      if (!b) return reply;
      const rawKey = req.headers['idempotency-key'];
      const key = Array.isArray(rawKey) ? rawKey[0] : rawKey;
      if (key !== undefined && (key.length === 0 || key.length > 255)) {
        return sendError(reply, 400, ErrorCode.ValidationFailed, 'Idempotency-Key must be 1-255 characters', [
          { path: 'header.Idempotency-Key', message: 'must be 1-255 characters' },
        ]);
      }
      // One person, one customer: by customer.id, else by phone number or e-mail.
      const { customer, tier } = await intakeCustomer(opts.privacy, { ...b.customer, language: b.customer.language && toLanguage(b.customer.language) });
      const { state, replayed } = await createTicket(
        deps,
        {
          customer,
          product: b.product,
          orderNumber: b.orderNumber,
          description: b.description,
          severity: b.severity,
          category: b.category,
          expectedBy: b.expectedBy ? new Date(b.expectedBy) : undefined,
          tier: b.tier ?? tier,
          source: 'api',
          actor: { kind: 'api' },
        },
        key ? { key, requestHash: createHash('sha256').update(canonicalJson(req.body)).digest('hex') } : undefined,
      );
      return reply.code(replayed ? 200 : 201).header('location', `/api/tickets/${state.ticket.number}`).send(createdView(state));
    });

    api.get('/api/tickets', async (req, reply) => {
      const q = parseOr400(reply, listTicketsQuery, req.query, 'query', 'query');
      if (!q) return reply;
      const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
      if (q.cursor && !cursor) {
        return sendError(reply, 400, ErrorCode.ValidationFailed, 'invalid query: query.cursor: must be a nextCursor from an earlier page', [
          { path: 'query.cursor', message: 'must be a nextCursor from an earlier page' },
        ]);
      }
      const states = await deps.store.list({ status: q.status, departmentId: q.department, severity: q.severity, limit: q.limit + 1, cursor });
      const page = states.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map(summaryView),
        nextCursor: states.length > q.limit && last ? encodeCursor(last.ticket.createdAt, last.ticket.id) : null,
      };
    });

    api.get<{ Params: { number: string } }>('/api/tickets/:number', async (req, reply) => {
      const param = parseOr400(reply, ticketParams, req.params, 'path', 'path');
      if (!param) return reply;
      const detail = await deps.store.get(normaliseNumber(param.number));
      if (!detail) return sendError(reply, 404, ErrorCode.NotFound, `ticket ${param.number} not found`);
      return detailView(detail);
    });

    api.post<{ Params: { number: string } }>('/api/tickets/:number/actions', async (req, reply) => {
      const number = ticketNumber(req.params, reply);
      if (!number) return reply;
      const action = parseOr400(reply, actionBody, req.body ?? undefined, 'body', 'action');
      if (!action) return reply;
      await actOnTicket(deps, number, { actorId: action.actor, source: 'api' }, toCommand(action));
      return detailAfterAction(number);
    });

    // For customers who are not on Telegram: what its buttons do, through the same use case.
    api.post<{ Params: { number: string } }>('/api/tickets/:number/customer-actions', async (req, reply) => {
      const number = ticketNumber(req.params, reply);
      if (!number) return reply;
      const action = parseOr400(reply, customerActionBody, req.body ?? undefined, 'body', 'customer action');
      if (!action) return reply;
      const ticket = await deps.store.get(number);
      if (!ticket) return sendError(reply, 404, ErrorCode.NotFound, `ticket ${number} not found`);
      await customerAct(deps, number, ticket.ticket.customerId, 'api', toCustomerCommand(action));
      return detailAfterAction(number);
    });

    api.get<{ Params: { number: string } }>('/api/tickets/:number/customer-link', async (req, reply) => {
      const number = ticketNumber(req.params, reply);
      if (!number) return reply;
      if (!opts.linkSecret || !opts.publicUrl) return sendError(reply, 404, ErrorCode.NotFound, 'customer links are not enabled');
      const detail = await deps.store.get(number);
      if (!detail) return sendError(reply, 404, ErrorCode.NotFound, `ticket ${number} not found`);
      const expiresAt = new Date(deps.now().getTime() + deps.directory.config.lifecycle.customerLinkTtlMs);
      // Whole seconds: the token carries seconds, so expiresAt is exactly when it stops working.
      expiresAt.setUTCMilliseconds(0);
      const token = signCustomerLink(opts.linkSecret, detail.ticket.number, expiresAt);
      return { url: `${opts.publicUrl().replace(/\/+$/, '')}/c/${token}`, expiresAt: expiresAt.toISOString() };
    });
    done();
  });

  await app.register((page, _opts, done) =>
    registerDashboard(page, { directory: deps.directory, sessions, tokenOk: (t) => tokenEquals(t, opts.apiTokenHash) }, done),
  );
  if (opts.linkSecret) await app.register((page, _opts, done) => registerCustomerPage(page, deps, opts.linkSecret!, done));
  for (const r of opts.routes ?? []) r.fastify?.(app);

  return app;
}

const NOTICES: readonly PageNotice[] = ['confirmed', 'reopened', 'rated', 'already', 'invalid'];

/**
 * The customer's page behind a signed link: `/c/<token>` shows the ticket, its forms post to
 * `/c/<token>/confirm|not-resolved|survey` and answer with a 303 back to the page. An expired
 * link gets 410, anything else that does not verify 404 — both pages in both languages.
 */
function registerCustomerPage(page: FastifyInstance, deps: UseCaseDeps, secret: string, done: (err?: Error) => void): void {
  // Browsers post forms url-encoded; only these routes accept that.
  page.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, next) => {
    next(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  type Req = FastifyRequest<{ Params: { token: string }; Querystring: { lang?: string; done?: string } }>;
  const html = (reply: FastifyReply, status: number, body: string) =>
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
      .send(body);
  const open = async (req: Req, reply: FastifyReply) => {
    const check = verifyCustomerLink(secret, req.params.token, deps.now());
    if (!check.ok) {
      await html(reply, check.reason === 'expired' ? 410 : 404, linkErrorPage(check.reason));
      return undefined;
    }
    const detail = await deps.store.get(check.claims.number);
    if (!detail) {
      await html(reply, 404, linkErrorPage('invalid'));
      return undefined;
    }
    return detail;
  };
  const language = (req: Req, customerLanguage: string) => pageLanguage(req.query.lang, req.headers['accept-language'], customerLanguage);
  const back = (req: Req, lang: string, notice: PageNotice) =>
    `/c/${encodeURIComponent(req.params.token)}?lang=${encodeURIComponent(lang)}&done=${notice}`;
  const act = async (req: Req, reply: FastifyReply, command: (form: Record<string, string>) => CustomerCommand | undefined, ok: PageNotice) => {
    const detail = await open(req, reply);
    if (!detail) return reply;
    const lang = language(req, detail.customer.language);
    const form = req.body && typeof req.body === 'object' ? (req.body as Record<string, string>) : {};
    const cmd = command(form);
    if (!cmd) return reply.redirect(back(req, lang, 'invalid'), 303);
    try {
      await customerAct(deps, detail.ticket.number, detail.ticket.customerId, 'web', cmd);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === ErrorCode.IllegalTransition || code === ErrorCode.SurveyAlreadyAnswered) return reply.redirect(back(req, lang, 'already'), 303);
      throw err;
    }
    return reply.redirect(back(req, lang, ok), 303);
  };
  // Form fields are customer text: cleaned of control characters like every other chat input.
  const field = (form: Record<string, string>, name: string, max: number) => cleanText(String(form[name] ?? '')).slice(0, max);

  page.get('/c/:token', async (req: Req, reply) => {
    const detail = await open(req, reply);
    if (!detail) return reply;
    const notice = NOTICES.find((n) => n === req.query.done);
    return html(reply, 200, customerPage(detail, req.params.token, language(req, detail.customer.language), notice));
  });
  page.post('/c/:token/confirm', (req: Req, reply) => act(req, reply, () => ({ type: 'confirm', resolved: true }), 'confirmed'));
  page.post('/c/:token/not-resolved', (req: Req, reply) =>
    act(req, reply, (f) => ({ type: 'confirm', resolved: false, text: field(f, 'text', 2000) || undefined }), 'reopened'),
  );
  page.post('/c/:token/survey', (req: Req, reply) =>
    act(
      req,
      reply,
      (f) => {
        const rating = csatSchema.safeParse(Number(f.csat));
        if (!f.csat || !rating.success) return undefined;
        const score = f.nps ? npsSchema.safeParse(Number(f.nps)) : undefined;
        if (score && !score.success) return undefined;
        return { type: 'survey', csat: rating.data, nps: score?.data, comment: field(f, 'comment', 2000) || undefined };
      },
      'rated',
    ),
  );
  done();
}
