import { judgeRun, type ScoreTable } from '../invariants';
import { ChaosRig, type RigServers } from '../rig';

/** One clean run on the shared stack: the scores every disturbed run is compared with. */
export async function cleanBaseline(
  servers: RigServers,
  timeScale: number,
): Promise<{ baseline: ScoreTable; runMs: number; jobId: string }> {
  const rig = new ChaosRig({ servers, timeScale });
  try {
    await rig.start();
    const jobId = rig.newJobId();
    const started = Date.now();
    await rig.startRun(jobId);
    const result = await rig.result(jobId);
    const runMs = Date.now() - started;
    const verdict = await judgeRun(rig, jobId);
    if (result.status !== 'completed' || result.candidatesFailed !== 0 || !verdict.terminal) {
      throw new Error(`the clean baseline run did not complete cleanly: ${JSON.stringify(result)}`);
    }
    if (Object.keys(verdict.scores).length !== 6) {
      throw new Error(`the baseline run has ${Object.keys(verdict.scores).length} completed evaluations, expected 6`);
    }
    return { baseline: verdict.scores, runMs, jobId };
  } finally {
    await rig.close();
  }
}
