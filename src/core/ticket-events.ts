import type { DepartmentRole } from './route.js';
import type { TicketAction } from './ticket-state.js';
import type { Category, ClockKind, Localized, Severity, Tier, TicketStatus } from './types.js';

/**
 * The registry of what a ticket records and sends: every event type with its payload, and
 * every outbox message kind with its payload, exactly as they are stored (the event hash
 * chain covers the JSON, so a payload's shape is part of the audit trail). Writers are typed
 * against these maps; readers get the payload back as {@link Stored} (the row is `unknown`
 * until read through core/payload.ts) and dispatch with tables or switches that the compiler
 * checks are exhaustive.
 */

export type EscalationTrigger = 'critical' | 'complaint' | 'manual' | 'sla_breach' | 'reopened' | 'angry_customer';

export type Diagnosis = {
  cause: string;
  measures: string;
  timeNeeded: string;
  estimatedCost: string;
};

export interface Attachment {
  type: 'photo' | 'document';
  fileId: string;
  fileName?: string | undefined;
  size?: number | undefined;
}

type ClockChange = { clock: ClockKind; deadline: string | null; budgetMs: number | null };
type SlaMoment = { clock: ClockKind; deadline: string };
type CategorySeverity = { category: Category; severity: Severity };

export interface TicketEventMap {
  'ticket.created': {
    number: string;
    category: Category;
    severity: Severity;
    tier: Tier;
    product: string;
    orderNumber: string;
    departments: { departmentId: string; role: DepartmentRole }[];
    expectedBy: string | null;
  };
  'ticket.classification_suggested': {
    category: Category;
    categoryKeywords: string[];
    severity: Severity;
    severityKeywords: string[];
    applied: { category: 'customer' | 'suggested'; severity: 'customer' | 'suggested' };
  };
  'ticket.attachments_added': { attachments: Attachment[] };
  'ticket.flagged': { reasons: string[] };
  'ticket.status_changed': { from: TicketStatus; to: TicketStatus; action: TicketAction };
  'ticket.claimed': { owner: string; department: string };
  'ticket.replied': { text: string; staff: string };
  'ticket.marked_complex': Record<string, never>;
  'ticket.diagnosed': Diagnosis;
  'ticket.progress': { preset: string | null; text: string | null; eta: string | null; diagnosis: Diagnosis | null };
  'ticket.delay_explained': { reason: string; eta: string };
  'ticket.resolved': { measures: string; advice: string };
  'ticket.reopened': { reason: string; by?: 'customer' };
  'ticket.reassigned': { from: string | null; to: string; reason: string };
  'ticket.reclassified': {
    from: CategorySeverity;
    to: CategorySeverity;
    departmentsAdded?: string[];
    departmentsLeft?: string[];
    departments?: string[];
  };
  'ticket.confirmed': { resolved: boolean; text?: string };
  'ticket.closed': { reason: 'staff' | 'confirmed' | 'no_answer' | 'erased'; from: TicketStatus; note?: string; waitingSince?: string };
  'ticket.escalated': { escalationId: string; level: number; trigger: EscalationTrigger; reason: string; notify: string[]; ackBy: string | null };
  'escalation.retriggered': { escalationId: string; trigger: EscalationTrigger; reason: string; level: number };
  'escalation.level_up': { escalationId: string; level: number; notify: string[]; ackBy: string };
  'escalation.acknowledged': { escalationId: string; level: number; by: string };
  'escalation.exhausted': { escalationId: string; level: number };
  'coordination.task_created': { taskId: string; department: string; role: string; note: string };
  'coordination.task_claimed': { taskId: string; owner: string };
  'coordination.task_done': { taskId: string; outcome: string | null };
  'customer.contact_revealed': { staff: string };
  /** The customer's personal data was erased (SPEC §9): who asked for it and why. */
  'customer.erased': { by: string; reason: string };
  'customer.message': { text: string; attachments: Attachment[] };
  'customer.reminded': { waitingSince: string };
  'survey.answered': { csat: number | null; nps: number | null; comment: string | null };
  'followup.verification_sent': Record<string, never>;
  'followup.verification_answered': { stillFixed: boolean };
  'followup.result_notice_delivered': { outboxId: number };
  'outbox.delivery_failed': { outboxId: number; destination: string; kind: string; error: string };
  'sla.clock_started': ClockChange;
  'sla.clock_paused': ClockChange;
  'sla.clock_resumed': ClockChange;
  'sla.clock_rescheduled': ClockChange;
  'sla.clock_stopped': ClockChange;
  'sla.reminder': SlaMoment;
  'sla.breached': SlaMoment;
}

export type TicketEventType = keyof TicketEventMap;

/** Messages to the customer (Telegram); the builder adds {@link CustomerEnvelope}. */
export interface CustomerMessageMap {
  'customer.acknowledgement': { severity: Severity; promisedMs: number | null; firstResponseBy: string | null };
  'customer.reply': { text: string; staffName: string };
  'customer.progress': {
    preset: string | null;
    presetLabel: Localized | null;
    text: string | null;
    eta: string | null;
    diagnosis: Diagnosis | null;
    staffName: string;
  };
  'customer.overdue': { reason: string; eta: string; staffName: string };
  'customer.result_notice': { measures: string; advice: string };
  'customer.survey': Record<string, never>;
  'customer.verification_callback': Record<string, never>;
  'customer.waiting_reminder': Record<string, never>;
  'customer.closed_no_answer': Record<string, never>;
}

/** Messages to staff, departments and the escalation channel; the builder adds {@link StaffEnvelope}. */
export interface StaffMessageMap {
  'ticket.card': { role: DepartmentRole };
  'ticket.card_update': Record<string, never>;
  'coordination.task': { taskId: string };
  'coordination.task_update': { taskId: string };
  'escalation.ping': { escalationId: string; level: number; trigger: string; reason: string; notify: string[] };
  'escalation.acknowledged': { escalationId: string; level: number; by: string };
  'staff.assigned': { by: string };
  'customer.message': { text: string; attachments: Attachment[] };
  'sla.reminder': SlaMoment;
  'sla.overdue_prompt': SlaMoment;
  'followup.result_notice_due': SlaMoment;
  'outbox.delivery_failed': { outboxId: number; destination: string; kind: string; error: string };
}

export type CustomerMessageKind = keyof CustomerMessageMap;
export type StaffMessageKind = keyof StaffMessageMap;
export type OutboxMessageMap = CustomerMessageMap & StaffMessageMap;
export type OutboxKind = keyof OutboxMessageMap;

export type StaffEnvelope = { ticketId: string; number: string };
export type CustomerEnvelope = StaffEnvelope & { language: string; timeZone: string };

/**
 * A payload as read back from a row or a job: the field names are known, the values are not
 * trusted (older rows, hand edits), so each is read through core/payload.ts.
 */
export type Stored<T> = { readonly [P in keyof T]?: unknown };

export type StoredEventData<K extends TicketEventType> = Stored<TicketEventMap[K]>;
export type StoredCustomerPayload<K extends CustomerMessageKind> = Stored<CustomerMessageMap[K] & CustomerEnvelope>;
export type StoredStaffPayload<K extends StaffMessageKind> = Stored<StaffMessageMap[K] & StaffEnvelope>;

const keysOf = <T extends string>(table: Record<T, true>): ReadonlySet<string> => new Set(Object.keys(table));

const EVENT_TYPES = keysOf<TicketEventType>({
  'ticket.created': true,
  'ticket.classification_suggested': true,
  'ticket.attachments_added': true,
  'ticket.flagged': true,
  'ticket.status_changed': true,
  'ticket.claimed': true,
  'ticket.replied': true,
  'ticket.marked_complex': true,
  'ticket.diagnosed': true,
  'ticket.progress': true,
  'ticket.delay_explained': true,
  'ticket.resolved': true,
  'ticket.reopened': true,
  'ticket.reassigned': true,
  'ticket.reclassified': true,
  'ticket.confirmed': true,
  'ticket.closed': true,
  'ticket.escalated': true,
  'escalation.retriggered': true,
  'escalation.level_up': true,
  'escalation.acknowledged': true,
  'escalation.exhausted': true,
  'coordination.task_created': true,
  'coordination.task_claimed': true,
  'coordination.task_done': true,
  'customer.contact_revealed': true,
  'customer.erased': true,
  'customer.message': true,
  'customer.reminded': true,
  'survey.answered': true,
  'followup.verification_sent': true,
  'followup.verification_answered': true,
  'followup.result_notice_delivered': true,
  'outbox.delivery_failed': true,
  'sla.clock_started': true,
  'sla.clock_paused': true,
  'sla.clock_resumed': true,
  'sla.clock_rescheduled': true,
  'sla.clock_stopped': true,
  'sla.reminder': true,
  'sla.breached': true,
});

const CUSTOMER_KINDS = keysOf<CustomerMessageKind>({
  'customer.acknowledgement': true,
  'customer.reply': true,
  'customer.progress': true,
  'customer.overdue': true,
  'customer.result_notice': true,
  'customer.survey': true,
  'customer.verification_callback': true,
  'customer.waiting_reminder': true,
  'customer.closed_no_answer': true,
});

const STAFF_KINDS = keysOf<StaffMessageKind>({
  'ticket.card': true,
  'ticket.card_update': true,
  'coordination.task': true,
  'coordination.task_update': true,
  'escalation.ping': true,
  'escalation.acknowledged': true,
  'staff.assigned': true,
  'customer.message': true,
  'sla.reminder': true,
  'sla.overdue_prompt': true,
  'followup.result_notice_due': true,
  'outbox.delivery_failed': true,
});

export const isTicketEventType = (type: string): type is TicketEventType => EVENT_TYPES.has(type);
export const isCustomerMessageKind = (kind: string): kind is CustomerMessageKind => CUSTOMER_KINDS.has(kind);
export const isStaffMessageKind = (kind: string): kind is StaffMessageKind => STAFF_KINDS.has(kind);
