import type { WorkerOptions } from '@temporalio/worker';

/**
 * How much one worker process takes on at once: the back-pressure that turns a burst of runs
 * into a queue on the task queue (time) instead of timeouts (failures). Tasks beyond these
 * counts wait in Temporal's task queue, where no timeout runs (no schedule-to-start timeouts
 * are set), and start as slots free up.
 *
 * Sized from the concurrency benchmark (docs/benchmarks.md, issue 20): on 2 shared cores the
 * worker's event loop stays under ~1 s of lag with 200 long NeMo waits in flight, because a wait
 * costs one status read per poll interval and heartbeats on a timer; what grows with the
 * number in flight is the load on the store and on NeMo, which the adaptive poll delay
 * stretches. Workflow tasks are CPU work in one workflow thread, so more than a few dozen at
 * once only queue inside the process; the SDK's default of 40 stands.
 */
export const WORKER_SLOTS = {
  maxConcurrentActivityTaskExecutions: 200,
  maxConcurrentWorkflowTaskExecutions: 40,
} as const satisfies Partial<WorkerOptions>;
