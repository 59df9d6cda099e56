import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readEnvironment } from '../config/environment';
import { judgeRun } from '../test/chaos/invariants';
import { ChaosRig } from '../test/chaos/rig';
import { WORKER_CACHE, WORKER_SLOTS } from '../worker/slots';
import { summariseLoadProbe } from './lib/load-probe';
import { quietTemporalRuntime, round, table, writeResults } from './lib/report';

// Benchmark: many runs on ONE worker process (the production worker factory and its slot
// sizing) with an unlimited GPU budget, against the emulator at time scale 0.01 (a run alone
// takes seconds). Two cases: 100 runs started at once, and a burst of 300 runs started within
// a minute (a weekly schedule for many workloads firing together). All must complete cleanly;
// every run that does not is listed with its cause. We report the worker's peak RSS (VmHWM,
// target < 1 GB), runs per minute, the time to the first and last completion, and what the
// worker's load probe saw (event-loop lag, slots in use, store latency, heartbeat gaps).
//
//   npm run bench -- concurrency                       100 runs at once
//   BENCH_CASE=burst npm run bench -- concurrency      300 runs started over 60 s
//   BENCH_RUNS=40 BENCH_BURST_SECONDS=30 ...           other sizes

const CASE = process.env.BENCH_CASE === 'burst' ? 'burst' : 'at-once';
const RUNS = Number(process.env.BENCH_RUNS ?? (CASE === 'burst' ? 300 : 100));
const BURST_SECONDS = CASE === 'burst' ? Number(process.env.BENCH_BURST_SECONDS ?? 60) : 0;
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.01);
const TARGET_RSS_MB = 1024;

/** A failure's cause without the ids and figures that differ from run to run. */
function causeOf(errors: string[]): string {
  const text = errors.join('; ') || 'no error recorded';
  return text
    .replace(/[0-9a-f]{24}/g, '<job>')
    .replace(/meta\/llama-[\w.-]+/g, '<model>')
    .replace(/\d+(\.\d+)?/g, 'N')
    .slice(0, 300);
}

function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

async function main(): Promise<void> {
  quietTemporalRuntime();
  const env = readEnvironment();
  const probeDir = mkdtempSync(path.join(tmpdir(), 'flywheel-bench-probe-'));
  const probeFile = path.join(probeDir, 'probe.jsonl');
  process.env.FLYWHEEL_LOAD_PROBE_FILE = probeFile; // the worker child inherits it
  const rig = new ChaosRig({
    servers: {
      temporalAddress: env.TEMPORAL_ADDRESS,
      mongoUrl: env.MONGODB_URL,
      elasticsearchUrl: env.ELASTICSEARCH_URL,
    },
    timeScale: TIME_SCALE,
  });
  await rig.start();
  try {
    const pid = rig.workerPid as number;
    const idle = memoryOf(pid);
    const jobs = Array.from({ length: RUNS }, () => rig.newJobId());
    const started = Date.now();
    // at once, or spread evenly over the burst window
    await Promise.all(
      jobs.map(async (jobId, i) => {
        const at = started + (BURST_SECONDS * 1000 * i) / RUNS;
        if (at > Date.now()) await new Promise((r) => setTimeout(r, at - Date.now()));
        await rig.startRun(jobId);
      }),
    );
    const startedAllS = (Date.now() - started) / 1000;
    let sampling = true;
    let peakRssSampled = 0;
    const sampler = (async () => {
      while (sampling) {
        peakRssSampled = Math.max(peakRssSampled, memoryOf(pid).rssMb);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const finishedAt: number[] = [];
    const results = await Promise.all(
      jobs.map(async (jobId) => {
        const result = await rig.result(jobId);
        finishedAt.push(Date.now());
        return result;
      }),
    );
    sampling = false;
    await sampler;
    const wallS = (Date.now() - started) / 1000;
    const memory = memoryOf(pid);
    if (rig.workerStarts !== 1)
      throw new Error(`the worker restarted during the benchmark (${rig.workerStarts} starts)`);

    const completed = results.filter((r) => r.status === 'completed' && r.candidatesFailed === 0).length;
    const verdicts = await Promise.all(jobs.slice(0, 10).map((jobId) => judgeRun(rig, jobId)));
    // why a run did not complete cleanly, from its documents (kept in the results file)
    const failures = await Promise.all(
      jobs
        .filter((_, i) => results[i]?.status !== 'completed' || results[i]?.candidatesFailed !== 0)
        .map(async (jobId) => {
          const v = await judgeRun(rig, jobId);
          return { jobId, runStatus: v.runStatus, failedModels: v.failedModels, errors: v.errors };
        }),
    );
    for (const f of failures) console.log(`not clean: ${f.jobId} ${f.runStatus}: ${f.errors.join('; ')}`);
    const causes: Record<string, number> = {};
    for (const f of failures) causes[causeOf(f.errors)] = (causes[causeOf(f.errors)] ?? 0) + 1;
    for (const [cause, n] of Object.entries(causes).sort((a, b) => b[1] - a[1]))
      console.log(`${n} run(s) not clean because: ${cause}`);
    const load = summariseLoadProbe(existsSync(probeFile) ? readFileSync(probeFile, 'utf8').split('\n') : []);
    console.log(`worker load probe (max / median of 1 s samples): ${JSON.stringify(load)}`);
    const row = {
      case: CASE,
      runs: RUNS,
      burst_s: BURST_SECONDS,
      completed,
      all_completed: completed === RUNS,
      started_all_s: round(startedAllS),
      first_done_s: round((Math.min(...finishedAt) - started) / 1000),
      last_done_s: round(wallS),
      runs_per_minute: round((RUNS / wallS) * 60, 1),
      worker_idle_rss_mb: Math.round(idle.rssMb),
      worker_peak_rss_mb: Math.round(Math.max(memory.peakMb, peakRssSampled)),
      meets_rss_target: Math.max(memory.peakMb, peakRssSampled) < TARGET_RSS_MB,
      sampled_invariants_ok: verdicts.every(
        (v) =>
          v.terminal && v.leakedDeployments.length === 0 && v.duplicateJobs.length === 0 && v.lostResults.length === 0,
      ),
    };
    console.log(
      table(
        [
          'case',
          'runs',
          'completed',
          'all started (s)',
          'first done (s)',
          'last done (s)',
          'runs/min',
          'worker RSS idle MB',
          'peak MB',
          '< 1 GB',
        ],
        [
          [
            row.case,
            row.runs,
            row.completed,
            row.started_all_s,
            row.first_done_s,
            row.last_done_s,
            row.runs_per_minute,
            row.worker_idle_rss_mb,
            row.worker_peak_rss_mb,
            row.meets_rss_target ? 'yes' : 'NO',
          ],
        ],
      ),
    );
    const file = writeResults(CASE === 'burst' ? 'concurrency-burst' : 'concurrency', {
      timeScale: TIME_SCALE,
      workerSlots: workerSlotsOf(),
      load,
      causes,
      candidatesPerRun: 2,
      gpuBudget: 1000,
      targetPeakRssMb: TARGET_RSS_MB,
      rows: [row],
      failures,
    });
    console.log(`written ${file}`);
    if (!row.all_completed) process.exitCode = 1;
  } finally {
    await rig.close();
    rmSync(probeDir, { recursive: true, force: true });
  }
}

/** The worker's slot counts: the production sizing unless the environment overrides it. */
function workerSlotsOf() {
  return {
    maxConcurrentActivityTaskExecutions: Number(
      process.env.CHAOS_MAX_ACTIVITIES ?? WORKER_SLOTS.maxConcurrentActivityTaskExecutions,
    ),
    maxConcurrentWorkflowTaskExecutions: Number(
      process.env.CHAOS_MAX_WORKFLOW_TASKS ?? WORKER_SLOTS.maxConcurrentWorkflowTaskExecutions,
    ),
    maxCachedWorkflows: WORKER_CACHE.maxCachedWorkflows,
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
