import type { TFunction } from 'i18next';
import { str } from '../../core/payload.js';
import type { StaffMessageKind, StoredStaffPayload } from '../../core/ticket-events.js';
import { formatSpan, translator } from '../../i18n/index.js';
import type { CardButton } from './card.js';
import { staffName, type ViewContext } from './view-context.js';

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
