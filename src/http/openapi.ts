import { z } from 'zod';
import { actionBody, createTicketBody, errorBody, listTicketsQuery } from './schemas.js';

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
        Error: json(errorBody, 'output'),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/healthz': {
        get: {
          security: [],
          summary: 'Liveness of the API, Postgres and Redis',
          responses: {
            '200': { description: '{"status":"ok","db":"ok"|"slow","redis":"ok"|"slow"}: reachable ("slow": no answer within 2 s yet, still up)' },
            '503': { description: 'names what is down (a failed check, or none answered within 10 s)' },
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics: health-check latency and reachability, Node process metrics (open when AFTERCARE_METRICS_PUBLIC=true)',
          responses: { '200': { description: 'text/plain; version=0.0.4' }, '401': err('Missing or wrong token') },
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
            '503': err('PostgreSQL unreachable for a moment: retry after Retry-After seconds with the same Idempotency-Key'),
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
            '409': err('Illegal transition or already claimed'),
          },
        },
      },
    },
  };
}
