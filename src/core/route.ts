import { findKeywords } from './keywords.js';
import type { Category, RoutingTable } from './types.js';

/** `former`: routed before the category was corrected; keeps its card, which says where the ticket went. */
export type DepartmentRole = 'primary' | 'responsible' | 'oversight' | 'involved' | 'former';

export interface RoutedDepartment {
  departmentId: string;
  role: DepartmentRole;
}

/**
 * Departments a new ticket goes to (SPEC §3). A complaint goes to the responsible
 * department (by keyword rule, else the default) **and** the always-involved supervisors.
 * The first entry owns the ticket.
 */
export function routeTicket(category: Category, description: string, table: RoutingTable): RoutedDepartment[] {
  if (category !== 'complaint') {
    return dedupe(table[category].map((departmentId, i) => ({ departmentId, role: i === 0 ? 'primary' : 'involved' })));
  }
  const rule = table.complaint.responsibleRules.find((r) => findKeywords(description, r.keywords).length > 0);
  const responsible = rule?.department ?? table.complaint.defaultResponsible;
  return dedupe([
    { departmentId: responsible, role: 'responsible' },
    ...table.complaint.always.map((departmentId) => ({ departmentId, role: 'oversight' as const })),
  ]);
}

/**
 * Departments that can own a ticket (the first entry routeTicket returns): those whose
 * escalation chain a ticket climbs.
 */
export function owningDepartments(table: RoutingTable): string[] {
  const first = (['inquiry', 'fault', 'suggestion'] as const).flatMap((c) => table[c].slice(0, 1));
  const complaint = [table.complaint.defaultResponsible, ...table.complaint.responsibleRules.map((r) => r.department)];
  return [...new Set([...first, ...complaint])];
}

function dedupe(list: RoutedDepartment[]): RoutedDepartment[] {
  const seen = new Set<string>();
  return list.filter((d) => (seen.has(d.departmentId) ? false : (seen.add(d.departmentId), true)));
}
