import { randomBytes } from 'node:crypto';
import { FlywheelHarness, MODELS } from '../test/support/flywheel-harness';
import { median, quietTemporalRuntime, round, table, writeResults } from './lib/report';

// Benchmark: orchestration overhead of a full 3-candidate run (datasets, judge check, deploy,
// base + ICL evaluation, LoRA customization, customized evaluation, teardown, results) on a
// zero-latency emulator (time scale 0: every emulated job and deployment takes 0 ms), so the
// wall time is all Flywheel: Temporal round trips, activities, polling, MongoDB writes and
// the emulator's own HTTP answers. Target: < 1 s per candidate. Measured with the test poll
// interval (100 ms) and the shipped default (1000 ms), after one warm-up run.
//
//   npm run bench -- orchestration        BENCH_REPEATS=5 npm run bench -- orchestration

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const TARGET_S_PER_CANDIDATE = 1;
const CANDIDATES = MODELS.length;

interface Sample {
  pollMs: number;
  wallS: number;
  /** From the run's start to the first candidate starting (datasets, judge check). */
  setupS: number;
  /** From the first candidate starting to the last finishing. */
  candidatesS: number;
  /** From the last candidate finishing to the workflow result. */
  finishS: number;
}

async function main(): Promise<void> {
  quietTemporalRuntime();
  const h = new FlywheelHarness({ timeScale: 0 });
  await h.start();
  try {
    for (const pollMs of [100, 1000]) {
      const config = h.config({ models: MODELS, gpuBudget: CANDIDATES });
      h.configs.set(`poll-${pollMs}`, { ...config, timing: { ...config.timing, poll_interval_ms: pollMs } });
    }
    await measure(h, 100); // warm-up: worker caches, connections, JIT
    const samples: Sample[] = [];
    for (const pollMs of [100, 1000]) for (let i = 0; i < REPEATS; i++) samples.push(await measure(h, pollMs));

    const rows = [100, 1000].map((pollMs) => {
      const mine = samples.filter((s) => s.pollMs === pollMs);
      const wall = median(mine.map((s) => s.wallS));
      return {
        poll_interval_ms: pollMs,
        runs: mine.length,
        wall_s_median: round(wall),
        wall_s_min: round(Math.min(...mine.map((s) => s.wallS))),
        setup_s_median: round(median(mine.map((s) => s.setupS))),
        candidates_s_median: round(median(mine.map((s) => s.candidatesS))),
        finish_s_median: round(median(mine.map((s) => s.finishS))),
        s_per_candidate: round(wall / CANDIDATES),
        meets_target: wall / CANDIDATES < TARGET_S_PER_CANDIDATE,
      };
    });
    console.log(
      table(
        [
          'poll interval',
          'runs',
          'wall s (median)',
          'min',
          'setup s',
          'candidates s',
          'finish s',
          's / candidate',
          `< ${TARGET_S_PER_CANDIDATE} s`,
        ],
        rows.map((r) => [
          `${r.poll_interval_ms} ms`,
          r.runs,
          r.wall_s_median,
          r.wall_s_min,
          r.setup_s_median,
          r.candidates_s_median,
          r.finish_s_median,
          r.s_per_candidate,
          r.meets_target ? 'yes' : 'NO',
        ]),
      ),
    );
    console.log('emulated job time: 0 s (time scale 0), so wall time = orchestration overhead');
    const file = writeResults('orchestration', {
      candidates: CANDIDATES,
      timeScale: 0,
      targetSecondsPerCandidate: TARGET_S_PER_CANDIDATE,
      rows,
      samples,
    });
    console.log(`written ${file}`);
  } finally {
    await h.close();
  }
}

async function measure(h: FlywheelHarness, pollMs: number): Promise<Sample> {
  const jobId = randomBytes(12).toString('hex');
  const started = Date.now();
  const result = await h.result(await h.startRun({ jobId, configName: `poll-${pollMs}` }));
  const ended = Date.now();
  if (result.status !== 'completed' || result.candidatesFailed !== 0) {
    throw new Error(`run ${jobId} did not complete cleanly: ${JSON.stringify(result)}`);
  }
  const nims = await h.results.findNims(jobId);
  const firstStart = Math.min(...nims.map((n) => n.started_at?.getTime() ?? ended));
  const lastEnd = Math.max(...nims.map((n) => n.finished_at?.getTime() ?? ended));
  return {
    pollMs,
    wallS: (ended - started) / 1000,
    setupS: (firstStart - started) / 1000,
    candidatesS: (lastEnd - firstStart) / 1000,
    finishS: (ended - lastEnd) / 1000,
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
