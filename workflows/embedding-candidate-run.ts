import {
  ApplicationFailure,
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { FlywheelActivities } from '../activities/types';
import type { CandidateModel, FlywheelConfig } from '../config/schema';
import { EVAL_TYPES } from '../contracts/vocabulary';
import { cleanup, longNemoJob, shortCall } from './activity-options';
import type { CandidateResult } from './candidate-run';
import { candidateProgressSignal } from './candidate-run';
import { upsertCandidateStatus } from './candidate-status';
import { configArgument } from './config-argument';
import type { CandidateProgress, EvalProgress } from './contract';
import { messageOf } from './errors';
import { acquireGpus, releaseGpus } from './gpu-budget';

export interface EmbeddingCandidateRunInput {
  jobId: string;
  workloadId: string;
  candidate: CandidateModel;
  config: FlywheelConfig;
  /** The config is stored with the run: activities take it by reference (absent in runs started on older code). */
  configByReference?: boolean;
  datasets: { eval: string; train: string };
}

const quick = proxyActivities<FlywheelActivities>(shortCall);
const teardown = proxyActivities<FlywheelActivities>(cleanup);

/**
 * One candidate embedding model of an embedding_job: wait for GPUs → deploy → the base
 * model's retriever evaluation in parallel with its fine-tuning → the customized model's
 * retriever evaluation → teardown. No ICL evaluation (an embedder takes no examples). A failed
 * step is recorded and the others still run; the deployment is always torn down.
 */
export async function embeddingCandidateRun(input: EmbeddingCandidateRunInput): Promise<CandidateResult> {
  const cfg = configArgument(input);
  const { jobId, candidate } = input;
  const long = proxyActivities<FlywheelActivities>(longNemoJob(input.config.timing));
  const modelName = candidate.model_name;
  const progress: CandidateProgress = {
    modelName,
    status: 'pending',
    evaluations: EVAL_TYPES.map((evalType) => ({
      evalType,
      status:
        evalType === 'icl-eval' || (evalType === 'customized-eval' && !candidate.customization_enabled)
          ? 'skipped'
          : 'pending',
      progress: 0,
      scores: {},
    })),
    customization: { status: candidate.customization_enabled ? 'pending' : 'skipped', progress: 0 },
    version: 0,
  };
  const report = () => {
    progress.version++;
    const parent = workflowInfo().parent;
    if (!parent) return;
    getExternalWorkflowHandle(parent.workflowId)
      .signal(candidateProgressSignal, JSON.parse(JSON.stringify(progress)) as CandidateProgress)
      .catch(() => undefined);
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
    await long.deployCandidate({ jobId, candidate, ...cfg });
    await setStatus('running-evals');

    const evaluate = async (evalType: 'base-eval' | 'customized-eval', targetModel: string) => {
      const entry = progress.evaluations.find((e) => e.evalType === evalType) as EvalProgress;
      entry.status = 'running';
      report();
      try {
        const result = await long.runRetrievalEvaluation({
          jobId,
          modelName,
          evalType,
          datasetName: input.datasets.eval,
          targetModel,
          ...cfg,
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

    const customizeThenEvaluate = async () => {
      if (!candidate.customization_enabled) return;
      progress.customization.status = 'running';
      report();
      let customizedModel: string;
      try {
        ({ customizedModel } = await long.runEmbeddingCustomization({
          jobId,
          workloadId: input.workloadId,
          candidate,
          datasetName: input.datasets.train,
          ...cfg,
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
      await evaluate('customized-eval', customizedModel);
    };

    const settled = await Promise.allSettled([evaluate('base-eval', modelName), customizeThenEvaluate()]);
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected) throw rejected.reason;
  } catch (err) {
    if (isCancellation(err)) {
      progress.status = 'cancelled';
      await CancellationScope.nonCancellable(() => finish('cancelled', 'Flywheel run cancelled'));
      throw err;
    }
    failures.push(messageOf(err));
  }
  const status = failures.length > 0 ? 'failed' : 'completed';
  await CancellationScope.nonCancellable(() => finish(status, failures.length > 0 ? failures.join('; ') : null));
  return { modelName, status, ...(failures.length > 0 ? { error: failures.join('; ') } : {}), progress };

  async function finish(status: 'completed' | 'failed' | 'cancelled', error: string | null) {
    if (deployStarted) await teardown.teardownDeployment({ jobId, candidate, ...cfg });
    await releaseGpus();
    await quick.finishCandidate({ jobId, modelName, status, error });
    progress.status = status;
    if (error) progress.error = error;
    upsertCandidateStatus(status);
    report();
  }
}
