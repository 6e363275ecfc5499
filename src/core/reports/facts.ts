/**
 * Per-ticket report figures (SPEC §8), folded from the ticket's events as they are committed.
 *
 * `foldFacts(prev, ticket, events, ctx)` continues from the facts kept so far, so a store
 * updates the facts row in the transaction that appends the events without reading the event
 * log back. Every duration exists in calendar seconds (`…S`) and in business seconds of the
 * owning department's calendar (`…Bs`); critical tickets count calendar time for both, as
 * their SLA clocks do.
 *
 * Pure: no I/O, no clock (every instant comes from an event).
 */
import { workingTimeBetween } from '../sla/calendar.js';
import type { Calendar, Category, ClockKind, Severity, Tier } from '../types.js';

/** The clocks with a deadline staff can miss; the verification callback is a moment to ask, not a target. */
export const SLA_CLOCKS = ['first_response', 'contact_customer', 'diagnosis_plan', 'resolution', 'critical_start', 'result_notice'] as const satisfies readonly ClockKind[];
export type SlaClockKind = (typeof SLA_CLOCKS)[number];

export type SlaOutcome = 'met' | 'breached' | 'running' | 'n/a';
export type VerificationOutcome = 'still_fixed' | 'problem_again' | 'no_answer';

/** Working state of the fold that the figures do not show. */
export interface FoldState {
  /** Epoch ms since when the ticket waits on the customer; null when it does not. */
  pausedSince: number | null;
  pausedMs: number;
  pausedBusinessMs: number;
  /** A customer message arrived after the first staff response and before the first resolve. */
  customerSpokeAfterResponse: boolean;
  /** Per SLA clock: live (running or paused), breached at (epoch ms), last stop (epoch ms). */
  clocks: Partial<Record<SlaClockKind, { live: boolean; breachedAt: number | null; stoppedAt: number | null }>>;
}

export interface EscalationFact {
  id: string;
  trigger: string;
  /** Highest level reached. */
  level: number;
  at: string;
  /** Seconds from escalation to acknowledgement; null while not acknowledged. */
  ackS: number | null;
}

type SlaColumns = {
  [K in SlaClockKind as `sla${Camel<K>}`]: SlaOutcome;
} & {
  [K in SlaClockKind as `sla${Camel<K>}At`]: Date | null;
};
type Camel<S extends string> = S extends `${infer A}_${infer B}` ? `${Capitalize<A>}${Camel<B>}` : Capitalize<S>;

/** One ticket's figures; the property names are the columns of the `ticket_facts` table. */
export interface TicketFacts extends SlaColumns {
  ticketId: string;
  number: string;
  channel: string;
  category: Category;
  severity: Severity;
  tier: Tier;
  departmentId: string;
  departments: string[];
  ownerId: string | null;
  status: string;
  createdAt: Date;
  updatedAt: Date;
  firstClaimedAt: Date | null;
  firstResponseAt: Date | null;
  firstContactAt: Date | null;
  firstResolvedAt: Date | null;
  lastResolvedAt: Date | null;
  firstReopenedAt: Date | null;
  closedAt: Date | null;
  timeToClaimS: number | null;
  timeToClaimBs: number | null;
  firstResponseS: number | null;
  firstResponseBs: number | null;
  timeToContactS: number | null;
  timeToContactBs: number | null;
  resolutionFirstS: number | null;
  resolutionFirstBs: number | null;
  resolutionLastS: number | null;
  resolutionLastBs: number | null;
  pausedS: number;
  pausedBs: number;
  resolutionNetS: number | null;
  resolutionNetBs: number | null;
  reopenCount: number;
  /** First-contact resolution; null until the ticket is resolved. */
  fcr: boolean | null;
  complaint: boolean;
  escalationCount: number;
  escalationTrigger: string | null;
  escalationLevel: number;
  escalationAckS: number | null;
  escalations: EscalationFact[];
  surveySent: boolean;
  csat: number | null;
  nps: number | null;
  verification: VerificationOutcome | null;
  fold: FoldState;
}

/** The ticket as it stands after the change (dimensions are taken from here, not from the events). */
export interface FactsTicket {
  id: string;
  number: string;
  source: string;
  category: Category;
  severity: Severity;
  tier: Tier;
  primaryDepartmentId: string;
  departments: string[];
  ownerId: string | null;
  status: string;
  createdAt: Date;
}

export interface FactsEvent {
  type: string;
  actor: { kind: string };
  data: Readonly<Record<string, unknown>>;
  at: Date;
}

export interface FactsContext {
  /** The business-hours calendar of a department; undefined = around the clock. */
  calendarOf(departmentId: string): Calendar | undefined;
}

/** Staff messages that reach the customer and count as a response (SPEC §8). */
const STAFF_MESSAGES: ReadonlySet<string> = new Set(['ticket.replied', 'ticket.progress', 'ticket.delay_explained']);

const seconds = (ms: number): number => Math.round(ms / 1000);

export function clockColumn(kind: SlaClockKind): `sla${Camel<SlaClockKind>}` {
  return `sla${kind.split('_').map((p) => p[0]!.toUpperCase() + p.slice(1)).join('')}` as `sla${Camel<SlaClockKind>}`;
}

/** Every clock's outcome and moment before anything happened (built once: a fold of a new ticket starts from it). */
const EMPTY_SLA = Object.freeze(Object.fromEntries(SLA_CLOCKS.flatMap((k) => [[clockColumn(k), 'n/a'], [`${clockColumn(k)}At`, null]])) as SlaColumns);

export function emptyFacts(t: FactsTicket): TicketFacts {
  return {
    ...EMPTY_SLA,
    ticketId: t.id,
    number: t.number,
    channel: t.source,
    category: t.category,
    severity: t.severity,
    tier: t.tier,
    departmentId: t.primaryDepartmentId,
    departments: [...t.departments],
    ownerId: t.ownerId,
    status: t.status,
    createdAt: t.createdAt,
    updatedAt: t.createdAt,
    firstClaimedAt: null,
    firstResponseAt: null,
    firstContactAt: null,
    firstResolvedAt: null,
    lastResolvedAt: null,
    firstReopenedAt: null,
    closedAt: null,
    timeToClaimS: null,
    timeToClaimBs: null,
    firstResponseS: null,
    firstResponseBs: null,
    timeToContactS: null,
    timeToContactBs: null,
    resolutionFirstS: null,
    resolutionFirstBs: null,
    resolutionLastS: null,
    resolutionLastBs: null,
    pausedS: 0,
    pausedBs: 0,
    resolutionNetS: null,
    resolutionNetBs: null,
    reopenCount: 0,
    fcr: null,
    complaint: t.category === 'complaint',
    escalationCount: 0,
    escalationTrigger: null,
    escalationLevel: 0,
    escalationAckS: null,
    escalations: [],
    surveySent: false,
    csat: null,
    nps: null,
    verification: null,
    fold: { pausedSince: null, pausedMs: 0, pausedBusinessMs: 0, customerSpokeAfterResponse: false, clocks: {} },
  };
}

/** The facts after `events` (in commit order), continuing from `prev` (undefined for a new ticket). */
export function foldFacts(prev: TicketFacts | undefined, ticket: FactsTicket, events: readonly FactsEvent[], ctx: FactsContext): TicketFacts {
  const base = prev ?? emptyFacts(ticket);
  const f: TicketFacts = {
    ...base,
    departments: [...ticket.departments],
    escalations: base.escalations.map((e) => ({ ...e })),
    fold: { ...base.fold, clocks: Object.fromEntries(Object.entries(base.fold.clocks).map(([k, v]) => [k, { ...v }])) },
  };
  // Dimensions follow the ticket (reclassification, re-routing, reassignment).
  f.category = ticket.category;
  f.severity = ticket.severity;
  f.tier = ticket.tier;
  f.departmentId = ticket.primaryDepartmentId;
  f.ownerId = ticket.ownerId;
  f.status = ticket.status;
  f.complaint = f.complaint || ticket.category === 'complaint';
  const calendar = ticket.severity === 'critical' ? undefined : ctx.calendarOf(ticket.primaryDepartmentId);
  const created = f.createdAt.getTime();
  const span = (from: number, to: number): [number, number] => {
    const [ms, businessMs] = spanMs(from, to);
    return [seconds(ms), seconds(businessMs)];
  };
  const spanMs = (from: number, to: number): [number, number] => [to - from, workingTimeBetween(new Date(from), new Date(to), calendar)];
  for (const e of events) {
    // Record-keeping about the person, not the service: no figure moves (SPEC §8, §9).
    if (e.type === 'customer.erased') continue;
    const at = e.at.getTime();
    if (at > f.updatedAt.getTime()) f.updatedAt = e.at;
    applyEvent(f, e, at, created, span, spanMs);
  }
  f.fcr = f.firstResolvedAt === null ? null : f.reopenCount === 0 && !f.fold.customerSpokeAfterResponse;
  for (const k of SLA_CLOCKS) writeClock(f, k);
  return f;
}

type Span = (from: number, to: number) => [number, number];

function applyEvent(f: TicketFacts, e: FactsEvent, at: number, created: number, span: Span, spanMs: Span): void {
  const d = e.data;
  if (STAFF_MESSAGES.has(e.type) && e.actor.kind === 'staff') {
    if (f.firstResponseAt === null) {
      f.firstResponseAt = e.at;
      [f.firstResponseS, f.firstResponseBs] = span(created, at);
    }
    if (f.firstContactAt === null && f.firstClaimedAt !== null) {
      f.firstContactAt = e.at;
      [f.timeToContactS, f.timeToContactBs] = span(f.firstClaimedAt.getTime(), at);
    }
    return;
  }
  switch (e.type) {
    case 'ticket.claimed':
    case 'ticket.reassigned':
      if (f.firstClaimedAt === null) {
        f.firstClaimedAt = e.at;
        [f.timeToClaimS, f.timeToClaimBs] = span(created, at);
      }
      return;
    case 'ticket.status_changed':
      return statusChanged(f, String(d.from), String(d.to), e.at, created, span, spanMs);
    case 'ticket.resolved':
      f.surveySent = true;
      return;
    case 'ticket.reopened':
      f.reopenCount += 1;
      f.firstReopenedAt ??= e.at;
      return;
    case 'customer.message':
      if (f.firstResponseAt !== null && f.firstResolvedAt === null) f.fold.customerSpokeAfterResponse = true;
      return;
    case 'survey.answered':
      if (typeof d.csat === 'number') f.csat ??= d.csat;
      if (typeof d.nps === 'number') f.nps = d.nps;
      return;
    case 'followup.verification_sent':
      f.verification ??= 'no_answer';
      return;
    case 'followup.verification_answered':
      f.verification = d.stillFixed === true ? 'still_fixed' : 'problem_again';
      return;
    case 'ticket.escalated':
      f.escalations.push({ id: String(d.escalationId), trigger: String(d.trigger), level: Number(d.level) || 1, at: e.at.toISOString(), ackS: null });
      summariseEscalations(f);
      return;
    case 'escalation.level_up': {
      const esc = f.escalations.find((x) => x.id === d.escalationId);
      if (esc) esc.level = Math.max(esc.level, Number(d.level) || esc.level);
      summariseEscalations(f);
      return;
    }
    case 'escalation.acknowledged': {
      const esc = f.escalations.find((x) => x.id === d.escalationId);
      if (esc && esc.ackS === null) esc.ackS = seconds(at - new Date(esc.at).getTime());
      summariseEscalations(f);
      return;
    }
    case 'sla.clock_started':
    case 'sla.clock_resumed':
    case 'sla.clock_rescheduled':
    case 'sla.clock_paused':
    case 'sla.clock_stopped':
    case 'sla.breached': {
      const kind = slaKind(d.clock);
      if (!kind) return;
      const c = (f.fold.clocks[kind] ??= { live: true, breachedAt: null, stoppedAt: null });
      if (e.type === 'sla.clock_stopped') {
        c.live = false;
        c.stoppedAt = at;
      } else if (e.type === 'sla.breached') c.breachedAt ??= at;
      else c.live = true;
      return;
    }
    default:
      return;
  }
}

function statusChanged(f: TicketFacts, from: string, to: string, at: Date, created: number, span: Span, spanMs: Span): void {
  const t = at.getTime();
  const fold = f.fold;
  if (from === 'waiting_customer' && fold.pausedSince !== null) {
    // Kept in ms so that many short pauses do not add up rounding errors.
    const [ms, businessMs] = spanMs(fold.pausedSince, t);
    fold.pausedMs += ms;
    fold.pausedBusinessMs += businessMs;
    fold.pausedSince = null;
    f.pausedS = seconds(fold.pausedMs);
    f.pausedBs = seconds(fold.pausedBusinessMs);
  }
  if (to === 'waiting_customer' && fold.pausedSince === null) fold.pausedSince = t;
  if (to === 'resolved') {
    if (f.firstResolvedAt === null) {
      f.firstResolvedAt = at;
      [f.resolutionFirstS, f.resolutionFirstBs] = span(created, t);
    }
    f.lastResolvedAt = at;
    [f.resolutionLastS, f.resolutionLastBs] = span(created, t);
    f.resolutionNetS = Math.max(0, f.resolutionLastS - f.pausedS);
    f.resolutionNetBs = Math.max(0, f.resolutionLastBs - f.pausedBs);
  }
  if (to === 'closed') f.closedAt = at;
}

function summariseEscalations(f: TicketFacts): void {
  f.escalationCount = f.escalations.length;
  f.escalationTrigger = f.escalations[0]?.trigger ?? null;
  f.escalationLevel = f.escalations.reduce((m, e) => Math.max(m, e.level), 0);
  f.escalationAckS = f.escalations[0]?.ackS ?? null;
}

function slaKind(v: unknown): SlaClockKind | undefined {
  return (SLA_CLOCKS as readonly unknown[]).includes(v) ? (v as SlaClockKind) : undefined;
}

/**
 * A clock that breached once stays breached (with the first breach time), even when a later
 * run, after a reopen, is met; otherwise it is running while live and met once stopped.
 */
function writeClock(f: TicketFacts, k: SlaClockKind): void {
  const c = f.fold.clocks[k];
  const col = clockColumn(k);
  const at = `${col}At` as const;
  if (!c) {
    f[col] = 'n/a';
    f[at] = null;
  } else if (c.breachedAt !== null) {
    f[col] = 'breached';
    f[at] = new Date(c.breachedAt);
  } else if (c.live) {
    f[col] = 'running';
    f[at] = null;
  } else {
    f[col] = 'met';
    f[at] = c.stoppedAt === null ? null : new Date(c.stoppedAt);
  }
}

/** The facts context of a configuration: each department's business-hours calendar. */
export function factsContextFor(config: { departments: readonly { id: string; calendar?: string | undefined }[]; calendars: Readonly<Record<string, Calendar>> }): FactsContext {
  const byDepartment = new Map(config.departments.map((d) => [d.id, d.calendar === undefined ? undefined : config.calendars[d.calendar]]));
  return { calendarOf: (id) => byDepartment.get(id) };
}

/** Around the clock: business seconds equal calendar seconds. */
export const WALL_CLOCK_FACTS: FactsContext = { calendarOf: () => undefined };
