/**
 * The first load's requests, started by a small script of their own (dashboard-first.js, loaded
 * `async` right after the boot data, so it waits neither for the stylesheet nor for the charts
 * bundle) while the browser still fetches and runs dashboard.js; the page's client takes the
 * answers over (takeFirstLoad in requests.ts). Nothing here is drawn, and nothing runs before
 * the requests are sent but reading the boot data, the filters and the time zone.
 */
import { readFilters } from './filters.js';
import { startFirstLoad } from './requests.js';

const boot = JSON.parse(document.getElementById('dashboard-boot')?.textContent ?? '{}') as { departments?: { id: string }[]; channels?: string[] };
startFirstLoad(
  readFilters(
    (boot.departments ?? []).map((d) => d.id),
    boot.channels ?? [],
  ),
  new Date(),
);
