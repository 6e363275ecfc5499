import { describe, it, expect } from 'vitest';
import { IllegalTransitionError } from '../../../src/core/errors.js';
import { canTransition, isOpen, OPEN_STATUSES, transition, type TicketAction } from '../../../src/core/ticket-state.js';
import { TICKET_STATUSES, type TicketStatus } from '../../../src/core/types.js';

const ACTIONS: readonly TicketAction[] = [
  'claim',
  'start_work',
  'wait_customer',
  'customer_replied',
  'resolve',
  'close',
  'reopen',
  'reassign',
];

/** The legal transitions, written out independently of the implementation's table. */
const LEGAL: readonly [TicketStatus, TicketAction, TicketStatus][] = [
  ['new', 'claim', 'assigned'],
  ['reopened', 'claim', 'reopened'],

  ['assigned', 'start_work', 'in_progress'],
  ['in_progress', 'start_work', 'in_progress'],
  ['waiting_customer', 'start_work', 'in_progress'],
  ['reopened', 'start_work', 'in_progress'],

  ['in_progress', 'wait_customer', 'waiting_customer'],
  ['assigned', 'wait_customer', 'waiting_customer'],
  ['reopened', 'wait_customer', 'waiting_customer'],
  ['waiting_customer', 'wait_customer', 'waiting_customer'],

  ['waiting_customer', 'customer_replied', 'in_progress'],

  ['assigned', 'resolve', 'resolved'],
  ['in_progress', 'resolve', 'resolved'],
  ['waiting_customer', 'resolve', 'resolved'],
  ['reopened', 'resolve', 'resolved'],

  ['resolved', 'close', 'closed'],

  ['resolved', 'reopen', 'reopened'],
  ['closed', 'reopen', 'reopened'],

  ['new', 'reassign', 'assigned'],
  ['assigned', 'reassign', 'assigned'],
  ['in_progress', 'reassign', 'in_progress'],
  ['waiting_customer', 'reassign', 'waiting_customer'],
  ['reopened', 'reassign', 'reopened'],
];

function expectIllegal(from: TicketStatus, action: TicketAction): void {
  let thrown: unknown;
  try {
    transition(from, action);
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `${action} from ${from} should throw`).toBeInstanceOf(IllegalTransitionError);
  const e = thrown as IllegalTransitionError;
  expect(e.code).toBe('illegal_transition');
  expect(e.from).toBe(from);
  expect(e.action).toBe(action);
  expect(e.details).toEqual({ from, action });
  // Plain words: no internal action or status names (start_work, waiting_customer…).
  expect(e.message).not.toMatch(/_/);
  expect(e.message).not.toMatch(/^cannot /);
}

describe('transition — legal moves', () => {
  it.each(LEGAL)('%s --%s--> %s', (from, action, to) => {
    expect(transition(from, action)).toBe(to);
    expect(canTransition(from, action)).toBe(true);
  });

  it('walks the full happy path new → assigned → in_progress ⇄ waiting_customer → resolved → closed → reopened → in_progress', () => {
    let s: TicketStatus = 'new';
    const steps: [TicketAction, TicketStatus][] = [
      ['claim', 'assigned'],
      ['start_work', 'in_progress'],
      ['wait_customer', 'waiting_customer'],
      ['customer_replied', 'in_progress'],
      ['resolve', 'resolved'],
      ['close', 'closed'],
      ['reopen', 'reopened'],
      ['start_work', 'in_progress'],
      ['resolve', 'resolved'],
    ];
    for (const [action, expected] of steps) {
      s = transition(s, action);
      expect(s).toBe(expected);
    }
  });
});

describe('transition — illegal moves', () => {
  it.each([
    ['new', 'resolve'],
    ['new', 'close'],
    ['new', 'start_work'],
    ['new', 'customer_replied'],
    ['in_progress', 'reopen'],
    ['in_progress', 'claim'],
    ['in_progress', 'close'],
    ['assigned', 'claim'],
    ['closed', 'claim'],
    ['closed', 'resolve'],
    ['closed', 'close'],
    ['closed', 'reassign'],
    ['resolved', 'resolve'],
    ['resolved', 'start_work'],
    ['resolved', 'wait_customer'],
    ['resolved', 'reassign'],
    ['reopened', 'reopen'],
    ['reopened', 'close'],
    ['in_progress', 'customer_replied'],
  ] as [TicketStatus, TicketAction][])('%s cannot %s', (from, action) => {
    expect(canTransition(from, action)).toBe(false);
    expectIllegal(from, action);
  });

  it('every (status, action) pair outside the legal list is refused with illegal_transition', () => {
    const legal = new Set(LEGAL.map(([from, action]) => `${from}:${action}`));
    let checked = 0;
    for (const from of TICKET_STATUSES) {
      for (const action of ACTIONS) {
        if (legal.has(`${from}:${action}`)) continue;
        expect(canTransition(from, action)).toBe(false);
        expectIllegal(from, action);
        checked++;
      }
    }
    expect(checked).toBe(TICKET_STATUSES.length * ACTIONS.length - LEGAL.length);
  });
});

describe('illegal transition messages', () => {
  it('say what is wrong and what to do instead', () => {
    expect(() => transition('resolved', 'start_work')).toThrow('a resolved ticket cannot be worked on; reopen it first');
    expect(() => transition('in_progress', 'claim')).toThrow(/already has an owner/);
    expect(() => transition('new', 'resolve')).toThrow(/claim it first/);
    expect(() => transition('assigned', 'reopen')).toThrow(/only resolved or closed tickets can be reopened/);
    expect(() => transition('in_progress', 'customer_replied')).toThrow(/not waiting for a reply from the customer/);
  });
});

describe('isOpen', () => {
  it.each([
    ['new', true],
    ['assigned', true],
    ['in_progress', true],
    ['waiting_customer', true],
    ['reopened', true],
    ['resolved', false],
    ['closed', false],
  ] as [TicketStatus, boolean][])('%s → %s', (status, open) => {
    expect(isOpen(status)).toBe(open);
    expect(OPEN_STATUSES.includes(status)).toBe(open);
  });
});

describe('force_close (a supervisor closes unresolved work)', () => {
  it('closes every open status and nothing else', () => {
    for (const s of TICKET_STATUSES) {
      if (isOpen(s)) expect(transition(s, 'force_close')).toBe('closed');
      else expect(() => transition(s, 'force_close')).toThrow(IllegalTransitionError);
    }
  });
});
