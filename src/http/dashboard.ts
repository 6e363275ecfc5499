import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Directory } from '../core/directory.js';
import { ErrorCode } from '../core/errors.js';
import { plainErrorMap, plainFields } from '../core/plain-issues.js';
import type { Language } from '../core/types.js';
import { assetReader } from './dashboard-assets.js';
import { dashboardBoot, dashboardPage, loginPage } from './dashboard-page.js';
import { pageLanguage } from './customer-page.js';
import type { Sessions } from './session-auth.js';

/** Remembers the language picked on the page (the browser's Accept-Language otherwise). */
const LANGUAGE_COOKIE = 'aftercare_lang';

const language = z.enum(['en', 'zh-CN']);
// The page's own filters (period, department, channel…) ride along in the query; the client reads them.
const pageQuery = z.looseObject({ lang: language.optional() });
const loginForm = z.object({ token: z.string().max(512, 'must be at most 512 characters').optional(), lang: language.optional() });

export interface DashboardOptions {
  directory: Directory;
  sessions: Sessions;
  /** Whether a token (from the sign-in form) is the API token. */
  tokenOk: (token: string) => boolean;
}

/**
 * The reports dashboard: GET /dashboard (the sign-in form without a session), POST
 * /dashboard/login and /dashboard/logout, and the bundled client under /dashboard/assets/.
 * Its API calls go to /api/reports/* with the session cookie.
 */
export function registerDashboard(app: FastifyInstance, o: DashboardOptions, done: (err?: Error) => void): void {
  const readAsset = assetReader();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, next) => {
    next(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'same-origin')
      .header('x-frame-options', 'DENY')
      // ECharts sets style attributes on its tooltips, hence 'unsafe-inline' for styles only.
      .header('content-security-policy', "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
      .send(body);

  const invalid = (reply: FastifyReply, error: z.ZodError, place: 'query' | 'body') => {
    const fields = plainFields(error, place === 'query' ? { prefix: 'query', root: 'query' } : { root: '(body)' });
    return reply.code(400).send({
      error: { code: ErrorCode.ValidationFailed, message: `invalid ${place}: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields },
    });
  };

  /** ?lang=, else the remembered choice, else the browser's Accept-Language. */
  const pick = (req: FastifyRequest, asked: Language | undefined): Language => {
    const remembered = language.safeParse(req.cookies[LANGUAGE_COOKIE]);
    return pageLanguage(asked ?? (remembered.success ? remembered.data : undefined), req.headers['accept-language'], 'en');
  };
  const remember = (req: FastifyRequest, reply: FastifyReply, lang: Language) => {
    if (req.cookies[LANGUAGE_COOKIE] !== lang) {
      void reply.setCookie(LANGUAGE_COOKIE, lang, { path: '/dashboard', httpOnly: true, sameSite: 'lax', maxAge: 365 * 86_400, secure: req.protocol === 'https' });
    }
  };

  app.get('/dashboard', async (req, reply) => {
    const q = pageQuery.safeParse(req.query, { error: plainErrorMap });
    if (!q.success) return invalid(reply, q.error, 'query');
    const lang = pick(req, q.data.lang);
    if (q.data.lang) remember(req, reply, lang);
    if (!o.sessions.valid(req)) return html(reply, 200, loginPage(lang));
    return html(reply, 200, dashboardPage(dashboardBoot(o.directory, lang)));
  });

  app.post('/dashboard/login', async (req, reply) => {
    const form = loginForm.safeParse(req.body ?? {}, { error: plainErrorMap });
    if (!form.success) return invalid(reply, form.error, 'body');
    const lang = pick(req, form.data.lang);
    const token = form.data.token?.trim() ?? '';
    if (!token) return html(reply, 400, loginPage(lang, 'missing'));
    if (!o.tokenOk(token)) return html(reply, 401, loginPage(lang, 'wrong'));
    o.sessions.start(req, reply);
    return reply.redirect('/dashboard', 303);
  });

  app.post('/dashboard/logout', async (req, reply) => {
    o.sessions.end(req, reply);
    return reply.redirect('/dashboard', 303);
  });

  app.get<{ Params: { name: string } }>('/dashboard/assets/:name', async (req, reply) => {
    const asset = await readAsset(req.params.name);
    if (!asset) {
      return reply.code(404).send({ error: { code: ErrorCode.NotFound, message: `no dashboard asset ${req.params.name} (run npm run build)` } });
    }
    return reply.header('content-type', asset.contentType).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(asset.body);
  });
  done();
}
