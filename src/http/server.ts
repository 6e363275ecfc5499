import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { actOnTicket, type TicketCommand } from '../app/act-on-ticket.js';
import { createTicket } from '../app/create-ticket.js';
import type { UseCaseDeps } from '../app/deps.js';
import { canonicalJson } from '../core/audit.js';
import { AftercareError, asAftercareError, ErrorCode } from '../core/errors.js';
import { databaseUnavailableCode } from '../db/unavailable.js';
import type { Queue } from 'bullmq';
import { registerQueueBoard } from './admin-queues.js';
import { DependencyHealth, healthMetrics } from './health.js';
import { buildOpenApi } from './openapi.js';
import { actionBody, createTicketBody, listTicketsQuery, type ActionBody } from './schemas.js';
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
  /**
   * Paths answered by a plain Node handler before fastify parses anything (chat platforms
   * that verify a signature over the raw body, e.g. Slack's /slack/events). Read per request,
   * so handlers may be added after the server is built.
   */
  rawRoutes?: RawRoutes;
  /** GET /metrics without the bearer token (AFTERCARE_METRICS_PUBLIC). */
  metricsPublic?: boolean;
}

/** Plain Node request handlers by path, answered before fastify parses the request. */
export type RawRoutes = Map<string, (req: IncomingMessage, res: ServerResponse) => void>;

export const BODY_LIMIT = 64 * 1024;

/** Seconds a client is told to wait (Retry-After) when the database is unreachable. */
export const RETRY_AFTER_SECONDS = 1;

const STATUS_BY_CODE: Partial<Record<string, number>> = {
  [ErrorCode.ValidationFailed]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.IllegalTransition]: 409,
  [ErrorCode.AlreadyClaimed]: 409,
  [ErrorCode.IdempotencyConflict]: 409,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.PayloadTooLarge]: 413,
};

function sendError(reply: FastifyReply, status: number, code: string, message: string, fields?: { path: string; message: string }[]) {
  return reply.code(status).send({ error: { code, message, ...(fields && { fields }) } });
}

function zodFields(error: z.ZodError, prefix: string[] = []): { path: string; message: string }[] {
  return error.issues.map((i) => {
    const path = [...prefix, ...i.path.map(String)].join('.');
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown field(s): ${i.keys.join(', ')}`;
    if (i.code === 'invalid_type' && i.input === undefined) message = 'is required';
    return { path: path || '(body)', message };
  });
}

function validationError(reply: FastifyReply, error: z.ZodError, what: string) {
  const fields = zodFields(error);
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

/** The HTTP API: health, intake, tickets, actions and the OpenAPI document. */
export async function buildHttpServer(opts: HttpOptions): Promise<FastifyInstance> {
  const { deps } = opts;
  const rawRoutes = opts.rawRoutes;
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
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 413, ErrorCode.PayloadTooLarge, `request body is larger than ${BODY_LIMIT} bytes`);
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(reply, 415, 'unsupported_media_type', 'send the body as application/json');
    }
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return sendError(reply, 400, ErrorCode.ValidationFailed, `request body is not valid JSON: ${err.message}`, [
        { path: '(body)', message: 'must be valid JSON' },
      ]);
    }
    const e = asAftercareError(err);
    const status = STATUS_BY_CODE[e.code];
    if (status) {
      const fields = (e.details?.fields as { path: string; message: string }[] | undefined) ?? undefined;
      return sendError(reply, status, e.code, e.message, fields);
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, err.statusCode, 'bad_request', err.message);
    }
    const unavailable = databaseUnavailableCode(err);
    if (unavailable) {
      req.log.warn({ code: unavailable }, 'database unavailable');
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return sendError(reply, 503, ErrorCode.ServiceUnavailable, 'the database is unavailable for a moment: retry after Retry-After seconds');
    }
    req.log.error({ err }, 'request failed');
    return sendError(reply, 500, ErrorCode.Internal, `internal error (reference ${req.id})`);
  });

  app.setNotFoundHandler((req, reply) => sendError(reply, 404, ErrorCode.NotFound, `no route ${req.method} ${req.url}`));

  const requireToken = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!tokenMatches(req.headers.authorization, opts.apiTokenHash)) {
      return sendError(reply, 401, ErrorCode.Unauthorized, 'missing or wrong bearer token (Authorization: Bearer <AFTERCARE_API_TOKEN>)');
    }
    return undefined;
  };

  // Reachability, not latency: a slow check is `slow` (up); latency is in /metrics.
  const metrics = healthMetrics();
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

    api.post('/api/tickets', async (req, reply) => {
      const parsed = createTicketBody.safeParse(req.body ?? undefined);
      if (!parsed.success) return validationError(reply, parsed.error, 'ticket');
      const rawKey = req.headers['idempotency-key'];
      const key = Array.isArray(rawKey) ? rawKey[0] : rawKey;
      if (key !== undefined && (key.length === 0 || key.length > 255)) {
        return sendError(reply, 400, ErrorCode.ValidationFailed, 'Idempotency-Key must be 1-255 characters', [
          { path: 'Idempotency-Key', message: 'must be 1-255 characters' },
        ]);
      }
      const b = parsed.data;
      const { state, replayed } = await createTicket(
        deps,
        {
          customer: b.customer,
          product: b.product,
          orderNumber: b.orderNumber,
          description: b.description,
          severity: b.severity,
          category: b.category,
          expectedBy: b.expectedBy ? new Date(b.expectedBy) : undefined,
          tier: b.tier,
          source: 'api',
          actor: { kind: 'api' },
        },
        key ? { key, requestHash: createHash('sha256').update(canonicalJson(req.body)).digest('hex') } : undefined,
      );
      return reply.code(replayed ? 200 : 201).header('location', `/api/tickets/${state.ticket.number}`).send(createdView(state));
    });

    api.get('/api/tickets', async (req, reply) => {
      const parsed = listTicketsQuery.safeParse(req.query);
      if (!parsed.success) return validationError(reply, parsed.error, 'query');
      const q = parsed.data;
      const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
      if (q.cursor && !cursor) {
        return sendError(reply, 400, ErrorCode.ValidationFailed, 'invalid cursor', [{ path: 'cursor', message: 'must be a nextCursor from an earlier page' }]);
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
      const detail = await deps.store.get(normaliseNumber(req.params.number));
      if (!detail) return sendError(reply, 404, ErrorCode.NotFound, `ticket ${req.params.number} not found`);
      return detailView(detail);
    });

    api.post<{ Params: { number: string } }>('/api/tickets/:number/actions', async (req, reply) => {
      const parsed = actionBody.safeParse(req.body ?? undefined);
      if (!parsed.success) return validationError(reply, parsed.error, 'action');
      const number = normaliseNumber(req.params.number);
      await actOnTicket(deps, number, { actorId: parsed.data.actor, source: 'api' }, toCommand(parsed.data));
      const detail = await deps.store.get(number);
      if (!detail) throw new AftercareError(ErrorCode.NotFound, `ticket ${number} not found`);
      return detailView(detail);
    });
    done();
  });

  return app;
}
