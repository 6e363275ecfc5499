import type { TFunction } from 'i18next';
import type { Directory } from '../../core/directory.js';
import { translator } from '../../i18n/index.js';
import type { CoordinationTask, TicketState } from '../ports.js';
import type { CardButton, CardField } from './card.js';
import { departmentName, staffName, type ViewContext } from './view-context.js';

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
