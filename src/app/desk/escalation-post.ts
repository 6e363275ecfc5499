import { formatDateTime, translator } from '../../i18n/index.js';
import type { Escalation, TicketState } from '../ports.js';
import type { CardButton, CardField } from './card.js';
import { staffName, ticketTimeZone, type ViewContext } from './view-context.js';

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
