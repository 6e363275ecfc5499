import { z } from 'zod';
import { plainErrorMap, plainFields } from '../core/plain-issues.js';
import { safeError } from '../core/safe-error.js';
import { parseDemoArgs } from './demo-args.js';
import { realPlatformVariables, refusalMessage } from './refuse-real-tokens.js';
import { startDemo } from './start-demo.js';

export const DEMO_DATABASE = 'aftercare_demo';

const USAGE = `usage: npm run demo [-- --keep] [-- --seed N]

  --keep     keep the demo database of the last run (default: recreate ${DEMO_DATABASE})
  --seed N   seed N tickets of history over the last 30 days (default 200, 0 = none)

PORT (default 3000), DATABASE_URL (its server; the database is always ${DEMO_DATABASE}) and
REDIS_URL are read like npm start does.`;

const envSchema = z.object({
  PORT: z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a port number from 0 to 65535')
    .transform(Number)
    .refine((n) => n <= 65535, 'must be a port number from 0 to 65535')
    .default(3000),
  DATABASE_URL: z.string().trim().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').default('postgres://postgres@127.0.0.1:5432/aftercare'),
  REDIS_URL: z.string().trim().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});

async function main(): Promise<void> {
  const refused = realPlatformVariables(process.env);
  if (refused.length) {
    console.error(refusalMessage(refused));
    process.exit(2);
  }
  const args = parseDemoArgs(process.argv.slice(2));
  if ('error' in args) {
    console.error(`demo: ${args.error}\n\n${USAGE}`);
    process.exit(1);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const given = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k in envSchema.shape && v !== undefined && v.trim() !== ''));
  const env = envSchema.safeParse(given, { error: plainErrorMap });
  if (!env.success) {
    for (const f of plainFields(env.error)) console.error(`config error: ${f.path} ${f.message}`);
    process.exit(1);
  }
  const database = new URL(env.data.DATABASE_URL);
  database.pathname = `/${DEMO_DATABASE}`;
  if (!args.keep) console.log(`recreating database ${DEMO_DATABASE}${args.seed ? ` with ${args.seed} tickets of history` : ''}…`);
  const demo = await startDemo({
    databaseUrl: database.toString(),
    redisUrl: env.data.REDIS_URL,
    port: env.data.PORT,
    keep: args.keep,
    seed: args.seed,
    queuePrefix: 'aftercare-demo',
    logLevel: env.data.LOG_LEVEL,
  });
  console.log(`Aftercare demo: ${demo.pageUrl}`);
  console.log(`API token: ${demo.token}`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    demo
      .close()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  const safe = safeError(err);
  console.error(safe.stack ?? `${safe.type}: ${safe.message}`);
  process.exit(1);
});
