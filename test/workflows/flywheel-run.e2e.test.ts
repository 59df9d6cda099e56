import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { loadLogs } from '../../stores/log-loader';
import { progressQuery } from '../../workflows/contract';
import { FlywheelHarness, MODELS, SAMPLE } from '../support/flywheel-harness';
import { recordHistory } from '../support/flywheel-histories';

// Exercises: activities/index.ts, activities/customization-job.ts, activities/evaluation-job.ts, activities/judge.ts, activities/run-lifecycle.ts, activities/load-stats.ts (reached through the API or a worker, so no import names them)
// Exercises: workflows/candidate-run.ts, workflows/activity-options.ts, workflows/delete-run.ts (run by the test's worker in Temporal's workflow sandbox, so no import names them)
// Exercises: activities/deletion.ts (run by the harness's worker when a finished run is deleted)

// Full runs on the real Temporal dev server, Elasticsearch and MongoDB, against the NeMo
// emulator, through the same NeMo client as production.

const TOOL_CALLING_SCORES = ['function_name', 'function_name_and_args_accuracy', 'tool_calling_correctness'];

describe('flywheel run, end to end', () => {
  const h = new FlywheelHarness({ timeScale: 0.01 });
  beforeAll(() => h.start(), 120_000);
  afterAll(() => h.close());
  let fullRunJob: string | undefined;
  let namedRunJob: string | undefined;

  test('a full run evaluates every candidate three ways and customizes each, in Blueprint-shaped documents', async () => {
    const handle = await h.startRun();
    const jobId = handle.workflowId.replace('flywheel-', '');
    const result = await h.result(handle);
    expect(result).toEqual({ jobId, status: 'completed', candidatesFailed: 0 });

    const docs = await h.documents(jobId);
    expect(docs.run).toMatchObject({
      _id: jobId,
      workload_id: SAMPLE.workloadId,
      client_id: SAMPLE.clientId,
      status: 'completed',
      error: null,
      nims: [],
      candidates_total: 2,
      candidates_failed: 0,
    });
    expect(docs.run?.finished_at).toBeInstanceOf(Date);
    expect(docs.run?.num_records).toBeGreaterThan(0);
    expect(docs.run?.datasets.map((d) => d.name).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^flywheel-eval-/), expect.stringMatching(/^flywheel-icl-/)]),
    );
    expect(docs.run?.datasets).toHaveLength(3);
    expect(docs.judge).toMatchObject({ deployment_type: 'remote', deployment_status: 'ready', error: null });

    expect(docs.nims.map((n) => n.model_name).sort()).toEqual(MODELS.slice(0, 2).sort());
    for (const nim of docs.nims) {
      expect(nim).toMatchObject({ status: 'completed', deployment_status: 'deleted', error: null, evaluations: [] });
      expect(nim.started_at).toBeInstanceOf(Date);
      expect(nim.finished_at).toBeInstanceOf(Date);
      expect(nim.runtime_seconds).toBeGreaterThan(0);
    }

    expect(docs.evaluations).toHaveLength(6);
    for (const evaluation of docs.evaluations) {
      expect(evaluation).toMatchObject({ status: 'completed', progress: 100, error: null });
      expect(evaluation.job_id).toEqual(expect.any(String));
      expect(evaluation.nmp_uri).toContain(`/v1/evaluation/jobs/${evaluation.job_id}`);
      expect(Object.keys(evaluation.scores).sort()).toEqual([...TOOL_CALLING_SCORES].sort());
      for (const score of Object.values(evaluation.scores)) {
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(1);
      }
    }
    expect(docs.evaluations.map((e) => e.eval_type).sort()).toEqual([
      'base-eval',
      'base-eval',
      'customized-eval',
      'customized-eval',
      'icl-eval',
      'icl-eval',
    ]);

    expect(docs.customizations).toHaveLength(2);
    for (const c of docs.customizations) {
      expect(c).toMatchObject({ status: 'completed', progress: 100, error: null, workload_id: SAMPLE.workloadId });
      expect(c.customized_model).toMatch(/^dfwbp\/customized-/);
      expect(c.epochs_completed).toBe(h.config().training_config.epochs);
      expect(c.nmp_uri).toContain(c.job_id as string);
    }

    // Each remote thing was created exactly once, and nothing is left deployed.
    const counters = await h.counters();
    const ours = (created: Record<string, number>) => Object.entries(created).filter(([name]) => name.includes(jobId));
    expect(ours(counters.created.evaluation_jobs)).toHaveLength(6);
    expect(ours(counters.created.customization_jobs)).toHaveLength(2);
    for (const [, n] of [...ours(counters.created.evaluation_jobs), ...ours(counters.created.customization_jobs)]) {
      expect(n).toBe(1);
    }
    expect(counters.live_deployments).toEqual([]);

    // Operators see the same in Temporal: progress query, search attributes, memo.
    const progress = await handle.query(progressQuery);
    expect(progress.phase).toBe('completed');
    expect(progress.candidates.every((c) => c.status === 'completed')).toBe(true);
    const description = await handle.describe();
    expect(description.searchAttributes).toMatchObject({
      WorkloadId: [SAMPLE.workloadId],
      ClientId: [SAMPLE.clientId],
      FlywheelStatus: ['completed'],
    });
    expect(description.memo).toMatchObject({ config_name: 'default' });

    await recordHistory(h, handle.workflowId, 'full-run');
    fullRunJob = jobId;
  });

  test('deleting a finished run removes its NeMo artifacts, then its documents', async () => {
    const jobId = fullRunJob as string;
    const before = await h.documents(jobId);
    const deleted = await h.env.client.workflow.execute('deleteRun', {
      taskQueue: h.taskQueue,
      workflowId: `flywheel-delete-${jobId}`,
      args: [{ jobId }],
    });
    expect(deleted).toMatchObject({ jobId, failed: [], documentsDeleted: true });
    const models = before.customizations.map((c) => `model ${c.customized_model}`);
    const evalJobs = before.evaluations.map((e) => `evaluation job ${e.job_id}`);
    const datasets = (before.run?.datasets ?? []).map((d) => `dataset dfwbp/${d.name}`);
    expect([...deleted.deleted].sort()).toEqual([...models, ...evalJobs, ...datasets].sort());

    for (const e of before.evaluations) {
      expect((await fetch(`${h.emulator.url}/v1/evaluation/jobs/${e.job_id}`)).status).toBe(404);
    }
    for (const c of before.customizations) {
      expect((await fetch(`${h.emulator.url}/v1/models/${c.customized_model}`)).status).toBe(404);
    }
    for (const d of before.run?.datasets ?? []) {
      expect((await fetch(`${h.emulator.url}/v1/datasets/dfwbp/${d.name}`)).status).toBe(404);
    }
    const after = await h.documents(jobId);
    expect(after).toEqual({ run: null, nims: [], evaluations: [], customizations: [], judge: null });
    await recordHistory(h, `flywheel-delete-${jobId}`, 'deletion');
  });

  test('a run with a named config and a per-job split override uses both', async () => {
    h.configs.set('one-model', h.config({ models: [MODELS[2] as string], customize: false }));
    const handle = await h.startRun({ configName: 'one-model', dataSplitConfig: { eval_size: 5 } });
    const jobId = handle.workflowId.replace('flywheel-', '');
    expect(await h.result(handle)).toMatchObject({ status: 'completed', candidatesFailed: 0 });
    const docs = await h.documents(jobId);
    expect(docs.run).toMatchObject({ config_name: 'one-model', candidates_total: 1 });
    expect(docs.nims.map((n) => n.model_name)).toEqual([MODELS[2]]);
    expect(docs.customizations).toEqual([]);
    expect(docs.evaluations.map((e) => e.eval_type).sort()).toEqual(['base-eval', 'icl-eval']);
    const evalSet = docs.run?.datasets.find((d) => d.name.startsWith('flywheel-eval-'));
    expect(evalSet?.num_records).toBe(5);
    expect((await handle.describe()).memo).toMatchObject({ config_name: 'one-model' });
    namedRunJob = jobId;
  });

  test('an artifact that cannot be deleted is reported and the documents are kept until a retry succeeds', async () => {
    const jobId = namedRunJob as string;
    const deleteRun = (attempt: number) =>
      h.env.client.workflow.execute('deleteRun', {
        taskQueue: h.taskQueue,
        workflowId: `flywheel-delete-${jobId}-${attempt}`,
        args: [{ jobId }],
      });
    await h.setFaults({ routes: { 'DELETE /v1/evaluation/jobs/{id}': { error_5xx_rate: 1 } } });
    const first = await deleteRun(1);
    await h.clearFaults();
    expect(first.documentsDeleted).toBe(false);
    expect(first.failed.map((f: { artifact: string }) => f.artifact)).toEqual([
      expect.stringMatching(/^evaluation job eval-/),
      expect.stringMatching(/^evaluation job eval-/),
    ]);
    expect(first.deleted.filter((d: string) => d.startsWith('dataset '))).toHaveLength(3);
    const kept = await h.documents(jobId);
    expect(kept.evaluations).toHaveLength(2);
    expect(kept.run?.error).toMatch(/^deletion incomplete: evaluation job eval-/);

    const second = await deleteRun(2);
    expect(second).toMatchObject({ failed: [], documentsDeleted: true });
    expect((await h.documents(jobId)).run).toBeNull();
  });

  test('a local judge is deployed for the run and torn down at its end', async () => {
    h.configs.set('local-judge', {
      ...h.config({ models: [MODELS[0] as string], customize: false, gpuBudget: 5 }),
      llm_judge_config: {
        deployment_type: 'local',
        model_name: 'meta/llama-3.3-70b-instruct',
        context_length: 32768,
        gpus: 4,
        registry_base: 'nvcr.io/nim',
      },
    });
    const handle = await h.startRun({ configName: 'local-judge' });
    const jobId = handle.workflowId.replace('flywheel-', '');
    expect(await h.result(handle)).toMatchObject({ status: 'completed', candidatesFailed: 0 });
    const docs = await h.documents(jobId);
    expect(docs.judge).toMatchObject({ deployment_type: 'local', deployment_status: 'deleted', error: null });
    expect(docs.evaluations.every((e) => e.status === 'completed')).toBe(true);
    const counters = await h.counters();
    const deployed = Object.keys(counters.created.deployments).filter((d) => d.includes(jobId.slice(-8)));
    expect(deployed.some((d) => d.includes('llama-3-3-70b'))).toBe(true);
    expect(counters.live_deployments).toEqual([]);
    await recordHistory(h, handle.workflowId, 'local-judge');
  });

  test('too little data fails the run with a clear dataset error and no deployment', async () => {
    const handle = await h.startRun({ workloadId: 'no-such-workload' });
    const jobId = handle.workflowId.replace('flywheel-', '');
    const result = await h.result(handle);
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/^Error creating datasets: /);
    const docs = await h.documents(jobId);
    expect(docs.run).toMatchObject({ status: 'failed', error: result.error });
    expect(docs.nims.every((n) => n.status === 'failed' && n.finished_at instanceof Date)).toBe(true);
    const counters = await h.counters();
    expect(Object.keys(counters.created.deployments).filter((d) => d.includes(jobId.slice(-8)))).toEqual([]);
    await recordHistory(h, handle.workflowId, 'dataset-failure');
  });

  test('a run that failed for lack of logs completes when reset after the logs are loaded', async () => {
    h.configs.set('single', h.config({ models: [MODELS[0] as string], customize: false }));
    const workloadId = `late-logs-${randomUUID().slice(0, 8)}`;
    const failed = await h.startRun({ workloadId, configName: 'single' });
    const jobId = failed.workflowId.replace('flywheel-', '');
    expect(await h.result(failed)).toMatchObject({ status: 'failed' });

    await loadLogs({
      elasticsearch: h.elasticsearch,
      index: h.logIndex,
      source: createReadStream(SAMPLE.file),
      workloadId,
      clientId: SAMPLE.clientId,
    });
    await h.elasticsearch.indices.refresh({ index: h.logIndex });

    const { handle: retried, runId } = await h.resetToStart(failed, 'logs are loaded now');
    expect(await h.result(retried)).toMatchObject({ jobId, status: 'completed', candidatesFailed: 0 });
    const docs = await h.documents(jobId);
    expect(docs.run).toMatchObject({ status: 'completed', error: null, workflow_run_id: runId });
    expect(docs.nims.map((n) => n.status)).toEqual(['completed']);
    expect(docs.evaluations.map((e) => e.status)).toEqual(['completed', 'completed']);
  });
});
