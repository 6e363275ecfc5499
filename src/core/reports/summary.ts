/**
 * The shapes of the report aggregates (SPEC §8, issue "Reports"): what the API answers, the
 * chat command summarises and the dashboard draws. Plain data plus the rounding rules.
 */
import type { Category, Severity, Tier } from '../types.js';
import type { SlaClockKind } from './facts.js';

export const REPORT_CHANNELS = ['telegram', 'api', 'slack', 'discord', 'web', 'system'] as const;
export type ReportChannel = (typeof REPORT_CHANNELS)[number];

export const REPORT_DIMENSIONS = ['department', 'owner', 'category', 'severity', 'channel'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

export const REPORT_INTERVALS = ['day', 'week', 'month'] as const;
export type ReportInterval = (typeof REPORT_INTERVALS)[number];

export interface ReportFilters {
  department?: string | undefined;
  owner?: string | undefined;
  category?: Category | undefined;
  severity?: Severity | undefined;
  channel?: ReportChannel | undefined;
  tier?: Tier | undefined;
}

/** A period [from, to) and the filters; `tz` is the IANA zone periods and buckets are read in. */
export interface ReportQuery {
  from: Date;
  to: Date;
  tz: string;
  filters: ReportFilters;
}

export interface DurationStats {
  n: number;
  medianS: number | null;
  p90S: number | null;
  meanS: number | null;
  businessMedianS: number | null;
  businessP90S: number | null;
}

export interface ClockCompliance {
  met: number;
  breached: number;
  compliancePct: number | null;
}

export interface ReportSummary {
  period: { from: string; to: string; tz: string };
  filters: ReportFilters;
  volume: { created: number; resolved: number; closed: number; reopened: number };
  /** Open now by severity and age; `atPeriodEnd`: open at `to` (created before it, not resolved or closed then). */
  backlog: {
    open: number;
    bySeverity: Record<Severity, number>;
    byAge: Record<BacklogAge, number>;
    atPeriodEnd: { open: number; bySeverity: Record<Severity, number> };
  };
  firstResponse: DurationStats;
  timeToClaim: DurationStats;
  timeToContact: DurationStats;
  /** Created → final resolve. */
  resolution: DurationStats;
  /** Created → first resolve. */
  resolutionFirst: DurationStats;
  sla: Record<SlaClockKind, ClockCompliance>;
  within24hPct: number | null;
  fcrPct: number | null;
  reopenRatePct: number | null;
  csat: { n: number; mean: number | null; satisfiedPct: number | null; responseRatePct: number | null };
  nps: { n: number; score: number | null; promoters: number; passives: number; detractors: number };
  complaintRatePct: number | null;
  escalations: { n: number; byTrigger: Record<string, number>; ackMedianS: number | null };
  verification: { n: number; stillFixedPct: number | null };
}

export const BACKLOG_AGES = ['lt1d', '1to3d', '3to7d', 'gt7d'] as const;
export type BacklogAge = (typeof BACKLOG_AGES)[number];

export interface TimeseriesPoint {
  /** Start of the bucket, ISO 8601 with the offset of `tz`. */
  t: string;
  value: number | null;
  n: number;
}

export interface Timeseries {
  metric: string;
  interval: ReportInterval;
  series: { key: string; points: TimeseriesPoint[] }[];
}

export interface AgentRow {
  staffId: string;
  claimed: number;
  resolved: number;
  frtMedianS: number | null;
  ttrMedianS: number | null;
  csatMean: number | null;
  reopenRatePct: number | null;
}

export interface DepartmentRow {
  departmentId: string;
  created: number;
  resolved: number;
  /** Open now (not resolved or closed). */
  open: number;
  frtMedianS: number | null;
  ttrMedianS: number | null;
  csatMean: number | null;
  reopenRatePct: number | null;
}

/** A percentage 0–100 with one decimal; null when there is nothing to divide by (never 0). */
export function pct(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((1000 * part) / whole) / 10 : null;
}

/** A figure with one decimal, or null. */
export function round1(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10) / 10;
}
