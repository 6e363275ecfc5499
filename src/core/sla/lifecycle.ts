import type { Category, ClockKind, Severity } from '../types.js';
import { pauseClock, rebudgetClock, resumeClock, startClock, stopClock, type ClockContext, type SlaClock } from './clocks.js';

/** What happened to a ticket, as far as its clocks are concerned. */
export type ClockTrigger =
  | { type: 'created' }
  | { type: 'claimed' }
  | { type: 'contacted' } // a reply or progress message reached the customer
  | { type: 'work_started' } // critical: work has begun
  | { type: 'marked_complex' }
  | { type: 'diagnosed' }
  | { type: 'waiting_customer' }
  | { type: 'customer_replied' }
  | { type: 'resolved'; category: Category }
  | { type: 'result_notice_sent' }
  | { type: 'verification_sent' }
  | { type: 'reopened'; hasOwner: boolean }
  | { type: 'closed' }
  | { type: 'reclassified' };

export type ClockSet = Partial<Record<ClockKind, SlaClock>>;

/** Whether a ticket of `severity` ever runs clock `kind`: the critical-start clock is for critical tickets only. */
export function clockApplies(kind: ClockKind, severity: Severity): boolean {
  return kind !== 'critical_start' || severity === 'critical';
}

/**
 * The clocks after `trigger` (SPEC §4). Returns only the clocks that changed.
 * Pure: the caller persists the result and reschedules timers by `version`.
 */
export function applyClockTrigger(clocks: ClockSet, trigger: ClockTrigger, ctx: ClockContext, now: Date): ClockSet {
  const changed: ClockSet = {};
  const get = (k: ClockKind) => changed[k] ?? clocks[k];
  const isLive = (k: ClockKind) => {
    const c = get(k);
    return c !== undefined && c.status !== 'stopped';
  };
  const start = (k: ClockKind) => {
    const prev = get(k);
    changed[k] = startClock(k, ctx, now, prev ? prev.version + 1 : 1);
  };
  const startOnce = (k: ClockKind) => {
    if (get(k) === undefined) start(k);
  };
  const stop = (k: ClockKind) => {
    const c = get(k);
    if (c && c.status !== 'stopped') changed[k] = stopClock(c, now);
  };
  const pause = (k: ClockKind) => {
    const c = get(k);
    if (c && c.status === 'running') changed[k] = pauseClock(c, ctx, now);
  };
  const resume = (k: ClockKind) => {
    const c = get(k);
    if (c && c.status === 'paused') changed[k] = resumeClock(c, ctx, now);
  };

  switch (trigger.type) {
    case 'created':
      start('first_response');
      start('resolution');
      if (clockApplies('critical_start', ctx.severity)) start('critical_start');
      break;
    case 'claimed':
      stop('first_response');
      if (!isLive('contact_customer')) start('contact_customer');
      break;
    case 'contacted':
      stop('first_response');
      stop('contact_customer');
      resume('resolution');
      break;
    case 'work_started':
      stop('first_response');
      stop('critical_start');
      resume('resolution');
      break;
    case 'marked_complex':
      startOnce('diagnosis_plan');
      break;
    case 'diagnosed':
      stop('diagnosis_plan');
      break;
    case 'waiting_customer':
      pause('resolution');
      break;
    case 'customer_replied':
      resume('resolution');
      break;
    case 'resolved':
      for (const k of ['first_response', 'contact_customer', 'diagnosis_plan', 'resolution', 'critical_start'] as const) stop(k);
      start('result_notice');
      if (trigger.category === 'fault') start('verification_callback');
      break;
    case 'result_notice_sent':
      stop('result_notice');
      break;
    case 'verification_sent':
      stop('verification_callback');
      break;
    case 'reopened':
      stop('result_notice');
      stop('verification_callback');
      start('resolution');
      if (trigger.hasOwner) start('contact_customer');
      else start('first_response');
      if (clockApplies('critical_start', ctx.severity)) start('critical_start');
      break;
    case 'closed':
      for (const k of Object.keys(clocks) as ClockKind[]) {
        if (k !== 'verification_callback') stop(k);
      }
      break;
    case 'reclassified':
      for (const [k, c] of Object.entries(clocks) as [ClockKind, SlaClock][]) {
        if (c.status !== 'stopped') changed[k] = rebudgetClock(c, ctx);
      }
      if (clockApplies('critical_start', ctx.severity) && get('critical_start') === undefined && isLive('resolution')) start('critical_start');
      break;
  }
  return changed;
}
