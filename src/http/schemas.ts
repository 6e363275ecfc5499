import { z } from 'zod';
import { COORDINATION_ROLES } from '../app/act-on-ticket.js';
import { CATEGORIES, SEVERITIES, TICKET_STATUSES, TIERS } from '../core/types.js';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const optionalText = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`).optional();

const language = z
  .enum(['en', 'zh', 'zh-CN', 'zh-Hans', 'zh-cn'], { error: 'must be en or zh-CN' })
  .transform((l) => (l === 'en' ? 'en' : 'zh-CN'));

const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-11-24T10:00:00Z' });

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
        email: z.email({ error: 'must be an e-mail address' }).max(254).optional(),
        language: language.optional(),
      })
      .refine((c) => c.phone !== undefined || c.email !== undefined, {
        message: 'phone or email is required',
        path: ['phone'],
      }),
    product: text(200),
    orderNumber: text(100),
    description: text(10_000),
    severity: z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` }),
    category: z.enum(CATEGORIES, { error: `must be one of ${CATEGORIES.join(', ')}` }).optional(),
    expectedBy: isoDateTime.optional(),
    tier: z.enum(TIERS, { error: `must be one of ${TIERS.join(', ')}` }).optional(),
  })
  .strict();
export type CreateTicketBody = z.infer<typeof createTicketBody>;

export const listTicketsQuery = z
  .object({
    status: z.enum(TICKET_STATUSES, { error: `must be one of ${TICKET_STATUSES.join(', ')}` }).optional(),
    department: z.string().trim().min(1).optional(),
    severity: z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` }).optional(),
    limit: z.coerce.number().int('must be a whole number').min(1, 'must be 1-100').max(100, 'must be 1-100').default(20),
    cursor: z.string().min(1).optional(),
  })
  .strict();

const diagnosis = z
  .object({ cause: text(2000), measures: text(2000), timeNeeded: text(200), estimatedCost: text(200) })
  .strict();

const actor = z.string({ error: 'must be a staff id' }).trim().min(1, 'must be a staff id');

export const actionBody = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('claim'), actor }).strict(),
    z.object({ type: z.literal('reply'), actor, text: text(4000), waitForCustomer: z.boolean().optional() }).strict(),
    z
      .object({
        type: z.literal('progress'),
        actor,
        preset: z.string().trim().min(1).optional(),
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
        role: z.enum(COORDINATION_ROLES, { error: `must be one of ${COORDINATION_ROLES.join(', ')}` }).default('other'),
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

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
