import { z } from 'zod';
import { COORDINATION_ROLES } from '../app/act-on-ticket.js';
import { hasControlChars, hasLoneSurrogate, isBlank, normaliseNewlines } from '../core/text.js';
import { CATEGORIES, SEVERITIES, TICKET_STATUSES, TIERS } from '../core/types.js';

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

const text = (max: number) => unicodeText().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const optionalText = (max: number) => unicodeText().max(max, `must be at most ${max} characters`).optional();

/** A ticket number in a path (`/api/tickets/:number`); unknown numbers are a 404, not a 400. */
export const ticketParams = z.object({
  number: unicodeText().min(1, 'must not be empty').max(32, 'must be a ticket number such as AC-000123'),
});

const language = z
  .enum(['en', 'zh', 'zh-CN', 'zh-Hans', 'zh-cn'], { error: 'must be en or zh-CN' })
  .transform((l) => (l === 'en' ? 'en' : 'zh-CN'));

const isoDateTime = z.iso.datetime({ offset: true });

export const createTicketBody = z
  .object({
    customer: z
      .object({
        name: text(200),
        company: optionalText(200),
        phone: z
          .string()
          .trim()
          .regex(/^\+?[0-9][0-9 ()-]{4,24}$/, 'must be a phone number such as +86 138 0013 8000')
          .optional(),
        email: z.email().max(254).optional(),
        language: language.optional(),
      })
      .strict()
      .refine((c) => c.phone !== undefined || c.email !== undefined, {
        message: 'phone or email is required',
        path: ['phone'],
      }),
    product: text(200),
    orderNumber: text(100),
    description: text(10_000),
    severity: z.enum(SEVERITIES),
    category: z.enum(CATEGORIES).optional(),
    expectedBy: isoDateTime.optional(),
    tier: z.enum(TIERS).optional(),
  })
  .strict();
export type CreateTicketBody = z.infer<typeof createTicketBody>;

export const listTicketsQuery = z
  .object({
    status: z.enum(TICKET_STATUSES).optional(),
    department: text(100).optional(),
    severity: z.enum(SEVERITIES).optional(),
    limit: z
      .string()
      .trim()
      .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100')
      .transform(Number)
      .refine((n) => n >= 1 && n <= 100, 'must be a whole number from 1 to 100')
      .default(20)
      .describe('page size, a whole number from 1 to 100 (default 20)'),
    cursor: text(200).optional(),
  })
  .strict();

const diagnosis = z
  .object({ cause: text(2000), measures: text(2000), timeNeeded: text(200), estimatedCost: text(200) })
  .strict();

const actor = unicodeText().min(1, 'must be a staff id').max(100, 'must be a staff id');

export const actionBody = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('claim'), actor }).strict(),
    z.object({ type: z.literal('reply'), actor, text: text(4000), waitForCustomer: z.boolean().optional() }).strict(),
    z
      .object({
        type: z.literal('progress'),
        actor,
        preset: text(100).optional(),
        text: optionalText(4000),
        eta: isoDateTime.optional(),
        complex: z.boolean().optional(),
        diagnosis: diagnosis.optional(),
        waitForCustomer: z.boolean().optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal('involve'),
        actor,
        department: text(100),
        role: z.enum(COORDINATION_ROLES).default('other'),
        note: optionalText(2000),
      })
      .strict(),
    z.object({ type: z.literal('escalate'), actor, reason: optionalText(2000) }).strict(),
    z
      .object({ type: z.literal('resolve'), actor, measures: text(4000), advice: text(4000), diagnosis: diagnosis.optional() })
      .strict(),
    z.object({ type: z.literal('reopen'), actor, reason: optionalText(2000) }).strict(),
    z.object({ type: z.literal('reassign'), actor, to: text(100), reason: optionalText(2000) }).strict(),
    z
      .object({
        type: z.literal('reclassify'),
        actor,
        category: z.enum(CATEGORIES).optional(),
        severity: z.enum(SEVERITIES).optional(),
      })
      .strict(),
    z
      .object({ type: z.literal('task'), actor, taskId: z.uuid(), op: z.enum(['claim', 'done']), outcome: optionalText(2000) })
      .strict(),
    z.object({ type: z.literal('acknowledge'), actor, escalationId: z.uuid().optional() }).strict(),
    z.object({ type: z.literal('delay'), actor, reason: text(2000), eta: isoDateTime }).strict(),
    z.object({ type: z.literal('close'), actor, reason: optionalText(2000) }).strict(),
  ],
  { error: 'must be one of claim, reply, progress, involve, escalate, resolve, reopen, reassign, reclassify, task, acknowledge, delay, close' },
);
export type ActionBody = z.infer<typeof actionBody>;

const CSAT = 'must be a whole number from 1 to 5';
const NPS = 'must be a whole number from 0 to 10';
export const csat = z.number({ error: CSAT }).int(CSAT).min(1, CSAT).max(5, CSAT);
export const nps = z.number({ error: NPS }).int(NPS).min(0, NPS).max(10, NPS);

/** What a customer who is not on Telegram can do on their ticket (the Telegram buttons' effects). */
export const customerActionBody = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('confirm') }).strict(),
    z.object({ type: z.literal('not_resolved'), text: optionalText(2000) }).strict(),
    z.object({ type: z.literal('survey'), csat, nps: nps.optional(), comment: optionalText(2000) }).strict(),
    z.object({ type: z.literal('message'), text: text(4000) }).strict(),
  ],
  { error: 'must be one of confirm, not_resolved, survey, message' },
);
export type CustomerActionBody = z.infer<typeof customerActionBody>;

export const customerLinkView = z.object({ url: z.url(), expiresAt: z.iso.datetime() });
