import type { Metric, MetricObjectWithValues, MetricValue, Registry } from 'prom-client';
import type { MetricsSource } from '../app/reports.js';
import type { HistogramSnapshot, LabelledValue, MetricsSnapshot } from '../core/reports/metrics-snapshot.js';

type Values = MetricObjectWithValues<MetricValue<string>>['values'];

interface SeriesDef {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values(s: MetricsSnapshot): Values;
}

const labelled = (list: LabelledValue[]): Values => list.map((v) => ({ labels: v.labels, value: v.value }));

function histogramValues(name: string, h: HistogramSnapshot): Values {
  return [
    ...h.buckets.map((le, i) => ({ metricName: `${name}_bucket`, labels: { le }, value: h.cumulative[i] ?? 0 })),
    { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: h.count },
    { metricName: `${name}_sum`, labels: {}, value: h.sum },
    { metricName: `${name}_count`, labels: {}, value: h.count },
  ] as Values;
}

const SERIES: SeriesDef[] = [
  { name: 'aftercare_tickets_created_total', help: 'Tickets created, by owning department, category, severity and channel', type: 'counter', values: (s) => labelled(s.created) },
  { name: 'aftercare_tickets_open', help: 'Tickets not resolved or closed now, by owning department and severity', type: 'gauge', values: (s) => labelled(s.open) },
  { name: 'aftercare_sla_breaches_total', help: 'Tickets whose SLA clock breached, by clock and owning department', type: 'counter', values: (s) => labelled(s.slaBreaches) },
  { name: 'aftercare_escalations_total', help: 'Escalations, by trigger and highest level reached', type: 'counter', values: (s) => labelled(s.escalations) },
  {
    name: 'aftercare_first_response_seconds',
    help: 'First response time of tickets (created to the first staff message to the customer), calendar seconds',
    type: 'histogram',
    values: (s) => histogramValues('aftercare_first_response_seconds', s.firstResponse),
  },
  {
    name: 'aftercare_resolution_seconds',
    help: 'Resolution time of tickets (created to the final resolve), calendar seconds',
    type: 'histogram',
    values: (s) => histogramValues('aftercare_resolution_seconds', s.resolution),
  },
];

/**
 * Registers the database-backed series (SPEC §8) on `registry`. They are read from the
 * database on every scrape, one snapshot shared by all six, so every replica answers the same.
 */
export function registerReportMetrics(registry: Registry, source: MetricsSource): void {
  let inFlight: Promise<MetricsSnapshot> | undefined;
  const snapshot = () => {
    inFlight ??= source.metricsSnapshot().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  for (const def of SERIES) {
    const metric = {
      name: def.name,
      help: def.help,
      type: def.type,
      aggregator: 'first',
      get: async () => ({ name: def.name, help: def.help, type: def.type, aggregator: 'first', values: def.values(await snapshot()) }),
      reset: () => undefined,
    };
    registry.registerMetric(metric as unknown as Metric);
  }
}
