import type { WorkerOptions } from '@temporalio/worker';

/**
 * How much one worker process takes on at once: the back-pressure that turns a burst of runs
 * into a queue on the task queue (time) instead of timeouts (failures). Tasks beyond these
 * counts wait in Temporal's task queue, where no timeout runs (no schedule-to-start timeouts
 * are set), and start as slots free up.
 *
 * Sized from the concurrency benchmark (docs/benchmarks.md, issue 20), on 2 shared cores at
 * load average ~20: with 100 slots, 100 runs kept all of them busy (median 96 in flight) with
 * long NeMo waits; with 200, the same 100 runs completed cleanly with the event loop at 45 ms
 * p99 (median of 1 s samples; 2.2 s at worst, during the dataset builds) and the timer
 * heartbeats at most 3.7 s apart. A wait costs one status read per poll interval and
 * heartbeats on a timer, so it is cheap in the worker; what grows with the number in flight
 * is the load on the store (in the 300-run burst the store, not the worker, was the limit:
 * 7 s per read) and on NeMo, which the adaptive poll delay stretches. Workflow tasks are CPU
 * work in one workflow thread, so the SDK's default of 40 stands.
 */
export const WORKER_SLOTS = {
  maxConcurrentActivityTaskExecutions: 200,
  maxConcurrentWorkflowTaskExecutions: 40,
} as const satisfies Partial<WorkerOptions>;

/**
 * Workflows kept in the worker's cache between their tasks. The SDK's default follows the V8
 * heap limit (~2,300 here), so every workflow in flight stayed cached: in the 300-run burst
 * 900 of them (each run and its two candidates), and the worker's RSS passed 1.1 GB, about
 * 0.5 MB per cached workflow over the 100-run case (301 cached, 838 MB peak). A workflow
 * evicted from the cache replays its history on its next task (a candidate's is a few hundred
 * events: milliseconds), so the bound costs CPU, never a result.
 */
export const WORKER_CACHE = {
  maxCachedWorkflows: 250,
} as const satisfies Partial<WorkerOptions>;
