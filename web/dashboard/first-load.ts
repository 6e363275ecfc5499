/**
 * The first load's requests, started by a small script of their own (dashboard-first.js)
 * while the browser still parses and runs the charts bundle (dashboard.js); the page's
 * client takes the answers over (see `prefetched` in api.ts). Nothing here is drawn.
 */
import { filterParams, FIRST_LOAD_KEY, reportRequests, type FirstLoad } from './api.js';
import { readFilters } from './filters.js';

const boot = JSON.parse(document.getElementById('dashboard-boot')?.textContent ?? '{}') as { departments?: { id: string }[]; channels?: string[] };
const departments = (boot.departments ?? []).map((d) => d.id);
const filters = readFilters(departments, boot.channels ?? []);
const now = new Date();
const responses = new Map<string, Promise<Response>>();
for (const url of reportRequests(filters, filterParams(filters, now)).all) {
  responses.set(url, fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }));
}
const first: FirstLoad = { now: now.getTime(), responses };
(window as unknown as Record<string, FirstLoad>)[FIRST_LOAD_KEY] = first;
