import { z } from 'zod';
import { actionBody, createTicketBody, customerActionBody, customerLinkView, errorBody, listTicketsQuery } from './schemas.js';

const json = (schema: z.ZodType, io: 'input' | 'output' = 'input') => z.toJSONSchema(schema, { io, unrepresentable: 'any' });

const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function buildOpenApi(): Record<string, unknown> {
  const query = json(listTicketsQuery) as { properties: Record<string, unknown> };
  return {
    openapi: '3.1.0',
    info: { title: 'Aftercare API', version: '0.1.0', description: 'After-sales tickets: intake, status and staff actions.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'AFTERCARE_API_TOKEN' } },
      schemas: {
        CreateTicket: json(createTicketBody),
        TicketAction: json(actionBody),
        CustomerAction: json(customerActionBody),
        CustomerLink: json(customerLinkView, 'output'),
        Error: json(errorBody, 'output'),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/healthz': {
        get: {
          security: [],
          summary: 'Liveness of the API, Postgres and Redis',
          responses: { '200': { description: '{"status":"ok","db":"ok","redis":"ok"}' }, '503': { description: 'names what is down' } },
        },
      },
      '/api/tickets': {
        post: {
          summary: 'Open a ticket',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateTicket' } } } },
          responses: {
            '201': { description: 'Created: {id, number, status, category, severity, departments, deadlines, createdAt}' },
            '200': { description: 'Same Idempotency-Key and body as an earlier request: that ticket' },
            '400': err('Validation failed'),
            '401': err('Missing or wrong token'),
            '409': err('Idempotency-Key reused with another body'),
            '413': err('Body over 64 KB'),
          },
        },
        get: {
          summary: 'List tickets, newest first',
          parameters: Object.entries(query.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
          responses: { '200': { description: '{items, nextCursor}' }, '400': err('Bad filter'), '401': err('Missing or wrong token') },
        },
      },
      '/api/tickets/{number}': {
        get: {
          summary: 'One ticket with clocks, coordination tasks, timeline and audit state',
          parameters: [{ name: 'number', in: 'path', required: true, schema: { type: 'string', example: 'AC-000001' } }],
          responses: { '200': { description: 'The ticket' }, '401': err('Missing or wrong token'), '404': err('Unknown ticket') },
        },
      },
      '/api/tickets/{number}/actions': {
        post: {
          summary: 'Run a staff action (the same use cases as the chat buttons)',
          parameters: [{ name: 'number', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/TicketAction' } } } },
          responses: {
            '200': { description: 'The ticket after the action' },
            '400': err('Validation failed'),
            '401': err('Missing or wrong token'),
            '403': err('The actor may not do this'),
            '404': err('Unknown ticket'),
            '409': err('Illegal transition (e.g. resolving a new ticket, working a resolved one) or already claimed'),
          },
        },
      },
      '/api/tickets/{number}/customer-actions': {
        post: {
          summary: 'Act as the customer (for customers not on Telegram): confirm, not_resolved, survey, message',
          parameters: [{ name: 'number', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CustomerAction' } } } },
          responses: {
            '200': { description: 'The ticket after the action' },
            '400': err('Validation failed (e.g. csat outside 1-5)'),
            '401': err('Missing or wrong token'),
            '404': err('Unknown ticket'),
            '409': err('illegal_transition (confirm on a ticket that is not resolved) or survey_already_answered'),
          },
        },
      },
      '/api/tickets/{number}/customer-link': {
        get: {
          summary: "A signed, expiring link to the customer's page /c/<token> (status, result, confirm, not resolved, rating)",
          parameters: [{ name: 'number', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: '{url, expiresAt}', content: { 'application/json': { schema: { $ref: '#/components/schemas/CustomerLink' } } } },
            '401': err('Missing or wrong token'),
            '404': err('Unknown ticket'),
          },
        },
      },
      '/c/{token}': {
        get: {
          security: [],
          summary: "The customer's page (HTML, en or zh-CN by ?lang= or Accept-Language); forms post to /c/{token}/confirm, /not-resolved and /survey and answer 303 back",
          parameters: [
            { name: 'token', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'lang', in: 'query', required: false, schema: { type: 'string', enum: ['en', 'zh-CN'] } },
          ],
          responses: { '200': { description: 'HTML page' }, '404': { description: 'Link not valid (HTML)' }, '410': { description: 'Link expired (HTML)' } },
        },
      },
    },
  };
}
