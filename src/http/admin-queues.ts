import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const ADMIN_QUEUES_PATH = '/admin/queues';

/**
 * The queue UI (bull-board) at /admin/queues. Behind the API token: as a bearer token,
 * or as the password of HTTP basic auth so a browser can log in.
 */
export async function registerQueueBoard(
  app: FastifyInstance,
  queues: Queue[],
  tokenMatches: (token: string) => boolean,
): Promise<void> {
  const adapter = new FastifyAdapter();
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  adapter.setBasePath(ADMIN_QUEUES_PATH);
  await app.register(async (scope) => {
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
    await scope.register(adapter.registerPlugin(), { prefix: ADMIN_QUEUES_PATH });
  });
}
