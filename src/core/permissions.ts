import { ErrorCode, ForbiddenError, AftercareError } from './errors.js';
import type { StaffMember } from './types.js';

export interface TicketAccess {
  ownerId: string | null;
  /** Departments the ticket is routed to or involves. */
  departmentIds: string[];
  /** Departments with a coordination task on the ticket. */
  taskDepartmentIds: string[];
}

export type Capability = 'view' | 'claim' | 'work' | 'involve' | 'escalate' | 'reopen' | 'reassign' | 'reclassify' | 'acknowledge';

/**
 * Checks that a staff member may do `capability` on a ticket (SPEC §9):
 * only staff of an owning or involved department act; working a claimed ticket
 * is for its owner (first-contact responsibility) or a supervisor; only
 * supervisors reassign or acknowledge escalations.
 */
export function assertCan(staff: StaffMember | undefined, capability: Capability, access: TicketAccess): StaffMember {
  if (!staff) throw new AftercareError(ErrorCode.Forbidden, 'unknown staff member', { reason: 'unknown_staff' });
  const member = access.departmentIds.includes(staff.departmentId) || access.taskDepartmentIds.includes(staff.departmentId);
  if (!member) {
    throw new ForbiddenError(`${staff.id} is not in a department of this ticket`, { reason: 'other_department', staffId: staff.id });
  }
  const supervisor = staff.role === 'supervisor';
  switch (capability) {
    case 'reassign':
    case 'acknowledge':
      if (!supervisor) throw new ForbiddenError(`only supervisors may ${capability}`, { reason: 'not_supervisor', staffId: staff.id });
      break;
    case 'work':
      if (access.ownerId !== null && access.ownerId !== staff.id && !supervisor) {
        throw new ForbiddenError(`ticket is owned by ${access.ownerId}`, { reason: 'not_owner', staffId: staff.id, ownerId: access.ownerId });
      }
      break;
    case 'claim':
      // Only the routed departments claim; a department involved through a task claims the task instead.
      if (!access.departmentIds.includes(staff.departmentId)) {
        throw new ForbiddenError(`${staff.id} may only claim the coordination task`, { reason: 'task_department', staffId: staff.id });
      }
      break;
    default:
      break;
  }
  return staff;
}
