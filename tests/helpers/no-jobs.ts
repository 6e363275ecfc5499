import type { OutboxKicker, TimerScheduler } from '../../src/app/ports.js';

/** A scheduler and kicker that do nothing: for use cases tested without a job queue. */
export function noJobs(): { scheduler: TimerScheduler; kicker: OutboxKicker } {
  return {
    scheduler: { schedule: () => Promise.resolve(), cancel: () => Promise.resolve() },
    kicker: { kick: () => Promise.resolve() },
  };
}
