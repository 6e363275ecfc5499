/** Shared vocabulary of the core. Plain data, no behaviour. */

export const CATEGORIES = ['inquiry', 'fault', 'complaint', 'suggestion'] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES = ['normal', 'urgent', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const TIERS = ['vip', 'standard', 'at-risk'] as const;
export type Tier = (typeof TIERS)[number];

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

export const TICKET_STATUSES = [
  'new',
  'assigned',
  'in_progress',
  'waiting_customer',
  'resolved',
  'closed',
  'reopened',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const CLOCK_KINDS = [
  'first_response',
  'contact_customer',
  'diagnosis_plan',
  'resolution',
  'critical_start',
  'result_notice',
  'verification_callback',
] as const;
export type ClockKind = (typeof CLOCK_KINDS)[number];

export const STAFF_ROLES = ['agent', 'supervisor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const PLATFORMS = ['slack', 'discord', 'telegram'] as const;
export type Platform = (typeof PLATFORMS)[number];

export type Localized = Record<Language, string>;

export interface StaffMember {
  id: string;
  name: string;
  role: StaffRole;
  departmentId: string;
  language: Language;
  slack?: string;
  discord?: string;
  telegram?: string;
}

export interface DepartmentChannels {
  slack?: string;
  discord?: string;
  telegram?: string;
}

export interface Department {
  id: string;
  name: Localized;
  channels: DepartmentChannels;
  /** Id of a calendar in {@link Calendars}; absent = around the clock. */
  calendar?: string;
  staff: StaffMember[];
}

export interface TimeRange {
  /** Minutes from local midnight, 0..1440. */
  start: number;
  end: number;
}

/** Weekday index: 1 = Monday … 7 = Sunday (ISO, as luxon uses). */
export type WeeklyHours = Record<1 | 2 | 3 | 4 | 5 | 6 | 7, TimeRange[]>;

export interface Calendar {
  id: string;
  timeZone: string;
  weekly: WeeklyHours;
  /** Local dates `YYYY-MM-DD` with no business hours. */
  holidays: string[];
}

export type Calendars = Record<string, Calendar>;

/** Per-severity budgets in milliseconds. */
export type SeverityBudgets = Record<Severity, number>;

export interface ClockPolicy {
  budgets: SeverityBudgets;
  /** Whether the clock runs on the department's business-hours calendar. Critical always runs on wall-clock time. */
  businessHours: boolean;
  /** Whether the customer tier multiplier applies. */
  tiered: boolean;
}

export interface SlaPolicy {
  /** Fraction of the budget after which the owner is reminded (0..1). */
  reminderAt: number;
  clocks: Record<ClockKind, ClockPolicy>;
  /** Multiplier per tier applied to tiered budgets (e.g. vip 0.5 halves them). */
  tiers: Record<Tier, number>;
}

export interface ComplaintRouting {
  /** Departments always involved in a complaint (the customer-service supervisor). */
  always: string[];
  /** Responsible department when no rule matches. */
  defaultResponsible: string;
  /** Keyword rules (case-insensitive substring) picking the responsible department. */
  responsibleRules: { department: string; keywords: string[] }[];
}

export interface RoutingTable {
  inquiry: string[];
  fault: string[];
  suggestion: string[];
  complaint: ComplaintRouting;
}

export interface EscalationLevel {
  /** Staff ids to notify at this level. */
  notify: string[];
  /** How long this level has to acknowledge before the next one is pinged. */
  ackTimeoutMs: number;
}

export interface EscalationPolicy {
  channels: DepartmentChannels;
  defaultAckTimeoutMs: number;
  /** Chains per department id; `default` applies to departments without their own. */
  chains: Record<string, EscalationLevel[]>;
}

export interface ProgressPreset {
  id: string;
  label: Localized;
}

export interface FollowUpPolicy {
  surveyAfterResolveMs: number;
}

/** The YAML `lifecycle` section: durations in milliseconds, `null` = off. */
export interface LifecyclePolicy {
  /** A resolved ticket nobody confirms closes after this. */
  closeAfterMs: number | null;
  /** One reminder to a customer we have waited on this long. */
  waitingReminderAfterMs: number | null;
  /** A ticket waiting this long on the customer is resolved and closed. */
  waitingCloseAfterMs: number | null;
  /** How long a customer link stays valid. */
  customerLinkTtlMs: number;
}

/** The YAML `privacy` section (SPEC §9). */
export interface PrivacyPolicy {
  /** Customers whose last ticket closed longer ago than this many days are erased; undefined keeps them. */
  retentionDays: number | undefined;
  /** The one line the first intake message says about what is stored and why (defaults from the catalogue). */
  consentNotice: Localized | undefined;
}

export interface AftercareConfig {
  defaultLanguage: Language;
  departments: Department[];
  routing: RoutingTable;
  sla: SlaPolicy;
  calendars: Calendars;
  escalation: EscalationPolicy;
  progressPresets: ProgressPreset[];
  lifecycle: LifecyclePolicy;
  privacy: PrivacyPolicy;
}
