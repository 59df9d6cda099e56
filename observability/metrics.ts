import { Counter, collectDefaultMetrics, Histogram, register } from 'prom-client';

// The flywheel's own metrics, on prom-client's global registry (the worker's and the API's
// /metrics serve that registry, next to the Temporal SDK's metrics). Every metric is defined
// here once; callers import the object they update. Label values are closed sets (statuses,
// activity names, NeMo services, HTTP codes), never ids, so series stay few.

/** Module reloads (jest) find the metric already registered; reuse it instead of throwing. */
export const existing = <T>(name: string) => register.getSingleMetric(name) as T | undefined;

/** Runs that ended, by final status; incremented by the run's finalizer. */
export const runsFinished =
  existing<Counter<'status'>>('flywheel_runs_finished_total') ??
  new Counter({
    name: 'flywheel_runs_finished_total',
    help: 'Flywheel runs that ended, by final status',
    labelNames: ['status'],
  });

/** How long each step (activity) took, by step and outcome. */
export const stepDuration =
  existing<Histogram<'step' | 'outcome'>>('flywheel_step_duration_seconds') ??
  new Histogram({
    name: 'flywheel_step_duration_seconds',
    help: 'Duration of flywheel steps (Temporal activities), by step and outcome',
    labelNames: ['step', 'outcome'],
    // From a Mongo write to a multi-hour fine-tune.
    buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600],
  });

/** Failed calls to NeMo microservices, by service and HTTP status (or network error code). */
export const nemoCallErrors =
  existing<Counter<'service' | 'code'>>('flywheel_nemo_call_errors_total') ??
  new Counter({
    name: 'flywheel_nemo_call_errors_total',
    help: 'Failed NeMo microservice calls, by service and HTTP status or network error code',
    labelNames: ['service', 'code'],
  });

/** The NeMo service a request path belongs to: /v1/evaluation/jobs → evaluation. */
export function nemoServiceOf(path: string): string {
  const segment = /^\/v1\/([a-z-]+)/.exec(path)?.[1];
  return segment ?? 'unknown';
}

/**
 * Wraps every activity so its duration lands in `stepDuration`. A cancelled activity counts
 * as `cancelled`, any other throw as `failed` (a retried attempt is one observation each).
 */
export function timedActivities<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const timed: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    timed[name] = async (...args: never[]) => {
      const end = stepDuration.startTimer({ step: name });
      try {
        const result = await fn(...args);
        end({ outcome: 'completed' });
        return result;
      } catch (err) {
        end({ outcome: (err as Error)?.name === 'CancelledFailure' ? 'cancelled' : 'failed' });
        throw err;
      }
    };
  }
  return timed as T;
}

/** Node process metrics (CPU, memory, event loop lag), once per process. */
export function collectProcessMetrics(): void {
  if (!existing('process_cpu_user_seconds_total')) collectDefaultMetrics();
}

export { register };
