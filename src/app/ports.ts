import type { CustomerMessageKind, StaffMessageKind, TicketEventMap, TicketEventType } from '../core/ticket-events.js';
import type { DepartmentRole, RoutedDepartment } from '../core/route.js';
import type { LifecycleTimerKind, LifecycleTimers } from '../core/lifecycle-timers.js';
import type { TicketFacts } from '../core/reports/facts.js';
import type { ClockSet } from '../core/sla/lifecycle.js';
import type { Category, ClockKind, Severity, TicketStatus, Tier } from '../core/types.js';

/** Where an action came from; recorded on every event. */
/** `web`: the customer's page behind a signed link. */
export type Source = 'api' | 'web' | 'slack' | 'discord' | 'telegram' | 'system';

export type Actor =
  | { kind: 'staff'; staffId: string }
  | { kind: 'customer'; customerId: string }
  | { kind: 'system' }
  | { kind: 'api' };

/** Current time; injected so SLA logic is testable. */
export type Clock = () => Date;
/** New unique id (uuid). */
export type NewId = () => string;

export interface CustomerRecord {
  id: string;
  name: string;
  company: string | null;
  phone: string | null;
  email: string | null;
  language: string;
  tier: Tier;
  /** Set once the customer's personal data was erased (SPEC §9): name and contacts are gone. */
  erasedAt?: Date | null;
}

export interface TicketRecord {
  id: string;
  number: string;
  status: TicketStatus;
  category: Category;
  severity: Severity;
  tier: Tier;
  customerId: string;
  ownerId: string | null;
  primaryDepartmentId: string;
  product: string;
  orderNumber: string;
  description: string;
  expectedBy: Date | null;
  source: Source;
  complex: boolean;
  flagged: boolean;
  resolution: { measures: string; advice: string } | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
}

export interface TicketDepartment {
  departmentId: string;
  role: DepartmentRole;
}

export type TaskStatus = 'open' | 'claimed' | 'done';

export interface CoordinationTask {
  id: string;
  ticketId: string;
  departmentId: string;
  role: string;
  note: string;
  status: TaskStatus;
  ownerId: string | null;
  outcome: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export type EscalationStatus = 'open' | 'acknowledged' | 'exhausted';

export interface Escalation {
  id: string;
  ticketId: string;
  departmentId: string;
  trigger: string;
  reason: string;
  level: number;
  status: EscalationStatus;
  /** Staff ids pinged so far (all levels). */
  notified: string[];
  /** When the current level's acknowledgement times out; null once closed. */
  nextStepAt: Date | null;
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type SurveyKind = 'satisfaction' | 'confirmation' | 'verification';

/** Answers to merge into the ticket's survey of `kind` (fields left undefined keep their value). */
export interface SurveyAnswer {
  kind: SurveyKind;
  csat?: number;
  nps?: number;
  answer?: string;
  comment?: string;
}

/** An event a use case records: its type and that type's payload (core/ticket-events.ts), who and from where. */
export type EventDraft = {
  [K in TicketEventType]: { type: K; actor: Actor; source: Source; data: TicketEventMap[K] };
}[TicketEventType];

/** A message to send after commit: to a customer or to staff, of a kind core/ticket-events.ts lists. */
export interface OutboxDraft {
  destination: string;
  kind: CustomerMessageKind | StaffMessageKind;
  payload: Record<string, unknown>;
}

/** Everything a use case needs to decide, loaded and locked in one transaction. */
export interface TicketState {
  ticket: TicketRecord;
  customer: CustomerRecord;
  departments: TicketDepartment[];
  clocks: ClockSet;
  tasks: CoordinationTask[];
  escalations: Escalation[];
  /** Lifecycle timers (auto close, waiting-on-customer reminder and close); absent = none. */
  lifecycle?: LifecycleTimers;
  /** Survey answers so far, loaded with the ticket; absent = none. */
  surveys?: StoredSurvey[];
}

/** What a use case decided; the store applies it atomically. */
export interface TicketChange<T> {
  ticket?: Partial<Omit<TicketRecord, 'id' | 'number' | 'customerId' | 'createdAt'>>;
  addDepartments?: RoutedDepartment[];
  clocks?: ClockSet;
  lifecycle?: LifecycleTimers;
  tasks?: CoordinationTask[];
  /** Inserted or updated by id. */
  escalations?: Escalation[];
  surveys?: SurveyAnswer[];
  events: EventDraft[];
  outbox?: OutboxDraft[];
  result: T;
}

export interface NewTicketPlan {
  customer: CustomerRecord;
  /** True when `customer` is already stored (e.g. a returning Telegram user). */
  customerExists: boolean;
  ticket: Omit<TicketRecord, 'number'>;
  departments: RoutedDepartment[];
  clocks: ClockSet;
  escalations: Escalation[];
  events: EventDraft[];
  outbox: OutboxDraft[];
}

export interface IdempotencyRequest {
  key: string;
  requestHash: string;
}

export interface TicketFilter {
  status?: TicketStatus | undefined;
  departmentId?: string | undefined;
  severity?: Severity | undefined;
  /** Only tickets this staff member owns. */
  ownerId?: string | undefined;
  /** Only tickets not yet resolved or closed. */
  open?: boolean | undefined;
  limit: number;
  cursor?: { createdAt: Date; id: string } | undefined;
}

export interface StoredEvent {
  seq: number;
  type: string;
  actor: Actor;
  source: Source;
  data: Record<string, unknown>;
  createdAt: string;
  prevHash: string;
  hash: string;
  /** The payload as the hash covers it, when it differs from `data` (personal fields are chained as commitments). */
  chained?: Record<string, unknown>;
}

export interface StoredSurvey {
  kind: SurveyKind;
  csat: number | null;
  nps: number | null;
  answer: string | null;
  comment: string | null;
  answeredAt: Date | null;
}

export interface TicketDetail extends TicketState {
  events: StoredEvent[];
  surveys: StoredSurvey[];
  /** Event count and last hash recorded on the ticket row. */
  chainHead: { count: number; lastHash: string | null };
}

/** An outbox row just committed. */
export interface QueuedOutboxRow {
  id: number;
  destination: string;
}

/** A customer reachable on Telegram. */
export interface TelegramCustomer extends CustomerRecord {
  telegramChatId: string;
}

/** Customers as the chat adapters need them. */
export interface CustomerStore {
  byTelegramChat(chatId: string): Promise<TelegramCustomer | undefined>;
  /** Creates the customer of a Telegram chat, or updates name/contact/language if known. */
  saveTelegramCustomer(c: Omit<TelegramCustomer, 'tier'> & { tier?: CustomerRecord['tier'] }): Promise<TelegramCustomer>;
  setLanguage(customerId: string, language: string): Promise<void>;
  /** The customer's tickets that are not closed, newest first. */
  openTickets(customerId: string): Promise<TicketState[]>;
  /** {@link openTickets} as number and product only, in one query: what relaying a message needs. */
  openTicketNumbers(customerId: string): Promise<{ number: string; product: string }[]>;
  telegramChatOf(customerId: string): Promise<string | undefined>;
}

/** A customer as the privacy tools see them (SPEC §9): the profile, the chat they use, when they were erased. */
export interface CustomerProfile extends CustomerRecord {
  telegramChatId: string | null;
  createdAt: Date;
  erasedAt: Date | null;
}

/** Exact-match lookups of a customer; the phone number and e-mail are compared normalised. */
export interface CustomerLookup {
  phone?: string | undefined;
  email?: string | undefined;
  telegramChatId?: string | undefined;
}

/** A customer's ticket as erasure needs it. */
export interface CustomerTicket {
  number: string;
  status: TicketStatus;
  closedAt: Date | null;
  /** The ticket's chain already records `customer.erased`. */
  erasureRecorded: boolean;
}

/** Customer data export and erasure (SPEC §9). */
export interface PrivacyStore {
  customer(id: string): Promise<CustomerProfile | undefined>;
  /** Customers matching every given field, oldest first (erased customers match nothing). */
  find(q: CustomerLookup): Promise<CustomerProfile[]>;
  /** The customer's tickets, oldest first. */
  tickets(customerId: string): Promise<CustomerTicket[]>;
  /**
   * In one transaction: deletes the customer's personal values (and their salts), blanks
   * name, company and contacts, the descriptions and order numbers of their tickets, survey
   * comments, what outbox rows quote of them, their chat dialog and idempotency keys, and
   * records `erasedAt`. Idempotent.
   */
  scrub(customerId: string, at: Date): Promise<void>;
  /** Customers not erased whose tickets are all closed, the last one before `closedBefore`. */
  expired(closedBefore: Date): Promise<{ id: string; lastClosedAt: Date }[]>;
}

/** Platform event ids already handled (SPEC §10), kept in Postgres so a restart does not forget them. */
export interface InboundDedup {
  /** True the first time an id is seen; false for a redelivery. */
  claim(platform: string, eventId: string): Promise<boolean>;
  /** Forgets an id whose handling failed, so a redelivery is handled again. */
  release(platform: string, eventId: string): Promise<void>;
}

/** Conversations in progress, by platform and chat. */
export interface DialogStore<S> {
  get(platform: string, chatId: string): Promise<{ language: string; state: S | null } | undefined>;
  save(platform: string, chatId: string, language: string, state: S | null): Promise<void>;
}

/** A ticket by number (`AC-000001`) or by id. */
export type TicketRef = string | { id: string };

/** Persistence of tickets. Every method is one transaction. */
export interface TicketStore {
  /**
   * Creates a ticket from a plan built with its freshly allocated number. With an
   * idempotency key: a key seen before returns the earlier ticket (`replayed`), or
   * throws `idempotency_conflict` when the request differs.
   */
  create(
    build: (number: string) => NewTicketPlan,
    idempotency?: IdempotencyRequest,
  ): Promise<{ state: TicketState; replayed: boolean; outbox: QueuedOutboxRow[] }>;
  /** Locks the ticket, lets `decide` look at it, and commits its change, events and outbox rows together. */
  mutate<T>(ref: TicketRef, decide: (state: TicketState) => TicketChange<T>): Promise<{ result: T; state: TicketState; outbox: QueuedOutboxRow[] }>;
  /**
   * `mutate` for many tickets (by id) in one transaction, for timers that fire together;
   * tickets not found are left out. Optional: without it they are mutated one by one.
   */
  mutateMany?<T>(ids: string[], decide: (state: TicketState) => TicketChange<T>): Promise<Map<string, { result: T; state: TicketState; outbox: QueuedOutboxRow[] }>>;
  get(number: string): Promise<TicketDetail | undefined>;
  list(filter: TicketFilter): Promise<TicketState[]>;
  /** The ticket's report figures (SPEC §8) as last committed, kept in the same transaction as its events. */
  factsOf(ticketId: string): Promise<TicketFacts | undefined>;
}

/** A delayed job: fires `at` (or at once if past) with a deterministic id. */
export interface TimerSpec {
  id: string;
  at: Date;
  data: TimerData;
  /** The ticket's number (AC-000123), for a readable job name in the queue UI; not needed to run the timer. */
  ticketNumber?: string | undefined;
}

export type TimerData =
  | { type: 'sla'; ticketId: string; clock: ClockKind; kind: 'remind' | 'breach'; version: number }
  | { type: 'escalation'; ticketId: string; escalationId: string; level: number }
  | { type: 'lifecycle'; ticketId: string; timer: LifecycleTimerKind; version: number };

/**
 * Keeps delayed jobs in line with what Postgres says. Implemented with BullMQ; Postgres
 * stays the truth, so a lost job is restored by reconciliation.
 */
export interface TimerScheduler {
  /** Adds the timers; ids already present are left alone. */
  schedule(timers: TimerSpec[]): Promise<void>;
  /** Removes timers that no longer apply (superseded versions). Missing ids are ignored. */
  cancel(ids: string[]): Promise<void>;
}

/** Wakes the outbox delivery for destinations that just got rows. */
export interface OutboxKicker {
  kick(rows: { id: number; destination: string }[]): Promise<void>;
}

export type { ClockKind };

/** A message the bot posted on a staff platform and may edit later. */
export interface PostedMessage {
  key: string;
  channel: string;
  messageId: string;
  /** Slack: the thread's parent ts; Discord: the thread channel id. */
  threadId: string | null;
  /** The last ticket event already posted to the message's thread. */
  timelineSeq: number;
}

/** Where the staff adapters keep the messages they edit in place (cards, task cards, escalation posts). */
export interface ChatMessageStore {
  get(platform: string, key: string): Promise<PostedMessage | undefined>;
  /** Records (or replaces) the message posted under `key`. */
  save(platform: string, ticketId: string | null, m: Omit<PostedMessage, 'timelineSeq'> & { timelineSeq?: number }): Promise<void>;
  setTimelineSeq(platform: string, key: string, seq: number): Promise<void>;
  /** Every message whose key starts with `prefix`. */
  withPrefix(platform: string, prefix: string): Promise<PostedMessage[]>;
}
