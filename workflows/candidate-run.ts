import {
  ApplicationFailure,
  CancellationScope,
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { FlywheelActivities } from '../activities/types';
import type { CandidateModel, FlywheelConfig } from '../config/schema';
import type { ResolvedWorkloadType } from '../contracts';
import { EVAL_TYPES } from '../contracts/vocabulary';
import { cleanup, longNemoJob, shortCall } from './activity-options';
import { upsertCandidateStatus } from './candidate-status';
import type { CandidateProgress, EvalProgress } from './contract';
import { messageOf } from './errors';
import { benchmarksFor } from './general-benchmarks';
import { acquireGpus, releaseGpus } from './gpu-budget';
import { GENERAL_BENCHMARKS } from './patches';

export interface CandidateRunInput {
  jobId: string;
  workloadId: string;
  candidate: CandidateModel;
  config: FlywheelConfig;
  datasets: { eval: string; icl: string; train: string };
  workloadType: ResolvedWorkloadType;
}

export interface CandidateResult {
  modelName: string;
  status: 'completed' | 'failed';
  error?: string;
  /** The final state, for the parent's progress (a progress signal may arrive after this result). */
  progress?: CandidateProgress;
}

/** Sent to the parent run at every status change, for its `progress` query. */
export const candidateProgressSignal = defineSignal<[CandidateProgress]>('candidateProgress');

const quick = proxyActivities<FlywheelActivities>(shortCall);
const teardown = proxyActivities<FlywheelActivities>(cleanup);

/**
 * One candidate model: wait for GPUs → deploy → base and ICL evals in parallel with
 * customization → customized eval → teardown. A failed step is recorded on the candidate and
 * the remaining steps still run; the deployment is always torn down and the GPUs released.
 */
export async function candidateRun(input: CandidateRunInput): Promise<CandidateResult> {
  const { jobId, candidate } = input;
  const long = proxyActivities<FlywheelActivities>(longNemoJob(input.config.timing));
  const modelName = candidate.model_name;
  const progress: CandidateProgress = {
    modelName,
    status: 'pending',
    evaluations: EVAL_TYPES.map((evalType) => ({
      evalType,
      status: evalType === 'customized-eval' && !candidate.customization_enabled ? 'skipped' : 'pending',
      progress: 0,
      scores: {},
    })),
    customization: { status: candidate.customization_enabled ? 'pending' : 'skipped', progress: 0 },
    version: 0,
  };
  const report = () => {
    progress.version++;
    reportToParent(progress);
  };
  const setStatus = async (status: CandidateProgress['status']) => {
    progress.status = status;
    await quick.markCandidateStatus({ jobId, modelName, status });
    upsertCandidateStatus(status);
    report();
  };

  let deployStarted = false;
  const failures: string[] = [];
  try {
    if (candidate.gpus > input.config.gpu_budget) {
      throw ApplicationFailure.nonRetryable(
        `${modelName} needs ${candidate.gpus} GPUs but gpu_budget is ${input.config.gpu_budget}`,
        'ConfigError',
      );
    }
    await setStatus('waiting-for-gpus');
    await acquireGpus(candidate.gpus, input.config.gpu_budget, `${jobId} ${modelName}`);

    await setStatus('deploying-nim');
    deployStarted = true;
    await long.deployCandidate({ jobId, candidate, config: input.config });
    await setStatus('running-evals');

    const evaluate = async (evalType: EvalProgress['evalType'], dataset: string, targetModel: string) => {
      const entry = progress.evaluations.find((e) => e.evalType === evalType) as EvalProgress;
      entry.status = 'running';
      report();
      try {
        const result = await long.runEvaluation({
          jobId,
          modelName,
          evalType,
          datasetName: dataset,
          targetModel,
          workloadType: input.workloadType,
          config: input.config,
        });
        Object.assign(entry, { status: 'completed', progress: 100, scores: result.scores });
      } catch (err) {
        if (isCancellation(err)) throw err;
        Object.assign(entry, { status: 'failed', error: messageOf(err) });
        failures.push(`${evalType}: ${messageOf(err)}`);
        await quick.recordStepFailure({ jobId, modelName, step: evalType, error: messageOf(err) });
      } finally {
        report();
      }
    };

    // The regression gate: general benchmarks on the base and the customized model. A benchmark
    // that fails is recorded on its own entry (the gate then says it could not be checked); it
    // never fails the candidate.
    const benchmarks = benchmarksFor(input.config, candidate);
    const gated = benchmarks.length > 0 && patched(GENERAL_BENCHMARKS);
    const runBenchmarks = async (variant: 'base' | 'customized', targetModel: string) => {
      if (!gated) return;
      await Promise.all(
        benchmarks.map((benchmark) =>
          long
            .runGeneralBenchmark({ jobId, modelName, variant, benchmark, targetModel, config: input.config })
            .catch((err: unknown) => {
              if (isCancellation(err)) throw err;
            }),
        ),
      );
    };

    const customizeThenEvaluate = async () => {
      if (!candidate.customization_enabled) return;
      progress.customization.status = 'running';
      report();
      let customizedModel: string;
      try {
        ({ customizedModel } = await long.runCustomization({
          jobId,
          workloadId: input.workloadId,
          candidate,
          datasetName: input.datasets.train,
          config: input.config,
        }));
        Object.assign(progress.customization, { status: 'completed', progress: 100, customizedModel });
      } catch (err) {
        if (isCancellation(err)) throw err;
        Object.assign(progress.customization, { status: 'failed', error: messageOf(err) });
        failures.push(`customization: ${messageOf(err)}`);
        await quick.recordStepFailure({ jobId, modelName, step: 'customization', error: messageOf(err) });
        const skipped = progress.evaluations.find((e) => e.evalType === 'customized-eval') as EvalProgress;
        skipped.status = 'skipped';
        return;
      } finally {
        report();
      }
      await Promise.all([
        evaluate('customized-eval', input.datasets.eval, customizedModel),
        runBenchmarks('customized', customizedModel),
      ]);
    };

    // allSettled, not all: on cancellation every branch must finish cancelling its remote job
    // before the deployment underneath it is torn down.
    const settled = await Promise.allSettled([
      evaluate('base-eval', input.datasets.eval, modelName),
      evaluate('icl-eval', input.datasets.icl, modelName),
      customizeThenEvaluate(),
      runBenchmarks('base', modelName),
    ]);
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected) throw rejected.reason;
  } catch (err) {
    if (!isCancellation(err)) failures.push(messageOf(err));
    else progress.status = 'cancelled';
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => finish('cancelled', 'Flywheel run cancelled'));
      throw err;
    }
  }
  const status = failures.length > 0 ? 'failed' : 'completed';
  await CancellationScope.nonCancellable(() => finish(status, failures.length > 0 ? failures.join('; ') : null));
  return { modelName, status, ...(failures.length > 0 ? { error: failures.join('; ') } : {}), progress };

  async function finish(status: 'completed' | 'failed' | 'cancelled', error: string | null) {
    if (deployStarted) await teardown.teardownDeployment({ jobId, candidate, config: input.config });
    await releaseGpus();
    await quick.finishCandidate({ jobId, modelName, status, error });
    progress.status = status;
    if (error) progress.error = error;
    upsertCandidateStatus(status);
    report();
  }
}

function reportToParent(progress: CandidateProgress): void {
  const parent = workflowInfo().parent;
  if (!parent) return;
  // Progress is advisory; a parent that is already closing may not take it.
  getExternalWorkflowHandle(parent.workflowId)
    .signal(candidateProgressSignal, structuredCloneProgress(progress))
    .catch(() => undefined);
}

function structuredCloneProgress(p: CandidateProgress): CandidateProgress {
  return JSON.parse(JSON.stringify(p)) as CandidateProgress;
}
