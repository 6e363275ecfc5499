import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { packageRoot } from '../config/load-config.js';
import { plainErrorMap, plainFields } from '../core/plain-issues.js';
import { LANGUAGES } from '../core/types.js';
import type { AdapterRoutes } from '../http/server.js';
import { ErrorCode } from '../core/errors.js';
import { DemoInputError, type DemoHub } from './demo-hub.js';

/** The page's files, served from the checkout (no CDN, nothing fetched from elsewhere). */
export const DEMO_ASSETS = (): string => join(packageRoot(), 'src', 'demo', 'assets');

const ASSETS: Record<string, string> = {
  'demo.js': 'text/javascript; charset=utf-8',
  'demo.css': 'text/css; charset=utf-8',
  'blocks.js': 'text/javascript; charset=utf-8',
};

const staffId = z.string().trim().min(1).max(64);
const bodies = {
  send: z.object({ text: z.string().trim().min(1, 'must not be empty').max(4096) }).strict(),
  photo: z.object({ caption: z.string().max(1024).optional() }).strict(),
  press: z.object({ messageId: z.number().int().positive(), data: z.string().min(1).max(64) }).strict(),
  language: z.object({ language: z.enum(LANGUAGES) }).strict(),
  action: z
    .object({
      staff: staffId,
      channel: z.string().min(1).max(32),
      ts: z.string().regex(/^\d+\.\d+$/, 'must be a Slack message ts such as 1700000000.000100'),
      actionId: z.string().min(1).max(255),
      value: z.string().max(2000).optional(),
      selected: z.string().max(150).optional(),
    })
    .strict(),
  submit: z.object({ staff: staffId, viewId: z.string().min(1).max(64), values: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))) }).strict(),
  close: z.object({ staff: staffId }).strict(),
};

function badRequest(reply: FastifyReply, fields: { path: string; message: string }[]) {
  const summary = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
  return reply.code(400).send({ error: { code: ErrorCode.ValidationFailed, message: `invalid demo request: ${summary}`, fields } });
}

/**
 * The demo page (`GET /demo`), its assets, its live state (`GET /demo/state`, and
 * `GET /demo/events` as Server-Sent Events: one `change` event whenever an emulator saw a call)
 * and what the page does (`POST /demo/customer/*`, `POST /demo/staff/*`).
 */
export function demoRoutes(hub: DemoHub): AdapterRoutes {
  const html = readFileSync(join(DEMO_ASSETS(), 'demo.html'), 'utf8');
  const assets = new Map(Object.entries(ASSETS).map(([name, type]) => [name, { type, body: readFileSync(join(DEMO_ASSETS(), name), 'utf8') }]));
  return {
    fastify(app: FastifyInstance) {
      app.get('/demo', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html));
      app.get<{ Params: { name: string } }>('/demo/assets/:name', async (req, reply) => {
        const a = assets.get(req.params.name);
        if (!a) return reply.code(404).send({ error: { code: ErrorCode.NotFound, message: 'no such demo asset' } });
        return reply.type(a.type).header('cache-control', 'no-store').send(a.body);
      });
      app.get('/demo/state', async (_req, reply) => reply.header('cache-control', 'no-store').send(await hub.state()));
      app.get('/demo/events', (req, reply) => {
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write('retry: 1000\n\n');
        // Bursts of calls (a card and its thread) become one change event.
        let pending: NodeJS.Timeout | undefined;
        const off = hub.onChange(() => {
          pending ??= setTimeout(() => {
            pending = undefined;
            res.write('event: change\ndata: {}\n\n');
          }, 50);
        });
        const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
        req.raw.on('close', () => {
          off();
          clearInterval(beat);
          if (pending) clearTimeout(pending);
        });
      });

      const post = <K extends keyof typeof bodies>(path: string, kind: K, run: (body: z.output<(typeof bodies)[K]>) => Promise<void> | void) => {
        app.post(path, async (req, reply) => {
          const parsed = bodies[kind].safeParse(req.body ?? {}, { error: plainErrorMap });
          if (!parsed.success) return badRequest(reply, plainFields(parsed.error, { root: '(body)' }));
          try {
            await run(parsed.data as z.output<(typeof bodies)[K]>);
          } catch (err) {
            if (err instanceof DemoInputError) return badRequest(reply, [{ path: err.field, message: err.rule }]);
            throw err;
          }
          return reply.code(204).send();
        });
      };
      post('/demo/customer/send', 'send', (b) => hub.customerSends(b.text));
      post('/demo/customer/photo', 'photo', (b) => hub.customerSendsPhoto(b.caption));
      post('/demo/customer/press', 'press', (b) => hub.customerPresses(b.messageId, b.data));
      post('/demo/customer/language', 'language', (b) => hub.customerLanguage(b.language));
      post('/demo/customer/new', 'photo', () => hub.newCustomer());
      post('/demo/staff/action', 'action', (b) => hub.staffAction(b));
      post('/demo/staff/submit', 'submit', (b) => hub.submitModal(b.staff, b.viewId, b.values));
      post('/demo/staff/close', 'close', (b) => hub.closeModal(b.staff));
    },
  };
}
