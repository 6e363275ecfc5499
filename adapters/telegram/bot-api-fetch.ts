import { TelegramApiError } from 'node-telegram-bot-api';
import { safeError, type SafeError } from '../../src/core/safe-error.js';

const BODY_EXCERPT = 300;

/**
 * A Bot API request answered with something that is not the Bot API's `{ok, …}` envelope:
 * a reverse proxy's HTML error page, a 404 from a wrong TELEGRAM_API_URL. Keeps the HTTP
 * status and the start of the body (bot token removed), so a log says what answered.
 */
export class BotApiHttpError extends Error {
  readonly code = 'telegram_http_error';

  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status} that is not a Bot API answer: ${body || '(empty body)'}`);
    this.name = 'BotApiHttpError';
  }
}

function isEnvelope(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && typeof (v as { ok?: unknown }).ok === 'boolean';
  } catch {
    return false;
  }
}

/** The body on one line, shortened, with the bot token (which sits in every request path) removed. */
function excerpt(text: string, token: string): string {
  let s = text;
  for (const t of [token, encodeURIComponent(token)]) s = s.split(t).join('<token>');
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > BODY_EXCERPT ? `${s.slice(0, BODY_EXCERPT)}…` : s;
}

/**
 * `fetch` for the SDK's transport. Without it the SDK turns a body that is not an envelope into
 * `TelegramApiError(undefined, undefined)` ("undefined: undefined") or a bare "Server error 502";
 * here it becomes a {@link BotApiHttpError}, thrown like a network failure (the SDK and the
 * outbox retry it), with status and body as the error's cause.
 */
export function botApiFetch(token: string, inner: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    const text = await res.text();
    if (isEnvelope(text)) return new Response(text, { status: res.status, statusText: res.statusText });
    throw new BotApiHttpError(res.status, excerpt(text, token));
  };
}

/** Log fields for a failed Bot API call: the error, and the HTTP status and body when it was not a Bot API answer. */
export function describeTelegramError(err: unknown): { err: string | SafeError; status?: number; body?: string } {
  if (err instanceof TelegramApiError) return { err: `${err.errorCode}: ${err.description}`, status: err.errorCode };
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof BotApiHttpError) {
      return { err: err === e ? e.message : `${(err as Error).message}: ${e.message}`, status: e.status, body: e.body };
    }
  }
  // Anything else (a database error inside a handler, say) may carry personal data: reduce it.
  return { err: safeError(err) };
}
