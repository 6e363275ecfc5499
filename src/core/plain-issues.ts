import type { z } from 'zod';

/**
 * Validation problems in plain words, for every boundary that parses with zod (HTTP bodies,
 * query and path parameters, environment variables, the YAML file). Each message names the
 * rule ("must be a string", "must be one of normal, urgent, critical", "must be a UUID"); no
 * library wording ("Invalid input: expected …") reaches a person.
 *
 * Pass {@link plainErrorMap} to `safeParse(value, { error: plainErrorMap })`: an error map sees
 * the input (the finished issue does not), so a wrong type is told apart from a missing value.
 * Messages a schema sets itself (`.min(1, 'must be a staff id')`) take precedence.
 */

export interface PlainField {
  path: string;
  message: string;
}

type RawIssue = z.core.$ZodRawIssue;

const TYPE_WORDS: Partial<Record<string, string>> = {
  string: 'must be a string',
  number: 'must be a number',
  int: 'must be a whole number',
  bigint: 'must be a whole number',
  boolean: 'must be true or false',
  object: 'must be an object',
  array: 'must be a list',
  date: 'must be a date',
  null: 'must be null',
};

const FORMAT_WORDS: Partial<Record<string, string>> = {
  uuid: 'must be a UUID',
  guid: 'must be a UUID',
  email: 'must be an e-mail address',
  url: 'must be a URL',
  datetime: 'must be an ISO 8601 date-time, e.g. 2026-11-24T10:00:00Z',
  date: 'must be a date such as 2026-11-24',
  time: 'must be a time such as 09:30',
  regex: 'has the wrong format',
};

const list = (values: readonly unknown[]) => values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');

function sizeMessage(iss: RawIssue & { code: 'too_big' | 'too_small' }): string {
  const big = iss.code === 'too_big';
  const limit = Number(big ? (iss as { maximum: number | bigint }).maximum : (iss as { minimum: number | bigint }).minimum);
  const inclusive = iss.inclusive !== false;
  switch (iss.origin) {
    case 'string':
      if (!big && limit === 1) return 'must not be empty';
      return `must be ${iss.exact ? 'exactly' : big ? 'at most' : 'at least'} ${limit} characters`;
    case 'array':
    case 'set':
      if (!big && limit === 1) return 'must not be empty';
      return `must have ${iss.exact ? 'exactly' : big ? 'at most' : 'at least'} ${limit} items`;
    default:
      if (inclusive) return `must be ${big ? 'at most' : 'at least'} ${limit}`;
      return `must be ${big ? 'less' : 'greater'} than ${limit}`;
  }
}

/** The plain-words message of one zod issue. */
export function plainMessage(iss: RawIssue): string {
  const missing = iss.input === undefined;
  switch (iss.code) {
    case 'invalid_type':
      if (missing) return 'is required';
      if (iss.expected === 'number' && typeof iss.input === 'number') return 'must be a number';
      return TYPE_WORDS[iss.expected] ?? 'has the wrong type';
    case 'invalid_value':
      if (missing) return 'is required';
      return iss.values.length === 1 ? `must be ${list(iss.values)}` : `must be one of ${list(iss.values)}`;
    case 'invalid_union': {
      const disc = (iss as { discriminator?: string }).discriminator;
      if (missing || (disc !== undefined && (iss.input as Record<string, unknown> | null)?.[disc] === undefined)) return 'is required';
      const options = (iss as { options?: unknown[] }).options;
      return options?.length ? `must be one of ${list(options)}` : 'does not match any allowed form';
    }
    case 'too_big':
    case 'too_small':
      return sizeMessage(iss);
    case 'invalid_format': {
      const f = iss as { format: string; prefix?: string; suffix?: string; includes?: string };
      if (f.format === 'starts_with') return `must start with "${f.prefix}"`;
      if (f.format === 'ends_with') return `must end with "${f.suffix}"`;
      if (f.format === 'includes') return `must contain "${f.includes}"`;
      return FORMAT_WORDS[f.format] ?? `must be a valid ${f.format.replace(/_/g, ' ')}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(iss.divisor)}`;
    case 'unrecognized_keys':
      return 'is not a known field';
    case 'invalid_key':
      return 'has a key that is not allowed';
    case 'invalid_element':
      return 'has an item that is not allowed';
    default:
      return iss.message && !/^Invalid/.test(iss.message) ? iss.message : 'is not valid';
  }
}

/** The error map to parse with: plain words for every issue a schema does not word itself. */
export const plainErrorMap: z.core.$ZodErrorMap = (iss) => plainMessage(iss);

/** `customer.phone`, `departments[0].staff[1].role`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

export interface PlainFieldOptions {
  /** Put before every path, e.g. `query` for query parameters (`query.limit`). */
  prefix?: string;
  /** The path of a problem with the value as a whole (e.g. `(body)`). */
  root?: string;
  /** Message for a key the schema does not know. */
  unknownKey?: string;
}

/** One `{path, message}` per problem; an unknown key is a problem of its own path. */
export function plainFields(error: z.ZodError, opts: PlainFieldOptions = {}): PlainField[] {
  const prefix = opts.prefix ? [opts.prefix] : [];
  return error.issues.flatMap((i) => {
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({ path: issuePath([...prefix, ...i.path, k]), message: opts.unknownKey ?? 'is not a known field' }));
    }
    return [{ path: issuePath([...prefix, ...i.path]) || (opts.root ?? '(root)'), message: i.message }];
  });
}
