import { AftercareError, ErrorCode } from '../../core/errors.js';
import { str } from '../../core/payload.js';
import { translator } from '../../i18n/index.js';
import { staffName, type ViewContext } from './view-context.js';

/** What to tell a staff member whose action failed, in their language. */
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
