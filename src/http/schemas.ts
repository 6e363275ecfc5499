import { z } from 'zod';
import { commandSchema, emailSchema, optionalText, phoneSchema, requiredText, unicodeText } from '../app/command-schema.js';
import { CATEGORIES, SEVERITIES, TICKET_STATUSES, TIERS } from '../core/types.js';


const text = requiredText;

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
        /** A customer already known (GET /api/customers finds them); name and contact then come from the record. */
        id: z.uuid('must be a customer id (a UUID)').optional(),
        name: text(200).optional(),
        company: optionalText(200),
        phone: phoneSchema.optional(),
        email: emailSchema.optional(),
        language: language.optional(),
      })
      .strict()
      .refine((c) => c.id !== undefined || c.name !== undefined, { message: 'is required', path: ['name'] })
      .refine((c) => c.id !== undefined || c.phone !== undefined || c.email !== undefined, {
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

const actor = unicodeText().min(1, 'must be a staff id').max(100, 'must be a staff id');

export const actionBody = commandSchema(isoDateTime, { actor });
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
