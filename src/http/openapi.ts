import { z } from 'zod';
import {
  ERROR_CODES,
  createdTicketResponse,
  customerExportResponse,
  customerListResponse,
  eraseResponse,
  errorResponse,
  healthResponse,
  ticketDetailResponse,
  ticketListResponse,
} from './response-schemas.js';
import { customerParams, eraseBody, findCustomersQuery } from './customer-routes.js';
import { reportOpenApi } from './report-openapi.js';
import { actionBody, createTicketBody, customerActionBody, customerLinkView, listTicketsQuery, ticketParams } from './schemas.js';

const json = (schema: z.ZodType, io: 'input' | 'output' = 'input') => z.toJSONSchema(schema, { io, unrepresentable: 'any' });

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const body = (description: string, schema: string) => ({ description, content: { 'application/json': { schema: ref(schema) } } });

const html = (description: string) => ({ description: `${description} (HTML)`, content: { 'text/html': { schema: { type: 'string' } } } });
/** A 303 to the dashboard: an empty body and the Location header. */
const seeDashboard = (description: string) => ({
  description: `${description}; redirects to /dashboard`,
  headers: { Location: { schema: { type: 'string', example: '/dashboard' } } },
  content: { 'text/plain': { schema: { type: 'string', maxLength: 0 } } },
});

/** An error response: the codes that come with `status`, from ERROR_CODES. */
const err = (status: number, description: string) => {
  const codes = Object.entries(ERROR_CODES)
    .filter(([, c]) => c.status === status)
    .map(([code]) => `\`${code}\``);
  return body(`${description} (${codes.join(', ')})`, 'Error');
};

/** Every route that can fail answers these. */
const common = {
  '401': err(401, 'Missing or wrong token'),
  '500': err(500, 'Internal error'),
  '503': err(503, 'PostgreSQL unreachable for a moment: retry after Retry-After seconds (with the same Idempotency-Key for POST /api/tickets)'),
};

const customerIdParam = { name: 'id', in: 'path', required: true, schema: (json(customerParams).properties as Record<string, object>).id };

const numberParam = { name: 'number', in: 'path', required: true, schema: { ...(json(ticketParams).properties as Record<string, object>).number, example: 'AC-000001' } };

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests and describe responses. */
export function buildOpenApi(): Record<string, unknown> {
  const query = json(listTicketsQuery) as { properties: Record<string, unknown> };
  const reports = reportOpenApi(json, body, { '400': err(400, 'Bad or unknown query parameter'), ...common });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Aftercare API',
      version: '0.1.0',
      description:
        'After-sales tickets: intake, status and staff actions. Errors are `{"error":{"code","message","fields"?}}`; ' +
        'a field path names a body field (`customer.phone`), a query parameter (`query.limit`), a path parameter (`path.number`) ' +
        'or a header (`header.Idempotency-Key`). Codes:\n\n' +
        Object.entries(ERROR_CODES)
          .map(([code, c]) => `- \`${code}\` (${c.status}): ${c.meaning}`)
          .join('\n'),
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'AFTERCARE_API_TOKEN' } },
      schemas: {
        CreateTicket: json(createTicketBody),
        TicketAction: json(actionBody),
        CustomerAction: json(customerActionBody),
        CreatedTicket: json(createdTicketResponse, 'output'),
        TicketList: json(ticketListResponse, 'output'),
        TicketDetail: json(ticketDetailResponse, 'output'),
        CustomerLink: json(customerLinkView, 'output'),
        Health: json(healthResponse, 'output'),
        CustomerList: json(customerListResponse, 'output'),
        CustomerExport: json(customerExportResponse, 'output'),
        EraseCustomer: json(eraseBody),
        Erased: json(eraseResponse, 'output'),
        Error: json(errorResponse, 'output'),
        ...reports.schemas,
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/healthz': {
        get: {
          security: [],
          summary: 'Liveness of the API, Postgres and Redis',
          responses: {
            '200': body('Reachable: "ok", or "slow" (no answer within 2 s yet, still up)', 'Health'),
            '503': body('Names what is down (a failed check, or none answered within 10 s)', 'Health'),
          },
        },
      },
      '/metrics': {
        get: {
          summary:
            'Prometheus metrics: health-check latency and reachability, outbox backlog and delivery time, timer lateness, HTTP request durations, ' +
            'ticket figures from the database, Node process metrics (open when AFTERCARE_METRICS_PUBLIC=true)',
          responses: {
            '200': { description: 'Prometheus text exposition format, version 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } },
            '401': err(401, 'Missing or wrong token'),
          },
        },
      },
      '/api/tickets': {
        post: {
          summary: 'Open a ticket',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 } }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('CreateTicket') } } },
          responses: {
            '201': body('Created', 'CreatedTicket'),
            '200': body('Same Idempotency-Key and body as an earlier request: that ticket', 'CreatedTicket'),
            '400': err(400, 'Validation failed'),
            ...common,
            '409': err(409, 'Idempotency-Key reused with another body'),
            '413': err(413, 'Body over 64 KB'),
            '415': err(415, 'Body not JSON'),
          },
        },
        get: {
          summary: 'List tickets, newest first',
          parameters: Object.entries(query.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
          responses: { '200': body('A page of tickets', 'TicketList'), '400': err(400, 'Bad or unknown query parameter'), ...common },
        },
      },
      '/api/tickets/{number}': {
        get: {
          summary: 'One ticket with clocks, coordination tasks, timeline and audit state',
          parameters: [numberParam],
          responses: { '200': body('The ticket', 'TicketDetail'), '400': err(400, 'Bad ticket number'), ...common, '404': err(404, 'Unknown ticket') },
        },
      },
      '/api/tickets/{number}/actions': {
        post: {
          summary: 'Run a staff action (the same use cases as the chat buttons)',
          parameters: [numberParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('TicketAction') } } },
          responses: {
            '200': body('The ticket after the action', 'TicketDetail'),
            '400': err(400, 'Validation failed'),
            ...common,
            '403': err(403, 'The actor may not do this'),
            '404': err(404, 'Unknown ticket, task or escalation'),
            '409': err(409, 'Illegal transition (e.g. resolving a new ticket, working a resolved one), already claimed, or already done'),
            '413': err(413, 'Body over 64 KB'),
            '415': err(415, 'Body not JSON'),
          },
        },
      },
      '/api/tickets/{number}/customer-actions': {
        post: {
          summary: 'Act as the customer (for customers not on Telegram): confirm, not_resolved, survey, message',
          parameters: [numberParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('CustomerAction') } } },
          responses: {
            '200': body('The ticket after the action', 'TicketDetail'),
            '400': err(400, 'Validation failed (e.g. csat outside 1-5)'),
            ...common,
            '404': err(404, 'Unknown ticket'),
            '409': err(409, 'Confirm on a ticket that is not resolved, or the survey was already answered'),
            '413': err(413, 'Body over 64 KB'),
            '415': err(415, 'Body not JSON'),
          },
        },
      },
      '/api/tickets/{number}/customer-link': {
        get: {
          summary: "A signed, expiring link to the customer's page /c/<token> (status, result, confirm, not resolved, rating)",
          parameters: [numberParam],
          responses: {
            '200': body('{url, expiresAt}', 'CustomerLink'),
            '400': err(400, 'Bad ticket number'),
            ...common,
            '404': err(404, 'Unknown ticket'),
          },
        },
      },
      '/api/customers': {
        get: {
          summary: 'Find a customer by phone (normalised: digits and a leading +), e-mail (case-insensitive) or Telegram chat id; exact matches',
          parameters: Object.entries((json(findCustomersQuery) as { properties: Record<string, unknown> }).properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
          responses: { '200': body('The matching customers (erased customers match nothing)', 'CustomerList'), '400': err(400, 'No or a bad query parameter'), ...common },
        },
      },
      '/api/customers/{id}/export': {
        get: {
          summary: 'Everything kept about a customer (right of access): profile, every ticket with its timeline, messages, attachment references and surveys, in the customer’s language',
          parameters: [customerIdParam],
          responses: { '200': body('The export document', 'CustomerExport'), '400': err(400, 'Bad customer id'), ...common, '404': err(404, 'Unknown customer') },
        },
      },
      '/api/customers/{id}/erase': {
        post: {
          summary:
            'Erase a customer’s personal data (right to be forgotten): values replaced by a tombstone everywhere, every audit chain still verifies, report figures unchanged, ' +
            '`customer.erased` recorded on each ticket, live Slack/Discord cards redrawn. Idempotent',
          parameters: [customerIdParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('EraseCustomer') } } },
          responses: {
            '200': body('Erased (or erased before: `alreadyErased`)', 'Erased'),
            '400': err(400, 'Validation failed'),
            ...common,
            '404': err(404, 'Unknown customer'),
            '409': err(409, 'Tickets still being worked on, without "force": true'),
            '413': err(413, 'Body over 64 KB'),
            '415': err(415, 'Body not JSON'),
          },
        },
      },
      ...reports.paths,
      '/c/{token}': {
        get: {
          security: [],
          summary: "The customer's page (HTML, en or zh-CN by ?lang= or Accept-Language); forms post to /c/{token}/confirm, /not-resolved and /survey and answer 303 back",
          parameters: [
            { name: 'token', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'lang', in: 'query', required: false, schema: { type: 'string', enum: ['en', 'zh-CN'] } },
          ],
          responses: { '200': html('The page'), '404': html('Link not valid'), '410': html('Link expired') },
        },
      },
      '/dashboard': {
        get: {
          security: [],
          summary:
            'The reports dashboard (HTML, en or zh-CN by ?lang=, a remembered choice or Accept-Language); without a session cookie the sign-in form. ' +
            'Its calls to /api/reports/* carry the session cookie instead of the bearer token',
          parameters: [{ name: 'lang', in: 'query', required: false, schema: { type: 'string', enum: ['en', 'zh-CN'] } }],
          responses: { '200': html('The dashboard, or the sign-in form'), '400': err(400, 'A bad query parameter') },
        },
      },
      '/dashboard/login': {
        post: {
          security: [],
          summary: 'Signs in with the API token (form field `token`): sets the HttpOnly, SameSite=Strict session cookie and answers 303 to /dashboard',
          requestBody: {
            required: true,
            content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { token: { type: 'string' }, lang: { type: 'string', enum: ['en', 'zh-CN'] } } } } },
          },
          responses: { '303': seeDashboard('Signed in'), '400': html('No token entered'), '401': html('Wrong token: the form again') },
        },
      },
      '/dashboard/logout': {
        post: { security: [], summary: 'Ends the dashboard session and answers 303 to /dashboard', responses: { '303': seeDashboard('Signed out') } },
      },
    },
  };
}
