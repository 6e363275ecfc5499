import * as z from 'zod/mini';
import { getReport, type FirstLoad } from './requests.js';

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

/** GET /api/reports/trends: one time series per metric asked, in that order. */
export const trendsSchema = z.looseObject({ interval: z.string(), trends: z.array(timeseriesSchema) });

/** The figures the agent and department tables share. */
const groupFigures = { resolved: num, frtMedianS: num, ttrMedianS: num, csatMean: num, reopenRatePct: num };
const agentRow = z.looseObject({ staffId: z.string(), claimed: num, ...groupFigures });
export const agentsSchema = z.looseObject({ agents: z.array(agentRow) });
export type AgentRow = z.infer<typeof agentRow>;

const departmentRow = z.looseObject({ departmentId: z.string(), created: num, open: num, ...groupFigures });
export const departmentsSchema = z.looseObject({ departments: z.array(departmentRow) });
export type DepartmentRow = z.infer<typeof departmentRow>;

export class ApiError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** GETs a reports URL with the session cookie (or takes the answer a first-load request got) and checks the answer's shape. */
export async function getJson<S extends z.ZodMiniType>(url: string, schema: S, first?: FirstLoad): Promise<z.output<S>> {
  const early = first?.responses.get(url);
  const res = await (early ?? getReport(url));
  if (!res.ok) throw new ApiError(res.status);
  return schema.parse(await res.json());
}
