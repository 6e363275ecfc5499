import { describe, expect, it } from 'vitest';
import { escalationTimerId, slaTimerId, timerSpec } from '../../../src/app/timers.js';
import { outboxJobName, timerJobName } from '../../../src/jobs/queues.js';

const TICKET = '0b7e5c1a-6f0d-4a53-9c3e-2f1d8e4b7a90';
const ESCALATION = '9d2f3a4b-1c5e-4f6a-8b7c-0d1e2f3a4b5c';
const at = new Date('2027-03-01T10:00:00Z');

describe('job names in the queue UI', () => {
  it('name an SLA timer by ticket number, clock and step, and keep the compact id', () => {
    const t = timerSpec({ type: 'sla', ticketId: TICKET, clock: 'first_response', kind: 'remind', version: 3 }, at, 'AC-000123');
    expect(timerJobName(t)).toBe('AC-000123 firstResponse remind');
    expect(t.id).toBe(slaTimerId(TICKET, 'first_response', 'remind', 3));
    expect(t.id.length).toBeLessThanOrEqual(40);
    const breach = timerSpec({ type: 'sla', ticketId: TICKET, clock: 'verification_callback', kind: 'breach', version: 1 }, at, 'AC-000123');
    expect(timerJobName(breach)).toBe('AC-000123 verificationCallback breach');
  });

  it('name an escalation step by ticket number and level', () => {
    const t = timerSpec({ type: 'escalation', ticketId: TICKET, escalationId: ESCALATION, level: 2 }, at, 'AC-000123');
    expect(timerJobName(t)).toBe('AC-000123 escalation L2');
    expect(t.id).toBe(escalationTimerId(ESCALATION, 2, TICKET));
  });

  it('fall back to the start of the ticket id without a number, and stay short', () => {
    const t = timerSpec({ type: 'sla', ticketId: TICKET, clock: 'resolution', kind: 'breach', version: 1 }, at);
    expect(timerJobName(t)).toBe('ticket 0b7e5c1a resolution breach');
    // Short enough to stay in Redis's compact hash encoding (values ≤ 64 bytes).
    expect(Buffer.byteLength(timerJobName({ ...t, ticketNumber: 'AC-0001234567' }))).toBeLessThanOrEqual(64);
  });

  it('name an outbox delivery by its destination', () => {
    expect(outboxJobName('department:technical')).toBe('outbox department:technical');
  });
});
