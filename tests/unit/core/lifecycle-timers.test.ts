import { describe, expect, it } from 'vitest';
import { DEFAULT_LIFECYCLE, lifecycleTimerDue, planLifecycleTimers, type LifecycleTimers } from '../../../src/core/lifecycle-timers.js';

const NOW = new Date('2027-03-01T10:00:00Z');
const H = 3_600_000;
const D = 24 * H;
const later = (ms: number) => new Date(NOW.getTime() + ms);

describe('planLifecycleTimers', () => {
  it('starts the auto close when a ticket is resolved, closeAfter from now', () => {
    const c = planLifecycleTimers({}, { status: 'resolved', verificationPending: false }, DEFAULT_LIFECYCLE, NOW);
    expect(Object.keys(c)).toEqual(['auto_close']);
    expect(c.auto_close).toMatchObject({ status: 'running', deadline: later(7 * D), firedAt: null, version: 1 });
  });

  it('waits for a pending verification callback, and restarts the wait once it went out', () => {
    const running = planLifecycleTimers({}, { status: 'resolved', verificationPending: false }, DEFAULT_LIFECYCLE, NOW);
    const blocked = planLifecycleTimers(running, { status: 'resolved', verificationPending: true }, DEFAULT_LIFECYCLE, later(H));
    expect(blocked.auto_close).toMatchObject({ status: 'stopped', deadline: null, version: 2 });
    expect(planLifecycleTimers({}, { status: 'resolved', verificationPending: true }, DEFAULT_LIFECYCLE, NOW)).toEqual({});
    const after = planLifecycleTimers(blocked, { status: 'resolved', verificationPending: false }, DEFAULT_LIFECYCLE, later(3 * D));
    expect(after.auto_close).toMatchObject({ status: 'running', deadline: later(10 * D), version: 3 });
  });

  it('runs one reminder and the no-answer close while the ticket waits on the customer, stopping both when it stops waiting', () => {
    const waiting = planLifecycleTimers({}, { status: 'waiting_customer', verificationPending: false }, DEFAULT_LIFECYCLE, NOW);
    expect(waiting.waiting_reminder).toMatchObject({ status: 'running', deadline: later(D) });
    expect(waiting.waiting_close).toMatchObject({ status: 'running', deadline: later(7 * D) });
    // Fired timers keep running for the rest of the period: no second reminder.
    const fired: LifecycleTimers = { ...waiting, waiting_reminder: { ...waiting.waiting_reminder!, firedAt: later(D) } };
    expect(planLifecycleTimers(fired, { status: 'waiting_customer', verificationPending: false }, DEFAULT_LIFECYCLE, later(2 * D))).toEqual({});
    const replied = planLifecycleTimers(fired, { status: 'in_progress', verificationPending: false }, DEFAULT_LIFECYCLE, later(2 * D));
    expect(replied.waiting_reminder).toMatchObject({ status: 'stopped', version: 2 });
    expect(replied.waiting_close).toMatchObject({ status: 'stopped', version: 2 });
    // Waiting again later is a new period with its own reminder.
    const again = planLifecycleTimers({ ...fired, ...replied }, { status: 'waiting_customer', verificationPending: false }, DEFAULT_LIFECYCLE, later(3 * D));
    expect(again.waiting_reminder).toMatchObject({ status: 'running', firedAt: null, deadline: later(4 * D), version: 3 });
  });

  it('starts nothing that is off, and stops what runs when it is switched off', () => {
    const off = { ...DEFAULT_LIFECYCLE, closeAfterMs: null, waitingReminderAfterMs: null };
    expect(planLifecycleTimers({}, { status: 'resolved', verificationPending: false }, off, NOW)).toEqual({});
    const w = planLifecycleTimers({}, { status: 'waiting_customer', verificationPending: false }, off, NOW);
    expect(Object.keys(w)).toEqual(['waiting_close']);
    const running = planLifecycleTimers({}, { status: 'resolved', verificationPending: false }, DEFAULT_LIFECYCLE, NOW);
    expect(planLifecycleTimers(running, { status: 'resolved', verificationPending: false }, off, NOW).auto_close?.status).toBe('stopped');
  });

  it('leaves open, closed and reopened tickets without timers', () => {
    for (const status of ['new', 'assigned', 'in_progress', 'closed', 'reopened'] as const) {
      expect(planLifecycleTimers({}, { status, verificationPending: false }, DEFAULT_LIFECYCLE, NOW)).toEqual({});
    }
  });
});

describe('lifecycleTimerDue', () => {
  it('is due only running, unfired, at the same version', () => {
    const t = planLifecycleTimers({}, { status: 'resolved', verificationPending: false }, DEFAULT_LIFECYCLE, NOW).auto_close!;
    expect(lifecycleTimerDue(t, 1)).toBe(true);
    expect(lifecycleTimerDue(t, 2)).toBe(false);
    expect(lifecycleTimerDue({ ...t, firedAt: NOW }, 1)).toBe(false);
    expect(lifecycleTimerDue({ ...t, status: 'stopped' }, 1)).toBe(false);
    expect(lifecycleTimerDue(undefined, 1)).toBe(false);
  });
});
