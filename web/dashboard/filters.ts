import type { Filters } from './requests.js';

/** `value` when it is one of `allowed` (and not too long to be an id), else ''. */
const known = (value: string | null, allowed: readonly string[], max: number): string => (value !== null && value.length <= max && allowed.includes(value) ? value : '');

/**
 * The filters in the page's URL, limited to the departments and channels the boot data names;
 * anything else falls back to the default (30 days, all). A hand check, not zod: the
 * first-load script (first-load.ts) reads the filters too and stays small.
 */
export function readFilters(departments: string[], channels: string[]): Filters {
  const q = new URLSearchParams(location.search);
  const days = q.get('days');
  return {
    days: days === '7' || days === '90' ? (Number(days) as Filters['days']) : 30,
    department: known(q.get('department'), departments, 100),
    channel: known(q.get('channel'), channels, 20),
  };
}
