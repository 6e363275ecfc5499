import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { UseCaseDeps } from '../app/deps.js';
import type { PrivacyStore } from '../app/ports.js';
import { customerView, eraseCustomer, exportCustomer, findCustomers } from '../app/privacy.js';
import { emailSchema, phoneSchema, unicodeText } from '../app/command-schema.js';

export interface CustomerRouteContext {
  deps: UseCaseDeps;
  privacy: PrivacyStore;
  /** Parses a part of the request, or answers 400 `validation_failed` and returns undefined. */
  parse<S extends z.ZodType>(reply: FastifyReply, schema: S, value: unknown, place: 'body' | 'query' | 'path', what: string): z.output<S> | undefined;
}

export const customerParams = z.object({ id: z.uuid('must be a customer id (a UUID)') }).strict();

export const findCustomersQuery = z
  .object({
    phone: phoneSchema.optional().describe('exact match after normalising (digits and a leading +)'),
    email: emailSchema.optional().describe('exact match, case-insensitive'),
    telegramChatId: z.string().trim().regex(/^-?\d{1,20}$/, 'must be a Telegram chat id (digits)').optional(),
  })
  .strict()
  .refine((q) => q.phone !== undefined || q.email !== undefined || q.telegramChatId !== undefined, {
    message: 'give phone, email or telegramChatId',
    path: ['phone'],
  });

export const eraseBody = z
  .object({
    actor: unicodeText().trim().min(1, 'is required: who asks for the erasure (a staff id or a name)').max(200, 'must be at most 200 characters'),
    reason: unicodeText().trim().min(1, 'is required: why the data is erased').max(2000, 'must be at most 2000 characters'),
    force: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .strict();

/**
 * The customer's rights over their data, for an admin (behind the API token):
 * GET /api/customers?phone=|email=|telegramChatId=, GET /api/customers/:id/export and
 * POST /api/customers/:id/erase.
 */
export function registerCustomerRoutes(api: FastifyInstance, ctx: CustomerRouteContext): void {
  const deps = { ...ctx.deps, privacy: ctx.privacy };

  api.get('/api/customers', async (req, reply) => {
    const q = ctx.parse(reply, findCustomersQuery, req.query, 'query', 'query');
    if (!q) return reply;
    return { items: (await findCustomers(ctx.privacy, q)).map(customerView) };
  });

  api.get('/api/customers/:id/export', async (req, reply) => {
    const p = ctx.parse(reply, customerParams, req.params, 'path', 'path');
    if (!p) return reply;
    const doc = await exportCustomer(deps, p.id);
    return reply.header('content-disposition', `attachment; filename="customer-${p.id}.json"`).send(doc);
  });

  api.post('/api/customers/:id/erase', async (req, reply) => {
    const p = ctx.parse(reply, customerParams, req.params, 'path', 'path');
    if (!p) return reply;
    const b = ctx.parse(reply, eraseBody, req.body ?? undefined, 'body', 'erasure');
    if (!b) return reply;
    return eraseCustomer(deps, p.id, { actor: b.actor, reason: b.reason, force: b.force });
  });
}
