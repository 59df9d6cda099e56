import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { FlywheelConfig } from '../../config/schema';
import { type FlywheelHarness, SAMPLE, testNemo } from '../../test/support/flywheel-harness';
import { silentLogger } from '../../test/support/temporal';

// The Data Flywheel Blueprint's schedule, driven through the flywheel's own activities (the same
// NeMo calls, on the same emulator) outside Temporal: one run at a time, and inside a run one
// candidate at a time, each as the Blueprint's task DAG orders it: deploy the NIM, base and ICL
// evaluations in parallel, then the LoRA customization (the NIM stays up), the customized
// evaluation, shut the NIM down. The Blueprint has no GPU budget: it holds what this order needs.

export interface BlueprintRun {
  jobId: string;
  status: 'completed' | 'failed';
  error?: string;
}

export async function runBlueprintJob(h: FlywheelHarness, jobId: string, configName: string): Promise<BlueprintRun> {
  const acts = createActivities({
    results: h.results,
    temporal: h.env.client,
    taskQueue: h.taskQueue,
    gpuLedgerId: h.gpuLedgerId,
    elasticsearch: h.elasticsearch,
    logIndex: h.logIndex,
    loadConfig: (name = 'default') => h.configs.get(name) as FlywheelConfig,
    nemo: testNemo,
  });
  const env = new MockActivityEnvironment(undefined, { logger: silentLogger });
  const call = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> => env.run(fn, ...args);
  try {
    const { config } = await call(acts.initializeRun, {
      jobId,
      workloadId: SAMPLE.workloadId,
      clientId: SAMPLE.clientId,
      configName,
      workflowId: `blueprint-${jobId}`,
    });
    const built = await call(acts.createDatasets, {
      jobId,
      workloadId: SAMPLE.workloadId,
      clientId: SAMPLE.clientId,
      config,
    });
    for (const candidate of config.nims) {
      const modelName = candidate.model_name;
      const evaluate = (evalType: 'base-eval' | 'icl-eval' | 'customized-eval', datasetName: string, target: string) =>
        call(acts.runEvaluation, {
          jobId,
          modelName,
          evalType,
          datasetName,
          targetModel: target,
          workloadType: built.workloadType,
          config,
        });
      await call(acts.deployCandidate, { jobId, candidate, config });
      try {
        await Promise.all([
          evaluate('base-eval', built.datasets.eval, modelName),
          evaluate('icl-eval', built.datasets.icl, modelName),
        ]);
        const { customizedModel } = await call(acts.runCustomization, {
          jobId,
          workloadId: SAMPLE.workloadId,
          candidate,
          datasetName: built.datasets.train,
          config,
        });
        await evaluate('customized-eval', built.datasets.eval, customizedModel);
      } finally {
        await call(acts.teardownDeployment, { jobId, candidate, config });
      }
    }
    return { jobId, status: 'completed' };
  } catch (err) {
    return { jobId, status: 'failed', error: (err as Error).message };
  }
}
