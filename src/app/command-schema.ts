import { z } from 'zod';
import { plainErrorMap, plainFields } from '../core/plain-issues.js';
import { ValidationError } from '../core/errors.js';
import { hasControlChars, hasLoneSurrogate, isBlank, normaliseNewlines } from '../core/text.js';
import { CATEGORIES, SEVERITIES } from '../core/types.js';

/**
 * The rules of every staff command's fields, written once: the HTTP API parses its bodies with
 * them, the chat forms (src/app/desk/forms.ts) check what staff typed with them, and the use
 * case checks every command with them again, so a limit is the same wherever a command comes from.
 */

export const COORDINATION_ROLES = ['calm_customer', 'diagnose_fix', 'explain_compensate', 'other'] as const;
export type CoordinationRole = (typeof COORDINATION_ROLES)[number];

/** The longest text each field takes, in characters. */
export const LIMITS = {
  /** A reply or progress text to the customer. */
  message: 4000,
  measures: 4000,
  advice: 4000,
  cause: 2000,
  diagnosisMeasures: 2000,
  timeNeeded: 200,
  estimatedCost: 200,
  /** Reasons and notes staff write (escalate, reopen, reassign, delay, close, involve, task outcome). */
  reason: 2000,
  /** Ids: preset, department, staff. */
  id: 100,
  customerName: 200,
  product: 200,
  orderNumber: 100,
  description: 10_000,
} as const;

/**
 * Text as people send it (src/core/text.ts): no control characters or lone surrogates, newlines
 * normalised, trimmed; a value that shows nothing (whitespace, zero-width characters) is empty.
 */
export const unicodeText = () =>
  z
    .string()
    .refine((s) => !hasLoneSurrogate(s), { message: 'must be valid Unicode text', abort: true })
    .refine((s) => !hasControlChars(s), { message: 'must not contain control characters', abort: true })
    .overwrite((s) => {
      const t = normaliseNewlines(s).trim();
      return isBlank(t) ? '' : t;
    });

export const requiredText = (max: number) => unicodeText().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
export const optionalText = (max: number) => unicodeText().max(max, `must be at most ${max} characters`).optional();

/** A customer's contact as staff or the API give it. */
export const phoneSchema = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()-]{4,24}$/, 'must be a phone number such as +86 138 0013 8000');
export const emailSchema = z.email('must be an e-mail address such as name@example.com').max(254);

/** The ticket fields staff fill in for a phone or walk-in customer (`/aftercare new`). */
export const staffTicketSchema = z
  .object({
    name: requiredText(LIMITS.customerName),
    phone: phoneSchema.optional(),
    email: emailSchema.optional(),
    product: requiredText(LIMITS.product),
    orderNumber: optionalText(LIMITS.orderNumber),
    description: requiredText(LIMITS.description),
  })
  .strict();
export type StaffTicketDraft = z.output<typeof staffTicketSchema>;

export const diagnosisSchema = z
  .object({
    cause: requiredText(LIMITS.cause),
    measures: requiredText(LIMITS.diagnosisMeasures),
    timeNeeded: requiredText(LIMITS.timeNeeded),
    estimatedCost: requiredText(LIMITS.estimatedCost),
  })
  .strict();

const COMMAND_TYPES = 'claim, reply, progress, involve, escalate, resolve, reopen, reassign, reclassify, task, acknowledge, delay, close';

/**
 * Every staff command as a zod union. `when` is how a moment arrives (ISO text over HTTP, a Date
 * inside the process); `extra` holds fields of the envelope (the HTTP API's `actor`).
 */
export function commandSchema<W extends z.ZodType, E extends z.ZodRawShape>(when: W, extra: E) {
  return z.discriminatedUnion(
    'type',
    [
      z.object({ type: z.literal('claim'), ...extra }).strict(),
      z.object({ type: z.literal('reply'), ...extra, text: requiredText(LIMITS.message), waitForCustomer: z.boolean().optional() }).strict(),
      z
        .object({
          type: z.literal('progress'),
          ...extra,
          preset: requiredText(LIMITS.id).optional(),
          text: optionalText(LIMITS.message),
          eta: when.optional(),
          complex: z.boolean().optional(),
          diagnosis: diagnosisSchema.optional(),
          waitForCustomer: z.boolean().optional(),
        })
        .strict(),
      z
        .object({
          type: z.literal('involve'),
          ...extra,
          department: requiredText(LIMITS.id),
          role: z.enum(COORDINATION_ROLES).default('other'),
          note: optionalText(LIMITS.reason),
        })
        .strict(),
      z.object({ type: z.literal('escalate'), ...extra, reason: optionalText(LIMITS.reason) }).strict(),
      z
        .object({
          type: z.literal('resolve'),
          ...extra,
          measures: requiredText(LIMITS.measures),
          advice: requiredText(LIMITS.advice),
          diagnosis: diagnosisSchema.optional(),
        })
        .strict(),
      z.object({ type: z.literal('reopen'), ...extra, reason: optionalText(LIMITS.reason) }).strict(),
      z.object({ type: z.literal('reassign'), ...extra, to: requiredText(LIMITS.id), reason: optionalText(LIMITS.reason) }).strict(),
      z
        .object({ type: z.literal('reclassify'), ...extra, category: z.enum(CATEGORIES).optional(), severity: z.enum(SEVERITIES).optional() })
        .strict(),
      z
        .object({ type: z.literal('task'), ...extra, taskId: z.uuid(), op: z.enum(['claim', 'done']), outcome: optionalText(LIMITS.reason) })
        .strict(),
      z.object({ type: z.literal('acknowledge'), ...extra, escalationId: z.uuid().optional() }).strict(),
      z.object({ type: z.literal('delay'), ...extra, reason: requiredText(LIMITS.reason), eta: when }).strict(),
      z.object({ type: z.literal('close'), ...extra, reason: optionalText(LIMITS.reason) }).strict(),
    ],
    { error: `must be one of ${COMMAND_TYPES}` },
  );
}

/** Every staff action on a ticket, as the use case runs it; the HTTP API and the chat forms both produce these. */
export const ticketCommand = commandSchema(z.date({ error: 'must be a date and time' }), {});
export type TicketCommand = z.output<typeof ticketCommand>;
export type TicketCommandType = TicketCommand['type'];

/**
 * The command with its texts cleaned and its limits checked, or a ValidationError naming each
 * field and rule in plain words.
 */
export function checkCommand(command: TicketCommand): TicketCommand {
  const parsed = ticketCommand.safeParse(command, { error: plainErrorMap });
  if (parsed.success) return parsed.data;
  const fields = plainFields(parsed.error);
  throw new ValidationError(`invalid ${command.type}: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`, fields);
}
