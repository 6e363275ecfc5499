import type { Escalation, OutboxDraft } from '../app/ports.js';
import type { personalData, slaClocks, ticketEvents } from './schema.js';

/**
 * Rows written as one JSON parameter each kind (`json_to_recordset(…) as x(<record>)`), so a
 * statement binds a handful of parameters however many rows it writes: the one-statement
 * create and the timer batch's write. Keys are the column names; Dates become ISO strings
 * in JSON.stringify.
 */
export const CLOCK_RECORD =
  'ticket_id uuid, kind text, status text, budget_ms bigint, consumed_ms bigint, started_at timestamptz, segment_started_at timestamptz, ' +
  'deadline timestamptz, remind_at timestamptz, calendar_id text, stopped_at timestamptz, reminded_at timestamptz, breached_at timestamptz, version int';
export const ESCALATION_RECORD =
  'id uuid, ticket_id uuid, department_id text, trigger text, reason text, level int, status text, notified jsonb, ' +
  'next_step_at timestamptz, acknowledged_by text, acknowledged_at timestamptz, created_at timestamptz, updated_at timestamptz';
export const EVENT_RECORD = 'ticket_id uuid, seq int, type text, actor jsonb, platform text, data jsonb, created_at text, prev_hash text, hash text';
export const PERSONAL_RECORD = 'id uuid, customer_id uuid, value jsonb, salt text, created_at timestamptz';
export const OUTBOX_RECORD = 'ticket_id uuid, destination text, kind text, payload jsonb, created_at timestamptz';

/** The column names of a record definition, for the insert's column list. */
export function recordColumns(record: string): string {
  return record
    .split(',')
    .map((c) => c.trim().split(' ')[0])
    .join(', ');
}

/** `col = excluded.col, …` for the columns of `record` but `except` (an upsert's update). */
export function excludedSet(record: string, except: string[]): string {
  return recordColumns(record)
    .split(', ')
    .filter((c) => !except.includes(c))
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
}

export function clockRecord(r: typeof slaClocks.$inferInsert): Record<string, unknown> {
  return {
    ticket_id: r.ticketId,
    kind: r.kind,
    status: r.status,
    budget_ms: r.budgetMs,
    consumed_ms: r.consumedMs,
    started_at: r.startedAt,
    segment_started_at: r.segmentStartedAt,
    deadline: r.deadline,
    remind_at: r.remindAt,
    calendar_id: r.calendarId,
    stopped_at: r.stoppedAt,
    reminded_at: r.remindedAt,
    breached_at: r.breachedAt,
    version: r.version,
  };
}

export function escalationRecord(e: Escalation): Record<string, unknown> {
  return {
    id: e.id,
    ticket_id: e.ticketId,
    department_id: e.departmentId,
    trigger: e.trigger,
    reason: e.reason,
    level: e.level,
    status: e.status,
    notified: e.notified,
    next_step_at: e.nextStepAt,
    acknowledged_by: e.acknowledgedBy,
    acknowledged_at: e.acknowledgedAt,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
  };
}

export function eventRecord(e: typeof ticketEvents.$inferInsert): Record<string, unknown> {
  return { ticket_id: e.ticketId, seq: e.seq, type: e.type, actor: e.actor, platform: e.platform, data: e.data, created_at: e.createdAt, prev_hash: e.prevHash, hash: e.hash };
}

export function personalRecord(p: typeof personalData.$inferInsert): Record<string, unknown> {
  return { id: p.id, customer_id: p.customerId, value: p.value, salt: p.salt, created_at: p.createdAt };
}

export function outboxRecord(ticketId: string, o: OutboxDraft, at: Date): Record<string, unknown> {
  return { ticket_id: ticketId, destination: o.destination, kind: o.kind, payload: o.payload, created_at: at };
}
