/** Stable error codes. Callers (HTTP, chat adapters, tests) match on these, never on messages. */
export const ErrorCode = {
  ValidationFailed: 'validation_failed',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  IllegalTransition: 'illegal_transition',
  AlreadyClaimed: 'already_claimed',
  IdempotencyConflict: 'idempotency_conflict',
  Conflict: 'conflict',
  PayloadTooLarge: 'payload_too_large',
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

export class IllegalTransitionError extends AftercareError {
  constructor(
    readonly from: string,
    readonly action: string,
  ) {
    super(ErrorCode.IllegalTransition, `cannot ${action} a ticket that is ${from}`, { from, action });
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
