import { z } from 'zod';
import { ErrorCode } from '../core/errors.js';
import { CATEGORIES, SEVERITIES, TICKET_STATUSES, TIERS } from '../core/types.js';

/**
 * The bodies the API answers with (src/http/views.ts builds them), as zod schemas: the OpenAPI
 * document is generated from them, and the contract tests parse real responses with them.
 */

const isoString = z.string().describe('ISO 8601 date-time (UTC)');
const nullableIso = isoString.nullable();

/** Running clocks' deadlines by clock name (firstResponse, resolution, …). */
const deadlines = z.record(z.string(), isoString);

export const createdTicketResponse = z.object({
  id: z.uuid(),
  number: z.string().describe('e.g. AC-000123'),
  status: z.enum(TICKET_STATUSES),
  category: z.enum(CATEGORIES),
  severity: z.enum(SEVERITIES),
  departments: z.array(z.string()),
  deadlines,
  createdAt: isoString,
});

export const ticketSummaryResponse = createdTicketResponse.extend({
  tier: z.enum(TIERS),
  owner: z.string().nullable(),
  product: z.string(),
  orderNumber: z.string(),
  updatedAt: isoString,
});

export const ticketListResponse = z.object({
  items: z.array(ticketSummaryResponse),
  nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last one'),
});

const actor = z.object({ kind: z.enum(['staff', 'customer', 'system', 'api']), staffId: z.string().optional(), customerId: z.string().optional() });

export const ticketDetailResponse = ticketSummaryResponse.extend({
  description: z.string(),
  expectedBy: nullableIso,
  source: z.enum(['api', 'slack', 'discord', 'telegram', 'system']),
  complex: z.boolean(),
  flagged: z.boolean(),
  resolution: z.object({ measures: z.string(), advice: z.string() }).passthrough().nullable(),
  resolvedAt: nullableIso,
  closedAt: nullableIso,
  departmentRoles: z.array(z.object({ departmentId: z.string(), role: z.enum(['primary', 'responsible', 'oversight', 'involved']) })),
  customer: z.object({
    id: z.uuid(),
    name: z.string(),
    company: z.string().nullable(),
    phone: z.string().nullable().describe('masked'),
    email: z.string().nullable().describe('masked'),
    language: z.string(),
    tier: z.enum(TIERS),
    erased: z.boolean().describe('true once the customer’s data was erased: name "erased customer", contacts null'),
  }),
  clocks: z.record(
    z.string(),
    z.object({
      status: z.string(),
      budgetMs: z.number(),
      consumedMs: z.number(),
      startedAt: nullableIso,
      deadline: nullableIso,
      remindAt: nullableIso,
      stoppedAt: nullableIso,
      businessHours: z.boolean(),
    }),
  ),
  coordinationTasks: z.array(
    z.object({
      id: z.uuid(),
      department: z.string(),
      role: z.string(),
      note: z.string(),
      status: z.enum(['open', 'claimed', 'done']),
      owner: z.string().nullable(),
      outcome: z.string().nullable(),
      createdBy: z.string(),
      createdAt: isoString,
      updatedAt: isoString,
    }),
  ),
  events: z.array(
    z.object({
      seq: z.number().int(),
      type: z.string().describe('dotted, e.g. ticket.claimed'),
      actor,
      source: z.string(),
      data: z.record(z.string(), z.unknown()),
      createdAt: isoString,
      hash: z.string(),
    }),
  ),
  surveys: z.array(
    z.object({
      kind: z.enum(['satisfaction', 'confirmation', 'verification']),
      csat: z.number().nullable(),
      nps: z.number().nullable(),
      answer: z.string().nullable(),
      comment: z.string().nullable(),
      answeredAt: nullableIso,
    }),
  ),
  audit: z.object({ valid: z.boolean(), brokenAt: z.number().optional(), reason: z.string().optional() }),
});

export const healthResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  db: z.enum(['ok', 'slow', 'down']),
  redis: z.enum(['ok', 'slow', 'down']),
});

/** Every error code the API answers with, its HTTP status and what it means (also in the README). */
export const ERROR_CODES: Record<ErrorCode, { status: number; meaning: string }> = {
  [ErrorCode.ValidationFailed]: { status: 400, meaning: 'A field, query parameter (`query.<name>`), path parameter (`path.<name>`) or header is missing or breaks a rule; `fields` names each one.' },
  [ErrorCode.Unauthorized]: { status: 401, meaning: 'Missing or wrong bearer token.' },
  [ErrorCode.Forbidden]: { status: 403, meaning: 'The actor may not do this (unknown staff id, another department, not the owner, not a supervisor).' },
  [ErrorCode.NotFound]: { status: 404, meaning: 'No such ticket, customer, task, escalation or route.' },
  [ErrorCode.IllegalTransition]: { status: 409, meaning: 'The action is not possible in the ticket’s current status; the message says why.' },
  [ErrorCode.AlreadyClaimed]: { status: 409, meaning: 'The ticket or task already has an owner.' },
  [ErrorCode.SurveyAlreadyAnswered]: { status: 409, meaning: 'The customer already rated this ticket; a rating is recorded once.' },
  [ErrorCode.IdempotencyConflict]: { status: 409, meaning: 'The Idempotency-Key was used before with a different body.' },
  [ErrorCode.Conflict]: { status: 409, meaning: 'The task or escalation was already done or acknowledged.' },
  [ErrorCode.CustomerHasOpenTickets]: { status: 409, meaning: 'The customer still has tickets being worked on: erase with `"force": true` to close them first.' },
  [ErrorCode.PayloadTooLarge]: { status: 413, meaning: 'The body is over 64 KB.' },
  [ErrorCode.UnsupportedMediaType]: { status: 415, meaning: 'The body is not sent as application/json.' },
  [ErrorCode.ServiceUnavailable]: { status: 503, meaning: 'The database is unreachable for a moment (a restart, a failover): retry after the `Retry-After` seconds (POST /api/tickets with the same Idempotency-Key, so a retry never opens a second ticket).' },
  [ErrorCode.Internal]: { status: 500, meaning: 'Something failed on our side; the message carries a reference to quote (it is in the log).' },
};

/** A customer as GET /api/customers and the export show them (SPEC §9): contacts unmasked, for the admin. */
export const customerResponse = z.object({
  id: z.uuid(),
  name: z.string().describe('"erased customer" once erased'),
  company: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  telegramChatId: z.string().nullable(),
  language: z.string(),
  tier: z.enum(TIERS),
  createdAt: isoString,
  erased: z.boolean(),
  erasedAt: nullableIso,
});

export const customerListResponse = z.object({ items: z.array(customerResponse) });

export const customerExportResponse = z.object({
  format: z.literal('aftercare.customer-export/1'),
  exportedAt: isoString,
  language: z.string().describe('the customer’s language: headlines and local times are in it'),
  customer: customerResponse,
  tickets: z.array(
    z
      .object({
        number: z.string(),
        status: z.enum(TICKET_STATUSES),
        statusText: z.string(),
        description: z.string(),
        timeline: z.array(z.object({ at: z.string(), atLocal: z.string().nullable(), headline: z.string(), text: z.string().optional() })),
        messages: z.array(z.object({ at: z.string(), from: z.enum(['customer', 'staff']), text: z.string() })),
        attachments: z.array(z.object({ at: z.string(), type: z.string(), fileId: z.string() }).passthrough()),
        surveys: z.array(z.object({ kind: z.string() }).passthrough()),
      })
      .passthrough(),
  ),
});

export const eraseResponse = z.object({
  customerId: z.uuid(),
  erasedAt: isoString,
  tickets: z.array(z.string()).describe('every ticket of the customer'),
  closed: z.array(z.string()).describe('tickets closed first because of "force": true'),
  alreadyErased: z.boolean().describe('true when the customer had been erased before: nothing more was removed'),
});

export const errorResponse = z.object({
  error: z.object({
    code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
    message: z.string().describe('plain words, for people; match on `code`'),
    fields: z
      .array(z.object({ path: z.string().describe('`customer.phone`, `query.limit`, `path.number`, `header.Idempotency-Key` or `(body)`'), message: z.string() }))
      .optional(),
  }),
});
