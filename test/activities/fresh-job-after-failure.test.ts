import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCustomizationActivities } from '../../activities/customization';
import { type CreateDatasetsResult, createDatasetActivities } from '../../activities/datasets';
import { createDeploymentActivities } from '../../activities/deployment';
import { createEvaluationActivities } from '../../activities/evaluation';
import { customizationJobKey, evaluationJobKey } from '../../activities/naming';
import { FlywheelHarness, MODELS, SAMPLE, testNemo } from '../support/flywheel-harness';
import { silentLogger } from '../support/temporal';

// Issue 15: once a candidate's remote job FAILED, a retry in a new workflow run (a reset, a
// re-run of the job) must make a fresh job instead of resuming the failed one by its fixed
// key; within the same run the failed job is found again (and reported), never duplicated.

describe('a fresh remote job after a failed one', () => {
  const h = new FlywheelHarness({ timeScale: 0.005, worker: false });
  beforeAll(() => h.start(), 120_000);
  afterAll(() => h.close());

  const model = MODELS[0] as string;
  const envFor = (runId: string) =>
    new MockActivityEnvironment(
      { workflowExecution: { workflowId: 'flywheel-test', runId } },
      { logger: silentLogger },
    );

  test('customization and evaluation: same run resumes the failed job, a new run makes one more', async () => {
    const config = h.config({ models: [model] });
    const jobId = randomBytes(12).toString('hex');
    await h.results.createRun({
      _id: jobId,
      workload_id: SAMPLE.workloadId,
      client_id: SAMPLE.clientId,
      workflow_id: `wf-${jobId}`,
    });
    const datasets = createDatasetActivities({
      elasticsearch: h.elasticsearch,
      logIndex: h.logIndex,
      results: h.results,
      nemo: testNemo,
    });
    const built: CreateDatasetsResult = await envFor('run-a').run(datasets.createDatasets, {
      jobId,
      workloadId: SAMPLE.workloadId,
      clientId: SAMPLE.clientId,
      config,
    });
    const customize = createCustomizationActivities({ results: h.results, nemo: testNemo });
    const evaluate = createEvaluationActivities({ results: h.results, nemo: testNemo });
    const customizationInput = {
      jobId,
      workloadId: SAMPLE.workloadId,
      candidate: config.nims[0] as (typeof config.nims)[number],
      datasetName: built.datasets.train,
      config,
    };
    const evaluationInput = {
      jobId,
      modelName: model,
      evalType: 'base-eval' as const,
      datasetName: built.datasets.eval,
      targetModel: 'meta/llama-3.3-70b-instruct', // always served: no deployment needed
      workloadType: 'tool_calling' as const,
      config,
    };

    await h.setFaults({ customization: { fail: [model.split('/')[1] as string] }, evaluation: { fail: true } });
    await expect(envFor('run-a').run(customize.runCustomization, customizationInput)).rejects.toThrow(
      /CUDA out of memory/,
    );
    await expect(envFor('run-a').run(evaluate.runEvaluation, evaluationInput)).rejects.toThrow(/evaluation failed/);
    // the same run again (an activity retry): the failed jobs are found again, not recreated
    await expect(envFor('run-a').run(customize.runCustomization, customizationInput)).rejects.toThrow(
      /CUDA out of memory/,
    );
    await expect(envFor('run-a').run(evaluate.runEvaluation, evaluationInput)).rejects.toThrow(/evaluation failed/);
    await h.clearFaults();

    // a new workflow run (what a reset makes): fresh jobs that complete (the adapter is served
    // next to its deployed base model)
    const deployments = createDeploymentActivities({ results: h.results, nemo: testNemo });
    await envFor('run-b').run(deployments.deployCandidate, { jobId, candidate: customizationInput.candidate, config });
    const { customizedModel }: { customizedModel: string } = await envFor('run-b').run(
      customize.runCustomization,
      customizationInput,
    );
    expect(customizedModel).toMatch(/@cust-/);
    const { scores }: { scores: Record<string, number> } = await envFor('run-b').run(
      evaluate.runEvaluation,
      evaluationInput,
    );
    expect(Object.keys(scores).sort()).toEqual([
      'function_name',
      'function_name_and_args_accuracy',
      'tool_calling_correctness',
    ]);
    // and a retry within run b resumes its completed job instead of making a third
    await envFor('run-b').run(evaluate.runEvaluation, evaluationInput);

    const created = (await h.counters()).created;
    const cust = customizationJobKey(jobId, model);
    const evalKey = evaluationJobKey(jobId, model, 'base-eval');
    expect(created.customization_jobs).toEqual({ [cust]: 1, [`${cust}~run-b`]: 1 });
    expect(Object.fromEntries(Object.entries(created.evaluation_jobs).filter(([k]) => k.startsWith(evalKey)))).toEqual({
      [evalKey]: 1,
      [`${evalKey}~run-b`]: 1,
    });
  }, 180_000);
});
