import type { TFunction } from 'i18next';
import { str } from '../../core/payload.js';
import { ERASED_TEXT } from '../../core/personal.js';
import { isTicketEventType, type StoredEventData, type TicketEventType } from '../../core/ticket-events.js';
import { formatDateTime, localized, translator } from '../../i18n/index.js';
import type { StoredEvent } from '../ports.js';
import { departmentName, staffName, type ViewContext } from './view-context.js';

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
  'customer.erased': (_d, { t }) => ({ headline: t('desk.timeline.erased') }),
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
    const label = preset ? localized(preset.label, ctx.language) : '';
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
    // What an erased customer wrote is gone: the quote says so in the reader's language.
    const quote = shown?.quote === ERASED_TEXT ? t('desk.card.erasedText') : shown?.quote;
    if (shown) out.push({ seq: e.seq, headline: shown.headline, ...(quote ? { quote } : {}) });
  }
  return out;
}

function taskDepartment(events: StoredEvent[], taskId: unknown): string {
  const created = events.find((e) => e.type === 'coordination.task_created' && e.data.taskId === taskId);
  return str(created?.data.department);
}
