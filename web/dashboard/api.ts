import * as z from 'zod/mini';

/** What the reports API answers (GET /api/reports/*), read defensively: a figure may be null. */
const num = z.optional(z.nullable(z.number()));
const durations = z.looseObject({ n: num, medianS: num, p90S: num, meanS: num, businessMedianS: num, businessP90S: num });

export const summarySchema = z.looseObject({
  period: z.looseObject({ from: z.string(), to: z.string(), tz: z.string() }),
  volume: z.looseObject({ created: z.number(), resolved: z.number(), closed: num, reopened: num }),
  backlog: z.looseObject({ open: z.number(), bySeverity: z.record(z.string(), z.number()), byAge: z.record(z.string(), z.number()) }),
  firstResponse: durations,
  timeToClaim: z.optional(durations),
  resolution: durations,
  sla: z.record(z.string(), z.looseObject({ met: z.number(), breached: z.number(), compliancePct: num })),
  within24hPct: num,
  fcrPct: num,
  reopenRatePct: num,
  csat: z.looseObject({ n: z.number(), mean: num, satisfiedPct: num, responseRatePct: num }),
  nps: z.looseObject({ n: z.number(), score: num }),
  complaintRatePct: num,
  escalations: z.looseObject({ n: z.number(), ackMedianS: num }),
});
export type Summary = z.infer<typeof summarySchema>;

export const timeseriesSchema = z.looseObject({
  metric: z.string(),
  interval: z.string(),
  series: z.array(z.looseObject({ key: z.string(), points: z.array(z.looseObject({ t: z.string(), value: num, n: num })) })),
});
export type Timeseries = z.infer<typeof timeseriesSchema>;

/** The figures the agent and department tables share. */
const groupFigures = { resolved: num, frtMedianS: num, ttrMedianS: num, csatMean: num, reopenRatePct: num };
const agentRow = z.looseObject({ staffId: z.string(), claimed: num, ...groupFigures });
export const agentsSchema = z.looseObject({ agents: z.array(agentRow) });
export type AgentRow = z.infer<typeof agentRow>;

const departmentRow = z.looseObject({ departmentId: z.string(), created: num, open: num, ...groupFigures });
export const departmentsSchema = z.looseObject({ departments: z.array(departmentRow) });
export type DepartmentRow = z.infer<typeof departmentRow>;

/** The page's filters, as they stand in its URL and go to the API. */
export interface Filters {
  days: 7 | 30 | 90;
  department: string;
  channel: string;
}

export type Interval = 'day' | 'week' | 'month';

export const intervalFor = (days: Filters['days']): Interval => (days > 31 ? 'week' : 'day');

/** The reader's IANA time zone (the browser's). */
export const readerTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The API's query for the filters: the last `days` days up to now, in the reader's time zone. */
export function filterParams(f: Filters, now = new Date()): URLSearchParams {
  const from = new Date(now.getTime() - f.days * 86_400_000);
  const p = new URLSearchParams({ from: from.toISOString(), to: now.toISOString(), tz: readerTimeZone() });
  if (f.department) p.set('department', f.department);
  if (f.channel) p.set('channel', f.channel);
  return p;
}

export class ApiError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** The first load's requests, started before the charts bundle runs (first-load.ts). */
export interface FirstLoad {
  /** The instant the period ends at (epoch ms). */
  now: number;
  responses: Map<string, Promise<Response>>;
}

export const FIRST_LOAD_KEY = 'aftercareFirstLoad';

/** The first load's requests, once: the client takes them over for the first drawing only. */
export function takeFirstLoad(): FirstLoad | undefined {
  const w = window as unknown as Record<string, FirstLoad | undefined>;
  const first = w[FIRST_LOAD_KEY];
  w[FIRST_LOAD_KEY] = undefined;
  return first;
}

/** GETs a reports URL with the session cookie (or takes the answer a first-load request got) and checks the answer's shape. */
export async function getJson<S extends z.ZodMiniType>(url: string, schema: S, first?: FirstLoad): Promise<z.output<S>> {
  const early = first?.responses.get(url);
  const res = await (early ?? fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }));
  if (!res.ok) throw new ApiError(res.status);
  return schema.parse(await res.json());
}

/** The URLs one drawing of the dashboard reads: the summary, the trends, the department table, the agents. */
export function reportRequests(f: Filters, params: URLSearchParams) {
  const url = (path: string, extra: Record<string, string> = {}) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    return `${path}?${p.toString()}`;
  };
  const interval = intervalFor(f.days);
  const summary = url('/api/reports/summary');
  const trends = Object.fromEntries(Object.entries(TRENDS).map(([k, metric]) => [k, url('/api/reports/timeseries', { metric, interval })])) as Record<keyof typeof TRENDS, string>;
  const departments = url('/api/reports/departments');
  const agents = url('/api/reports/agents');
  return { summary, trends, departments, agents, all: [summary, ...Object.values(trends), departments, agents] };
}

/** Trend metrics the charts draw (GET /api/reports/timeseries?metric=…). */
export const TRENDS = {
  firstResponseMedian: 'first_response_median',
  firstResponseP90: 'first_response_p90',
  resolutionMedian: 'resolution_median',
  resolutionP90: 'resolution_p90',
  csat: 'csat_mean',
  nps: 'nps',
  complaintRate: 'complaint_rate_pct',
} as const;
