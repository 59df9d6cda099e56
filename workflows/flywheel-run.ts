import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowCancellationType,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { FlywheelActivities } from '../activities/types';
import { jobCandidates } from '../config/job-candidates';
import type { FlywheelConfig } from '../config/schema';
import { advisory, cleanup, datasetBuild, longNemoJob, shortCall } from './activity-options';
import { type CandidateResult, candidateProgressSignal, candidateRun } from './candidate-run';
import { configArgument } from './config-argument';
import {
  type CandidateProgress,
  cancelSignal,
  candidateWorkflowId,
  type FlywheelRunInput,
  type FlywheelRunResult,
  progressQuery,
  RUN_FAILED_TYPE,
  type RunProgress,
} from './contract';
import { runEmbeddingCandidates } from './embedding-run';
import { messageOf } from './errors';
import { acquireGpus, releaseGpus } from './gpu-budget';
import { GPU_PURPOSES } from './gpu-budget-contract';
import {
  CANCEL_SIGNAL_CANCELS_WORKFLOW,
  CANDIDATE_SEARCH_ATTRIBUTES,
  CONFIG_BY_REFERENCE,
  EMBEDDING_JOB,
  GPU_ECONOMICS,
  MLFLOW_TRACKING,
  RUN_MEMO_JOB_ID,
  RUN_STATUS_IN_TEMPORAL,
} from './patches';
import { ClientIdKey, FlywheelStatusKey, WorkloadIdKey } from './search-attributes';

const quick = proxyActivities<FlywheelActivities>(shortCall);
const datasets = proxyActivities<FlywheelActivities>(datasetBuild);
const teardown = proxyActivities<FlywheelActivities>(cleanup);
const advice = proxyActivities<FlywheelActivities>(advisory);

/**
 * A flywheel run: initialize → build datasets → judge ready → one child workflow per
 * candidate (concurrent, bounded by the GPU budget) → finalize. Cancelling (the `cancel`
 * signal, or Temporal's own cancellation) stops every step, keeps what finished, tears every
 * deployment down and ends the run `cancelled`.
 */
export async function flywheelRun(input: FlywheelRunInput): Promise<FlywheelRunResult> {
  // Scheduled runs carry no job id; a deterministic one comes from the SDK's seeded uuid4.
  const jobId = input.jobId ?? uuid4().replace(/-/g, '').slice(0, 24);
  // Temporal's own cancellation (Web UI, `temporal workflow cancel`) cancels this root scope.
  const root = CancellationScope.current();
  const progress: RunProgress = { jobId, phase: 'initializing', numRecords: 0, candidates: [] };
  const work = new CancellationScope();
  setHandler(progressQuery, () => progress);
  // A cancel signal alone (not Temporal's cancellation) asks Temporal to cancel this workflow
  // too, so the run ends Canceled in Temporal however the cancel arrived; awaited before the end.
  let ownCancellation: Promise<unknown> | undefined;
  setHandler(cancelSignal, (reason) => {
    if (ENDING.includes(progress.phase)) return; // too late: the run is ending anyway
    progress.cancelReason ??= reason || 'Job cancelled by user';
    progress.phase = 'cancelling';
    work.cancel();
    if (!root.consideredCancelled && !ownCancellation && patched(CANCEL_SIGNAL_CANCELS_WORKFLOW)) {
      const { workflowId, runId } = workflowInfo();
      ownCancellation = CancellationScope.nonCancellable(() =>
        quick.requestOwnCancellation({ workflowId, runId }),
      ).catch(() => undefined);
    }
  });
  const updateCandidate = (candidate: CandidateProgress) => {
    progress.candidates = progress.candidates.map((c) =>
      c.modelName === candidate.modelName && candidate.version >= c.version ? candidate : c,
    );
  };
  setHandler(candidateProgressSignal, updateCandidate);
  /** The run's result from its candidates' outcomes; a cancelled candidate cancels the run. */
  const settle = (
    candidates: FlywheelConfig['nims'],
    settled: PromiseSettledResult<CandidateResult>[],
  ): FlywheelRunResult => {
    if (settled.some((s) => s.status === 'rejected' && isCancellation(s.reason))) {
      throw (settled.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason;
    }
    const outcomes: CandidateResult[] = settled.map((s, i) =>
      s.status === 'fulfilled'
        ? s.value
        : { modelName: candidates[i]?.model_name ?? '?', status: 'failed', error: messageOf(s.reason) },
    );
    for (const o of outcomes) if (o.progress) updateCandidate(o.progress);
    const failed = outcomes.filter((o) => o.status === 'failed');
    const allFailed = failed.length === outcomes.length;
    return {
      jobId,
      status: allFailed ? 'failed' : 'completed',
      candidatesFailed: failed.length,
      ...(allFailed
        ? { error: `every candidate failed: ${failed.map((f) => `${f.modelName}: ${f.error}`).join('; ')}` }
        : {}),
    };
  };
  upsertSearchAttributes([
    { key: WorkloadIdKey, value: input.workloadId },
    { key: ClientIdKey, value: input.clientId },
    { key: FlywheelStatusKey, value: 'running' },
  ]);
  // Every run's memo names its job, scheduled runs too (their job id is derived above).
  if (patched(RUN_MEMO_JOB_ID)) upsertMemo({ job_id: jobId });

  let judgeDeployed: Parameters<FlywheelActivities['teardownJudge']>[0] | undefined;
  // Every GPU a run holds is in the ledger: its local embedding NIM and local judge too.
  const economics = patched(GPU_ECONOMICS);
  const configByReference = patched(CONFIG_BY_REFERENCE);
  let judgeLeased = false;
  let runConfig: FlywheelConfig | undefined;
  let result: FlywheelRunResult;
  try {
    result = await work.run(async () => {
      const { workflowId, runId } = workflowInfo();
      const { config } = await quick.initializeRun({ ...input, jobId, workflowId, workflowRunId: runId });
      upsertMemo({ config_name: input.configName ?? 'default' });
      runConfig = config;
      const cfg = configArgument({ jobId, config, configByReference });
      // An embedding_job (workflows/embedding-run.ts) distils an embedding model from retrieval logs.
      const embedding = input.jobType === 'embedding_job' && patched(EMBEDDING_JOB);
      const candidates = embedding ? jobCandidates(config, input.jobType) : config.nims;
      progress.candidates = candidates.map((n) => ({
        modelName: n.model_name,
        status: 'pending',
        evaluations: [],
        customization: { status: n.customization_enabled ? 'pending' : 'skipped', progress: 0 },
        version: 0,
      }));

      progress.phase = 'building-datasets';
      if (embedding) {
        const retrieval = await step('Error creating datasets', () =>
          datasets.createRetrievalDatasets({ jobId, workloadId: input.workloadId, clientId: input.clientId, ...cfg }),
        );
        progress.numRecords = retrieval.numRecords;
        progress.phase = 'running-candidates';
        return settle(
          candidates,
          await runEmbeddingCandidates(
            { jobId, input, config, configByReference, candidates, datasets: retrieval.datasets },
            updateCandidate,
          ),
        );
      }
      const embeddingNim = config.icl_config.similarity_config?.embedding_nim_config;
      const embeddingGpus =
        economics &&
        config.icl_config.example_selection === 'semantic_similarity' &&
        embeddingNim?.deployment_type === 'local'
          ? embeddingNim.gpus
          : 0;
      if (embeddingGpus > config.gpu_budget) {
        throw ApplicationFailure.nonRetryable(
          `the local embedding NIM needs ${embeddingGpus} GPUs but gpu_budget is ${config.gpu_budget}`,
          'ConfigError',
        );
      }
      // The embedding NIM is used while the datasets are built (semantic ICL example selection).
      if (embeddingGpus > 0) {
        await acquireGpus(embeddingGpus, config.gpu_budget, `${jobId} embedding`, GPU_PURPOSES.embedding);
      }
      const built = await step('Error creating datasets', () =>
        datasets.createDatasets({ jobId, workloadId: input.workloadId, clientId: input.clientId, ...cfg }),
      ).finally(() =>
        embeddingGpus > 0 ? CancellationScope.nonCancellable(() => releaseGpus(GPU_PURPOSES.embedding)) : undefined,
      );
      progress.numRecords = built.numRecords;

      progress.phase = 'waiting-for-judge';
      const judge = config.llm_judge_config;
      if (economics && judge.deployment_type === 'local') {
        // The judge's candidates need GPUs of their own while it is held: the ledger keeps that many.
        const reserve = Math.max(
          ...config.nims.map((n) => Math.max(n.gpus, n.customization_enabled ? (n.customizer_configs?.gpus ?? 0) : 0)),
        );
        if (judge.gpus + reserve > config.gpu_budget) {
          throw ApplicationFailure.nonRetryable(
            `the local judge (${judge.gpus} GPUs) and a candidate (${reserve} GPUs) need more than gpu_budget ${config.gpu_budget}`,
            'ConfigError',
          );
        }
        judgeLeased = true;
        await acquireGpus(judge.gpus, config.gpu_budget, `${jobId} judge`, GPU_PURPOSES.judge, reserve);
      }
      if (judge.deployment_type === 'local') judgeDeployed = { jobId, ...cfg };
      const long = proxyActivities<FlywheelActivities>(longNemoJob(config.timing));
      await step('Error waiting for LLM as judge', () => long.prepareJudge({ jobId, ...cfg }));

      progress.phase = 'running-candidates';
      const settled = await Promise.allSettled(
        config.nims.map((candidate) =>
          executeChild(candidateRun, {
            workflowId: candidateWorkflowId(workflowInfo().workflowId, candidate.model_name),
            args: [
              {
                jobId,
                workloadId: input.workloadId,
                candidate,
                config,
                ...(configByReference ? { configByReference } : {}),
                datasets: built.datasets,
                workloadType: built.workloadType,
                ...(economics ? { trainRecords: built.report.split.train } : {}),
              },
            ],
            ...(patched(CANDIDATE_SEARCH_ATTRIBUTES)
              ? {
                  typedSearchAttributes: [
                    { key: WorkloadIdKey, value: input.workloadId },
                    { key: ClientIdKey, value: input.clientId },
                    { key: FlywheelStatusKey, value: 'pending' },
                  ],
                  memo: { job_id: jobId, model_name: candidate.model_name },
                }
              : {}),
            parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
            cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
          }).then((outcome) => {
            // A child's last progress signal, sent as it completes, is not guaranteed to arrive:
            // its result carries the final state, applied as soon as that child ends.
            if (outcome.progress) updateCandidate(outcome.progress);
            return outcome;
          }),
        ),
      );
      return settle(config.nims, settled);
    });
  } catch (err) {
    if (isCancellation(err)) {
      result = {
        jobId,
        status: 'cancelled',
        // candidates that had already failed before the cancel still count as failed
        candidatesFailed: progress.candidates.filter((c) => c.status === 'failed').length,
        error: progress.cancelReason ?? 'Workflow cancelled',
      };
    } else {
      result = { jobId, status: 'failed', candidatesFailed: 0, error: messageOf(err) };
    }
  }

  progress.phase = 'finalizing';
  await CancellationScope.nonCancellable(async () => {
    if (judgeDeployed) await teardown.teardownJudge(judgeDeployed);
    if (judgeLeased) await releaseGpus(GPU_PURPOSES.judge);
    // Advice from what finished; a run never fails for want of it.
    if (runConfig && patched('record-recommendation')) {
      await advice
        .recordRecommendation({ jobId, ...(configByReference ? { configRef: jobId } : { config: runConfig }) })
        .catch(() => undefined);
    }
    await teardown.finalizeRun({
      jobId,
      status: result.status,
      error: result.error ?? null,
      candidatesFailed: result.candidatesFailed,
      cancelReason: result.status === 'cancelled' ? (result.error ?? null) : null,
    });
    // Tracking, from the final documents; like the advice, a run never fails for it.
    if (runConfig && patched(MLFLOW_TRACKING)) {
      await advice
        .trackRunInMlflow({ jobId, ...(configByReference ? { configRef: jobId } : { config: runConfig }) })
        .catch(() => undefined);
    }
  });
  if (ownCancellation) await ownCancellation;
  progress.phase = result.status;
  if (result.error) progress.error = result.error;
  setStatusAttribute(result.status);
  // Cancelled from Temporal itself (the API's cancel asks Temporal too): end as Canceled there,
  // now that cleanup is done. (A Canceled close carries no details; the progress query has the end state.)
  if (result.status === 'cancelled' && root.consideredCancelled) {
    throw new CancelledFailure(result.error ?? 'Workflow cancelled');
  }
  // A failed run fails its workflow, after its documents are final; the result is the failure's detail.
  if (result.status === 'failed' && patched(RUN_STATUS_IN_TEMPORAL)) {
    throw ApplicationFailure.create({
      message: result.error ?? 'run failed',
      type: RUN_FAILED_TYPE,
      nonRetryable: true,
      details: [result],
    });
  }
  return result;
}

const ENDING: RunProgress['phase'][] = ['finalizing', 'completed', 'failed', 'cancelled'];

/** Runs a run-level step; a failure (not a cancellation) fails the run with the step named. */
async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.nonRetryable(`${what}: ${messageOf(err)}`, 'RunStepFailed');
  }
}

function setStatusAttribute(status: string): void {
  upsertSearchAttributes([{ key: FlywheelStatusKey, value: status }]);
}
