import { createHash } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The dashboard's session cookie: signed, HttpOnly, SameSite=Strict. */
export const SESSION_COOKIE = 'aftercare_session';

/** How long a dashboard session lasts after signing in. */
export const SESSION_HOURS = 12;

/** Paths that accept the session cookie instead of the bearer token (read-only reports). */
const SESSION_PATHS = ['/api/reports/'];

export interface Sessions {
  /** Whether the request carries a valid, unexpired session cookie. */
  valid(req: FastifyRequest): boolean;
  /** Whether the request may use the session instead of the bearer token at this path. */
  allows(req: FastifyRequest): boolean;
  start(req: FastifyRequest, reply: FastifyReply): void;
  end(req: FastifyRequest, reply: FastifyReply): void;
}

/**
 * Registers @fastify/cookie and answers for dashboard sessions. The cookie holds only its
 * expiry, signed with a key derived from the API token's hash: a new API token ends every
 * session, and nothing secret sits in the browser. `now` is the injected clock.
 */
export async function registerSessions(app: FastifyInstance, apiTokenHash: string, now: () => Date): Promise<Sessions> {
  const secret = createHash('sha256').update(`aftercare-dashboard-session|${apiTokenHash}`).digest('hex');
  await app.register(fastifyCookie, { secret });
  const options = (req: FastifyRequest) => ({
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: req.protocol === 'https',
    signed: true,
  });
  const valid = (req: FastifyRequest): boolean => {
    const raw = req.cookies[SESSION_COOKIE];
    if (!raw) return false;
    const unsigned = req.unsignCookie(raw);
    if (!unsigned.valid || !unsigned.value) return false;
    const m = /^v1\.(\d{1,15})$/.exec(unsigned.value);
    return m !== null && Number(m[1]) * 1000 > now().getTime();
  };
  return {
    valid,
    allows: (req) => SESSION_PATHS.some((p) => req.url.startsWith(p)) && valid(req),
    start(req, reply) {
      const expires = Math.floor(now().getTime() / 1000) + SESSION_HOURS * 3600;
      void reply.setCookie(SESSION_COOKIE, `v1.${expires}`, { ...options(req), maxAge: SESSION_HOURS * 3600 });
    },
    end(req, reply) {
      void reply.clearCookie(SESSION_COOKIE, options(req));
    },
  };
}
