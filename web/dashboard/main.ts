import * as z from 'zod/mini';
import { agentsSchema, ApiError, departmentsSchema, getJson, summarySchema, trendsSchema, type AgentRow, type DepartmentRow, type Summary, type Timeseries } from './api.js';
import { filterParams, readerTimeZone, reportRequests, takeFirstLoad, TRENDS, type Filters } from './requests.js';
import { readFilters } from './filters.js';
import { barChart, lineChart, onPick } from './charts.js';
import { durationUnit, formatNumber, formatPct, formatSeconds, text, type Texts } from './format.js';
import { el, table } from './dom.js';

const bootSchema = z.object({
  language: z.enum(['en', 'zh-CN']),
  texts: z.record(z.string(), z.unknown()),
  departments: z.array(z.object({ id: z.string(), name: z.string() })),
  staff: z.array(z.object({ id: z.string(), name: z.string() })),
  channels: z.array(z.string()),
});
type Boot = z.infer<typeof bootSchema>;

const boot: Boot = bootSchema.parse(JSON.parse(document.getElementById('dashboard-boot')?.textContent ?? '{}'));
const texts: Texts = boot.texts;
const locale = boot.language;
const t = (key: string, values?: Record<string, string | number>) => text(texts, key, values);
const none = t('none');
const staffNames = new Map(boot.staff.map((m) => [m.id, m.name]));

let filters = readFilters(
  boot.departments.map((d) => d.id),
  boot.channels,
);

/** The page's own URL for the filters (and a language), so a reload or a shared link shows the same. */
function pageQuery(f: Filters, lang?: string): string {
  const q = new URLSearchParams({ days: String(f.days) });
  if (f.department) q.set('department', f.department);
  if (f.channel) q.set('channel', f.channel);
  if (lang) q.set('lang', lang);
  return q.toString();
}

/** The tickets behind a figure: the CSV export with the same filters (and any narrower ones). */
function ticketsLink(extra: Record<string, string> = {}): string {
  const p = filterParams(filters);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return `/api/reports/tickets.csv?${p.toString()}`;
}

// ---- the page's parts -------------------------------------------------------------------

const root = document.getElementById('dashboard')!;
const status = el('p', { class: 'status', role: 'status' });
const period = el('p', { class: 'period' });
const tiles = el('section', { class: 'tiles', 'aria-label': t('title') });
const chartIds = ['firstResponse', 'resolution', 'sla', 'backlog', 'satisfaction', 'complaints'] as const;
type ChartId = (typeof chartIds)[number];
const chartEls = {} as Record<ChartId, HTMLElement>;
const chartSection = el('section', { class: 'charts' });
for (const id of chartIds) {
  const box = el('div', { class: 'chart', 'data-chart': id, role: 'img', 'aria-label': t(`charts.${id}`) });
  chartEls[id] = box;
  chartSection.append(el('figure', {}, [el('figcaption', {}, [el('strong', {}, [t(`charts.${id}`)]), el('small', {}, [t(`chartHelp.${id}`)])]), box]));
}
const departmentsBox = el('section', { class: 'table', 'data-table': 'departments' });
const agentsBox = el('section', { class: 'table', 'data-table': 'agents' });

function select(name: keyof Filters, label: string, options: [string, string][], value: string): HTMLElement {
  const s = el('select', { name, id: `filter-${name}` }, options.map(([v, l]) => el('option', { value: v, ...(v === value && { selected: '' }) }, [l]))) as HTMLSelectElement;
  s.addEventListener('change', () => {
    filters = { ...filters, [name]: name === 'days' ? Number(s.value) : s.value };
    history.replaceState(null, '', `/dashboard?${pageQuery(filters)}`);
    updateLanguageLinks();
    void load();
  });
  return el('label', { for: `filter-${name}` }, [label, s]);
}

const filterForm = el('form', { class: 'filters', role: 'search' }, [
  select('days', t('filters.period'), [['7', t('filters.last7')], ['30', t('filters.last30')], ['90', t('filters.last90')]], String(filters.days)),
  select('department', t('filters.department'), [['', t('filters.all')], ...boot.departments.map((d): [string, string] => [d.id, d.name])], filters.department),
  select('channel', t('filters.channel'), [['', t('filters.all')], ...boot.channels.map((c): [string, string] => [c, t(`channel.${c}`)])], filters.channel),
]);
filterForm.addEventListener('submit', (e) => e.preventDefault());

root.replaceChildren(filterForm, period, status, tiles, chartSection, departmentsBox, agentsBox);

/** Language links keep the filters; the server remembers the choice. */
function updateLanguageLinks(): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav.lang a[data-lang]')) a.href = `/dashboard?${pageQuery(filters, a.dataset.lang)}`;
}
updateLanguageLinks();

// ---- drawing ----------------------------------------------------------------------------

function tile(id: string, value: string | undefined, note?: string, link = ticketsLink()): HTMLElement {
  return el('a', { class: 'tile', 'data-tile': id, href: link, title: t('tickets') }, [
    el('span', { class: 'label' }, [t(`tiles.${id}`)]),
    el('span', { class: 'value' }, [value ?? none]),
    ...(note ? [el('span', { class: 'note' }, [note])] : []),
  ]);
}

function drawTiles(s: Summary): void {
  const n = (v: number | null | undefined) => (v === null || v === undefined ? undefined : t('tileNote.n', { n: v }));
  tiles.replaceChildren(
    tile('created', formatNumber(s.volume.created, locale)),
    tile('resolved', formatNumber(s.volume.resolved, locale)),
    tile('open', formatNumber(s.backlog.open, locale)),
    tile('firstResponse', formatSeconds(s.firstResponse.medianS, texts, locale), n(s.firstResponse.n)),
    tile('resolution', formatSeconds(s.resolution.medianS, texts, locale), n(s.resolution.n)),
    tile('within24h', formatPct(s.within24hPct, locale)),
    tile('fcr', formatPct(s.fcrPct, locale)),
    tile('reopenRate', formatPct(s.reopenRatePct, locale)),
    tile('csat', formatNumber(s.csat.mean, locale, 2), s.csat.satisfiedPct === null || s.csat.satisfiedPct === undefined ? n(s.csat.n) : t('tileNote.satisfied', { pct: formatPct(s.csat.satisfiedPct, locale) ?? none })),
    tile('nps', formatNumber(s.nps.score, locale, 1), n(s.nps.n)),
    tile('complaintRate', formatPct(s.complaintRatePct, locale), undefined, ticketsLink({ category: 'complaint' })),
    tile('escalations', formatNumber(s.escalations.n, locale)),
  );
}

function bucketLabel(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: readerTimeZone() }).format(d);
}

/** One trend's points by bucket (the first series: no breakdown asked). */
function points(ts: Timeseries | undefined): Map<string, number | null> {
  return new Map((ts?.series[0]?.points ?? []).map((p) => [p.t, p.value ?? null]));
}

function drawTrends(trends: Record<keyof typeof TRENDS, Timeseries | undefined>): void {
  const line = (id: ChartId, parts: { key: keyof typeof TRENDS; name: string; right?: boolean }[], units: [string, string?], duration = false) => {
    const maps = parts.map((p) => points(trends[p.key]));
    const buckets = [...new Set(maps.flatMap((m) => [...m.keys()]))].sort();
    // Durations come in seconds; drawn in the unit their largest value reaches.
    const largest = Math.max(0, ...maps.flatMap((m) => [...m.values()].map((v) => v ?? 0)));
    const { unit, size } = duration ? durationUnit(largest) : { unit: '', size: 1 };
    lineChart(
      chartEls[id],
      buckets.map(bucketLabel),
      parts.map((p, i) => ({
        name: p.name,
        values: buckets.map((b) => {
          const v = maps[i]!.get(b) ?? null;
          return v === null ? null : Math.round((v / size) * 100) / 100;
        }),
        ...(p.right && { right: true }),
      })),
      duration ? [t(`units.${unit}`, { n: '' }).trim()] : units,
    );
    chartEls[id].dataset.points = String(buckets.length);
  };
  line('firstResponse', [{ key: 'firstResponseMedian', name: t('series.median') }, { key: 'firstResponseP90', name: t('series.p90') }], [''], true);
  line('resolution', [{ key: 'resolutionMedian', name: t('series.median') }, { key: 'resolutionP90', name: t('series.p90') }], [''], true);
  line('satisfaction', [{ key: 'csat', name: t('series.csat') }, { key: 'nps', name: t('series.nps'), right: true }], [t('series.csat'), t('series.nps')]);
  line('complaints', [{ key: 'complaintRate', name: t('series.complaintRate') }], ['%']);
}

function drawSla(s: Summary): void {
  const clocks = Object.keys(s.sla);
  barChart(
    chartEls.sla,
    clocks.map((c) => t(`clock.${c}`)),
    [{ name: t('series.compliance'), values: clocks.map((c) => s.sla[c]!.compliancePct ?? null), color: '#2e7d32' }],
    '%',
    100,
  );
  chartEls.sla.dataset.points = String(clocks.length);
  onPick(chartEls.sla, () => location.assign(ticketsLink()));
}

/** Open tickets now: one bar per severity, then one per age bucket (the API's keys, in its order). */
function drawBacklog(s: Summary): void {
  const severities = Object.keys(s.backlog.bySeverity);
  const ages = Object.keys(s.backlog.byAge);
  const blank = (n: number) => Array.from({ length: n }, () => null);
  barChart(
    chartEls.backlog,
    [...severities.map((k) => t(`severity.${k}`)), ...ages.map((a) => t(`age.${a}`))],
    [
      { name: t('series.bySeverity'), values: [...severities.map((k) => s.backlog.bySeverity[k] ?? 0), ...blank(ages.length)], stack: 'open', color: '#bf5700' },
      { name: t('series.byAge'), values: [...blank(severities.length), ...ages.map((a) => s.backlog.byAge[a] ?? 0)], stack: 'open', color: '#0969da' },
    ],
    '',
  );
  chartEls.backlog.dataset.points = String(severities.length + ages.length);
  onPick(chartEls.backlog, (label) => {
    const severity = severities.find((k) => t(`severity.${k}`) === label);
    location.assign(ticketsLink(severity ? { severity } : {}));
  });
}

function drawDepartments(rows: { id: string; name: string; s: DepartmentRow | undefined }[]): void {
  departmentsBox.replaceChildren(
    el('h2', {}, [t('tables.departments')]),
    table(
      [t('tables.department'), t('tables.created'), t('tables.resolved'), t('tables.open'), t('tables.firstResponse'), t('tables.resolution'), t('tables.csat'), t('tables.reopenRate'), t('tables.tickets')],
      rows.map(({ id, name, s }) => [
        name,
        formatNumber(s?.created ?? 0, locale) ?? none,
        formatNumber(s?.resolved ?? 0, locale) ?? none,
        formatNumber(s?.open ?? 0, locale) ?? none,
        formatSeconds(s?.frtMedianS, texts, locale) ?? none,
        formatSeconds(s?.ttrMedianS, texts, locale) ?? none,
        formatNumber(s?.csatMean, locale, 2) ?? none,
        formatPct(s?.reopenRatePct, locale) ?? none,
        el('a', { href: ticketsLink({ department: id }) }, [t('tickets')]),
      ]),
    ),
  );
}

function drawAgents(rows: AgentRow[]): void {
  agentsBox.replaceChildren(
    el('h2', {}, [t('tables.agents')]),
    table(
      [t('tables.agent'), t('tables.claimed'), t('tables.resolved'), t('tables.firstResponse'), t('tables.resolution'), t('tables.csat'), t('tables.reopenRate'), t('tables.tickets')],
      rows.map((r) => [
        staffNames.get(r.staffId) ?? r.staffId,
        formatNumber(r.claimed, locale) ?? none,
        formatNumber(r.resolved, locale) ?? none,
        formatSeconds(r.frtMedianS, texts, locale) ?? none,
        formatSeconds(r.ttrMedianS, texts, locale) ?? none,
        formatNumber(r.csatMean, locale, 2) ?? none,
        formatPct(r.reopenRatePct, locale) ?? none,
        el('a', { href: ticketsLink({ owner: r.staffId }) }, [t('tickets')]),
      ]),
      t('noData'),
    ),
  );
}

// ---- loading ----------------------------------------------------------------------------

let generation = 0;

async function load(): Promise<void> {
  const mine = ++generation;
  root.setAttribute('aria-busy', 'true');
  status.textContent = t('loading');
  const f = filters;
  // The first drawing takes over the requests dashboard-first.js started, for the same period.
  const first = mine === 1 ? takeFirstLoad() : undefined;
  const params = filterParams(f, first ? new Date(first.now) : new Date());
  const requests = reportRequests(f, params);
  const names = new Map(boot.departments.map((d) => [d.id, d.name]));
  // Each part is drawn as soon as its answer is in (the tables' query is the slowest).
  const current = () => mine === generation; // else a newer choice of filters is loading
  try {
    await Promise.all([
      getJson(requests.summary, summarySchema, first).then((summary) => {
        if (!current()) return;
        period.textContent = t('period', { from: bucketLabel(summary.period.from), to: bucketLabel(summary.period.to), tz: summary.period.tz });
        drawTiles(summary);
        drawSla(summary);
        drawBacklog(summary);
      }),
      getJson(requests.trends, trendsSchema, first).then((trends) => {
        if (!current()) return;
        const byMetric = new Map(trends.trends.map((ts) => [ts.metric, ts]));
        drawTrends(Object.fromEntries(Object.entries(TRENDS).map(([k, metric]) => [k, byMetric.get(metric)])) as Record<keyof typeof TRENDS, Timeseries | undefined>);
      }),
      getJson(requests.departments, departmentsSchema, first).then((departments) => {
        if (!current()) return;
        const byId = new Map(departments.departments.map((d) => [d.departmentId, d]));
        const shown = boot.departments.filter((d) => !f.department || d.id === f.department);
        drawDepartments(shown.map((d) => ({ id: d.id, name: names.get(d.id) ?? d.id, s: byId.get(d.id) })));
      }),
      getJson(requests.agents, agentsSchema, first).then((agents) => {
        if (current()) drawAgents(agents.agents);
      }),
    ]);
    if (!current()) return;
    status.textContent = '';
    root.dataset.loaded = pageQuery(f);
  } catch (err) {
    if (mine !== generation) return;
    status.textContent = t('failed', { status: err instanceof ApiError ? err.status : 0 });
    status.classList.add('error');
  } finally {
    if (mine === generation) root.setAttribute('aria-busy', 'false');
  }
}

void load();
