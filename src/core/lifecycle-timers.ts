import type { LifecyclePolicy, TicketStatus } from './types.js';

export type { LifecyclePolicy };

/**
 * Timers that close the loop with the customer (after SLA clocks are done):
 * - `auto_close`: a resolved ticket nobody confirms closes after `closeAfter`; a pending
 *   verification callback comes first, and sending it restarts the wait;
 * - `waiting_reminder`: one reminder to a customer we have been waiting on;
 * - `waiting_close`: the ticket is resolved and closed when the customer never answers.
 */
export const LIFECYCLE_TIMERS = ['auto_close', 'waiting_reminder', 'waiting_close'] as const;
export type LifecycleTimerKind = (typeof LIFECYCLE_TIMERS)[number];

export function isLifecycleTimer(kind: string): kind is LifecycleTimerKind {
  return (LIFECYCLE_TIMERS as readonly string[]).includes(kind);
}

const DAY = 86_400_000;
export const DEFAULT_LIFECYCLE: LifecyclePolicy = {
  closeAfterMs: 7 * DAY,
  waitingReminderAfterMs: DAY,
  waitingCloseAfterMs: 7 * DAY,
  customerLinkTtlMs: 14 * DAY,
};

export interface LifecycleTimer {
  kind: LifecycleTimerKind;
  /** `running` for the whole period it applies to (also once fired); `stopped` when the period ended. */
  status: 'running' | 'stopped';
  startedAt: Date;
  deadline: Date | null;
  /** When it fired; a timer fires at most once per start. */
  firedAt: Date | null;
  stoppedAt: Date | null;
  /** Bumped on every start and stop, so a job of an older version finds itself stale. */
  version: number;
}

export type LifecycleTimers = Partial<Record<LifecycleTimerKind, LifecycleTimer>>;

/** What the lifecycle timers depend on. */
export interface LifecycleSituation {
  status: TicketStatus;
  /** The verification callback of a fault is still due. */
  verificationPending: boolean;
}

function wanted(kind: LifecycleTimerKind, s: LifecycleSituation, p: LifecyclePolicy): number | null {
  switch (kind) {
    case 'auto_close':
      return s.status === 'resolved' && !s.verificationPending ? p.closeAfterMs : null;
    case 'waiting_reminder':
      return s.status === 'waiting_customer' ? p.waitingReminderAfterMs : null;
    case 'waiting_close':
      return s.status === 'waiting_customer' ? p.waitingCloseAfterMs : null;
  }
}

/**
 * The lifecycle timers after a change (pure; returns only those that changed): a timer
 * runs while its situation lasts — started when it begins, stopped when it ends — and
 * keeps running after it fired, so it fires once per period.
 */
export function planLifecycleTimers(timers: LifecycleTimers, s: LifecycleSituation, policy: LifecyclePolicy, now: Date): LifecycleTimers {
  const changed: LifecycleTimers = {};
  for (const kind of LIFECYCLE_TIMERS) {
    const ms = wanted(kind, s, policy);
    const t = timers[kind];
    const running = t?.status === 'running';
    if (ms !== null && !running) {
      changed[kind] = {
        kind,
        status: 'running',
        startedAt: now,
        deadline: new Date(now.getTime() + ms),
        firedAt: null,
        stoppedAt: null,
        version: (t?.version ?? 0) + 1,
      };
    } else if (ms === null && running) {
      changed[kind] = { ...t, status: 'stopped', deadline: null, stoppedAt: now, version: t.version + 1 };
    }
  }
  return changed;
}

/** Whether a timer is due to fire now at `version`. */
export function lifecycleTimerDue(t: LifecycleTimer | undefined, version: number): t is LifecycleTimer & { deadline: Date } {
  return t !== undefined && t.status === 'running' && t.version === version && t.deadline !== null && t.firedAt === null;
}
