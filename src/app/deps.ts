import type { Directory } from '../core/directory.js';
import type { ClockContext } from '../core/sla/clocks.js';
import type { Severity, Tier } from '../core/types.js';
import type { Clock, NewId, TicketStore } from './ports.js';

/** What every use case is given. */
export interface UseCaseDeps {
  store: TicketStore;
  directory: Directory;
  now: Clock;
  newId: NewId;
}

export function clockContext(deps: UseCaseDeps, t: { severity: Severity; tier: Tier; primaryDepartmentId: string }): ClockContext {
  const cfg = deps.directory.config;
  return {
    severity: t.severity,
    tier: t.tier,
    departmentCalendar: deps.directory.department(t.primaryDepartmentId)?.calendar,
    policy: cfg.sla,
    calendars: cfg.calendars,
  };
}
