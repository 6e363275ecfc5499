import * as z from 'zod/mini';
import type { Filters } from './api.js';

const filtersSchema = z.object({
  days: z.catch(z.union([z.literal('7'), z.literal('30'), z.literal('90')]), '30'),
  department: z.catch(z.string().check(z.maxLength(100)), ''),
  channel: z.catch(z.string().check(z.maxLength(20)), ''),
});

/** The filters in the page's URL, limited to the departments and channels the boot data names. */
export function readFilters(departments: string[], channels: string[]): Filters {
  const q = new URLSearchParams(location.search);
  const f = filtersSchema.parse({ days: q.get('days') ?? '30', department: q.get('department') ?? '', channel: q.get('channel') ?? '' });
  return {
    days: Number(f.days) as Filters['days'],
    department: departments.includes(f.department) ? f.department : '',
    channel: channels.includes(f.channel) ? f.channel : '',
  };
}
