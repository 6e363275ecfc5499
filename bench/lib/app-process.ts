import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { deleteKeys, freePort, sleep } from './common.js';

export interface AppProcess {
  url: string;
  pid: number;
  /** Last lines the process wrote to stderr/stdout (for error messages). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `src/main.ts` as its own Node process (`node --import tsx`, i.e. what
 * `node_modules/.bin/tsx src/main.ts` runs, without tsx's wrapper process in between), so
 * the load generator does not share its event loop. Resolves once /healthz answers 200.
 */
export async function startAppProcess(env: Record<string, string>, cwd: string, nodeArgs: string[] = []): Promise<AppProcess> {
  const port = await freePort();
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('AFTERCARE_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL' && k !== 'PORT' && k !== 'HOST' && k !== 'LOG_LEVEL') base[k] = v;
  }
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    cwd,
    env: { ...base, ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`app process exited with ${exited} before it was ready:\n${tail}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`app process not ready after 60 s:\n${tail}`);
    }
    await sleep(200);
  }
  return {
    url,
    pid: child.pid!,
    output: () => tail,
    async stop() {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const killed = await Promise.race([exit.then(() => false), sleep(15_000).then(() => true)]);
      if (killed) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}

/** The API token the benchmark's app processes are started with. */
export const BENCH_TOKEN = 'bench-token-0123456789abcdef';

/**
 * The app with role api (writes tickets and queues their jobs; no workers) on the benchmark's
 * database, under a fresh queue prefix: a previous attempt's jobs under it are removed first.
 */
export async function startApiApp(ctx: { databaseUrl: string; redisUrl: string }, prefix: string, nodeArgs: string[] = []): Promise<AppProcess> {
  const redis = new Redis(ctx.redisUrl);
  await deleteKeys(redis, `${prefix}:*`).finally(() => redis.disconnect());
  return startAppProcess(
    {
      DATABASE_URL: ctx.databaseUrl,
      REDIS_URL: ctx.redisUrl,
      AFTERCARE_API_TOKEN: BENCH_TOKEN,
      AFTERCARE_ROLE: 'api',
      AFTERCARE_QUEUE_PREFIX: prefix,
      AFTERCARE_CONFIG: 'config/aftercare.example.yaml',
      LOG_LEVEL: 'silent',
    },
    process.cwd(),
    nodeArgs,
  );
}
