import { Histogram, type Registry } from 'prom-client';

/** What the job workers report to /metrics. */
export interface JobMetrics {
  /** An outbox row reached its destination `seconds` after it was written. */
  outboxDelivered(seconds: number): void;
  /** A timer acted `seconds` after the moment it was due (its lateness; never negative). */
  timerFired(latenessSeconds: number): void;
}

/** For workers started without a registry (benchmarks, tests of one worker). */
export const NO_JOB_METRICS: JobMetrics = { outboxDelivered: () => undefined, timerFired: () => undefined };

/** The workers' histograms, registered in `registry`. */
export function jobMetrics(registry: Registry): JobMetrics {
  const delivery = new Histogram({
    name: 'aftercare_outbox_delivery_seconds',
    help: 'Time from writing an outbox row (in the transaction of the change) to its delivery',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  const lateness = new Histogram({
    name: 'aftercare_timer_lateness_seconds',
    help: 'How long after its due moment an SLA, lifecycle or escalation timer acted',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  return {
    outboxDelivered: (seconds) => delivery.observe(Math.max(0, seconds)),
    timerFired: (seconds) => lateness.observe(Math.max(0, seconds)),
  };
}
