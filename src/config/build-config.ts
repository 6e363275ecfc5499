import { parseDuration } from '../core/duration.js';
import type {
  AftercareConfig,
  Calendar,
  ClockKind,
  ClockPolicy,
  Department,
  EscalationLevel,
  ProgressPreset,
  SeverityBudgets,
  TimeRange,
  WeeklyHours,
} from '../core/types.js';
import { builtInDefaultNotify } from './check-references.js';
import { CLOCK_KEYS, DAY_KEYS, toMinutes, type ClockKey, type FileConfig } from './file-schema.js';

export const CLOCK_KEY_TO_KIND: Record<ClockKey, ClockKind> = {
  firstResponse: 'first_response',
  contactCustomer: 'contact_customer',
  diagnosisPlan: 'diagnosis_plan',
  resolution: 'resolution',
  criticalStart: 'critical_start',
  resultNotice: 'result_notice',
  verificationCallback: 'verification_callback',
};

export const CLOCK_KIND_TO_KEY = Object.fromEntries(
  Object.entries(CLOCK_KEY_TO_KIND).map(([k, v]) => [v, k]),
) as Record<ClockKind, ClockKey>;

const H = 3_600_000;
const M = 60_000;

/** SPEC §4 defaults. */
export const DEFAULT_CLOCKS: Record<ClockKind, ClockPolicy> = {
  first_response: { budgets: { normal: 2 * H, urgent: 15 * M, critical: 15 * M }, businessHours: true, tiered: true },
  contact_customer: { budgets: { normal: H, urgent: H, critical: H }, businessHours: true, tiered: true },
  diagnosis_plan: { budgets: { normal: 4 * H, urgent: 4 * H, critical: 4 * H }, businessHours: true, tiered: true },
  resolution: { budgets: { normal: 24 * H, urgent: 12 * H, critical: 12 * H }, businessHours: true, tiered: true },
  critical_start: { budgets: { normal: 2 * H, urgent: 2 * H, critical: 2 * H }, businessHours: false, tiered: false },
  result_notice: { budgets: { normal: 24 * H, urgent: 24 * H, critical: 24 * H }, businessHours: false, tiered: false },
  verification_callback: {
    budgets: { normal: 72 * H, urgent: 72 * H, critical: 72 * H },
    businessHours: false,
    tiered: false,
  },
};

export const DEFAULT_TIERS = { vip: 0.5, standard: 1, 'at-risk': 0.75 } as const;

export const DEFAULT_PROGRESS_PRESETS: ProgressPreset[] = [
  { id: 'investigating', label: { en: 'Investigating the problem', 'zh-CN': '正在排查问题' } },
  { id: 'parts-ready', label: { en: 'Parts are ready', 'zh-CN': '配件已到位' } },
  { id: 'on-the-way', label: { en: 'Engineer on the way to site', 'zh-CN': '工程师正在赶往现场' } },
  { id: 'debugging', label: { en: 'Debugging on site', 'zh-CN': '正在现场调试' } },
];

/**
 * Turns a file that passed the schema and `checkReferences` into the core's configuration.
 */
export function buildConfig(file: FileConfig): AftercareConfig {
  const calendars: Record<string, Calendar> = {};
  for (const [calId, cal] of Object.entries(file.calendars)) {
    const weekly = {} as WeeklyHours;
    DAY_KEYS.forEach((day, i) => {
      const ranges: TimeRange[] = cal.hours[day].map((text) => {
        const [a, b] = text.split('-') as [string, string];
        return { start: toMinutes(a), end: toMinutes(b) };
      });
      weekly[(i + 1) as keyof WeeklyHours] = ranges.sort((x, y) => x.start - y.start);
    });
    calendars[calId] = { id: calId, timeZone: cal.timeZone, weekly, holidays: cal.holidays };
  }

  const departments: Department[] = file.departments.map((d) => ({
    id: d.id,
    name: d.name,
    channels: stringChannels(d.channels),
    ...(d.calendar !== undefined && { calendar: d.calendar }),
    staff: d.staff.map((s) => ({
      id: s.id,
      name: s.name,
      role: s.role,
      departmentId: d.id,
      language: s.language ?? file.defaultLanguage,
      ...(s.slack !== undefined && { slack: String(s.slack) }),
      ...(s.discord !== undefined && { discord: String(s.discord) }),
      ...(s.telegram !== undefined && { telegram: String(s.telegram) }),
    })),
  }));
  const complaint = file.routing.complaint;

  const clocks = {} as Record<ClockKind, ClockPolicy>;
  for (const key of CLOCK_KEYS) {
    const kind = CLOCK_KEY_TO_KIND[key];
    const base = DEFAULT_CLOCKS[kind];
    const given = file.sla.clocks[key];
    if (given === undefined) {
      clocks[kind] = base;
    } else if (typeof given === 'string') {
      const ms = parseDuration(given)!;
      clocks[kind] = { ...base, budgets: { normal: ms, urgent: ms, critical: ms } };
    } else {
      const budgets: SeverityBudgets = {
        normal: given.normal !== undefined ? parseDuration(given.normal)! : base.budgets.normal,
        urgent: given.urgent !== undefined ? parseDuration(given.urgent)! : base.budgets.urgent,
        critical: given.critical !== undefined ? parseDuration(given.critical)! : base.budgets.critical,
      };
      clocks[kind] = {
        budgets,
        businessHours: given.businessHours ?? base.businessHours,
        tiered: given.tiered ?? base.tiered,
      };
    }
  }

  const defaultAckTimeoutMs = parseDuration(file.escalation.ackTimeout)!;
  const chains: Record<string, EscalationLevel[]> = {};
  for (const [chainId, levels] of Object.entries(file.escalation.chains)) {
    chains[chainId] = levels.map((lvl) => ({
      notify: lvl.notify,
      ackTimeoutMs: lvl.ackTimeout !== undefined ? parseDuration(lvl.ackTimeout)! : defaultAckTimeoutMs,
    }));
  }
  if (!chains.default) {
    chains.default = builtInDefaultNotify(new Set(departments.map((d) => d.id))).map((notify) => ({ notify, ackTimeoutMs: defaultAckTimeoutMs }));
  }

  return {
    defaultLanguage: file.defaultLanguage,
    departments,
    calendars,
    routing: {
      inquiry: file.routing.inquiry,
      fault: file.routing.fault,
      suggestion: file.routing.suggestion,
      complaint: {
        always: complaint.always,
        defaultResponsible: complaint.defaultResponsible,
        responsibleRules: complaint.responsibleRules,
      },
    },
    sla: {
      reminderAt: file.sla.reminderAt,
      clocks,
      tiers: { ...DEFAULT_TIERS, ...stripUndefined(file.sla.tiers) },
    },
    escalation: {
      channels: stringChannels(file.escalation.channels),
      defaultAckTimeoutMs,
      chains,
    },
    progressPresets: file.progressPresets ?? DEFAULT_PROGRESS_PRESETS,
    lifecycle: {
      closeAfterMs: offOrMs(file.lifecycle.closeAfter),
      waitingReminderAfterMs: offOrMs(file.lifecycle.waitingReminderAfter),
      waitingCloseAfterMs: offOrMs(file.lifecycle.waitingCloseAfter),
      customerLinkTtlMs: parseDuration(file.lifecycle.customerLinkTtl)!,
    },
    privacy: {
      retentionDays: file.privacy.retentionDays === 'off' ? undefined : file.privacy.retentionDays,
      consentNotice: file.privacy.consentNotice,
    },
  };
}

function offOrMs(v: string): number | null {
  return v.trim() === 'off' ? null : parseDuration(v)!;
}

function stringChannels(c: { slack?: string | number | undefined; discord?: string | number | undefined; telegram?: string | number | undefined }) {
  return {
    ...(c.slack !== undefined && { slack: String(c.slack) }),
    ...(c.discord !== undefined && { discord: String(c.discord) }),
    ...(c.telegram !== undefined && { telegram: String(c.telegram) }),
  };
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}
