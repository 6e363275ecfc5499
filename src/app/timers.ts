import type { ClockKind, TicketState, TimerSpec } from './ports.js';

export function slaTimerId(ticketId: string, clock: ClockKind, kind: 'remind' | 'breach', version: number): string {
  return `sla-${ticketId}-${clock}-${kind}-v${version}`;
}

export function escalationTimerId(escalationId: string, level: number): string {
  return `esc-${escalationId}-l${level}`;
}

/**
 * Every delayed job a ticket should have right now, from its state in Postgres: per running
 * clock only the next one (the reminder, then the breach once the reminder went out), so a
 * clock costs one job in Redis.
 */
export function timersFor(state: TicketState): TimerSpec[] {
  const ticketId = state.ticket.id;
  const out: TimerSpec[] = [];
  for (const c of Object.values(state.clocks)) {
    if (c.status !== 'running' || !c.deadline) continue;
    if (c.remindAt && !c.remindedAt && !c.breachedAt) {
      out.push({ id: slaTimerId(ticketId, c.kind, 'remind', c.version), at: c.remindAt, data: { type: 'sla', ticketId, clock: c.kind, kind: 'remind', version: c.version } });
    } else if (!c.breachedAt) {
      out.push({ id: slaTimerId(ticketId, c.kind, 'breach', c.version), at: c.deadline, data: { type: 'sla', ticketId, clock: c.kind, kind: 'breach', version: c.version } });
    }
  }
  for (const e of state.escalations) {
    if (e.status === 'open' && e.nextStepAt) {
      out.push({ id: escalationTimerId(e.id, e.level), at: e.nextStepAt, data: { type: 'escalation', ticketId, escalationId: e.id, level: e.level } });
    }
  }
  return out;
}

/** Timer ids of clock versions that a change superseded. */
export function supersededTimers(ticketId: string, before: Map<string, number>, after: TicketState): string[] {
  const ids: string[] = [];
  for (const c of Object.values(after.clocks)) {
    const old = before.get(c.kind);
    if (old !== undefined && old !== c.version) {
      ids.push(slaTimerId(ticketId, c.kind, 'remind', old), slaTimerId(ticketId, c.kind, 'breach', old));
    }
  }
  return ids;
}
