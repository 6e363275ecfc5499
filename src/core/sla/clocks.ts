import type { Calendar, Calendars, ClockKind, Severity, SlaPolicy, Tier } from '../types.js';
import { addWorkingTime, workingTimeBetween } from './calendar.js';

export type ClockStatus = 'running' | 'paused' | 'stopped';

/** One SLA clock of a ticket. Working time is counted on `calendarId` (null = wall clock). */
export interface SlaClock {
  kind: ClockKind;
  status: ClockStatus;
  /** Effective budget (tier applied), in working milliseconds. */
  budgetMs: number;
  /** Working time consumed by earlier, finished run segments (before pauses). */
  consumedMs: number;
  startedAt: Date;
  /** Start of the current run segment; null while paused or stopped. */
  segmentStartedAt: Date | null;
  deadline: Date | null;
  remindAt: Date | null;
  calendarId: string | null;
  stoppedAt: Date | null;
  /** When the pre-breach reminder was sent; at most once per clock start. */
  remindedAt: Date | null;
  /** When the deadline was found passed; at most once per clock start. */
  breachedAt: Date | null;
  /** Bumped on every change that moves the deadline, so scheduled jobs of an older version are ignored. */
  version: number;
}

export interface ClockContext {
  severity: Severity;
  tier: Tier;
  /** Calendar of the owning department, if it has one. */
  departmentCalendar: string | undefined;
  policy: SlaPolicy;
  calendars: Calendars;
}

export function budgetFor(kind: ClockKind, ctx: Pick<ClockContext, 'severity' | 'tier' | 'policy'>): number {
  const p = ctx.policy.clocks[kind];
  const base = p.budgets[ctx.severity];
  return Math.max(1000, Math.round(p.tiered ? base * ctx.policy.tiers[ctx.tier] : base));
}

/** Critical tickets and wall-clock clocks ignore business hours. */
export function calendarFor(kind: ClockKind, ctx: Pick<ClockContext, 'severity' | 'departmentCalendar' | 'policy'>): string | null {
  if (ctx.severity === 'critical') return null;
  if (!ctx.policy.clocks[kind].businessHours) return null;
  return ctx.departmentCalendar ?? null;
}

function cal(calendars: Calendars, id: string | null): Calendar | undefined {
  return id === null ? undefined : calendars[id];
}

function withDeadlines(clock: SlaClock, ctx: Pick<ClockContext, 'policy' | 'calendars'>): SlaClock {
  if (clock.status !== 'running' || clock.segmentStartedAt === null) return { ...clock, deadline: null, remindAt: null };
  const c = cal(ctx.calendars, clock.calendarId);
  const remaining = clock.budgetMs - clock.consumedMs;
  const deadline = addWorkingTime(clock.segmentStartedAt, Math.max(0, remaining), c);
  const remindRemaining = clock.budgetMs * ctx.policy.reminderAt - clock.consumedMs;
  const remindAt = remindRemaining > 0 ? addWorkingTime(clock.segmentStartedAt, remindRemaining, c) : null;
  return { ...clock, deadline, remindAt };
}

export function startClock(kind: ClockKind, ctx: ClockContext, now: Date, version = 1): SlaClock {
  return withDeadlines(
    {
      kind,
      status: 'running',
      budgetMs: budgetFor(kind, ctx),
      consumedMs: 0,
      startedAt: now,
      segmentStartedAt: now,
      deadline: null,
      remindAt: null,
      calendarId: calendarFor(kind, ctx),
      stoppedAt: null,
      remindedAt: null,
      breachedAt: null,
      version,
    },
    ctx,
  );
}

export function pauseClock(clock: SlaClock, ctx: Pick<ClockContext, 'policy' | 'calendars'>, now: Date): SlaClock {
  if (clock.status !== 'running' || clock.segmentStartedAt === null) return clock;
  const used = workingTimeBetween(clock.segmentStartedAt, now, cal(ctx.calendars, clock.calendarId));
  return { ...clock, status: 'paused', consumedMs: clock.consumedMs + used, segmentStartedAt: null, deadline: null, remindAt: null, version: clock.version + 1 };
}

export function resumeClock(clock: SlaClock, ctx: Pick<ClockContext, 'policy' | 'calendars'>, now: Date): SlaClock {
  if (clock.status !== 'paused') return clock;
  return withDeadlines({ ...clock, status: 'running', segmentStartedAt: now, version: clock.version + 1 }, ctx);
}

export function stopClock(clock: SlaClock, now: Date): SlaClock {
  if (clock.status === 'stopped') return clock;
  return { ...clock, status: 'stopped', stoppedAt: now, segmentStartedAt: null, deadline: null, remindAt: null, version: clock.version + 1 };
}

/** Recomputes a running or paused clock for a new severity/tier, keeping the time already used. */
export function rebudgetClock(clock: SlaClock, ctx: ClockContext): SlaClock {
  if (clock.status === 'stopped') return clock;
  const next = { ...clock, budgetMs: budgetFor(clock.kind, ctx), calendarId: calendarFor(clock.kind, ctx), version: clock.version + 1 };
  return withDeadlines(next, ctx);
}

/** Working time left before the deadline (negative when overdue); null unless running. */
export function remainingMs(clock: SlaClock, calendars: Calendars, now: Date): number | null {
  if (clock.status !== 'running' || clock.segmentStartedAt === null || clock.deadline === null) return null;
  const c = cal(calendars, clock.calendarId);
  if (now <= clock.deadline) return workingTimeBetween(now, clock.deadline, c);
  return -(now.getTime() - clock.deadline.getTime());
}
