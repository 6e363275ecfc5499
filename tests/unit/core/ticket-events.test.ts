/**
 * The event and outbox registry: the compiler rejects a wrong payload and a reader that
 * forgets a type (the `@ts-expect-error` lines fail `npm run typecheck` if they stop being
 * errors), and the runtime guards agree with the maps.
 */
import { describe, expect, it } from 'vitest';
import type { ChangeBuilder } from '../../../src/app/change-builder.js';
import { num, str } from '../../../src/core/payload.js';
import {
  isCustomerMessageKind,
  isStaffMessageKind,
  isTicketEventType,
  type CustomerMessageKind,
  type StoredEventData,
  type TicketEventType,
} from '../../../src/core/ticket-events.js';

/** Never called: only its types matter. */
export function wrongPayloads(b: ChangeBuilder): void {
  b.event('ticket.claimed', { owner: 'dave', department: 'technical' });
  // @ts-expect-error a field is missing
  b.event('ticket.claimed', { owner: 'dave' });
  // @ts-expect-error a field of the wrong type
  b.event('ticket.closed', { reason: 'staff', from: 'in_progress', note: 42 });
  // @ts-expect-error a close reason that does not exist
  b.event('ticket.closed', { reason: 'bored', from: 'in_progress' });
  // @ts-expect-error an event type that is not in the registry
  b.event('ticket.teleported', {});
  // @ts-expect-error an outbox kind that is not in the registry
  b.toCustomer('customer.postcard', {});
  // @ts-expect-error a staff kind sent to the customer
  b.toCustomer('staff.assigned', { by: 'carol' });
  // @ts-expect-error the reply needs the staff name
  b.toCustomer('customer.reply', { text: 'hi' });
  // @ts-expect-error a task update names its task
  b.toDepartment('technical', 'coordination.task_update', {});
}

/** A reader that forgot `ticket.closed` (and the rest) does not compile. */
export function forgetfulSwitch(type: TicketEventType): string {
  switch (type) {
    case 'ticket.claimed':
      return 'claimed';
    default: {
      // @ts-expect-error not every event type is handled
      const _exhaustive: never = type;
      return _exhaustive;
    }
  }
}

export function forgetfulCustomerSwitch(kind: CustomerMessageKind): string {
  switch (kind) {
    case 'customer.acknowledgement':
    case 'customer.reply':
    case 'customer.progress':
    case 'customer.overdue':
    case 'customer.result_notice':
    case 'customer.survey':
    case 'customer.verification_callback':
    case 'customer.waiting_reminder':
      return kind;
    default: {
      // @ts-expect-error customer.closed_no_answer is not handled
      const _exhaustive: never = kind;
      return _exhaustive;
    }
  }
}

// @ts-expect-error a table over the event types must name every type
export const forgetfulTable: Record<TicketEventType, boolean> = { 'ticket.claimed': true };

/** A stored payload is read by its field names: a misspelt field does not compile. */
export function misspeltField(d: StoredEventData<'ticket.replied'>): string {
  // @ts-expect-error `txt` is not a field of ticket.replied
  return str(d.text) + str(d.txt);
}

describe('the registry guards', () => {
  it('know the event types and message kinds the code emits, and nothing else', () => {
    expect(isTicketEventType('ticket.closed')).toBe(true);
    expect(isTicketEventType('sla.clock_rescheduled')).toBe(true);
    expect(isTicketEventType('ticket.teleported')).toBe(false);
    expect(isTicketEventType('toString')).toBe(false);
    expect(isCustomerMessageKind('customer.closed_no_answer')).toBe(true);
    expect(isCustomerMessageKind('customer.message')).toBe(false);
    expect(isStaffMessageKind('customer.message')).toBe(true);
    expect(isStaffMessageKind('customer.reply')).toBe(false);
    expect(isStaffMessageKind('constructor')).toBe(false);
  });
});

describe('the payload readers', () => {
  it('read strings and numbers, and nothing else', () => {
    expect(str('AC-000001')).toBe('AC-000001');
    expect(str(2)).toBe('2');
    expect([str(null), str(undefined), str({ a: 1 }), str(['x'])]).toEqual(['', '', '', '']);
    expect(num(7_200_000)).toBe(7_200_000);
    expect(num('90')).toBe(90);
    expect([num(null), num(''), num('abc'), num(Number.NaN), num(Infinity)]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
