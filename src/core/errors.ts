/** Stable error codes. Callers (HTTP, chat adapters, tests) match on these, never on messages. */
export const ErrorCode = {
  ValidationFailed: 'validation_failed',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  IllegalTransition: 'illegal_transition',
  AlreadyClaimed: 'already_claimed',
  SurveyAlreadyAnswered: 'survey_already_answered',
  IdempotencyConflict: 'idempotency_conflict',
  Conflict: 'conflict',
  /** Erasing a customer whose tickets are still being worked on, without `force`. */
  CustomerHasOpenTickets: 'customer_has_open_tickets',
  PayloadTooLarge: 'payload_too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  /** A dependency (the database) is unreachable for a moment: retry after Retry-After seconds. */
  ServiceUnavailable: 'service_unavailable',
  Internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base of every expected failure: carries a stable `code` and optional caller data. */
export class AftercareError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

const TICKET_IN: Record<string, string> = {
  new: 'a new ticket',
  assigned: 'an assigned ticket',
  in_progress: 'a ticket in progress',
  waiting_customer: 'a ticket waiting for the customer',
  resolved: 'a resolved ticket',
  closed: 'a closed ticket',
  reopened: 'a reopened ticket',
};

const CANNOT_BE: Record<string, string> = {
  claim: 'claimed',
  start_work: 'worked on',
  wait_customer: 'put on hold for the customer',
  resolve: 'resolved',
  close: 'closed',
  reopen: 'reopened',
  reassign: 'reassigned',
  escalate: 'escalated',
};

/** Why `action` is not possible on a ticket in status `from`, in plain words (no internal names). */
export function transitionMessage(from: string, action: string): string {
  const subject = TICKET_IN[from] ?? `a ticket that is ${from.replace(/_/g, ' ')}`;
  const verb = CANNOT_BE[action] ?? `changed that way (${action.replace(/_/g, ' ')})`;
  const done = from === 'resolved' || from === 'closed';
  if ((action === 'resolve' && from === 'resolved') || (action === 'close' && from === 'closed')) return `the ticket is already ${from}`;
  if (action === 'customer_replied') return `${subject} is not waiting for a reply from the customer`;
  let hint = '';
  if (action === 'reopen') hint = ' (only resolved or closed tickets can be reopened)';
  else if (action === 'close') hint = ' (only resolved tickets can be closed)';
  else if (done) hint = '; reopen it first';
  else if (from === 'new') hint = '; claim it first';
  else if (action === 'claim') hint = '; it already has an owner (a supervisor can reassign it)';
  return `${subject} cannot be ${verb}${hint}`;
}

export class IllegalTransitionError extends AftercareError {
  constructor(
    readonly from: string,
    readonly action: string,
    message?: string,
  ) {
    super(ErrorCode.IllegalTransition, message ?? transitionMessage(from, action), { from, action });
  }
}

export class ForbiddenError extends AftercareError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.Forbidden, message, details);
  }
}

export class NotFoundError extends AftercareError {
  constructor(what: string, id: string) {
    super(ErrorCode.NotFound, `${what} ${id} not found`, { what, id });
  }
}

export class ConflictError extends AftercareError {}

export class ValidationError extends AftercareError {
  constructor(
    message: string,
    readonly fields: { path: string; message: string }[],
  ) {
    super(ErrorCode.ValidationFailed, message, { fields });
  }
}

/** Wraps anything thrown into an AftercareError, keeping known ones as they are. */
export function asAftercareError(err: unknown): AftercareError {
  if (err instanceof AftercareError) return err;
  const e = new AftercareError(ErrorCode.Internal, err instanceof Error ? err.message : String(err));
  if (err instanceof Error) e.cause = err;
  return e;
}
