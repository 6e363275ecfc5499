/** The database-backed Prometheus series as plain data (read by db/report-metrics.ts, exposed by http/report-metrics.ts). */

export interface LabelledValue {
  labels: Record<string, string>;
  value: number;
}

export interface HistogramSnapshot {
  /** Upper bounds in seconds, ascending (+Inf is implied). */
  buckets: readonly number[];
  /** Cumulative count per bound (observations ≤ bound). */
  cumulative: number[];
  sum: number;
  count: number;
}

export interface MetricsSnapshot {
  created: LabelledValue[];
  open: LabelledValue[];
  slaBreaches: LabelledValue[];
  escalations: LabelledValue[];
  firstResponse: HistogramSnapshot;
  resolution: HistogramSnapshot;
}
