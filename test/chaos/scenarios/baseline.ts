import { judgeRun, type ScoreTable } from '../invariants';
import { ChaosRig, type RigServers } from '../rig';
import { awaitRun } from '../scenario';

// The clean reference. The emulator's students roll their answers from the model id, and a
// customized model's id carries the run's job id, so a customized evaluation is only
// comparable with a clean run of the *same* job id: after the scenarios, every disturbed run
// with completed evaluations is replayed, undisturbed, on this rig (same emulator seed, same
// logs) and its scores must be identical.

export class CleanBaseline {
  private constructor(
    private readonly rig: ChaosRig,
    /** How long one clean run took, to place random points inside a run. */
    readonly runMs: number,
  ) {}

  static async open(servers: RigServers, timeScale: number): Promise<CleanBaseline> {
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
        throw new Error(`the clean run has ${Object.keys(verdict.scores).length} completed evaluations, expected 6`);
      }
      return new CleanBaseline(rig, runMs);
    } catch (err) {
      await rig.close();
      throw err;
    }
  }

  /** Runs each job id again, undisturbed, and returns its scores (a few runs at a time). */
  async replay(jobIds: string[], batch = 6): Promise<Map<string, ScoreTable>> {
    const scores = new Map<string, ScoreTable>();
    for (let i = 0; i < jobIds.length; i += batch) {
      const slice = jobIds.slice(i, i + batch);
      await Promise.all(
        slice.map(async (jobId) => {
          await this.rig.startRun(jobId);
          await awaitRun(this.rig, jobId, 240_000);
          const verdict = await judgeRun(this.rig, jobId);
          if (verdict.runStatus !== 'completed' || verdict.failedModels.length > 0) {
            throw new Error(`the clean replay of ${jobId} did not complete: ${verdict.errors.join('; ')}`);
          }
          scores.set(jobId, verdict.scores);
        }),
      );
    }
    return scores;
  }

  close(): Promise<void> {
    return this.rig.close();
  }
}
