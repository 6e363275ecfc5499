import { describe, it, expect } from 'vitest';
import { AftercareError } from '../../../src/core/errors.js';
import { assertCan, type Capability, type TicketAccess } from '../../../src/core/permissions.js';
import { Directory } from '../../../src/core/directory.js';
import type { StaffMember } from '../../../src/core/types.js';
import { exampleConfig } from '../../helpers/config.js';

const dir = new Directory(exampleConfig());

function staff(id: string): StaffMember {
  const s = dir.staff(id);
  if (!s) throw new Error(`example config has no staff ${id}`);
  return s;
}

const dave = staff('dave'); // technical agent
const erin = staff('erin'); // technical supervisor
const heidi = staff('heidi'); // logistics agent
const ivan = staff('ivan'); // logistics supervisor
const alice = staff('alice'); // customer-service agent
const carol = staff('carol'); // cs-supervisor supervisor

/** A fault routed to technical, with a logistics coordination task. */
const access = (ownerId: string | null = null): TicketAccess => ({
  ownerId,
  departmentIds: ['technical'],
  taskDepartmentIds: ['logistics'],
});

function refusal(fn: () => unknown): AftercareError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AftercareError);
    return err as AftercareError;
  }
  throw new Error('expected assertCan to throw');
}

describe('assertCan', () => {
  it('refuses an unknown staff member with forbidden', () => {
    const e = refusal(() => assertCan(undefined, 'view', access()));
    expect(e.code).toBe('forbidden');
    expect(e.details).toMatchObject({ reason: 'unknown_staff' });
  });

  it.each(['view', 'claim', 'work', 'involve', 'escalate', 'reopen', 'reassign', 'reclassify', 'acknowledge'] as Capability[])(
    'refuses %s to staff of another department (even a supervisor)',
    (capability) => {
      for (const who of [alice, carol]) {
        const e = refusal(() => assertCan(who, capability, access()));
        expect(e.code).toBe('forbidden');
        expect(e.details).toMatchObject({ reason: 'other_department', staffId: who.id });
      }
    },
  );

  it('returns the staff member when allowed', () => {
    expect(assertCan(dave, 'view', access())).toBe(dave);
    expect(assertCan(dave, 'claim', access())).toBe(dave);
  });

  it('only supervisors may reassign or acknowledge', () => {
    for (const capability of ['reassign', 'acknowledge'] as const) {
      const e = refusal(() => assertCan(dave, capability, access('dave')));
      expect(e.code).toBe('forbidden');
      expect(e.details).toMatchObject({ reason: 'not_supervisor' });
      expect(assertCan(erin, capability, access('dave'))).toBe(erin);
    }
  });

  it('an agent may not work a ticket owned by someone else; a supervisor may', () => {
    const owned = access('somebody-else');
    const e = refusal(() => assertCan(dave, 'work', owned));
    expect(e.code).toBe('forbidden');
    expect(e.details).toMatchObject({ reason: 'not_owner', ownerId: 'somebody-else' });
    expect(assertCan(erin, 'work', owned)).toBe(erin);
  });

  it('the owner works their own ticket; anyone in the department works an unowned one', () => {
    expect(assertCan(dave, 'work', access('dave'))).toBe(dave);
    expect(assertCan(dave, 'work', access(null))).toBe(dave);
  });

  it('first-contact responsibility does not block other capabilities of a colleague', () => {
    expect(assertCan(dave, 'escalate', access('erin'))).toBe(dave);
    expect(assertCan(dave, 'involve', access('erin'))).toBe(dave);
  });

  it('a task department may act on the ticket but not claim it', () => {
    expect(assertCan(heidi, 'view', access())).toBe(heidi);
    expect(assertCan(heidi, 'escalate', access())).toBe(heidi);
    expect(assertCan(heidi, 'work', access())).toBe(heidi);
    expect(assertCan(ivan, 'acknowledge', access())).toBe(ivan);
    for (const who of [heidi, ivan]) {
      const e = refusal(() => assertCan(who, 'claim', access()));
      expect(e.code).toBe('forbidden');
      expect(e.details).toMatchObject({ reason: 'task_department' });
    }
  });

  it('a task-department agent is still bound by the owner rule', () => {
    const e = refusal(() => assertCan(heidi, 'work', access('dave')));
    expect(e.code).toBe('forbidden');
    expect(e.details).toMatchObject({ reason: 'not_owner' });
  });
});
