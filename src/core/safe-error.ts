/**
 * Errors as they may be logged. A failed query's error carries the statement's parameters
 * (drizzle's `DrizzleQueryError` puts them in its message, postgres.js in `parameters`) and
 * Postgres' `detail` quotes the row ("Failing row contains (…, <the customer's text>, …)"): all
 * of it customer data. {@link safeError} keeps what helps an operator — the error's type, our
 * `code`, the SQLSTATE, the table/column/constraint names, the stack frames — and drops the rest.
 * Used as the logger's `err` serializer and wherever an error is logged explicitly.
 */
export interface SafeError {
  type: string;
  message: string;
  /** Our error code (AftercareError) or a library's (e.g. ECONNREFUSED, slack_webapi_platform_error). */
  code?: string;
  /** Postgres SQLSTATE, e.g. 23514 (check_violation). */
  sqlState?: string;
  table?: string;
  column?: string;
  constraint?: string;
  stack?: string;
  cause?: SafeError;
}

// Postgres quotes values ("invalid input syntax for type uuid: \"…\"") and identifiers alike;
// identifiers are logged from their own fields.
const QUOTED = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;
const MAX_MESSAGE = 500;

type Bag = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function isPostgresError(e: Bag): boolean {
  return e.name === 'PostgresError' || (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && 'severity' in e && 'routine' in e);
}

function isQueryError(e: Bag): boolean {
  return e.constructor?.name === 'DrizzleQueryError' || ('query' in e && 'params' in e);
}

/** A message without the parts that can hold data: drizzle's "Failed query: … params: …", quoted values. */
export function scrubMessage(message: string): string {
  if (/^Failed query:/.test(message)) return 'database query failed';
  const cut = message.split(/\n\s*params:/)[0]!;
  const scrubbed = cut.replace(/Failed query:[\s\S]*/, 'database query failed');
  return scrubbed.length > MAX_MESSAGE ? `${scrubbed.slice(0, MAX_MESSAGE)}…` : scrubbed;
}

function frames(stack: unknown): string | undefined {
  if (typeof stack !== 'string') return undefined;
  const lines = stack.split('\n').filter((l) => /^\s+at /.test(l));
  return lines.length ? lines.join('\n') : undefined;
}

function describe(err: unknown, depth: number): SafeError {
  if (err === null || typeof err !== 'object') return { type: typeof err, message: scrubMessage(String(err)) };
  const e = err as Bag;
  const type = str(e.type) ?? str(e.name) ?? str(e.constructor?.name) ?? 'Error';
  const out: SafeError = { type, message: '' };
  if (isQueryError(e)) {
    out.type = 'DrizzleQueryError';
    out.message = 'database query failed';
  } else if (isPostgresError(e)) {
    out.message = (str(e.message) ?? 'database error').replace(QUOTED, '"…"');
    out.sqlState = e.code as string;
    for (const [from, to] of [
      ['table_name', 'table'],
      ['column_name', 'column'],
      ['constraint_name', 'constraint'],
    ] as const) {
      const v = str(e[from]);
      if (v) out[to] = v;
    }
  } else {
    out.message = scrubMessage(str(e.message) ?? '');
    if (typeof e.code === 'string' || typeof e.code === 'number') out.code = String(e.code);
    for (const k of ['sqlState', 'table', 'column', 'constraint'] as const) {
      const v = str(e[k]);
      if (v) out[k] = v;
    }
  }
  const at = frames(e.stack);
  if (at) out.stack = `${out.type}: ${out.message}\n${at}`;
  if (depth < 3 && e.cause !== undefined && e.cause !== err) out.cause = describe(e.cause, depth + 1);
  return out;
}

/** `err` as it may be logged (see the module comment). Safe to apply twice. */
export function safeError(err: unknown): SafeError {
  return describe(err, 0);
}
