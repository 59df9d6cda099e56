import { createMlflowActivities, experimentName } from '../../activities/mlflow-tracking';
import { freePort } from '../chaos/private-servers';
import { FlywheelHarness, MODELS, SAMPLE } from '../support/flywheel-harness';
import { type MlflowServer, startMlflow } from '../support/mlflow';

// Exercises: observability/mlflow-client.ts (called by the MLflow activities this file runs against a real MLflow)

// A full run tracked into a real MLflow tracking server (scripts/mlflow.sh), read back through
// MLflow's own REST API: the workload's experiment, the job's run with nested candidate and
// evaluation runs, their params and metrics, each evaluation's mlflow_uri; tracking again
// writes nothing twice; deleting the job removes its runs.

type Tag = { key: string; value: string };
type Run = {
  info: { run_id: string; status: string; lifecycle_stage: string };
  data: { params?: Tag[]; metrics?: { key: string; value: number }[]; tags?: Tag[] };
};

const tag = (r: Run, key: string) => r.data.tags?.find((t) => t.key === key)?.value;
const param = (r: Run, key: string) => r.data.params?.find((t) => t.key === key)?.value;
const metric = (r: Run, key: string) => r.data.metrics?.find((m) => m.key === key)?.value;

describe('MLflow tracking of a run', () => {
  let mlflow: MlflowServer;
  let h: FlywheelHarness;
  let jobId: string;
  let experimentId: string;
  const model = MODELS[0] as string;

  const runsOfJob = async (view = 'ACTIVE_ONLY') =>
    (
      await mlflow.api<{ runs?: Run[] }>('runs/search', {
        experiment_ids: [experimentId],
        filter: `tags.\`flywheel.job_id\` = '${jobId}'`,
        run_view_type: view,
        max_results: 1000,
      })
    ).runs ?? [];

  beforeAll(async () => {
    // The server starts (tens of seconds) while the harness loads logs and bundles workflows.
    const port = await freePort();
    h = new FlywheelHarness({ timeScale: 0.01, mlflowUri: `http://127.0.0.1:${port}` });
    [mlflow] = await Promise.all([startMlflow(port), h.start()]);
    h.configs.set('default', h.config({ models: [model], customize: false }));
    const handle = await h.startRun();
    const result = await h.result(handle);
    expect(result.status).toBe('completed');
    jobId = result.jobId;
    const found = await mlflow.api<{ experiment: { experiment_id: string } }>('experiments/get-by-name', undefined, {
      experiment_name: experimentName(SAMPLE.clientId, SAMPLE.workloadId),
    });
    experimentId = found.experiment.experiment_id;
  }, 600_000);

  afterAll(async () => {
    await h?.close();
    await mlflow?.close();
  });

  test('the job is a run of its workload experiment, with a nested run per candidate and per evaluation', async () => {
    const runs = await runsOfJob();
    const docs = await h.documents(jobId);
    const byKey = new Map(runs.map((r) => [tag(r, 'flywheel.key'), r]));
    const jobRun = byKey.get(jobId) as Run;
    expect(jobRun).toBeDefined();
    expect(tag(jobRun, 'mlflow.parentRunId')).toBeUndefined();
    expect(jobRun.info.status).toBe('FINISHED');
    expect(param(jobRun, 'workload_id')).toBe(SAMPLE.workloadId);
    expect(param(jobRun, 'num_records')).toBe(String(docs.run?.num_records));
    expect(Number(param(jobRun, 'num_records'))).toBeGreaterThan(0);
    for (const d of docs.run?.datasets ?? [])
      expect(param(jobRun, `dataset_records.${d.name}`)).toBe(String(d.num_records));
    expect(param(jobRun, 'config.data_split_config.eval_size')).toBe('10');
    expect(param(jobRun, `config.nims.0`)).toBeUndefined(); // arrays are one JSON param
    expect(JSON.parse(param(jobRun, 'config.nims') as string)[0].model_name).toBe(model);

    const candidateRun = byKey.get(`${jobId}:${model}`) as Run;
    expect(tag(candidateRun, 'mlflow.parentRunId')).toBe(jobRun.info.run_id);
    expect(param(candidateRun, 'model_name')).toBe(model);

    expect(docs.evaluations.map((e) => e.eval_type).sort()).toEqual(['base-eval', 'icl-eval']);
    const decision = docs.run?.decision?.candidates ?? [];
    for (const e of docs.evaluations) {
      const evalRun = byKey.get(e._id) as Run;
      expect(tag(evalRun, 'mlflow.parentRunId')).toBe(candidateRun.info.run_id);
      expect(param(evalRun, 'eval_type')).toBe(e.eval_type);
      expect(evalRun.info.status).toBe('FINISHED');
      expect(Object.keys(e.scores).length).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(e.scores)) expect(metric(evalRun, k)).toBeCloseTo(v, 10);
      const intervals = decision.find((c) => c.model === model && c.eval_type === e.eval_type)?.scores ?? {};
      expect(Object.keys(intervals).length).toBeGreaterThan(0);
      for (const [k, s] of Object.entries(intervals)) {
        expect(metric(evalRun, `${k}.low`)).toBeCloseTo(s.low, 10);
        expect(metric(evalRun, `${k}.high`)).toBeCloseTo(s.high, 10);
        expect(s.low).toBeLessThanOrEqual(metric(evalRun, k) as number);
      }
      expect(e.mlflow_uri).toBe(`${mlflow.url}/#/experiments/${experimentId}/runs/${evalRun.info.run_id}`);
    }
    expect(runs).toHaveLength(1 + 1 + docs.evaluations.length);
  });

  test('tracking again (a retried activity) creates no run and logs no metric twice', async () => {
    const before = await runsOfJob();
    const { trackRunInMlflow } = createMlflowActivities({ results: h.results, mlflowUri: mlflow.url });
    const config = h.configs.get('default');
    if (!config) throw new Error('no config');
    await trackRunInMlflow({ jobId, config });
    await trackRunInMlflow({ jobId, config });
    const after = await runsOfJob();
    expect(after.map((r) => r.info.run_id).sort()).toEqual(before.map((r) => r.info.run_id).sort());
    const evalRun = after.find((r) => param(r, 'eval_type') === 'base-eval') as Run;
    for (const m of evalRun.data.metrics ?? []) {
      const history = await mlflow.api<{ metrics: unknown[] }>('metrics/get-history', undefined, {
        run_id: evalRun.info.run_id,
        metric_key: m.key,
      });
      expect(history.metrics).toHaveLength(1);
    }
  });

  test("deleting the job deletes its MLflow runs and the workload's emptied experiment", async () => {
    const before = await runsOfJob();
    const deleted = await h.env.client.workflow.execute('deleteRun', {
      taskQueue: h.taskQueue,
      workflowId: `flywheel-delete-${jobId}`,
      args: [{ jobId }],
    });
    expect(deleted).toMatchObject({ jobId, failed: [], documentsDeleted: true });
    expect(deleted.deleted).toEqual(
      expect.arrayContaining([
        ...before.map((r) => `mlflow run ${r.info.run_id}`),
        `mlflow experiment ${experimentId}`,
      ]),
    );
    expect(await runsOfJob()).toEqual([]);
    const gone = await runsOfJob('DELETED_ONLY');
    expect(gone).toHaveLength(before.length);
    const experiment = await mlflow.api<{ experiment: { lifecycle_stage: string } }>('experiments/get', undefined, {
      experiment_id: experimentId,
    });
    expect(experiment.experiment.lifecycle_stage).toBe('deleted');
  });
});
