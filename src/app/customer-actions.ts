import { ConflictError, ErrorCode, ForbiddenError, IllegalTransitionError } from '../core/errors.js';
import { detectTone } from '../core/tone.js';
import { afterCommit } from './after-commit.js';
import { ChangeBuilder } from './change-builder.js';
import type { UseCaseDeps } from './deps.js';
import { timerVersions } from './timers.js';
import type { Source, SurveyAnswer, TicketRef, TicketState } from './ports.js';

import type { Attachment } from '../core/ticket-events.js';
export type { Attachment };

export type CustomerCommand =
  | { type: 'message'; text: string; attachments?: Attachment[] | undefined }
  /** The "service confirmation" after a result notice (SPEC §7). */
  | { type: 'confirm'; resolved: boolean; text?: string | undefined }
  | { type: 'survey'; csat?: number | undefined; nps?: number | undefined; comment?: string | undefined }
  /** The verification callback for faults: did the fix hold? */
  | { type: 'verify'; stillFixed: boolean };

/**
 * A customer acting on their own ticket (SPEC §2, §7): a message relayed to staff, the
 * confirmation of the result, survey answers, the verification callback. "Not resolved"
 * and "problem again" reopen the ticket and escalate; an angry message is flagged and
 * escalated.
 */
export async function customerAct(
  deps: UseCaseDeps,
  ticket: TicketRef,
  customerId: string,
  source: Source,
  cmd: CustomerCommand,
): Promise<TicketState> {
  const before = new Map<string, number>();
  const committed = await deps.store.mutate(ticket, (state) => {
    if (state.ticket.customerId !== customerId) {
      throw new ForbiddenError('not your ticket', { reason: 'other_customer' });
    }
    timerVersions(state, before);
    const b = new ChangeBuilder(deps, state, { kind: 'customer', customerId }, source, deps.now());
    const surveys: SurveyAnswer[] = [];
    const reopen = (reason: string) => {
      b.status('reopen');
      b.ticket.resolvedAt = null;
      b.ticket.closedAt = null;
      b.event('ticket.reopened', { reason, by: 'customer' });
      b.clock({ type: 'reopened', hasOwner: state.ticket.ownerId !== null });
      b.escalate('reopened', reason, { kind: 'system' });
    };
    switch (cmd.type) {
      case 'message': {
        b.event('customer.message', { text: cmd.text, attachments: cmd.attachments ?? [] });
        b.toOwner('customer.message', { text: cmd.text, attachments: cmd.attachments ?? [] });
        if (b.current.status === 'waiting_customer') {
          b.status('customer_replied');
          b.clock({ type: 'customer_replied' });
        }
        const tone = detectTone(cmd.text);
        if (tone.angry) {
          b.ticket.flagged = true;
          b.event('ticket.flagged', { reasons: tone.reasons }, { kind: 'system' });
          b.escalate('angry_customer', tone.reasons.join(', '), { kind: 'system' });
        }
        break;
      }
      case 'confirm':
        if (state.ticket.status !== 'resolved') {
          throw new IllegalTransitionError(state.ticket.status, 'confirm', `only a resolved ticket can be confirmed; this one is ${state.ticket.status.replace('_', ' ')}`);
        }
        surveys.push({ kind: 'confirmation', answer: cmd.resolved ? 'resolved' : 'not_resolved', ...(cmd.text && { comment: cmd.text }) });
        if (cmd.resolved) {
          b.status('close');
          b.ticket.closedAt = b.now;
          b.event('ticket.confirmed', { resolved: true });
          b.event('ticket.closed', { reason: 'confirmed', from: 'resolved' });
          b.clock({ type: 'closed' });
        } else {
          b.event('ticket.confirmed', { resolved: false, ...(cmd.text && { text: cmd.text }) });
          reopen(cmd.text ? `customer: not resolved — ${cmd.text}` : 'customer: not resolved');
        }
        break;
      case 'survey':
        // The rating is given once; the NPS and a comment may follow it separately (Telegram asks step by step).
        if (cmd.csat !== undefined && state.surveys?.some((v) => v.kind === 'satisfaction' && v.csat !== null)) {
          throw new ConflictError(ErrorCode.SurveyAlreadyAnswered, `the survey of ${state.ticket.number} was already answered`);
        }
        surveys.push({
          kind: 'satisfaction',
          ...(cmd.csat !== undefined && { csat: cmd.csat }),
          ...(cmd.nps !== undefined && { nps: cmd.nps }),
          ...(cmd.comment !== undefined && { comment: cmd.comment }),
        });
        b.event('survey.answered', { csat: cmd.csat ?? null, nps: cmd.nps ?? null, comment: cmd.comment ?? null });
        break;
      case 'verify':
        surveys.push({ kind: 'verification', answer: cmd.stillFixed ? 'still_fixed' : 'problem_again' });
        b.event('followup.verification_answered', { stillFixed: cmd.stillFixed });
        if (!cmd.stillFixed) reopen('customer: problem again');
        break;
    }
    // A plain follow-up changes nothing on the card of the department it is told to: that
    // department's customer.message row posts it in the card's thread (StaffGateway).
    const plainFollowUp = cmd.type === 'message' && b.events.length === 1 && !b.current.ownerId;
    b.cardUpdate(plainFollowUp ? b.current.primaryDepartmentId : undefined);
    return { ...b.build(null), surveys };
  });
  await afterCommit(deps, committed, before);
  return committed.state;
}
