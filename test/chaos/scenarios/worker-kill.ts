import { between, seededRandom, sleep } from '../rng';
import { awaitRun, type JudgedRun, judge, type ScenarioContext, type ScenarioOutcome, withRig } from '../scenario';

// `kill -9` of the worker process at random points of runs, a new worker started each time.
// Kill points are seeded offsets from the previous (re)start, so they spread over the whole run
// (dataset build, deployment, evaluations, training) however long the restarts make it.

export function workerKill(
  ctx: ScenarioContext,
  runs: number,
  killsPerRun: number,
  window: [number, number],
): Promise<ScenarioOutcome> {
  const rand = seededRandom(ctx.seed * 1000 + 1);
  return withRig({ servers: ctx.servers, timeScale: ctx.timeScale }, async (rig) => {
    const judged: JudgedRun[] = [];
    const points: number[] = [];
    for (let r = 0; r < runs; r++) {
      const jobId = rig.newJobId();
      await rig.startRun(jobId);
      let finished = false;
      const done = rig.result(jobId).finally(() => {
        finished = true;
      });
      done.catch(() => undefined);
      for (let k = 0; k < killsPerRun && !finished; k++) {
        const at = Math.round(between(rand, window[0] * ctx.runMs, window[1] * ctx.runMs));
        await sleep(at);
        if (finished) break;
        await rig.killWorker();
        points.push(at);
        ctx.log(`worker-kill: run ${r + 1} killed ${at} ms after the last (re)start`);
        await rig.startWorker();
      }
      await awaitRun(rig, jobId, 240_000);
      judged.push(await judge(rig, ctx, jobId, { kind: 'completed' }));
    }
    return {
      scenario: 'worker kill -9',
      runs: judged,
      notes: [`${points.length} kills (${points.join(', ')} ms after the previous start)`],
    };
  });
}
