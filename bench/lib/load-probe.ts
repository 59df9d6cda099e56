import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Worker } from '@temporalio/worker';
import { takeLoadStats } from '../../activities/load-stats';
import type { ResultsStore } from '../../stores/results/results-store';

// Samples, once per interval inside a worker process, what can delay an activity's heartbeat:
// the event loop's lag, the worker's slot occupancy, the store's latency (a primary-key read),
// and the activities' own figures (heartbeat gaps, status reads, awaited store writes). One
// JSON line per sample, appended to `file`, for the concurrency benchmark to summarise.

export interface LoadSample {
  t: number;
  loopDelayMs: { p50: number; p99: number; max: number };
  activitiesInFlight: number;
  workflowActivationsInFlight: number;
  cachedWorkflows: number;
  storePingMs: number | null;
  stats: ReturnType<typeof takeLoadStats>;
  /** process.memoryUsage() in MB: which part of the worker's RSS grows under load. */
  memoryMb?: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
}

function memoryInMb(): NonNullable<LoadSample['memoryMb']> {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  return {
    rss: mb(rss),
    heapUsed: mb(heapUsed),
    heapTotal: mb(heapTotal),
    external: mb(external),
    arrayBuffers: mb(arrayBuffers),
  };
}

export function startLoadProbe(options: {
  worker: Worker;
  results: ResultsStore;
  file: string;
  intervalMs?: number;
}): () => void {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const ms = (ns: number) => Math.round(ns / 1e6);
  let pinging = false;
  let lastPing: number | null = null;
  const timer = setInterval(() => {
    if (!pinging) {
      pinging = true;
      const t0 = Date.now();
      options.results
        .getRun('__load_probe__')
        .then(() => {
          lastPing = Date.now() - t0;
        })
        .catch(() => {
          lastPing = null;
        })
        .finally(() => {
          pinging = false;
        });
    }
    const status = options.worker.getStatus();
    const sample: LoadSample = {
      t: Date.now(),
      loopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
      activitiesInFlight: status.numInFlightActivities,
      workflowActivationsInFlight: status.numInFlightWorkflowActivations,
      cachedWorkflows: status.numCachedWorkflows,
      storePingMs: pinging && lastPing === null ? null : lastPing,
      stats: takeLoadStats(),
      memoryMb: memoryInMb(),
    };
    loop.reset();
    appendFileSync(options.file, `${JSON.stringify(sample)}\n`);
  }, options.intervalMs ?? 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    loop.disable();
  };
}

/** One summary of a probe file: the worst and the typical second of the run. */
export function summariseLoadProbe(lines: string[]) {
  const samples = lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as LoadSample);
  const worst = (pick: (s: LoadSample) => number | null | undefined) => {
    const values = samples.map(pick).filter((v): v is number => typeof v === 'number');
    if (values.length === 0) return { max: null, median: null };
    const sorted = [...values].sort((a, b) => a - b);
    return { max: sorted.at(-1) as number, median: sorted[Math.floor(sorted.length / 2)] as number };
  };
  return {
    samples: samples.length,
    loopDelayMaxMs: worst((s) => s.loopDelayMs.max),
    loopDelayP99Ms: worst((s) => s.loopDelayMs.p99),
    activitiesInFlight: worst((s) => s.activitiesInFlight),
    workflowActivationsInFlight: worst((s) => s.workflowActivationsInFlight),
    cachedWorkflows: worst((s) => s.cachedWorkflows),
    storePingMs: worst((s) => s.storePingMs),
    heartbeatGapMaxMs: worst((s) => s.stats.heartbeatGapMs?.max),
    pollGapMaxMs: worst((s) => s.stats.pollGapMs?.max),
    statusReadMaxMs: worst((s) => s.stats.statusReadMs?.max),
    storeWriteMaxMs: worst((s) => s.stats.storeWriteMs?.max),
    rssMb: worst((s) => s.memoryMb?.rss),
    heapUsedMb: worst((s) => s.memoryMb?.heapUsed),
    heapTotalMb: worst((s) => s.memoryMb?.heapTotal),
    externalMb: worst((s) => s.memoryMb?.external),
  };
}
