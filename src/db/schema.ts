import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  type AnyPgColumn,
  pgSequence,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const ticketNumberSeq = pgSequence('ticket_number_seq', { startWith: 1, increment: 1 });

export const departments = pgTable('departments', {
  id: text('id').primaryKey(),
  nameEn: text('name_en').notNull(),
  nameZh: text('name_zh').notNull(),
  channels: jsonb('channels').$type<Record<string, string>>().notNull().default({}),
  calendar: text('calendar'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const staff = pgTable('staff', {
  id: text('id').primaryKey(),
  departmentId: text('department_id').notNull().references(() => departments.id),
  name: text('name').notNull(),
  role: text('role').$type<'agent' | 'supervisor'>().notNull(),
  language: text('language').notNull(),
  slackId: text('slack_id'),
  discordId: text('discord_id'),
  telegramId: text('telegram_id'),
  active: boolean('active').notNull().default(true),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/**
 * A stored phone number / e-mail as customers are matched by (core/personal.ts normalisePhone,
 * normaliseEmail): the expressions of the lookup indexes and of the lookups themselves.
 */
export const phoneKey = (phone: AnyPgColumn) => sql`(case when left(btrim(${phone}), 1) = '+' then '+' else '' end || regexp_replace(${phone}, '[^0-9]', '', 'g'))`;
export const emailKey = (email: AnyPgColumn) => sql`lower(btrim(${email}))`;

export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    company: text('company'),
    phone: text('phone'),
    email: text('email'),
    language: text('language').notNull().default('en'),
    tier: text('tier').notNull().default('standard'),
    telegramChatId: text('telegram_chat_id'),
    createdAt: ts('created_at').notNull().defaultNow(),
    erasedAt: ts('erased_at'),
  },
  (t) => [
    uniqueIndex('customers_telegram_chat_id_key').on(t.telegramChatId),
    // Contacts are kept as given and compared normalised.
    index('customers_phone_key_idx').on(phoneKey(t.phone)),
    index('customers_email_key_idx').on(emailKey(t.email)),
  ],
);

/**
 * Personal fields of ticket events, kept apart from the hash chain (core/personal.ts): the
 * event holds a reference and a salted commitment; erasing a customer deletes their rows.
 */
export const personalData = pgTable(
  'personal_data',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id').notNull().references(() => customers.id),
    value: jsonb('value').notNull(),
    salt: text('salt').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('personal_data_customer_idx').on(t.customerId)],
);

export const tickets = pgTable(
  'tickets',
  {
    id: uuid('id').primaryKey(),
    number: text('number').notNull().unique(),
    status: text('status').notNull(),
    category: text('category').notNull(),
    severity: text('severity').notNull(),
    tier: text('tier').notNull().default('standard'),
    customerId: uuid('customer_id').notNull().references(() => customers.id),
    ownerId: text('owner_id').references(() => staff.id),
    primaryDepartmentId: text('primary_department_id').notNull().references(() => departments.id),
    product: text('product').notNull(),
    orderNumber: text('order_number').notNull(),
    description: text('description').notNull(),
    expectedBy: ts('expected_by'),
    source: text('source').notNull(),
    complex: boolean('complex').notNull().default(false),
    flagged: boolean('flagged').notNull().default(false),
    resolution: jsonb('resolution').$type<{ measures: string; advice: string } | null>(),
    version: integer('version').notNull().default(1),
    /** Head of the event chain, so that removing the newest events is detected too. */
    eventCount: integer('event_count').notNull().default(0),
    lastEventHash: text('last_event_hash'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
    resolvedAt: ts('resolved_at'),
    closedAt: ts('closed_at'),
  },
  (t) => [
    index('tickets_status_idx').on(t.status, t.createdAt),
    index('tickets_primary_department_idx').on(t.primaryDepartmentId, t.createdAt),
    index('tickets_customer_idx').on(t.customerId),
    index('tickets_created_idx').on(t.createdAt, t.id),
  ],
);

export const ticketDepartments = pgTable(
  'ticket_departments',
  {
    ticketId: uuid('ticket_id').notNull().references(() => tickets.id),
    departmentId: text('department_id').notNull().references(() => departments.id),
    role: text('role').notNull(),
    addedAt: ts('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.departmentId] }), index('ticket_departments_department_idx').on(t.departmentId)],
);

/** Append-only, hash-chained per ticket (SPEC §9): `hash` = SHA-256(prev_hash + canonical event JSON). */
export const ticketEvents = pgTable(
  'ticket_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ticketId: uuid('ticket_id').notNull().references(() => tickets.id),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    actor: jsonb('actor').notNull(),
    platform: text('platform').notNull(),
    data: jsonb('data').notNull(),
    createdAt: text('created_at').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [uniqueIndex('ticket_events_ticket_seq_key').on(t.ticketId, t.seq)],
);

export const slaClocks = pgTable(
  'sla_clocks',
  {
    ticketId: uuid('ticket_id').notNull().references(() => tickets.id),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    budgetMs: bigint('budget_ms', { mode: 'number' }).notNull(),
    consumedMs: bigint('consumed_ms', { mode: 'number' }).notNull(),
    startedAt: ts('started_at').notNull(),
    segmentStartedAt: ts('segment_started_at'),
    deadline: ts('deadline'),
    remindAt: ts('remind_at'),
    calendarId: text('calendar_id'),
    stoppedAt: ts('stopped_at'),
    breachedAt: ts('breached_at'),
    remindedAt: ts('reminded_at'),
    version: integer('version').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.kind] }), index('sla_clocks_running_deadline_idx').on(t.deadline).where(sql`status = 'running'`)],
);

export const coordinationTasks = pgTable(
  'coordination_tasks',
  {
    id: uuid('id').primaryKey(),
    ticketId: uuid('ticket_id').notNull().references(() => tickets.id),
    departmentId: text('department_id').notNull().references(() => departments.id),
    role: text('role').notNull(),
    note: text('note').notNull().default(''),
    status: text('status').notNull(),
    ownerId: text('owner_id').references(() => staff.id),
    outcome: text('outcome'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [index('coordination_tasks_ticket_idx').on(t.ticketId)],
);

export const surveys = pgTable(
  'surveys',
  {
    id: uuid('id').primaryKey(),
    ticketId: uuid('ticket_id').notNull().references(() => tickets.id),
    kind: text('kind').notNull(), // satisfaction | verification | confirmation
    csat: smallint('csat'),
    nps: smallint('nps'),
    answer: text('answer'),
    comment: text('comment'),
    sentAt: ts('sent_at'),
    answeredAt: ts('answered_at'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [uniqueIndex('surveys_ticket_kind_key').on(t.ticketId, t.kind)],
);

/** Messages to people, written in the same transaction as the change that caused them. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ticketId: uuid('ticket_id').references(() => tickets.id),
    /** `customer:<id>`, `department:<id>`, `staff:<id>` or `escalation`; fanned out to platforms on delivery. */
    destination: text('destination').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    /** pending → sending (leased) → delivered | failed | skipped */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseUntil: ts('lease_until'),
    nextAttemptAt: ts('next_attempt_at'),
    lastError: text('last_error'),
    platformMessageIds: jsonb('platform_message_ids').$type<Record<string, string>>(),
    createdAt: ts('created_at').notNull(),
    deliveredAt: ts('delivered_at'),
  },
  (t) => [
    index('outbox_open_idx').on(t.destination, t.id).where(sql`status in ('pending', 'sending')`),
    index('outbox_ticket_idx').on(t.ticketId),
  ],
);

/** An escalation ladder run (SPEC §5): climbs a level per unacknowledged timeout. */
export const escalations = pgTable(
  'escalations',
  {
    id: uuid('id').primaryKey(),
    ticketId: uuid('ticket_id').notNull().references(() => tickets.id),
    departmentId: text('department_id').notNull().references(() => departments.id),
    trigger: text('trigger').notNull(),
    reason: text('reason').notNull().default(''),
    level: integer('level').notNull(),
    /** open | acknowledged | exhausted */
    status: text('status').notNull(),
    notified: jsonb('notified').$type<string[]>().notNull(),
    nextStepAt: ts('next_step_at'),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgedAt: ts('acknowledged_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    index('escalations_ticket_idx').on(t.ticketId),
    index('escalations_open_idx').on(t.nextStepAt).where(sql`status = 'open'`),
  ],
);

export const inboundDedup = pgTable(
  'inbound_dedup',
  {
    platform: text('platform').notNull(),
    eventId: text('event_id').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.eventId] }), index('inbound_dedup_received_idx').on(t.receivedAt)],
);

export const idempotencyKeys = pgTable('idempotency_keys', {
  key: text('key').primaryKey(),
  requestHash: text('request_hash').notNull(),
  ticketId: uuid('ticket_id').notNull().references(() => tickets.id),
  createdAt: ts('created_at').notNull(),
});

/** Small process-wide settings, e.g. the hash of a generated API token. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** A chat conversation in progress (the Telegram intake dialog), so a restart resumes it. */
export const chatDialogs = pgTable(
  'chat_dialogs',
  {
    platform: text('platform').notNull(),
    chatId: text('chat_id').notNull(),
    language: text('language').notNull(),
    state: jsonb('state').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.chatId] })],
);

/**
 * Messages the bot posted on a staff platform that it edits later (ticket cards, task
 * cards, escalation posts, coordination sheets), by a key such as `card:<ticket>:<department>`.
 * `timelineSeq` is the last ticket event already posted to the card's thread.
 */
export const chatMessages = pgTable(
  'chat_messages',
  {
    platform: text('platform').notNull(),
    key: text('key').notNull(),
    ticketId: uuid('ticket_id').references(() => tickets.id),
    channel: text('channel').notNull(),
    messageId: text('message_id').notNull(),
    /** Slack: the thread's parent ts; Discord: the thread channel id. */
    threadId: text('thread_id'),
    timelineSeq: integer('timeline_seq').notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.key] }), index('chat_messages_ticket_idx').on(t.ticketId)],
);

/**
 * One row of report figures per ticket (SPEC §8, core/reports/facts.ts), written in the
 * transaction that appends the ticket's events. Reports query this table, never the event log.
 */
export const ticketFacts = pgTable(
  'ticket_facts',
  {
    ticketId: uuid('ticket_id').primaryKey().references(() => tickets.id),
    number: text('number').notNull(),
    channel: text('channel').notNull(),
    category: text('category').notNull(),
    severity: text('severity').notNull(),
    tier: text('tier').notNull(),
    departmentId: text('department_id').notNull(),
    departments: text('departments').array().notNull(),
    ownerId: text('owner_id'),
    status: text('status').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
    firstClaimedAt: ts('first_claimed_at'),
    firstResponseAt: ts('first_response_at'),
    firstContactAt: ts('first_contact_at'),
    firstResolvedAt: ts('first_resolved_at'),
    lastResolvedAt: ts('last_resolved_at'),
    firstReopenedAt: ts('first_reopened_at'),
    closedAt: ts('closed_at'),
    timeToClaimS: integer('time_to_claim_s'),
    timeToClaimBs: integer('time_to_claim_bs'),
    firstResponseS: integer('first_response_s'),
    firstResponseBs: integer('first_response_bs'),
    timeToContactS: integer('time_to_contact_s'),
    timeToContactBs: integer('time_to_contact_bs'),
    resolutionFirstS: integer('resolution_first_s'),
    resolutionFirstBs: integer('resolution_first_bs'),
    resolutionLastS: integer('resolution_last_s'),
    resolutionLastBs: integer('resolution_last_bs'),
    pausedS: integer('paused_s').notNull(),
    pausedBs: integer('paused_bs').notNull(),
    resolutionNetS: integer('resolution_net_s'),
    resolutionNetBs: integer('resolution_net_bs'),
    reopenCount: integer('reopen_count').notNull(),
    fcr: boolean('fcr'),
    complaint: boolean('complaint').notNull(),
    slaFirstResponse: text('sla_first_response').notNull(),
    slaFirstResponseAt: ts('sla_first_response_at'),
    slaContactCustomer: text('sla_contact_customer').notNull(),
    slaContactCustomerAt: ts('sla_contact_customer_at'),
    slaDiagnosisPlan: text('sla_diagnosis_plan').notNull(),
    slaDiagnosisPlanAt: ts('sla_diagnosis_plan_at'),
    slaResolution: text('sla_resolution').notNull(),
    slaResolutionAt: ts('sla_resolution_at'),
    slaCriticalStart: text('sla_critical_start').notNull(),
    slaCriticalStartAt: ts('sla_critical_start_at'),
    slaResultNotice: text('sla_result_notice').notNull(),
    slaResultNoticeAt: ts('sla_result_notice_at'),
    escalationCount: integer('escalation_count').notNull(),
    escalationTrigger: text('escalation_trigger'),
    escalationLevel: integer('escalation_level').notNull(),
    escalationAckS: integer('escalation_ack_s'),
    escalations: jsonb('escalations').notNull(),
    surveySent: boolean('survey_sent').notNull(),
    csat: smallint('csat'),
    nps: smallint('nps'),
    verification: text('verification'),
    fold: jsonb('fold').notNull(),
  },
  // The report indexes carry the columns a report reads after the moment that puts a ticket
  // in a period, so the reports run as index-only scans over the period's entries instead of
  // reading the wide rows (drizzle has no INCLUDE, hence trailing key columns). Each duration
  // index holds the tickets that have that moment.
  (t) => [
    index('ticket_facts_created_idx').on(t.createdAt, t.departmentId, t.complaint),
    index('ticket_facts_period_idx').on(
      t.updatedAt,
      t.createdAt,
      t.departmentId,
      t.complaint,
      t.lastResolvedAt,
      t.closedAt,
      t.firstReopenedAt,
      t.firstResolvedAt,
      t.status,
      t.severity,
      t.slaFirstResponse,
      t.slaFirstResponseAt,
      t.slaContactCustomer,
      t.slaContactCustomerAt,
      t.slaDiagnosisPlan,
      t.slaDiagnosisPlanAt,
      t.slaResolution,
      t.slaResolutionAt,
      t.slaCriticalStart,
      t.slaCriticalStartAt,
      t.slaResultNotice,
      t.slaResultNoticeAt,
    ),
    index('ticket_facts_first_response_idx').on(t.firstResponseAt, t.departmentId, t.firstResponseS, t.firstResponseBs).where(sql`first_response_at is not null`),
    index('ticket_facts_first_claim_idx').on(t.firstClaimedAt, t.departmentId, t.timeToClaimS, t.timeToClaimBs).where(sql`first_claimed_at is not null`),
    index('ticket_facts_first_contact_idx').on(t.firstContactAt, t.departmentId, t.timeToContactS, t.timeToContactBs).where(sql`first_contact_at is not null`),
    index('ticket_facts_last_resolved_idx').on(t.lastResolvedAt, t.departmentId, t.resolutionLastS, t.resolutionLastBs).where(sql`last_resolved_at is not null`),
    index('ticket_facts_first_resolved_idx')
      .on(t.firstResolvedAt, t.departmentId, t.resolutionFirstS, t.resolutionFirstBs, t.fcr, t.reopenCount, t.surveySent, t.csat, t.nps, t.verification)
      .where(sql`first_resolved_at is not null`),
    // The escalations themselves ride along in the key: a btree entry holds at most ~2.7 kB,
    // so tickets with more escalations than fit safely are left to the heap (see report-queries.ts).
    index('ticket_facts_escalated_idx').on(t.updatedAt, t.createdAt, t.departmentId, t.escalations).where(sql`escalation_count between 1 and 8`),
    index('ticket_facts_many_escalations_idx').on(t.updatedAt).where(sql`escalation_count > 8`),
    // A moment each, for the parts of a period shorter than a day that the roll-ups leave (report-rollups.ts).
    index('ticket_facts_closed_idx').on(t.closedAt, t.departmentId).where(sql`closed_at is not null`),
    index('ticket_facts_reopened_idx').on(t.firstReopenedAt, t.departmentId).where(sql`first_reopened_at is not null`),
    index('ticket_facts_sla_first_response_idx').on(t.slaFirstResponseAt, t.departmentId, t.slaFirstResponse).where(sql`sla_first_response_at is not null`),
    index('ticket_facts_sla_contact_customer_idx').on(t.slaContactCustomerAt, t.departmentId, t.slaContactCustomer).where(sql`sla_contact_customer_at is not null`),
    index('ticket_facts_sla_diagnosis_plan_idx').on(t.slaDiagnosisPlanAt, t.departmentId, t.slaDiagnosisPlan).where(sql`sla_diagnosis_plan_at is not null`),
    index('ticket_facts_sla_resolution_idx').on(t.slaResolutionAt, t.departmentId, t.slaResolution).where(sql`sla_resolution_at is not null`),
    index('ticket_facts_sla_critical_start_idx').on(t.slaCriticalStartAt, t.departmentId, t.slaCriticalStart).where(sql`sla_critical_start_at is not null`),
    index('ticket_facts_sla_result_notice_idx').on(t.slaResultNoticeAt, t.departmentId, t.slaResultNotice).where(sql`sla_result_notice_at is not null`),
    index('ticket_facts_escalated_span_idx').on(t.updatedAt, t.createdAt, t.departmentId, t.ticketId).where(sql`escalation_count > 0`),
    index('ticket_facts_department_idx').on(t.departmentId, t.updatedAt),
    index('ticket_facts_owner_idx').on(t.ownerId, t.updatedAt),
    index('ticket_facts_open_idx')
      .on(t.severity, t.createdAt, t.departmentId, t.firstResolvedAt, t.closedAt, t.firstReopenedAt)
      .where(sql`status not in ('resolved', 'closed')`),
  ],
);

// Report roll-ups (see report-rollups.ts): per UTC day and owning department ('' = all
// departments), what the summary adds up, built from ticket_facts on demand. A day is current
// when report_days holds it and report_dirty does not: triggers on ticket_facts (migration
// 0009) append a day to report_dirty whenever a change touches a figure of a day before today.
const day = (name: string) => date(name, { mode: 'string' });

export const reportDays = pgTable('report_days', {
  day: day('day').primaryKey(),
  builtAt: ts('built_at').notNull(),
});

export const reportDirty = pgTable('report_dirty', { day: day('day').notNull() }, (t) => [index('report_dirty_day_idx').on(t.day)]);

/** Counts and sums: `metric` is a figure's name (report-rollups.ts), `n` its value for the day. */
export const reportDayCounts = pgTable(
  'report_day_counts',
  {
    day: day('day').notNull(),
    departmentId: text('department_id').notNull(),
    metric: text('metric').notNull(),
    n: bigint('n', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.departmentId, t.day, t.metric] })],
);

/**
 * One duration's values of the day, sorted (`sorted`), with their count, sum and cumulative
 * counts at the fixed bucket bounds (`cum[k]` = values ≤ bound k): exact percentiles over many
 * days read one bucket's slice of each day instead of sorting the period.
 */
export const reportDayRuns = pgTable(
  'report_day_runs',
  {
    day: day('day').notNull(),
    departmentId: text('department_id').notNull(),
    col: text('col').notNull(),
    n: integer('n').notNull(),
    total: bigint('total', { mode: 'number' }).notNull(),
    sorted: integer('sorted').array().notNull(),
    cum: integer('cum').array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.col, t.departmentId, t.day] })],
);
