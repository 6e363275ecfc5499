import type { AftercareConfig, Department, EscalationLevel, StaffMember } from './types.js';

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
    return this.config.escalation.chains[departmentId] ?? this.config.escalation.chains.default ?? [];
  }

  /** Staff ids a level notifies, resolving `supervisors` and `supervisors:<dept>` for the ticket's department. */
  resolveLevel(level: EscalationLevel, departmentId: string): string[] {
    const ids = level.notify.flatMap((who) => {
      if (who === 'supervisors') return this.supervisorsOf(departmentId).map((s) => s.id);
      if (who.startsWith('supervisors:')) return this.supervisorsOf(who.slice('supervisors:'.length)).map((s) => s.id);
      return [who];
    });
    return [...new Set(ids)];
  }
}
