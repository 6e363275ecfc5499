import { DateTime } from 'luxon';
import { z } from 'zod';
import { parseDuration } from '../core/duration.js';
import { CATEGORIES, LANGUAGES, SEVERITIES, STAFF_ROLES, TIERS } from '../core/types.js';

/** The YAML file as written by an admin, before cross-references are checked. */

const duration = z.string({ error: 'must be a duration such as 15m, 2h or 3d' }).refine(
  (s) => parseDuration(s) !== undefined,
  'must be a duration such as 15m, 2h or 3d',
);

const durationOrOff = z.string({ error: 'must be a duration such as 24h or 7d, or off' }).refine(
  (s) => s.trim() === 'off' || parseDuration(s) !== undefined,
  'must be a duration such as 24h or 7d, or off',
);

const platformId = z.union([z.string().trim().min(1), z.number()]).refine((v) => typeof v === 'string', {
  message: 'must be a string: quote platform ids in YAML so large numbers keep every digit',
});

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-_.]*$/, 'must be lowercase letters, digits, "-", "_" or "." (e.g. customer-service)');

const localized = z.object({ en: z.string().min(1), 'zh-CN': z.string().min(1) }, { error: 'must have en and zh-CN names' });

const channels = z
  .object({ slack: platformId.optional(), discord: platformId.optional(), telegram: platformId.optional() })
  .strict()
  .default({});

const staff = z
  .object({
    id,
    name: z.string().min(1),
    role: z.enum(STAFF_ROLES, { error: `must be one of ${STAFF_ROLES.join(', ')}` }),
    language: z.enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(', ')}` }).optional(),
    slack: platformId.optional(),
    discord: platformId.optional(),
    telegram: platformId.optional(),
  })
  .strict();

const department = z
  .object({
    id,
    name: localized,
    calendar: z.string().optional(),
    channels,
    staff: z.array(staff).default([]),
  })
  .strict();

const HHMM = /^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;
const range = z.string().regex(HHMM, 'must be a time range such as 09:00-18:00');
const DAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Minutes since midnight of "HH:MM". */
export function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

const holiday = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => !/^\d{4}-\d{2}-\d{2}$/.test(s) || DateTime.fromISO(s).isValid, 'must be a real calendar date (YYYY-MM-DD)');

const calendar = z
  .object({
    timeZone: z.string().refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Asia/Shanghai'),
    hours: z.object(Object.fromEntries(DAY_KEYS.map((d) => [d, z.array(range).default([])])) as Record<
      (typeof DAY_KEYS)[number],
      z.ZodDefault<z.ZodArray<typeof range>>
    >).strict(),
    holidays: z.array(holiday).default([]),
  })
  .strict()
  .superRefine((cal, ctx) => {
    let working = false;
    for (const day of DAY_KEYS) {
      const ranges = cal.hours[day].flatMap((text, j) => {
        if (!HHMM.test(text)) return []; // reported by the range schema
        const [a, b] = text.split('-') as [string, string];
        const r = { start: toMinutes(a), end: toMinutes(b), j };
        if (r.end <= r.start || r.end > 1440) {
          ctx.addIssue({ code: 'custom', path: ['hours', day, j], message: 'end must be after start, at most 24:00' });
        }
        return [r];
      });
      working ||= ranges.length > 0;
      ranges.sort((x, y) => x.start - y.start);
      if (ranges.some((r, k) => k > 0 && r.start < ranges[k - 1]!.end)) {
        ctx.addIssue({ code: 'custom', path: ['hours', day], message: 'time ranges must not overlap' });
      }
    }
    if (!working) ctx.addIssue({ code: 'custom', path: ['hours'], message: 'must have working hours on at least one day' });
  });

const severityBudgets = z
  .object({
    normal: duration.optional(),
    urgent: duration.optional(),
    critical: duration.optional(),
    businessHours: z.boolean().optional(),
    tiered: z.boolean().optional(),
  })
  .strict();

const clock = z.union([duration, severityBudgets], { error: 'must be a duration or {normal, urgent, critical}' });

export const CLOCK_KEYS = [
  'firstResponse',
  'contactCustomer',
  'diagnosisPlan',
  'resolution',
  'criticalStart',
  'resultNotice',
  'verificationCallback',
] as const;
export type ClockKey = (typeof CLOCK_KEYS)[number];

const level = z
  .object({
    notify: z.array(z.string().min(1)).min(1, 'must name at least one staff id, "supervisors" or "supervisors:<department>"'),
    ackTimeout: duration.optional(),
  })
  .strict();

export const fileSchema = z
  .object({
    defaultLanguage: z.enum(LANGUAGES).default('en'),
    calendars: z.record(z.string(), calendar).default({}),
    departments: z.array(department).min(1, 'must list at least one department'),
    routing: z
      .object({
        inquiry: z.array(z.string()).min(1),
        fault: z.array(z.string()).min(1),
        suggestion: z.array(z.string()).min(1),
        complaint: z
          .object({
            always: z.array(z.string()).default([]),
            defaultResponsible: z.string(),
            responsibleRules: z
              .array(z.object({ department: z.string(), keywords: z.array(z.string().min(1)).min(1) }).strict())
              .default([]),
          })
          .strict(),
      })
      .strict(),
    sla: z
      .object({
        reminderAt: z.number().gt(0, 'must be between 0 and 1').lt(1, 'must be between 0 and 1').default(0.75),
        clocks: z.object(Object.fromEntries(CLOCK_KEYS.map((k) => [k, clock.optional()])) as Record<ClockKey, z.ZodOptional<typeof clock>>).strict().default({}),
        tiers: z
          .object(Object.fromEntries(TIERS.map((t) => [t, z.number().positive('must be a positive multiplier').optional()])) as Record<(typeof TIERS)[number], z.ZodOptional<z.ZodNumber>>)
          .strict()
          .default({}),
      })
      .strict()
      .default({ reminderAt: 0.75, clocks: {}, tiers: {} }),
    escalation: z
      .object({
        ackTimeout: duration.default('15m'),
        channels,
        chains: z.record(z.string(), z.array(level).min(1)).default({}),
      })
      .strict()
      .default({ ackTimeout: '15m', channels: {}, chains: {} }),
    progressPresets: z
      .array(z.object({ id, label: localized }).strict())
      .optional(),
    lifecycle: z
      .object({
        closeAfter: durationOrOff.default('7d'),
        waitingReminderAfter: durationOrOff.default('24h'),
        waitingCloseAfter: durationOrOff.default('7d'),
        customerLinkTtl: duration.default('14d'),
      })
      .strict()
      .default({ closeAfter: '7d', waitingReminderAfter: '24h', waitingCloseAfter: '7d', customerLinkTtl: '14d' }),
    privacy: z
      .object({
        retentionDays: z
          .union([z.literal('off'), z.number().int('must be a whole number of days').positive('must be a positive number of days')])
          .default('off'),
        consentNotice: localized.optional(),
      })
      .strict()
      .default({ retentionDays: 'off' }),
  })
  .strict();

export type FileConfig = z.infer<typeof fileSchema>;
export { DAY_KEYS, CATEGORIES, SEVERITIES };
