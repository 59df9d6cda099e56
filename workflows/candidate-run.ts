import {
  ApplicationFailure,
  CancellationScope,
  condition,
  defineSignal,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { sharedDeploymentName } from '../activities/naming';
import type { FlywheelActivities } from '../activities/types';
import type { CandidateModel, FlywheelConfig } from '../config/schema';
import type { ResolvedWorkloadType } from '../contracts';
import { EVAL_TYPES } from '../contracts/vocabulary';
import { cleanup, longNemoJob, shortCall } from './activity-options';
import { upsertCandidateStatus } from './candidate-status';
import { configArgument } from './config-argument';
import type { CandidateProgress, EvalProgress } from './contract';
import { messageOf } from './errors';
import { benchmarksFor } from './general-benchmarks';
import { acquireGpus, releaseGpus, releaseNimShare } from './gpu-budget';
import { GPU_PURPOSES, type GpuShare } from './gpu-budget-contract';
import { expectedTrainingMs, nimDuringTraining } from './nim-release-policy';
import {
  CANDIDATE_FEWER_ROUND_TRIPS,
  GENERAL_BENCHMARKS,
  GPU_ECONOMICS,
  GPU_TRAINING_LEASE_FIRST,
  NIM_SHARING,
  NIM_STATUS_BESIDE_EVALS,
} from './patches';

export interface CandidateRunInput {
  jobId: string;
  workloadId: string;
  candidate: CandidateModel;
  config: FlywheelConfig;
  /** The config is stored with the run: activities take it by reference (absent in runs started on older code). */
  configByReference?: boolean;
  datasets: { eval: string; icl: string; train: string };
  workloadType: ResolvedWorkloadType;
  /** Training records, for the expected training time (absent in runs started on older code). */
  trainRecords?: number;
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
 *
 * GPU economics (runs started since GPU_ECONOMICS): the customization leases its own training
 * GPUs, asked for first and held only while it trains; once the base and ICL evaluations are
 * done the NIM is held or released for the rest of the training (gpu_policy.nim_release) and
 * redeployed in time for the customized evaluation.
 */
export async function candidateRun(input: CandidateRunInput): Promise<CandidateResult> {
  const cfg = configArgument(input);
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
  // Since CANDIDATE_FEWER_ROUND_TRIPS progress signals are coalesced: one in flight at a time,
  // the latest state sent once it is delivered (each signal costs the parent a workflow task and
  // this workflow another); the final one goes at once (the parent keeps the highest version).
  let reportInFlight = false;
  let reportDirty = false;
  const report = (final = false) => {
    progress.version++;
    if (!fewer || final) {
      reportToParent(progress);
      return;
    }
    reportDirty = true;
    if (reportInFlight) return;
    reportInFlight = true;
    void (async () => {
      while (reportDirty) {
        reportDirty = false;
        await sendProgressToParent(progress);
      }
      reportInFlight = false;
    })();
  };
  const setStatus = async (status: CandidateProgress['status']) => {
    progress.status = status;
    await quick.markCandidateStatus({ jobId, modelName, status });
    upsertCandidateStatus(status);
    report();
  };

  let deployStarted = false;
  const failures: string[] = [];
  const economics = patched(GPU_ECONOMICS);
  const statusBesideEvals = economics && patched(NIM_STATUS_BESIDE_EVALS);
  const fewer = statusBesideEvals && patched(CANDIDATE_FEWER_ROUND_TRIPS);
  // Since NIM_SHARING: the NIM is one deployment shared with the other runs that need it now.
  const share = fewer && patched(NIM_SHARING) && input.config.gpu_policy.share_nims ? nimShare() : undefined;
  const deployment = share ? { deployment: share.deployment.name } : {};
  /** The NIM's lease is granted (or a share of one): it must be let go of as a share. */
  let nimGranted = false;
  // Since CANDIDATE_FEWER_ROUND_TRIPS: the last status write, awaited before the next one.
  let statusWrite: Promise<void> = Promise.resolve();
  /** The status write runs beside what follows; the next status (and the end) waits for it. */
  const setStatusBeside = (status: CandidateProgress['status']): Promise<void> => {
    const previous = statusWrite;
    statusWrite = (async () => {
      await previous;
      await setStatus(status);
    })();
    statusWrite.catch(() => undefined);
    return statusWrite;
  };
  /** Since CANDIDATE_FEWER_ROUND_TRIPS: the customization's model, known before its training lease is back. */
  let customizedEarly: string | undefined;
  const budget = input.config.gpu_budget;
  const trainingScope = new CancellationScope();
  let customizing: Promise<string | undefined> | undefined;
  let customizationDone = false;
  let trainingHeld = false;
  let trainingQueued = false;
  let trainingStartedAt = 0;

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

  /** The LoRA customization; its customized model, or undefined when it failed or is disabled. */
  const customize = async (): Promise<string | undefined> => {
    if (!candidate.customization_enabled) return undefined;
    progress.customization.status = 'running';
    report();
    try {
      const { customizedModel } = await long.runCustomization({
        jobId,
        workloadId: input.workloadId,
        candidate,
        datasetName: input.datasets.train,
        ...cfg,
        waitServed: false,
      });
      Object.assign(progress.customization, { status: 'completed', progress: 100, customizedModel });
      return customizedModel;
    } catch (err) {
      if (isCancellation(err)) throw err;
      Object.assign(progress.customization, { status: 'failed', error: messageOf(err) });
      failures.push(`customization: ${messageOf(err)}`);
      await quick.recordStepFailure({ jobId, modelName, step: 'customization', error: messageOf(err) });
      const skipped = progress.evaluations.find((e) => e.evalType === 'customized-eval') as EvalProgress;
      skipped.status = 'skipped';
      return undefined;
    } finally {
      report();
    }
  };

  // The regression gate: general benchmarks on the base and the customized model. A benchmark
  // that fails is recorded on its own entry (the gate then says it could not be checked); it
  // never fails the candidate. `gated` is decided after the first deployment, where it always was.
  const benchmarks = benchmarksFor(input.config, candidate);
  let gated = false;
  const runBenchmarks = async (variant: 'base' | 'customized', targetModel: string) => {
    if (!gated) return;
    await Promise.all(
      benchmarks.map((benchmark) =>
        long
          .runGeneralBenchmark({ jobId, modelName, variant, benchmark, targetModel, ...cfg })
          .catch((err: unknown) => {
            if (isCancellation(err)) throw err;
          }),
      ),
    );
  };

  /**
   * Deploys the NIM. Resolves with the `running-evals` status write, which runs beside the
   * evaluations since NIM_STATUS_BESIDE_EVALS: the NIM is up, and a store round trip before its
   * first evaluation is a round trip of GPU idle.
   */
  const deploy = async (): Promise<{ statusWritten: Promise<void> }> => {
    if (fewer) {
      const deploying = setStatusBeside('deploying-nim');
      deployStarted = true;
      await Promise.all([long.deployCandidate({ jobId, candidate, ...cfg, ...deployment }), deploying]);
      return { statusWritten: setStatusBeside('running-evals') };
    }
    await setStatus('deploying-nim');
    deployStarted = true;
    await long.deployCandidate({ jobId, candidate, ...cfg });
    if (statusBesideEvals) {
      const statusWritten = setStatus('running-evals');
      statusWritten.catch(() => undefined);
      return { statusWritten };
    }
    await setStatus('running-evals');
    return { statusWritten: Promise.resolve() };
  };

  try {
    if (candidate.gpus > budget) {
      throw ApplicationFailure.nonRetryable(
        `${modelName} needs ${candidate.gpus} GPUs but gpu_budget is ${budget}`,
        'ConfigError',
      );
    }
    const trainingGpus = candidate.customizer_configs?.gpus ?? 0;
    if (economics && candidate.customization_enabled && trainingGpus > budget) {
      throw ApplicationFailure.nonRetryable(
        `${modelName}'s customization needs ${trainingGpus} GPUs but gpu_budget is ${budget}`,
        'ConfigError',
      );
    }
    if (fewer) setStatusBeside('waiting-for-gpus');
    else await setStatus('waiting-for-gpus');
    // The customization asks for its training GPUs first. Holding them it waits for nothing
    // else, so it always finishes and gives them back (nimDuringTraining covers the NIM side).
    if (economics && candidate.customization_enabled) {
      customizing = trainingScope.run(async () => {
        try {
          await acquireGpus(
            trainingGpus,
            budget,
            `${jobId} ${modelName} training`,
            GPU_PURPOSES.training,
            undefined,
            () => {
              trainingQueued = true;
            },
          );
          trainingHeld = true;
          trainingStartedAt = Date.now();
          const customizedModel = await customize();
          if (fewer) {
            // the customized model is known now; giving the training lease back need not delay it
            customizedEarly = customizedModel;
            customizationDone = true;
          }
          return customizedModel;
        } finally {
          trainingHeld = false;
          customizationDone = true;
          await CancellationScope.nonCancellable(() => releaseGpus(GPU_PURPOSES.training));
        }
      });
      customizing.catch(() => undefined);
      // The NIM queues behind its training lease, never beside it: the two requests are separate
      // activities, and whichever signal reached the ledger first was served first.
      if (patched(GPU_TRAINING_LEASE_FIRST)) await condition(() => trainingQueued || customizationDone);
    }
    await acquireNim();
    const { statusWritten } = await deploy();
    gated = benchmarks.length > 0 && patched(GENERAL_BENCHMARKS);

    if (economics) {
      await economicEvaluations(statusWritten);
    } else {
      // allSettled, not all: on cancellation every branch must finish cancelling its remote job
      // before the deployment underneath it is torn down.
      const settled = await Promise.allSettled([
        evaluate('base-eval', input.datasets.eval, modelName),
        evaluate('icl-eval', input.datasets.icl, modelName),
        legacyCustomizeThenEvaluate(),
        runBenchmarks('base', modelName),
      ]);
      const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (rejected) throw rejected.reason;
    }
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

  /** Base and ICL evaluations; the NIM held or released while the LoRA trains; the customized evaluation. */
  async function economicEvaluations(statusWritten: Promise<void>): Promise<void> {
    // Since CANDIDATE_FEWER_ROUND_TRIPS: a customization that ends while the base and ICL
    // evaluations run has its adapter awaited on the NIM beside them.
    let evalsSettled = false;
    const servedScope = new CancellationScope();
    const servedEarly =
      fewer && customizing
        ? servedScope.run(async () => {
            await condition(() => customizationDone || evalsSettled);
            if (evalsSettled || !customizedEarly) return false;
            await long.waitForModelServed({ model: customizedEarly, ...cfg });
            return true;
          })
        : undefined;
    servedEarly?.catch(() => undefined);
    try {
      await evaluationsAndCustomized(
        statusWritten,
        () => {
          evalsSettled = true;
        },
        servedEarly,
      );
    } finally {
      if (servedEarly) servedScope.cancel();
    }
  }

  async function evaluationsAndCustomized(
    statusWritten: Promise<void>,
    onEvalsSettled: () => void,
    servedEarly: Promise<boolean> | undefined,
  ): Promise<void> {
    const settled = await Promise.allSettled([
      evaluate('base-eval', input.datasets.eval, modelName),
      evaluate('icl-eval', input.datasets.icl, modelName),
      runBenchmarks('base', modelName),
      statusWritten,
    ]);
    onEvalsSettled();
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected) throw rejected.reason;
    if (!customizing) return;
    if (!customizationDone) {
      const expected = expectedTrainingMs(input.config, input.trainRecords ?? 0);
      const decision = nimDuringTraining({
        config: input.config,
        trainingHeld,
        remainingTrainingMs: trainingHeld ? Math.max(0, expected - (Date.now() - trainingStartedAt)) : undefined,
      });
      log.info('NIM while the LoRA trains', { modelName, action: decision.action, why: decision.why });
      if (decision.action === 'release') {
        if (share) await letGoOfSharedNim();
        else {
          await teardown.teardownDeployment({ jobId, candidate, ...cfg });
          deployStarted = false;
          await releaseGpus();
        }
        // Redeploy that long before training is expected to end, so the NIM is back as it ends.
        if (decision.redeployAfterMs > 0) await condition(() => customizationDone, decision.redeployAfterMs);
        else await condition(() => customizationDone);
        if (!customizationDone || (fewer ? customizedEarly : await customizing)) await redeploy();
      }
    }
    let customizedModel: string | undefined;
    if (fewer) {
      await condition(() => customizationDone);
      customizedModel = customizedEarly;
    } else customizedModel = await customizing;
    if (!customizedModel) return;
    try {
      if (!servedEarly || !(await servedEarly)) await long.waitForModelServed({ model: customizedModel, ...cfg });
    } catch (err) {
      if (isCancellation(err)) throw err;
      failures.push(`customized-eval: ${messageOf(err)}`);
      await quick.recordStepFailure({ jobId, modelName, step: 'customized-eval', error: messageOf(err) });
      return;
    }
    await Promise.all([
      evaluate('customized-eval', input.datasets.eval, customizedModel),
      runBenchmarks('customized', customizedModel),
    ]);
  }

  /** Runs started before GPU_ECONOMICS: kept as it was, so their histories replay command for command. */
  async function legacyCustomizeThenEvaluate() {
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
    await Promise.all([
      evaluate('customized-eval', input.datasets.eval, customizedModel),
      runBenchmarks('customized', customizedModel),
    ]);
  }

  async function redeploy(): Promise<void> {
    if (fewer) setStatusBeside('waiting-for-gpus');
    else await setStatus('waiting-for-gpus');
    await acquireNim();
    await (await deploy()).statusWritten;
  }

  async function acquireNim(): Promise<void> {
    await acquireGpus(candidate.gpus, budget, `${jobId} ${modelName}`, GPU_PURPOSES.nim, undefined, undefined, share);
    nimGranted = true;
  }

  /** The NIM of a shared deployment: torn down only by its last user, the lease released after. */
  async function letGoOfSharedNim(beside?: () => Promise<unknown>): Promise<void> {
    if (nimGranted) {
      const last = await releaseNimShare();
      nimGranted = false;
      if (deployStarted || last) {
        await teardown.teardownDeployment({ jobId, candidate, ...cfg, ...deployment, othersStillUseIt: !last });
      }
    }
    deployStarted = false;
    await Promise.all([releaseGpus(), beside?.()]);
  }

  /** The share key and deployment of this candidate's NIM, the same for every run that needs it. */
  function nimShare(): GpuShare {
    const nmp = input.config.nmp_config;
    const tag = candidate.tag ?? 'latest';
    const name = sharedDeploymentName(modelName, tag, candidate.gpus);
    return {
      key: [nmp.nemo_base_url, nmp.nmp_namespace, modelName, tag, candidate.gpus, candidate.pvc_size ?? ''].join('|'),
      deployment: {
        namespace: nmp.nmp_namespace,
        name,
        model: modelName,
        nmpConfig: {
          nemo_base_url: nmp.nemo_base_url,
          nim_base_url: nmp.nim_base_url,
          datastore_base_url: nmp.datastore_base_url,
          nmp_namespace: nmp.nmp_namespace,
        },
      },
    };
  }

  async function finish(status: 'completed' | 'failed' | 'cancelled', error: string | null) {
    if (customizing) {
      // A failed or cancelled candidate stops its training too, and waits for it to let go.
      if (!customizationDone) trainingScope.cancel();
      await customizing.catch(() => undefined);
    }
    if (share) {
      // the last status write lands before the final one, which goes beside the lease's return
      await statusWrite.catch(() => undefined);
      await letGoOfSharedNim(() => quick.finishCandidate({ jobId, modelName, status, error }));
    } else {
      if (deployStarted) await teardown.teardownDeployment({ jobId, candidate, ...cfg });
      if (fewer) {
        // the last status write lands before the final one; the NIM's lease goes back beside it
        await statusWrite.catch(() => undefined);
        await Promise.all([releaseGpus(), quick.finishCandidate({ jobId, modelName, status, error })]);
      } else {
        await releaseGpus();
        await quick.finishCandidate({ jobId, modelName, status, error });
      }
    }
    progress.status = status;
    if (error) progress.error = error;
    upsertCandidateStatus(status);
    report(true);
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

async function sendProgressToParent(progress: CandidateProgress): Promise<void> {
  const parent = workflowInfo().parent;
  if (!parent) return;
  await getExternalWorkflowHandle(parent.workflowId)
    .signal(candidateProgressSignal, structuredCloneProgress(progress))
    .catch(() => undefined);
}

function structuredCloneProgress(p: CandidateProgress): CandidateProgress {
  return JSON.parse(JSON.stringify(p)) as CandidateProgress;
}
