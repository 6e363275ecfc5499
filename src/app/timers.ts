import { isLifecycleTimer, type LifecycleTimerKind } from '../core/lifecycle-timers.js';
import type { ClockKind, TicketState, TimerData, TimerSpec } from './ports.js';

/*
 * Timer job ids carry everything a timer needs (so job data stays empty) in a compact
 * form, because 100 000 pending timers must fit in ~1 KB of Redis each:
 *   s.<ticket>.<clock>.<r|b>.<version>   SLA reminder / breach
 *   e.<escalation>.<level>               escalation ladder step
 *   l.<ticket>.<timer>.<version>         lifecycle timer (auto close, waiting reminder/close)
 * Uuids are written as 22 base64url characters. No ":" (BullMQ forbids it).
 */
const CLOCK_CODES: Record<ClockKind, string> = {
  first_response: 'fr',
  contact_customer: 'cc',
  diagnosis_plan: 'dp',
  resolution: 'rs',
  critical_start: 'cs',
  result_notice: 'rn',
  verification_callback: 'vc',
};
const CLOCK_BY_CODE = Object.fromEntries(Object.entries(CLOCK_CODES).map(([k, v]) => [v, k])) as Record<string, ClockKind>;
const LIFECYCLE_CODES: Record<LifecycleTimerKind, string> = { auto_close: 'ac', waiting_reminder: 'wr', waiting_close: 'wc' };
const LIFECYCLE_BY_CODE = Object.fromEntries(Object.entries(LIFECYCLE_CODES).map(([k, v]) => [v, k])) as Record<string, LifecycleTimerKind>;

export function packUuid(uuid: string): string {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64url');
}

export function unpackUuid(packed: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{22}$/.test(packed)) return undefined;
  const hex = Buffer.from(packed, 'base64url').toString('hex');
  if (hex.length !== 32) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function slaTimerId(ticketId: string, clock: ClockKind, kind: 'remind' | 'breach', version: number): string {
  return `s.${packUuid(ticketId)}.${CLOCK_CODES[clock]}.${kind === 'remind' ? 'r' : 'b'}.${version}`;
}

export function escalationTimerId(escalationId: string, level: number, ticketId?: string): string {
  return `e.${packUuid(escalationId)}.${level}${ticketId ? `.${packUuid(ticketId)}` : ''}`;
}

export function lifecycleTimerId(ticketId: string, timer: LifecycleTimerKind, version: number): string {
  return `l.${packUuid(ticketId)}.${LIFECYCLE_CODES[timer]}.${version}`;
}

/** The timer a job id stands for, or undefined when the id is not one of ours. */
export function parseTimerId(id: string): TimerData | undefined {
  const s = /^s\.([A-Za-z0-9_-]{22})\.([a-z]{2})\.([rb])\.(\d{1,9})$/.exec(id);
  if (s) {
    const ticketId = unpackUuid(s[1]!);
    const clock = CLOCK_BY_CODE[s[2]!];
    if (!ticketId || !clock) return undefined;
    return { type: 'sla', ticketId, clock, kind: s[3] === 'r' ? 'remind' : 'breach', version: Number(s[4]) };
  }
  const l = /^l\.([A-Za-z0-9_-]{22})\.([a-z]{2})\.(\d{1,9})$/.exec(id);
  if (l) {
    const ticketId = unpackUuid(l[1]!);
    const timer = LIFECYCLE_BY_CODE[l[2]!];
    if (!ticketId || !timer) return undefined;
    return { type: 'lifecycle', ticketId, timer, version: Number(l[3]) };
  }
  const e = /^e\.([A-Za-z0-9_-]{22})\.(\d{1,4})\.([A-Za-z0-9_-]{22})$/.exec(id);
  if (e) {
    const escalationId = unpackUuid(e[1]!);
    const ticketId = unpackUuid(e[3]!);
    if (!escalationId || !ticketId) return undefined;
    return { type: 'escalation', ticketId, escalationId, level: Number(e[2]) };
  }
  return undefined;
}

export function timerSpec(data: TimerData, at: Date, ticketNumber?: string): TimerSpec {
  const id =
    data.type === 'sla'
      ? slaTimerId(data.ticketId, data.clock, data.kind, data.version)
      : data.type === 'lifecycle'
        ? lifecycleTimerId(data.ticketId, data.timer, data.version)
        : escalationTimerId(data.escalationId, data.level, data.ticketId);
  return { id, at, data, ...(ticketNumber && { ticketNumber }) };
}

/**
 * Every delayed job a ticket should have right now, from its state in Postgres: per running
 * clock only the next one (the reminder, then the breach once the reminder went out), so a
 * clock costs one job in Redis.
 */
export function timersFor(state: TicketState): TimerSpec[] {
  const ticketId = state.ticket.id;
  const number = state.ticket.number;
  const out: TimerSpec[] = [];
  for (const c of Object.values(state.clocks)) {
    const next = nextClockTimer(ticketId, c, number);
    if (next) out.push(next);
  }
  for (const t of Object.values(state.lifecycle ?? {})) {
    const next = nextClockTimer(ticketId, { ...t, remindAt: null, remindedAt: null, breachedAt: t.firedAt }, number);
    if (next) out.push(next);
  }
  for (const e of state.escalations) {
    if (e.status === 'open' && e.nextStepAt) {
      out.push(timerSpec({ type: 'escalation', ticketId, escalationId: e.id, level: e.level }, e.nextStepAt, number));
    }
  }
  return out;
}

/**
 * The next timer of one `sla_clocks` row, if it needs one. Lifecycle timers live in the same
 * table (a row per timer kind): their deadline is when they fire, `breachedAt` when they did.
 */
export function nextClockTimer(
  ticketId: string,
  c: { kind: ClockKind | LifecycleTimerKind; status: string; version: number; deadline: Date | null; remindAt: Date | null; remindedAt: Date | null; breachedAt: Date | null },
  ticketNumber?: string,
): TimerSpec | undefined {
  if (c.status !== 'running' || !c.deadline || c.breachedAt) return undefined;
  if (isLifecycleTimer(c.kind)) return timerSpec({ type: 'lifecycle', ticketId, timer: c.kind, version: c.version }, c.deadline, ticketNumber);
  if (c.remindAt && !c.remindedAt) return timerSpec({ type: 'sla', ticketId, clock: c.kind, kind: 'remind', version: c.version }, c.remindAt, ticketNumber);
  return timerSpec({ type: 'sla', ticketId, clock: c.kind, kind: 'breach', version: c.version }, c.deadline, ticketNumber);
}

/**
 * Timer ids a change made pointless: superseded clock versions, and the pending step of
 * every escalation ladder that is no longer open (acknowledged or exhausted).
 */
export function supersededTimers(ticketId: string, before: Map<string, number>, after: TicketState): string[] {
  const ids: string[] = after.escalations.filter((e) => e.status !== 'open').map((e) => escalationTimerId(e.id, e.level, ticketId));
  for (const c of Object.values(after.clocks)) {
    const old = before.get(c.kind);
    if (old !== undefined && old !== c.version) {
      ids.push(slaTimerId(ticketId, c.kind, 'remind', old), slaTimerId(ticketId, c.kind, 'breach', old));
    }
  }
  for (const t of Object.values(after.lifecycle ?? {})) {
    const old = before.get(t.kind);
    if (old !== undefined && old !== t.version) ids.push(lifecycleTimerId(ticketId, t.kind, old));
  }
  return ids;
}

/** The versions of a ticket's clocks and lifecycle timers, to find superseded timers after a change. */
export function timerVersions(state: TicketState, into = new Map<string, number>()): Map<string, number> {
  for (const c of Object.values(state.clocks)) into.set(c.kind, c.version);
  for (const t of Object.values(state.lifecycle ?? {})) into.set(t.kind, t.version);
  return into;
}
