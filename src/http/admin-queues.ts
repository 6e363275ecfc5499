import type { Queue } from 'bullmq';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

export const ADMIN_QUEUES_PATH = '/admin/queues';

/** bull-board on a Fastify instance of its own, built on the first visit. */
async function queueBoard(queues: Queue[]): Promise<FastifyInstance> {
  const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/fastify'),
  ]);
  const adapter = new FastifyAdapter();
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  adapter.setBasePath(ADMIN_QUEUES_PATH);
  const board = Fastify();
  await board.register(adapter.registerPlugin(), { prefix: ADMIN_QUEUES_PATH });
  await board.ready();
  return board;
}

/**
 * The queue UI (bull-board) at /admin/queues. Behind the API token: as a bearer token,
 * or as the password of HTTP basic auth so a browser can log in. bull-board (and its
 * templates and static files) is loaded on the first visit, not at start: a process that
 * nobody opens the UI of does not carry it.
 */
export async function registerQueueBoard(
  app: FastifyInstance,
  queues: Queue[],
  tokenMatches: (token: string) => boolean,
): Promise<void> {
  let board: Promise<FastifyInstance> | undefined;
  app.addHook('onClose', async () => {
    if (board) await (await board.catch(() => undefined))?.close();
  });
  await app.register((scope) => {
    scope.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const h = req.headers.authorization ?? '';
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(h)?.[1];
      const basic = /^Basic\s+(\S+)\s*$/i.exec(h)?.[1];
      const password = basic ? Buffer.from(basic, 'base64').toString().split(':').slice(1).join(':') : undefined;
      const token = bearer ?? password;
      if (token && tokenMatches(token)) return;
      await reply
        .code(401)
        .header('www-authenticate', 'Basic realm="aftercare queues", charset="UTF-8"')
        .send({ error: { code: 'unauthorized', message: 'use the API token (Bearer, or as the basic-auth password)' } });
    });
    // The board reads request bodies itself.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    const forward = async (req: FastifyRequest, reply: FastifyReply) => {
      board ??= queueBoard(queues);
      const inner = await board.catch((err: unknown) => {
        board = undefined;
        throw err;
      });
      reply.hijack();
      inner.routing(req.raw, reply.raw);
    };
    scope.all(ADMIN_QUEUES_PATH, forward);
    scope.all(`${ADMIN_QUEUES_PATH}/*`, forward);
    return Promise.resolve();
  });
}
