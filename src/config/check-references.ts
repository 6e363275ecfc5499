import { z } from 'zod';
import { chainFor, resolveNotify } from '../core/directory.js';
import { owningDepartments } from '../core/route.js';

/** A problem in the configuration, with the YAML path it concerns. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/**
 * The notify lists of the chain used when the file sets no `escalation.chains.default`:
 * the department's supervisors, then the customer-service supervisors when that department exists.
 */
export function builtInDefaultNotify(departmentIds: ReadonlySet<string>): string[][] {
  return [['supervisors'], ...(departmentIds.has('cs-supervisor') ? [['supervisors:cs-supervisor']] : [])];
}

// A lenient view of the file holding only what other parts refer to. Anything malformed
// becomes undefined or empty in place (indices keep matching the file), so references are
// checked on whatever is readable while the strict schema reports the malformed parts.
const str = z.string().optional().catch(undefined);
const strList = z.array(str).catch([]);
const platformId = z.union([z.string(), z.number()]).optional().catch(undefined);
const staff = z.object({ id: str, role: str, slack: platformId, discord: platformId, telegram: platformId }).catch({});
const department = z.object({ id: str, calendar: str, staff: z.array(staff).catch([]) }).catch({ staff: [] });
const level = z.object({ notify: strList }).catch({ notify: [] });
const emptyComplaint = { always: [], defaultResponsible: undefined, responsibleRules: [] };
const emptyRouting = { inquiry: [], fault: [], suggestion: [], complaint: emptyComplaint };
const lenientFile = z
  .object({
    calendars: z.record(z.string(), z.unknown()).catch({}),
    departments: z.array(department).catch([]),
    routing: z
      .object({
        inquiry: strList,
        fault: strList,
        suggestion: strList,
        complaint: z
          .object({ always: strList, defaultResponsible: str, responsibleRules: z.array(z.object({ department: str }).catch({})).catch([]) })
          .catch(emptyComplaint),
      })
      .catch(emptyRouting),
    escalation: z.object({ chains: z.record(z.string(), z.array(level).catch([])).optional().catch(undefined) }).catch({}),
  })
  .catch({ calendars: {}, departments: [], routing: emptyRouting, escalation: {} });

const defined = (s: string | undefined): s is string => s !== undefined;

/**
 * Checks every cross-reference of a configuration file (departments, calendars, staff,
 * platform ids) and that every escalation level a ticket can reach pings somebody. It reads
 * the raw YAML leniently, so it runs alongside the schema and both report in one pass.
 */
export function checkReferences(raw: unknown): ConfigIssue[] {
  const file = lenientFile.parse(raw ?? {});
  const issues: ConfigIssue[] = [];
  const deptIds = new Set<string>();
  const staffIds = new Set<string>();
  const supervisors = new Map<string, string[]>();
  const platformIds = new Map<string, string>();

  file.departments.forEach((d, i) => {
    if (d.id !== undefined) {
      if (deptIds.has(d.id)) issues.push({ path: `departments[${i}].id`, message: `duplicate department id "${d.id}"` });
      deptIds.add(d.id);
    }
    if (d.calendar !== undefined && !Object.hasOwn(file.calendars, d.calendar)) {
      issues.push({ path: `departments[${i}].calendar`, message: `unknown calendar "${d.calendar}"` });
    }
    d.staff.forEach((s, j) => {
      if (s.id === undefined) return;
      if (staffIds.has(s.id)) issues.push({ path: `departments[${i}].staff[${j}].id`, message: `duplicate staff id "${s.id}"` });
      staffIds.add(s.id);
      if (d.id !== undefined && s.role === 'supervisor') supervisors.set(d.id, [...(supervisors.get(d.id) ?? []), s.id]);
      for (const platform of ['slack', 'discord', 'telegram'] as const) {
        const pid = s[platform];
        if (pid === undefined) continue;
        const key = `${platform}:${String(pid)}`;
        const other = platformIds.get(key);
        if (other) issues.push({ path: `departments[${i}].staff[${j}].${platform}`, message: `${platform} id "${String(pid)}" is already used by staff "${other}"` });
        else platformIds.set(key, s.id);
      }
    });
  });
  const supervisorsOf = (d: string) => supervisors.get(d) ?? [];

  const checkDept = (path: string, id: string | undefined) => {
    if (id !== undefined && !deptIds.has(id)) issues.push({ path, message: `unknown department "${id}"` });
  };
  const { routing } = file;
  for (const cat of ['inquiry', 'fault', 'suggestion'] as const) routing[cat].forEach((id, i) => checkDept(`routing.${cat}[${i}]`, id));
  const complaint = routing.complaint;
  complaint.always.forEach((id, i) => {
    checkDept(`routing.complaint.always[${i}]`, id);
    if (id !== undefined && deptIds.has(id) && supervisorsOf(id).length === 0) {
      issues.push({ path: `routing.complaint.always[${i}]`, message: `${id} has no supervisor to ping when a complaint escalates` });
    }
  });
  checkDept('routing.complaint.defaultResponsible', complaint.defaultResponsible);
  complaint.responsibleRules.forEach((r, i) => checkDept(`routing.complaint.responsibleRules[${i}].department`, r.department));

  const given = file.escalation.chains;
  const chains: Record<string, string[][]> = Object.fromEntries(Object.entries(given ?? {}).map(([id, levels]) => [id, levels.map((l) => l.notify.filter(defined))]));
  const builtIn = !chains.default;
  if (builtIn) chains.default = builtInDefaultNotify(deptIds);
  const owners = owningDepartments({
    inquiry: routing.inquiry.filter(defined),
    fault: routing.fault.filter(defined),
    suggestion: routing.suggestion.filter(defined),
    complaint: {
      always: [],
      defaultResponsible: complaint.defaultResponsible ?? '',
      responsibleRules: complaint.responsibleRules.flatMap((r) => (r.department === undefined ? [] : [{ department: r.department, keywords: [] }])),
    },
  }).filter((d) => deptIds.has(d));

  for (const [chainId, levels] of Object.entries(chains)) {
    if (chainId !== 'default') checkDept(`escalation.chains.${chainId}`, chainId);
    // The departments whose tickets climb this chain.
    const users = chainId === 'default' ? owners.filter((d) => chainFor(chains, d) === levels) : deptIds.has(chainId) ? [chainId] : [];
    levels.forEach((notify, i) => {
      const at = `escalation.chains.${chainId}[${i}]`;
      const levelName = `level ${i + 1} of chain ${chainId}`;
      notify.forEach((who, j) => {
        const path = `${at}.notify[${j}]`;
        if (who === 'supervisors') return;
        if (who.startsWith('supervisors:')) {
          const d = who.slice('supervisors:'.length);
          if (!deptIds.has(d)) checkDept(path, d);
          else if (supervisorsOf(d).length === 0) issues.push({ path, message: `${levelName}: "${who}" resolves to nobody (${d} has no supervisor)` });
          return;
        }
        if (!staffIds.has(who)) issues.push({ path, message: `unknown staff id "${who}" (or use "supervisors" / "supervisors:<department>")` });
      });
      if (!notify.includes('supervisors')) return; // otherwise it names the same people for every department, checked above
      for (const d of users) {
        if (resolveNotify(notify, d, supervisorsOf).length > 0) continue;
        const lacking = [...new Set(notify.map((w) => (w === 'supervisors' ? d : w.slice('supervisors:'.length))))];
        const why = lacking.length === 1 ? 'it has no supervisor' : `no supervisor in ${lacking.join(', ')}`;
        const hint = builtIn ? '; escalation.chains.default is not set, so the built-in default applies' : '';
        issues.push({ path: `${at}.notify`, message: `level ${i + 1} resolves to nobody for department ${d} (${why})${hint}` });
      }
    });
  }
  return issues;
}
