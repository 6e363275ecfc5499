import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What /healthz says of one dependency: `slow` still counts as up (it answered, or is still answering). */
export type DependencyState = 'ok' | 'slow' | 'down';

export interface HealthTimings {
  /** How long /healthz waits for a check before answering `slow` (default 2 s). */
  answerWithinMs?: number;
  /** A check still running after this long counts as `down`: the connection hangs (default 10 s). */
  downAfterMs?: number;
}

/**
 * One dependency's health: reachability, not latency. A check that fails (connection refused,
 * closed, reset) is `down`; one that takes long is `slow`, which is up, until it has run for
 * `downAfterMs`. Only one check runs at a time per dependency, so a slow database does not
 * collect a pile of health queries. Every finished check is recorded in the metrics.
 */
export class DependencyHealth {
  private running: { started: number; done: Promise<DependencyState> } | undefined;
  private readonly answerWithinMs: number;
  private readonly downAfterMs: number;

  constructor(
    readonly name: string,
    private readonly check: () => Promise<unknown>,
    private readonly metrics: HealthMetrics,
    timings: HealthTimings = {},
  ) {
    this.answerWithinMs = timings.answerWithinMs ?? 2000;
    this.downAfterMs = timings.downAfterMs ?? 10_000;
  }

  async state(): Promise<DependencyState> {
    const run = (this.running ??= this.start());
    let timer: NodeJS.Timeout | undefined;
    const pending = new Promise<'pending'>((r) => {
      timer = setTimeout(() => r('pending'), Math.max(0, Math.min(this.answerWithinMs, run.started + this.downAfterMs - Date.now())));
    });
    const result = await Promise.race([run.done, pending]);
    clearTimeout(timer);
    if (result !== 'pending') return result;
    if (Date.now() - run.started < this.downAfterMs) return 'slow';
    this.metrics.up.set({ dependency: this.name }, 0);
    return 'down';
  }

  private start(): { started: number; done: Promise<DependencyState> } {
    const started = Date.now();
    const end = this.metrics.duration.startTimer({ dependency: this.name });
    const done = (async (): Promise<DependencyState> => {
      try {
        await this.check();
        return 'ok';
      } catch {
        return 'down';
      }
    })().then((s) => {
      end();
      this.metrics.up.set({ dependency: this.name }, s === 'down' ? 0 : 1);
      this.running = undefined;
      return s;
    });
    return { started, done };
  }
}

export interface HealthMetrics {
  registry: Registry;
  duration: Histogram<'dependency'>;
  up: Gauge<'dependency'>;
}

/**
 * The health metrics and the default process metrics in `registry` (the app's, shared with the
 * job workers; a registry of its own by default, as several servers may share a process in tests).
 */
export function healthMetrics(registry = new Registry()): HealthMetrics {
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    duration: new Histogram({
      name: 'aftercare_health_check_duration_seconds',
      help: 'How long a health check of a dependency (db, redis) took',
      labelNames: ['dependency'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
    up: new Gauge({
      name: 'aftercare_health_check_up',
      help: 'Whether the last health check reached the dependency (1) or not (0)',
      labelNames: ['dependency'],
      registers: [registry],
    }),
  };
}
