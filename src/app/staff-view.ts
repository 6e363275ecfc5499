import type { TFunction } from 'i18next';
import { DateTime } from 'luxon';
import type { Directory } from '../core/directory.js';
import { AftercareError, ErrorCode } from '../core/errors.js';
import { maskEmail, maskPhone } from '../core/mask.js';
import { neutraliseBidi } from '../core/text.js';
import { commandAllowed, type StaffCommandKey } from '../core/ticket-commands.js';
import type { ClockKind, Severity } from '../core/types.js';
import { str } from '../core/payload.js';
import { isTicketEventType, type StaffMessageKind, type StoredEventData, type StoredStaffPayload, type TicketEventType } from '../core/ticket-events.js';
import { formatDateTime, formatSpan, translator } from '../i18n/index.js';
import type { CoordinationTask, Escalation, StoredEvent, TicketState } from './ports.js';

/**
 * What staff see on Slack and Discord, as a platform-neutral model: pure functions of the
 * ticket (and the time). Texts come from the shared catalogue in the reader's language;
 * every string is plain text — the adapters escape it for their platform (through
 * {@link fitEscaped}, which also drops bidi controls), so customer text can never become
 * markup or a mention, nor reorder what staff read.
 */

export type CardActionId =
  | 'claim'
  | 'reply'
  | 'progress'
  | 'involve'
  | 'escalate'
  | 'resolve'
  | 'reassign'
  | 'reveal'
  | 'reclassify'
  | 'delay'
  | 'close'
  | 'viewFull'
  | 'acknowledge'
  | 'taskClaim'
  | 'taskDone';

export interface CardButton {
  action: CardActionId;
  label: string;
  style?: 'primary' | 'danger';
  /** Ticket number, plus `:<task or escalation id>` for task and escalation buttons. */
  value: string;
}

export interface CardField {
  label: string;
  value: string;
}

export interface TicketCard {
  ticketId: string;
  number: string;
  title: string;
  subtitle: string;
  fields: CardField[];
  description: string;
  descriptionTruncated: boolean;
  /** Badges such as "Complex fault", "Angry customer flagged". */
  notes: string[];
  deadline: string;
  overdue: boolean;
  severity: Severity;
  done: boolean;
  /** Button rows, at most 5 buttons each. */
  buttons: CardButton[][];
  /** One line for notifications (no customer text). */
  fallback: string;
}

export interface ViewContext {
  directory: Directory;
  now: Date;
  language: string;
}

/**
 * The time zone staff read a ticket's times in: its owning (primary) department's calendar
 * zone, UTC when that department has no calendar.
 */
export function ticketTimeZone(state: Pick<TicketState, 'ticket'>, directory: Directory): string {
  return directory.timeZoneOf(state.ticket.primaryDepartmentId);
}

/**
 * "2027-03-01 14:00", "2027-03-01T14:00:00Z" or an ISO string from a date-time picker → a Date.
 * A time without a zone or offset is wall-clock time in `timeZone` (the ticket's department's,
 * as the hint staff see names it); "Z"/"UTC" or an offset say otherwise.
 */
export function parseWhen(s: string, timeZone = 'UTC'): Date | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i.exec(s.trim());
  if (!m) return undefined;
  const local = `${m[1]}T${m[2]}${m[3] ?? ':00'}`;
  let d: Date;
  if (m[4]) {
    d = new Date(`${local}${/^(z|utc)$/i.test(m[4]) ? 'Z' : m[4]}`);
  } else {
    // A wall-clock time that does not exist (skipped by a DST change) is refused, not shifted.
    const dt = DateTime.fromISO(local, { zone: timeZone });
    if (!dt.isValid || dt.toFormat("yyyy-MM-dd'T'HH:mm") !== local.slice(0, 16)) return undefined;
    d = dt.toJSDate();
  }
  if (Number.isNaN(d.getTime())) return undefined;
  // Reject dates the parser would roll over (2027-02-30 → 2027-03-02).
  const [y, mo, day] = m[1]!.split('-').map(Number) as [number, number, number];
  const probe = new Date(Date.UTC(y, mo - 1, day));
  return probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === day ? d : undefined;
}

/** The running clock due first, if any. */
export function nextDeadline(state: Pick<TicketState, 'clocks'>): { kind: ClockKind; at: Date } | undefined {
  let best: { kind: ClockKind; at: Date } | undefined;
  for (const c of Object.values(state.clocks)) {
    if (c.status !== 'running' || !c.deadline) continue;
    if (!best || c.deadline.getTime() < best.at.getTime()) best = { kind: c.kind, at: c.deadline };
  }
  return best;
}

/** The next deadline as staff read it; its moment in `timeZone` (see {@link ticketTimeZone}). */
export function deadlineText(state: Pick<TicketState, 'clocks'>, now: Date, language: string, timeZone = 'UTC'): { text: string; overdue: boolean } {
  const t = translator(language);
  const next = nextDeadline(state);
  if (!next) {
    const paused = Object.values(state.clocks).some((c) => c.status === 'paused');
    return { text: t(paused ? 'desk.card.paused' : 'desk.card.noDeadline'), overdue: false };
  }
  const left = next.at.getTime() - now.getTime();
  const clock = t(`desk.clock.${next.kind}`);
  const text = t(left >= 0 ? 'desk.card.dueIn' : 'desk.card.overdueBy', { clock, left: formatSpan(left, language) });
  return { text: `${text} (${formatDateTime(next.at, language, timeZone)})`, overdue: left < 0 };
}

export function staffName(directory: Directory, id: string | null | undefined): string {
  if (!id) return '';
  return directory.staff(id)?.name ?? id;
}

export function departmentName(directory: Directory, id: string, language: string): string {
  const d = directory.department(id);
  if (!d) return id;
  return language === 'zh-CN' ? d.name['zh-CN'] : d.name.en;
}

/** Cuts `text` to `limit` characters on a character boundary, marking the cut with "…". */
export function truncate(text: string, limit: number): { text: string; truncated: boolean } {
  const chars = [...text];
  if (chars.length <= limit) return { text, truncated: false };
  return { text: `${chars.slice(0, Math.max(0, limit - 1)).join('')}…`, truncated: true };
}

/**
 * The longest prefix of `text` whose escaped form, plus "…" when cut, fits in `limit`
 * characters (escaping can only grow a text, so a binary search over the prefix length works).
 * Every text the staff surfaces render passes through here, so this is also where bidi
 * controls are removed: a customer's RLO must not make staff read a name, a number or a file
 * name reversed.
 */
export function fitEscaped(raw: string, limit: number, escape: (s: string) => string): string {
  const text = neutraliseBidi(raw);
  const whole = escape(text);
  if (whole.length <= limit) return whole;
  const chars = [...text];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (escape(chars.slice(0, mid).join('')).length + 1 <= limit) lo = mid;
    else hi = mid - 1;
  }
  return `${escape(chars.slice(0, lo).join(''))}…`;
}

function maskedContact(state: TicketState): string {
  const c = state.customer;
  const parts = [c.phone ? maskPhone(c.phone) : '', c.email ? maskEmail(c.email) : ''].filter(Boolean);
  return parts.join(' · ');
}

/**
 * The ticket card of one department's channel (SPEC §2, §6): who, what, how urgent, who
 * owns it, the next deadline, and what can be done next.
 */
export function ticketCard(state: TicketState, departmentId: string, ctx: ViewContext, descriptionLimit = 1500): TicketCard {
  const t = translator(ctx.language);
  const tk = state.ticket;
  const none = t('desk.card.none');
  const category = t(`desk.category.${tk.category}`);
  const severity = t(`desk.severity.${tk.severity}`);
  const zone = ticketTimeZone(state, ctx.directory);
  const deadline = deadlineText(state, ctx.now, ctx.language, zone);
  const desc = truncate(tk.description, descriptionLimit);
  const customer = [state.customer.name, state.customer.company].filter(Boolean).join(' · ');
  const done = tk.status === 'resolved' || tk.status === 'closed';
  const fields: CardField[] = [
    { label: t('desk.card.customer'), value: customer || none },
    { label: t('desk.card.contact'), value: maskedContact(state) || none },
    { label: t('desk.card.product'), value: tk.product || none },
    { label: t('desk.card.order'), value: tk.orderNumber || none },
    { label: t('desk.card.category'), value: category },
    { label: t('desk.card.severity'), value: severity },
    { label: t('desk.card.owner'), value: staffName(ctx.directory, tk.ownerId) || t('desk.card.unowned') },
    { label: t('desk.card.status'), value: t(`desk.status.${tk.status}`) },
    { label: t('desk.card.deadline'), value: done ? none : deadline.text },
  ];
  const notes: string[] = [];
  if (tk.flagged) notes.push(t('desk.card.flagged'));
  if (tk.complex) notes.push(t('desk.card.complex'));
  if (state.departments.find((d) => d.departmentId === departmentId)?.role === 'former') {
    const now = state.departments.filter((d) => d.role !== 'former' && d.role !== 'involved').map((d) => departmentName(ctx.directory, d.departmentId, ctx.language));
    notes.push(t('desk.card.moved', { departments: now.join(', ') }));
  }
  const autoClose = state.lifecycle?.auto_close;
  if (tk.status === 'resolved' && autoClose?.status === 'running' && autoClose.deadline) {
    notes.push(t('desk.card.autoClose', { time: formatDateTime(autoClose.deadline, ctx.language, zone) }));
  }
  const b = (action: CardActionId, style?: CardButton['style']): CardButton => ({
    action,
    label: t(`desk.action.${action}`),
    value: tk.number,
    ...(style && { style }),
  });
  // Buttons follow the status/command table (core/ticket-commands.ts), as a channel member
  // sees them: supervisor-only cases (closing an open ticket) are left to the API.
  const can = (c: StaffCommandKey) => commandAllowed(c, tk.status, 'agent');
  const when = (ok: boolean, button: CardButton): CardButton[] => (ok ? [button] : []);
  const rows: CardButton[][] = [
    [
      ...when(tk.ownerId === null && can('claim'), b('claim', 'primary')),
      ...when(can('reply'), b('reply')),
      ...when(can('progress'), b('progress')),
      ...when(can('resolve'), b('resolve', tk.ownerId === null ? undefined : 'primary')),
      ...when(can('close'), b('close', 'primary')),
    ],
    [...when(can('involve'), b('involve')), ...when(can('escalate'), b('escalate', 'danger')), ...when(can('reassign'), b('reassign')), b('reveal')],
    [...when(can('reclassify'), b('reclassify')), ...when(can('delay'), b('delay'))],
  ].filter((r) => r.length > 0);
  if (desc.truncated) rows[rows.length - 1]!.push(b('viewFull'));
  const title = t('desk.card.title', { number: tk.number, category, severity });
  return {
    ticketId: tk.id,
    number: tk.number,
    title,
    subtitle: t('desk.card.forDepartment', { department: departmentName(ctx.directory, departmentId, ctx.language) }),
    fields,
    description: desc.text,
    descriptionTruncated: desc.truncated,
    notes,
    deadline: deadline.text,
    overdue: deadline.overdue && !done,
    severity: tk.severity,
    done,
    buttons: rows,
    fallback: `${title} — ${t(`desk.status.${tk.status}`)}`,
  };
}

/** One entry of a ticket's timeline (the card's thread): a headline, and a quote of what was said. */
export interface TimelineEntry {
  seq: number;
  headline: string;
  quote?: string;
}

/** What a timeline renderer is given: the translator and the readers of names and times. */
interface TimelineHelpers {
  t: TFunction;
  ctx: ViewContext;
  events: StoredEvent[];
  who: string;
  when: (v: unknown) => string;
  dept: (id: unknown) => string;
}

type TimelineRenderer<K extends TicketEventType> = (d: StoredEventData<K>, h: TimelineHelpers) => { headline: string; quote?: string | undefined };

/**
 * How each event type shows in the timeline; `false` for what a person does not need to read
 * there (bookkeeping, clocks, what the card or another notice already shows).
 */
const TIMELINE: { [K in TicketEventType]: TimelineRenderer<K> | false } = {
  'ticket.created': false,
  'ticket.classification_suggested': false,
  'ticket.attachments_added': false,
  'ticket.flagged': false,
  'ticket.status_changed': false,
  'ticket.marked_complex': false,
  'ticket.diagnosed': false,
  'ticket.confirmed': false,
  'escalation.retriggered': false,
  'customer.contact_revealed': false,
  'survey.answered': false,
  'followup.verification_sent': false,
  'followup.verification_answered': false,
  'followup.result_notice_delivered': false,
  'outbox.delivery_failed': false,
  'sla.clock_started': false,
  'sla.clock_paused': false,
  'sla.clock_resumed': false,
  'sla.clock_rescheduled': false,
  'sla.clock_stopped': false,
  'sla.reminder': false,
  'ticket.claimed': (_d, { t, who }) => ({ headline: t('desk.timeline.claimed', { staff: who }) }),
  'ticket.replied': (d, { t, who }) => ({ headline: t('desk.timeline.replied', { staff: who }), quote: str(d.text) }),
  'ticket.progress': (d, { t, ctx, who, when }) => {
    const preset = ctx.directory.config.progressPresets.find((p) => p.id === d.preset);
    const label = preset ? (ctx.language === 'zh-CN' ? preset.label['zh-CN'] : preset.label.en) : '';
    const eta = d.eta ? t('desk.timeline.eta', { eta: when(d.eta) }) : '';
    return { headline: t('desk.timeline.progress', { staff: who }), quote: [label, str(d.text), eta].filter(Boolean).join('\n') };
  },
  'customer.message': (d, { t }) => ({ headline: t('desk.timeline.customerMessage'), quote: str(d.text) }),
  'ticket.escalated': (d, { t }) => ({
    headline: t('desk.timeline.escalated', { level: str(d.level), trigger: t(`desk.trigger.${str(d.trigger)}`, { defaultValue: str(d.trigger) }) }),
    quote: str(d.reason),
  }),
  'escalation.level_up': (d, { t }) => ({ headline: t('desk.timeline.levelUp', { level: str(d.level) }) }),
  'escalation.acknowledged': (_d, { t, who }) => ({ headline: t('desk.timeline.acknowledged', { staff: who }) }),
  'escalation.exhausted': (_d, { t }) => ({ headline: t('desk.timeline.exhausted') }),
  'coordination.task_created': (d, { t, who, dept }) => ({
    headline: t('desk.timeline.taskCreated', { staff: who, department: dept(d.department), role: t(`desk.role.${str(d.role)}`, { defaultValue: str(d.role) }) }),
    quote: str(d.note),
  }),
  'coordination.task_claimed': (d, { t, ctx, events, dept }) => ({
    headline: t('desk.timeline.taskClaimed', { staff: staffName(ctx.directory, str(d.owner)), department: dept(taskDepartment(events, d.taskId)) }),
  }),
  'coordination.task_done': (d, { t, events, dept }) => ({
    headline: t('desk.timeline.taskDone', { department: dept(taskDepartment(events, d.taskId)) }),
    quote: str(d.outcome),
  }),
  'ticket.resolved': (d, { t, who }) => ({ headline: t('desk.timeline.resolved', { staff: who }), quote: [str(d.measures), str(d.advice)].filter(Boolean).join('\n') }),
  'ticket.reopened': (d, { t }) => ({ headline: t('desk.timeline.reopened'), quote: str(d.reason) }),
  'ticket.reassigned': (d, { t, ctx, who }) => ({
    headline: t('desk.timeline.reassigned', { staff: who, to: staffName(ctx.directory, str(d.to)) }),
    quote: str(d.reason),
  }),
  'ticket.reclassified': (d, { t, who, dept }) => {
    const from = d.from as { category?: string; severity?: string } | undefined;
    const to = d.to as { category?: string; severity?: string } | undefined;
    const fmt = (x: { category?: string; severity?: string } | undefined) =>
      `${t(`desk.category.${x?.category ?? ''}`, { defaultValue: x?.category ?? '' })} · ${t(`desk.severity.${x?.severity ?? ''}`, { defaultValue: x?.severity ?? '' })}`;
    const added = Array.isArray(d.departmentsAdded) ? d.departmentsAdded.map(dept) : [];
    return {
      headline: t('desk.timeline.reclassified', { staff: who, from: fmt(from), to: fmt(to) }),
      quote: added.length ? t('desk.timeline.rerouted', { departments: added.join(', ') }) : undefined,
    };
  },
  'ticket.delay_explained': (d, { t, who, when }) => ({
    headline: t('desk.timeline.delay', { staff: who }),
    quote: [str(d.reason), t('desk.timeline.eta', { eta: when(d.eta) })].join('\n'),
  }),
  'sla.breached': (d, { t }) => ({ headline: t('desk.timeline.breached', { clock: t(`desk.clock.${str(d.clock)}`, { defaultValue: str(d.clock) }) }) }),
  'ticket.closed': (d, { t, who }) => ({
    headline: t('desk.timeline.closed', { reason: t(`desk.closeReason.${str(d.reason) || 'staff'}`, { defaultValue: str(d.reason), staff: who }) }),
    quote: str(d.note),
  }),
  'customer.reminded': (_d, { t }) => ({ headline: t('desk.timeline.customerReminded') }),
};

function renderTimeline<K extends TicketEventType>(type: K, data: Record<string, unknown>, h: TimelineHelpers): { headline: string; quote?: string | undefined } | undefined {
  const render: TimelineRenderer<K> | false = TIMELINE[type];
  return render ? render(data, h) : undefined;
}

/** The timeline entries of events after `afterSeq` (SPEC §6: the thread is the ticket's history). */
export function timelineEntries(events: StoredEvent[], afterSeq: number, ctx: ViewContext, timeZone = 'UTC'): TimelineEntry[] {
  const t = translator(ctx.language);
  const when = (v: unknown) => formatDateTime(str(v), ctx.language, timeZone);
  const who = (e: StoredEvent) => (e.actor.kind === 'staff' ? staffName(ctx.directory, e.actor.staffId) : e.actor.kind === 'customer' ? t('desk.card.customer') : 'Aftercare');
  const dept = (id: unknown) => departmentName(ctx.directory, str(id), ctx.language);
  const out: TimelineEntry[] = [];
  for (const e of events) {
    if (e.seq <= afterSeq || !isTicketEventType(e.type)) continue;
    const shown = renderTimeline(e.type, e.data, { t, ctx, events, who: who(e), when, dept });
    if (shown) out.push({ seq: e.seq, headline: shown.headline, ...(shown.quote ? { quote: shown.quote } : {}) });
  }
  return out;
}

function taskDepartment(events: StoredEvent[], taskId: unknown): string {
  const created = events.find((e) => e.type === 'coordination.task_created' && e.data.taskId === taskId);
  return str(created?.data.department);
}

function taskStatusText(t: TFunction, task: CoordinationTask, directory: Directory): string {
  if (task.status === 'open') return t('desk.sheet.open');
  if (task.status === 'claimed') return t('desk.sheet.claimed', { owner: staffName(directory, task.ownerId) });
  return t('desk.sheet.done');
}

/** The coordination sheet (SPEC §6): every department involved, its role and where it stands. */
export function coordinationSheet(state: TicketState, ctx: ViewContext): { title: string; rows: { line: string; note?: string; outcome?: string }[] } {
  const t = translator(ctx.language);
  return {
    title: t('desk.sheet.title', { number: state.ticket.number }),
    rows: [...state.tasks]
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((task) => ({
        line: t('desk.sheet.row', {
          department: departmentName(ctx.directory, task.departmentId, ctx.language),
          role: t(`desk.role.${task.role}`, { defaultValue: task.role }),
          status: taskStatusText(t, task, ctx.directory),
        }),
        ...(task.note ? { note: t('desk.sheet.note', { note: task.note }) } : {}),
        ...(task.outcome ? { outcome: t('desk.sheet.outcome', { outcome: task.outcome }) } : {}),
      })),
  };
}

export interface TaskCard {
  title: string;
  fields: CardField[];
  note: string;
  buttons: CardButton[];
  done: boolean;
}

/** The card a coordination task gets in the involved department's channel. */
export function taskCard(state: TicketState, task: CoordinationTask, ctx: ViewContext): TaskCard {
  const t = translator(ctx.language);
  const value = `${state.ticket.number}:${task.id}`;
  const buttons: CardButton[] = [];
  if (task.status === 'open') buttons.push({ action: 'taskClaim', label: t('desk.action.taskClaim'), value, style: 'primary' });
  if (task.status !== 'done') buttons.push({ action: 'taskDone', label: t('desk.action.taskDone'), value });
  return {
    title: t('desk.task.title', { number: state.ticket.number, department: departmentName(ctx.directory, task.departmentId, ctx.language) }),
    fields: [
      { label: t('desk.task.role'), value: t(`desk.role.${task.role}`, { defaultValue: task.role }) },
      { label: t('desk.task.status'), value: taskStatusText(t, task, ctx.directory) },
      { label: t('desk.card.product'), value: state.ticket.product || t('desk.card.none') },
      { label: t('desk.card.severity'), value: t(`desk.severity.${state.ticket.severity}`) },
    ],
    note: [t('desk.task.requestedBy', { staff: staffName(ctx.directory, task.createdBy) }), task.note, task.outcome ? t('desk.sheet.outcome', { outcome: task.outcome }) : '']
      .filter(Boolean)
      .join('\n'),
    buttons,
    done: task.status === 'done',
  };
}

export interface EscalationPost {
  title: string;
  fields: CardField[];
  status: string;
  open: boolean;
  buttons: CardButton[];
  fallback: string;
}

/** The escalation post (SPEC §5), for the escalation channel and the supervisors' DMs. */
export function escalationPost(state: TicketState, esc: Escalation, ctx: ViewContext): EscalationPost {
  const t = translator(ctx.language);
  const number = state.ticket.number;
  const open = esc.status === 'open';
  const status =
    esc.status === 'acknowledged'
      ? t('desk.escalation.acknowledged', { staff: staffName(ctx.directory, esc.acknowledgedBy) })
      : esc.status === 'exhausted'
        ? t('desk.escalation.exhausted')
        : esc.nextStepAt
          ? t('desk.escalation.ackBy', { time: formatDateTime(esc.nextStepAt, ctx.language, ticketTimeZone(state, ctx.directory)) })
          : '';
  const title = t('desk.escalation.title', { number, level: esc.level });
  return {
    title,
    fields: [
      { label: t('desk.escalation.trigger'), value: t(`desk.trigger.${esc.trigger}`, { defaultValue: esc.trigger }) },
      ...(esc.reason ? [{ label: t('desk.escalation.reason'), value: esc.reason }] : []),
      { label: t('desk.card.product'), value: state.ticket.product || t('desk.card.none') },
      { label: t('desk.card.severity'), value: t(`desk.severity.${state.ticket.severity}`) },
      { label: t('desk.card.owner'), value: staffName(ctx.directory, state.ticket.ownerId) || t('desk.card.unowned') },
      { label: t('desk.card.status'), value: t(`desk.status.${state.ticket.status}`) },
    ],
    status,
    open,
    // Whoever the ladder pinged may acknowledge and may hand the ticket to someone else.
    buttons: open
      ? [
          { action: 'acknowledge', label: t('desk.action.acknowledge'), value: `${number}:${esc.id}`, style: 'danger' },
          { action: 'reassign', label: t('desk.action.reassign'), value: number },
        ]
      : [],
    fallback: title,
  };
}

/**
 * A one-off notice to a staff member or channel (reminders, overdue prompts, assignment,
 * customer messages, failed deliveries). `quote` is what someone else wrote.
 */
export function staffNotice(
  kind: string,
  payload: Record<string, unknown>,
  ctx: ViewContext,
): { text: string; quote?: string; buttons: CardButton[] } | undefined {
  if (!isNoticeKind(kind)) return undefined;
  return renderNotice(kind, payload, ctx);
}

/** Staff messages the gateway shows as a one-off notice (the others are cards kept up to date). */
export type NoticeKind = Exclude<StaffMessageKind, 'ticket.card' | 'ticket.card_update' | 'coordination.task' | 'coordination.task_update' | 'escalation.ping' | 'escalation.acknowledged'>;

type Notice = { text: string; quote?: string; buttons: CardButton[] };
type NoticeRenderer<K extends NoticeKind> = (p: StoredStaffPayload<K>, h: { t: TFunction; ctx: ViewContext; number: string }) => Notice;

const clockName = (t: TFunction, clock: unknown) => t(`desk.clock.${str(clock)}`, { defaultValue: str(clock) });
const overdue = (t: TFunction, number: string, clock: unknown): Notice => ({
  text: t('desk.notice.overdue', { number, clock: clockName(t, clock) }),
  buttons: [{ action: 'delay', label: t('desk.action.delay'), value: number, style: 'primary' }],
});

const NOTICES: { [K in NoticeKind]: NoticeRenderer<K> } = {
  'sla.reminder': (p, { t, ctx, number }) => {
    const deadline = str(p.deadline);
    const ms = deadline ? new Date(deadline).getTime() - ctx.now.getTime() : 0;
    if (deadline && ms < 0) return overdue(t, number, p.clock);
    return { text: t('desk.notice.reminder', { number, clock: clockName(t, p.clock), left: formatSpan(ms, ctx.language) }), buttons: [] };
  },
  'sla.overdue_prompt': (p, { t, number }) => overdue(t, number, p.clock),
  'followup.result_notice_due': (_p, { t, number }) => ({ text: t('desk.notice.resultNoticeDue', { number }), buttons: [] }),
  'staff.assigned': (p, { t, ctx, number }) => ({ text: t('desk.notice.assigned', { number, by: staffName(ctx.directory, str(p.by)) }), buttons: [] }),
  'customer.message': (p, { t, number }) => ({
    text: t('desk.notice.customerMessage', { number }),
    quote: str(p.text),
    buttons: [{ action: 'reply', label: t('desk.action.reply'), value: number, style: 'primary' }],
  }),
  'outbox.delivery_failed': (p, { t, number }) => ({ text: t('desk.notice.deliveryFailed', { number, kind: str(p.kind), error: str(p.error) }), buttons: [] }),
};

const isNoticeKind = (kind: string): kind is NoticeKind => Object.hasOwn(NOTICES, kind);

function renderNotice<K extends NoticeKind>(kind: K, payload: Record<string, unknown>, ctx: ViewContext): Notice {
  const render: NoticeRenderer<K> = NOTICES[kind];
  return render(payload, { t: translator(ctx.language), ctx, number: str(payload.number) });
}

/** What to tell a staff member whose action failed, in their language. */
export function explainError(err: unknown, number: string, ctx: ViewContext, ref: string): string {
  const t = translator(ctx.language);
  if (!(err instanceof AftercareError)) return t('desk.reply.failed', { ref });
  const d = err.details ?? {};
  switch (err.code) {
    case ErrorCode.Forbidden:
      switch (d.reason) {
        case 'unknown_staff':
          return t('desk.reply.unknownStaff');
        case 'not_supervisor':
          return t('desk.reply.notSupervisor');
        case 'not_owner':
          return t('desk.reply.notOwner', { number, owner: staffName(ctx.directory, str(d.ownerId)) });
        case 'task_department':
          return t('desk.reply.taskDepartment');
        default:
          return t('desk.reply.otherDepartment');
      }
    case ErrorCode.AlreadyClaimed:
      return str(d.ownerId) && err.message.includes('already yours')
        ? t('desk.reply.alreadyYours', { number })
        : t('desk.reply.alreadyClaimed', { number, owner: staffName(ctx.directory, str(d.ownerId)) });
    case ErrorCode.NotFound:
      // A missing task or escalation on an existing ticket is not a missing ticket.
      return d.what === 'ticket' ? t('desk.reply.notFound', { number }) : t('desk.reply.conflict', { error: err.message });
    case ErrorCode.IllegalTransition:
      // English keeps the core's reason; other languages say it from the status.
      return t('desk.reply.illegal', { error: err.message, status: t(`desk.status.${str(d.from)}`, { defaultValue: str(d.from) }) });
    case ErrorCode.ValidationFailed: {
      const fields = (d.fields as { path: string; message: string }[] | undefined) ?? [];
      return t('desk.reply.invalid', { details: fields.length ? fields.map((f) => `${f.path} ${f.message}`).join('; ') : err.message });
    }
    default:
      return t('desk.reply.conflict', { error: err.message });
  }
}

/** A compact line per ticket for `/aftercare mine|queue` and App Home. */
export function ticketLine(state: TicketState, ctx: ViewContext): string {
  const t = translator(ctx.language);
  return t('desk.command.line', {
    number: state.ticket.number,
    status: t(`desk.status.${state.ticket.status}`),
    deadline: deadlineText(state, ctx.now, ctx.language, ticketTimeZone(state, ctx.directory)).text,
    product: state.ticket.product,
  });
}

/** Tickets by their next deadline, those without one last. */
export function byDeadline(states: TicketState[]): TicketState[] {
  const at = (s: TicketState) => nextDeadline(s)?.at.getTime() ?? Number.POSITIVE_INFINITY;
  return [...states].sort((a, b) => at(a) - at(b));
}
