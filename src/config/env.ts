import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
  PORT: z.coerce.number().int('must be a whole number').min(0).max(65535, 'must be a port number (0-65535)').default(3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  AFTERCARE_API_TOKEN: optionalText.pipe(
    z.string().min(16, 'must be at least 16 characters').optional(),
  ),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  AFTERCARE_CONFIG: z.string().trim().min(1).default('config/aftercare.yaml'),
  AFTERCARE_ROLE: z.enum(['all', 'api', 'worker'], { error: 'must be one of all, api, worker' }).default('all'),
});

export type Env = z.infer<typeof envSchema>;
