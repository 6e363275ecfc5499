import { z } from 'zod';
import { parseDuration } from '../core/duration.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const duration = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .refine((v) => parseDuration(v) !== undefined, 'must be a duration such as 30s, 5m or 1h')
    .transform((v) => parseDuration(v)!);

/** A number variable; the message quotes what was given (numbers are never secrets). */
const numberVar = (fallback: number, o: { whole: boolean; min: number; max?: number; rule: string }) =>
  z
    .string()
    .trim()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return fallback;
      const n = Number(s);
      if (!(o.whole ? /^\d+$/ : /^\d+(\.\d+)?$/).test(s)) {
        ctx.addIssue({ code: 'custom', message: `must be ${o.whole ? 'a whole number' : 'a number'} (got "${s}")` });
        return z.NEVER;
      }
      if (n < o.min || (o.max !== undefined && n > o.max)) {
        ctx.addIssue({ code: 'custom', message: `must be ${o.rule} (got "${s}")` });
        return z.NEVER;
      }
      return n;
    });

const positive = (fallback: number) =>
  numberVar(fallback, { whole: false, min: Number.MIN_VALUE, rule: 'a positive number' });
const count = (fallback: number, max?: number) =>
  numberVar(fallback, { whole: true, min: 1, ...(max !== undefined && { max }), rule: max ? `a whole number from 1 to ${max}` : 'a whole number of at least 1' });

const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

export const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .default('postgres://postgres@127.0.0.1:5432/aftercare')
    .refine((s) => /^postgres(ql)?:\/\//.test(s), 'must be a postgres:// URL'),
  REDIS_URL: z
    .string()
    .trim()
    .default('redis://127.0.0.1:6379')
    .refine((s) => /^rediss?:\/\//.test(s), 'must be a redis:// or rediss:// URL'),
  PORT: numberVar(3000, { whole: true, min: 0, max: 65535, rule: 'a port number from 0 to 65535' }),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  // Any single word works (a short one gets a warning at start); it travels as "Bearer <token>".
  AFTERCARE_API_TOKEN: optionalText.pipe(z.string().regex(/^\S+$/, 'must be one word without spaces').optional()),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  AFTERCARE_CONFIG: z.string().trim().min(1).default('config/aftercare.yaml'),
  AFTERCARE_ROLE: z.enum(['all', 'api', 'worker'], { error: 'must be one of all, api, worker' }).default('all'),
  AFTERCARE_QUEUE_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_{}-]+$/, 'must be letters, digits, "_", "-" or braces')
    .default('aftercare'),
  AFTERCARE_RECONCILE_INTERVAL: duration('5m'),
  AFTERCARE_OUTBOX_SWEEP_INTERVAL: duration('2s'),
  AFTERCARE_OUTBOX_LEASE: duration('10s'),
  AFTERCARE_OUTBOX_CONCURRENCY: count(50, 1000),
  AFTERCARE_OUTBOX_MAX_ATTEMPTS: count(25),
  AFTERCARE_TIMER_CONCURRENCY: count(200, 1000),
  AFTERCARE_TIMER_BATCH: count(50, 1000),
  // Base of the customer links (GET /api/tickets/:number/customer-link); default: this server's own address.
  AFTERCARE_PUBLIC_URL: optionalText.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://help.example.com' }).optional()),
  // GET /metrics answers without the API token (for a scraper on a private network).
  AFTERCARE_METRICS_PUBLIC: z.stringbool({ error: 'must be true or false' }).default(false),
  AFTERCARE_WEBHOOK_URL: optionalText.pipe(z.url({ error: 'must be an http(s) URL' }).optional()),
  AFTERCARE_WEBHOOK_SECRET: optionalText,
  AFTERCARE_WEBHOOK_RATE: positive(30),
  AFTERCARE_WEBHOOK_PER_DESTINATION_RATE: positive(1),
  TELEGRAM_BOT_TOKEN: optionalText.pipe(z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'must look like 123456:ABC-DEF… (from @BotFather)').optional()),
  TELEGRAM_API_URL: optionalText.pipe(z.url({ error: 'must be an http(s) URL' }).optional()),
  TELEGRAM_WEBHOOK_URL: optionalText.pipe(z.url({ error: 'must be an https URL Telegram can reach' }).optional()),
  TELEGRAM_WEBHOOK_SECRET: optionalText.pipe(
    z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 characters of A-Z, a-z, 0-9, _ and -').optional(),
  ),
  SLACK_BOT_TOKEN: optionalText.pipe(z.string().regex(/^\S+$/, 'must be one word (the xoxb-… bot token)').optional()),
  SLACK_SIGNING_SECRET: optionalText.pipe(z.string().regex(/^\S+$/, 'must be one word (Basic Information → Signing Secret)').optional()),
  SLACK_APP_TOKEN: optionalText.pipe(z.string().regex(/^xapp-\S+$/, 'must be an app-level token starting with xapp-').optional()),
  SLACK_API_URL: optionalText.pipe(z.url({ error: 'must be an http(s) URL' }).optional()),
  SLACK_DEFAULT_CHANNEL: optionalText.pipe(z.string().regex(/^[A-Z0-9]+$/, 'must be a Slack channel id such as C0123456789').optional()),
  DISCORD_BOT_TOKEN: optionalText.pipe(z.string().regex(/^\S+$/, 'must be one word (Bot → Token in the Developer Portal)').optional()),
  DISCORD_APPLICATION_ID: optionalText.pipe(z.string().regex(/^\d{5,25}$/, 'must be the application id (a snowflake of digits)').optional()),
  DISCORD_PUBLIC_KEY: optionalText.pipe(z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the 64 hex characters of General Information → Public Key').optional()),
  DISCORD_API_URL: optionalText.pipe(z.url({ error: 'must be an http(s) URL' }).optional()),
  DISCORD_DEFAULT_CHANNEL: optionalText.pipe(z.string().regex(/^\d{5,25}$/, 'must be a Discord channel id (a snowflake of digits)').optional()),
  DISCORD_GUILD_ID: optionalText.pipe(z.string().regex(/^\d{5,25}$/, 'must be a Discord server (guild) id (a snowflake of digits)').optional()),
});

export const checkedEnvSchema = envSchema.superRefine((env, ctx) => {
  if (env.TELEGRAM_WEBHOOK_URL && !env.TELEGRAM_WEBHOOK_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['TELEGRAM_WEBHOOK_SECRET'], message: 'is required when TELEGRAM_WEBHOOK_URL is set' });
  }
  if (env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
    ctx.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET'], message: 'is required when SLACK_BOT_TOKEN is set (or set SLACK_APP_TOKEN for Socket Mode)' });
  }
  if (env.DISCORD_BOT_TOKEN && !env.DISCORD_APPLICATION_ID) {
    ctx.addIssue({ code: 'custom', path: ['DISCORD_APPLICATION_ID'], message: 'is required when DISCORD_BOT_TOKEN is set' });
  }
  if ((env.DISCORD_APPLICATION_ID || env.DISCORD_PUBLIC_KEY) && !env.DISCORD_BOT_TOKEN) {
    ctx.addIssue({ code: 'custom', path: ['DISCORD_BOT_TOKEN'], message: 'is required when DISCORD_APPLICATION_ID or DISCORD_PUBLIC_KEY is set' });
  }
  if ((env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN) && !env.SLACK_BOT_TOKEN) {
    ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'is required when SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set' });
  }
});

export type Env = z.infer<typeof envSchema>;
