/**
 * What the dashboard asks the reports API for: the filters, their query and the URLs of one
 * drawing. No zod here (nor anything else heavy): the first-load script (first-load.ts) is
 * built from this module and filters.ts alone, so it is small and sends its requests at once.
 */

/** The page's filters, as they stand in its URL and go to the API. */
export interface Filters {
  days: 7 | 30 | 90;
  department: string;
  channel: string;
}

export type Interval = 'day' | 'week' | 'month';

export const intervalFor = (days: Filters['days']): Interval => (days > 31 ? 'week' : 'day');

let zone: string | undefined;
/** The reader's IANA time zone (the browser's), looked up once: the first look-up starts ICU. */
export const readerTimeZone = (): string => (zone ??= Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');

/** The API's query for the filters: the last `days` days up to now, in the reader's time zone. */
export function filterParams(f: Filters, now = new Date()): URLSearchParams {
  const from = new Date(now.getTime() - f.days * 86_400_000);
  const p = new URLSearchParams({ from: from.toISOString(), to: now.toISOString(), tz: readerTimeZone() });
  if (f.department) p.set('department', f.department);
  if (f.channel) p.set('channel', f.channel);
  return p;
}

/** Trend metrics the charts draw, all in one GET /api/reports/trends?metrics=…. */
export const TRENDS = {
  firstResponseMedian: 'first_response_median',
  firstResponseP90: 'first_response_p90',
  resolutionMedian: 'resolution_median',
  resolutionP90: 'resolution_p90',
  csat: 'csat_mean',
  nps: 'nps',
  complaintRate: 'complaint_rate_pct',
} as const;

/** The URLs one drawing of the dashboard reads: the summary, the trends, the department table, the agents. */
export function reportRequests(f: Filters, params: URLSearchParams) {
  const url = (path: string, extra: Record<string, string> = {}) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    return `${path}?${p.toString()}`;
  };
  const summary = url('/api/reports/summary');
  const trends = url('/api/reports/trends', { metrics: Object.values(TRENDS).join(','), interval: intervalFor(f.days) });
  const departments = url('/api/reports/departments');
  const agents = url('/api/reports/agents');
  return { summary, trends, departments, agents, all: [summary, trends, departments, agents] };
}

/** A reports GET with the session cookie. */
export const getReport = (url: string): Promise<Response> => fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });

/** The first load's requests, started before the charts bundle runs (first-load.ts). */
export interface FirstLoad {
  /** The instant the period ends at (epoch ms). */
  now: number;
  responses: Map<string, Promise<Response>>;
}

/** The window property the first load is handed over in: null once the client has looked (taken or not). */
export const FIRST_LOAD_KEY = 'aftercareFirstLoad';

type Handover = Record<typeof FIRST_LOAD_KEY, FirstLoad | null | undefined>;

/** The first load's requests, once: the client takes them over for the first drawing only. */
export function takeFirstLoad(): FirstLoad | undefined {
  const w = window as unknown as Handover;
  const first = w[FIRST_LOAD_KEY];
  // Marks the hand-over as done, so a first-load script that runs only now sends nothing.
  w[FIRST_LOAD_KEY] = null;
  return first ?? undefined;
}

/** Starts the first load's requests, unless the client already loads on its own. */
export function startFirstLoad(f: Filters, now: Date): void {
  const w = window as unknown as Handover;
  if (w[FIRST_LOAD_KEY] !== undefined) return;
  const responses = new Map<string, Promise<Response>>();
  for (const url of reportRequests(f, filterParams(f, now)).all) {
    responses.set(url, getReport(url));
  }
  w[FIRST_LOAD_KEY] = { now: now.getTime(), responses };
}
