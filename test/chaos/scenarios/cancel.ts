import { cancelSignal, workflowIdForJob } from '../../../workflows/contract';
import { between, seededRandom, sleep } from '../../support/rng';
import { awaitRun, type JudgedRun, judge, type ScenarioContext, type ScenarioOutcome, withRig } from '../scenario';

// Cancels at random points of runs started together: half through the run's cancel signal (as
// the API does), half through Temporal's own cancellation (as the Web UI / CLI do). A cancel
// that lands after the run finished leaves it completed, which is also a clean end.

export function cancelAtRandomPoints(ctx: ScenarioContext, runs: number, batch: number): Promise<ScenarioOutcome> {
  const rand = seededRandom(ctx.seed * 1000 + 2);
  return withRig({ servers: ctx.servers, timeScale: ctx.timeScale }, async (rig) => {
    const judged: JudgedRun[] = [];
    const points: number[] = [];
    for (let first = 0; first < runs; first += batch) {
      const jobs = Array.from({ length: Math.min(batch, runs - first) }, (_, i) => ({
        jobId: rig.newJobId(),
        // concurrent runs share two cores, so a batch takes longer than the baseline run
        at: Math.round(between(rand, 0, ctx.runMs * (1 + batch / 4))),
        how: (first + i) % 2 === 0 ? ('signal' as const) : ('temporal' as const),
      }));
      await Promise.all(
        jobs.map(async ({ jobId, at, how }) => {
          await rig.startRun(jobId);
          await sleep(at);
          const handle = rig.client.workflow.getHandle(workflowIdForJob(jobId));
          if (how === 'signal') await handle.signal(cancelSignal, 'chaos cancel').catch(() => undefined);
          else await handle.cancel().catch(() => undefined);
          points.push(at);
          await awaitRun(rig, jobId, 240_000);
        }),
      );
      for (const { jobId } of jobs) judged.push(await judge(rig, ctx, jobId, { kind: 'cancelled-or-completed' }));
    }
    const cancelled = judged.filter((j) => j.verdict.runStatus === 'cancelled').length;
    return {
      scenario: 'cancel at random points',
      runs: judged,
      notes: [
        `${cancelled} ended cancelled, ${judged.length - cancelled} finished first; points ${points.join(', ')} ms`,
      ],
    };
  });
}
