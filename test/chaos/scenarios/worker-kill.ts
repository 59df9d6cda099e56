import { between, seededRandom, sleep } from '../../support/rng';
import { awaitRun, type JudgedRun, judge, type ScenarioContext, type ScenarioOutcome, withRig } from '../scenario';

// `kill -9` of the worker process at random points, a new worker started after each kill.
// Runs are started spread over the kill sequence, so the kills land in every phase of the
// runs (dataset build, deployment, evaluations, training, teardown); each kill point is a
// seeded fraction of a clean run's duration after the previous (re)start. Every run must
// complete with the same results as a clean run of the same job.

export function workerKill(
  ctx: ScenarioContext,
  runs: number,
  kills: number,
  window: [number, number],
): Promise<ScenarioOutcome> {
  const rand = seededRandom(ctx.seed * 1000 + 1);
  return withRig({ servers: ctx.servers, timeScale: ctx.timeScale }, async (rig) => {
    const jobs: string[] = [];
    const finished = new Set<string>();
    const startRun = async () => {
      const jobId = rig.newJobId();
      jobs.push(jobId);
      await rig.startRun(jobId);
      rig
        .result(jobId)
        .catch(() => undefined)
        .finally(() => finished.add(jobId));
    };
    let runsHit = 0;
    const points: number[] = [];
    for (let k = 0; k < kills; k++) {
      // run r starts before kill floor(r * kills / runs)
      while (jobs.length < runs && Math.floor((jobs.length * kills) / runs) <= k) await startRun();
      const at = Math.round(between(rand, window[0] * ctx.runMs, window[1] * ctx.runMs));
      await sleep(at);
      const inFlight = jobs.filter((j) => !finished.has(j)).length;
      await rig.killWorker();
      points.push(at);
      runsHit += inFlight;
      ctx.log(`worker-kill: kill ${k + 1}/${kills} ${at} ms after the last start, ${inFlight} run(s) in flight`);
      await rig.startWorker();
    }
    while (jobs.length < runs) await startRun();
    const judged: JudgedRun[] = [];
    for (const jobId of jobs) {
      await awaitRun(rig, jobId, 300_000);
      judged.push(await judge(rig, ctx, jobId, { kind: 'completed' }));
    }
    return {
      scenario: 'worker kill -9',
      runs: judged,
      notes: [`${points.length} kills hitting ${runsHit} in-flight runs (${points.join(', ')} ms after each start)`],
    };
  });
}
