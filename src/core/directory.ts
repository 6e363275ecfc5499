import type { AftercareConfig, Category, Department, EscalationLevel, StaffMember } from './types.js';

/** The chain a department's tickets climb: its own, else `default`. */
export function chainFor<L>(chains: Record<string, L[]>, departmentId: string): L[] {
  return chains[departmentId] ?? chains.default ?? [];
}

/**
 * Staff ids a level's `notify` names for a ticket of `departmentId`: staff ids as given,
 * `supervisors` the ticket department's supervisors, `supervisors:<dept>` that department's.
 */
export function resolveNotify(notify: readonly string[], departmentId: string, supervisorsOf: (departmentId: string) => string[]): string[] {
  const ids = notify.flatMap((who) => {
    if (who === 'supervisors') return supervisorsOf(departmentId);
    if (who.startsWith('supervisors:')) return supervisorsOf(who.slice('supervisors:'.length));
    return [who];
  });
  return [...new Set(ids)];
}

/** Read-only lookups over the configured departments and staff. */
export class Directory {
  private readonly staffById = new Map<string, StaffMember>();
  private readonly departmentsById = new Map<string, Department>();

  constructor(readonly config: AftercareConfig) {
    for (const d of config.departments) {
      this.departmentsById.set(d.id, d);
      for (const s of d.staff) this.staffById.set(s.id, s);
    }
  }

  staff(id: string): StaffMember | undefined {
    return this.staffById.get(id);
  }

  department(id: string): Department | undefined {
    return this.departmentsById.get(id);
  }

  /**
   * The IANA time zone people read a department's times in: its calendar's zone, UTC for a
   * department without a calendar (or an unknown department).
   */
  timeZoneOf(departmentId: string): string {
    const calendar = this.department(departmentId)?.calendar;
    return (calendar && this.config.calendars[calendar]?.timeZone) || 'UTC';
  }

  departments(): Department[] {
    return this.config.departments;
  }

  allStaff(): StaffMember[] {
    return [...this.staffById.values()];
  }

  staffByPlatform(platform: 'slack' | 'discord' | 'telegram', platformId: string): StaffMember | undefined {
    return this.allStaff().find((s) => s[platform] === platformId);
  }

  supervisorsOf(departmentId: string): StaffMember[] {
    return this.department(departmentId)?.staff.filter((s) => s.role === 'supervisor') ?? [];
  }

  escalationChain(departmentId: string): EscalationLevel[] {
    return chainFor(this.config.escalation.chains, departmentId);
  }

  /** Staff ids a level notifies, resolving `supervisors` and `supervisors:<dept>` for the ticket's department. */
  resolveLevel(level: EscalationLevel, departmentId: string): string[] {
    return resolveNotify(level.notify, departmentId, (d) => this.supervisorsOf(d).map((s) => s.id));
  }

  /**
   * Staff ids pinged at `level` (1-based) of the ladder of a ticket owned by `departmentId`.
   * A complaint's level 1 also pings the supervisors of the departments always involved in
   * complaints (SPEC §5: the customer-service supervisor is always involved).
   */
  escalationRecipients(departmentId: string, level: number, category: Category): string[] {
    const step = this.escalationChain(departmentId)[level - 1];
    if (!step) return [];
    const ids = this.resolveLevel(step, departmentId);
    if (level === 1 && category === 'complaint') {
      for (const d of this.config.routing.complaint.always) ids.push(...this.supervisorsOf(d).map((s) => s.id));
    }
    return [...new Set(ids)];
  }
}
