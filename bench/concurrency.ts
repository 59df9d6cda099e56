import { readFileSync } from 'node:fs';
import { readEnvironment } from '../config/environment';
import { judgeRun } from '../test/chaos/invariants';
import { ChaosRig } from '../test/chaos/rig';
import { quietTemporalRuntime, round, table, writeResults } from './lib/report';

// Benchmark: 100 runs started at once on ONE worker process (the production worker factory,
// default activity concurrency 100) with an unlimited GPU budget, against the emulator at time
// scale 0.01 (a run alone takes seconds). All must complete; we report the worker's peak RSS
// (VmHWM, target < 1 GB), runs per minute, and the time to the first and last completion.
//
//   npm run bench -- concurrency          BENCH_RUNS=50 npm run bench -- concurrency

const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.01);
const TARGET_RSS_MB = 1024;

function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

async function main(): Promise<void> {
  quietTemporalRuntime();
  const env = readEnvironment();
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
    await Promise.all(jobs.map((jobId) => rig.startRun(jobId)));
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
    const row = {
      runs: RUNS,
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
    const file = writeResults('concurrency', {
      timeScale: TIME_SCALE,
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
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
