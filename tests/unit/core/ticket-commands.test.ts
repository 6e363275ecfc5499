import { describe, expect, it } from 'vitest';
import { ErrorCode, IllegalTransitionError } from '../../../src/core/errors.js';
import { allowedCommands, assertCommandAllowed, commandAllowed, STAFF_COMMANDS, type StaffCommandKey } from '../../../src/core/ticket-commands.js';
import { TICKET_STATUSES, type TicketStatus } from '../../../src/core/types.js';

const OPEN: TicketStatus[] = ['new', 'assigned', 'in_progress', 'waiting_customer', 'reopened'];
const DONE: TicketStatus[] = ['resolved', 'closed'];

function refused(command: StaffCommandKey, status: TicketStatus, role: 'agent' | 'supervisor' = 'agent'): IllegalTransitionError {
  try {
    assertCommandAllowed(command, status, role);
  } catch (err) {
    return err as IllegalTransitionError;
  }
  throw new Error(`${command} on ${status} was allowed`);
}

describe('which staff commands are allowed in which status', () => {
  it('refuses to resolve a new ticket, for everyone, with a plain-words reason', () => {
    for (const role of ['agent', 'supervisor'] as const) {
      const err = refused('resolve', 'new', role);
      expect(err).toBeInstanceOf(IllegalTransitionError);
      expect(err.code).toBe(ErrorCode.IllegalTransition);
      expect(err.message).toBe('claim the ticket and answer the customer before resolving it');
    }
    for (const s of ['assigned', 'in_progress', 'waiting_customer', 'reopened'] as const) expect(commandAllowed('resolve', s, 'agent')).toBe(true);
  });

  it('refuses work on resolved and closed tickets', () => {
    for (const command of ['escalate', 'involve', 'delay', 'reclassify', 'reply', 'progress', 'reassign', 'claim', 'resolve', 'task_claim'] as const) {
      for (const status of DONE) {
        for (const role of ['agent', 'supervisor'] as const) expect(commandAllowed(command, status, role), `${command} on ${status}`).toBe(false);
        expect(refused(command, status).message).toMatch(/reopen it/);
      }
      for (const status of OPEN.filter((s) => !(command === 'resolve' && s === 'new'))) expect(commandAllowed(command, status, 'agent'), `${command} on ${status}`).toBe(true);
    }
  });

  it('still allows reopen, acknowledge and finishing a coordination task on done tickets', () => {
    for (const status of DONE) {
      expect(commandAllowed('reopen', status, 'agent')).toBe(true);
      expect(commandAllowed('acknowledge', status, 'agent')).toBe(true);
      expect(commandAllowed('task_done', status, 'agent')).toBe(true);
    }
    for (const status of OPEN) expect(commandAllowed('reopen', status, 'supervisor')).toBe(false);
  });

  it('closes resolved tickets for anyone, open ones for supervisors only, closed ones never', () => {
    expect(commandAllowed('close', 'resolved', 'agent')).toBe(true);
    for (const status of OPEN) {
      expect(commandAllowed('close', status, 'agent')).toBe(false);
      expect(commandAllowed('close', status, 'supervisor')).toBe(true);
    }
    expect(commandAllowed('close', 'closed', 'supervisor')).toBe(false);
    expect(refused('close', 'in_progress').message).toMatch(/only a supervisor/);
    expect(refused('close', 'closed', 'supervisor').message).toBe('the ticket is already closed');
  });

  it('lists the allowed commands per status in table order, every status covered', () => {
    expect(allowedCommands('resolved', 'agent')).toEqual(['reopen', 'task_done', 'acknowledge', 'close']);
    expect(allowedCommands('closed', 'supervisor')).toEqual(['reopen', 'task_done', 'acknowledge']);
    expect(allowedCommands('new', 'agent')).not.toContain('resolve');
    for (const status of TICKET_STATUSES) expect(allowedCommands(status, 'supervisor').length).toBeGreaterThan(0);
    expect(new Set(STAFF_COMMANDS).size).toBe(STAFF_COMMANDS.length);
  });
});
