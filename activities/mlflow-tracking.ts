import type { FlywheelConfig } from '../config/schema';
import { MlflowClient, type MlflowRun, type MlflowRunStatus, type MlflowTag } from '../observability/mlflow-client';
import type { ResultsStore } from '../stores/results/results-store';
import type { FlywheelRunDoc, NimRunDoc } from '../stores/results/schema';

// A run mirrored into MLflow: an experiment per workload, a run per job, a nested run per
// candidate and, under it, one per evaluation with its scores (and their confidence intervals
// when the run's decision has them). Every MLflow object is found again by its `flywheel.key`
// tag before one is created, and only missing params and changed metrics are written, so a
// retried activity writes nothing twice.

export const MLFLOW_TAGS = {
  key: 'flywheel.key',
  jobId: 'flywheel.job_id',
  parent: 'mlflow.parentRunId',
} as const;

export const experimentName = (clientId: string, workloadId: string) => `flywheel/${clientId}/${workloadId}`;

const STATUS: Record<string, MlflowRunStatus> = {
  completed: 'FINISHED',
  failed: 'FAILED',
  cancelled: 'KILLED',
  pending: 'RUNNING',
  running: 'RUNNING',
};

/** Param values MLflow accepts (6000 characters); never a value under a secret-looking key. */
const MAX_PARAM = 6000;
const SECRET = /key$|token|secret|password/i;

export function flattenParams(value: unknown, prefix: string, out: MlflowTag[] = []): MlflowTag[] {
  if (value === null || value === undefined) return out;
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (!SECRET.test(k)) flattenParams(v, prefix ? `${prefix}.${k}` : k, out);
    }
    return out;
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  out.push({ key: prefix, value: text.slice(0, MAX_PARAM) });
  return out;
}

export interface MlflowTrackingDeps {
  results: ResultsStore;
  /** The tracking server; unset, MLflow tracking is off and these activities do nothing. */
  mlflowUri?: string;
}

export function createMlflowActivities({ results, mlflowUri }: MlflowTrackingDeps) {
  return {
    /**
     * Writes the run's state so far to MLflow (called as the run finalizes; safe to call again
     * at any point). Fills each evaluation's `mlflow_uri`. Returns the job run's UI URL.
     */
    async trackRunInMlflow(input: { jobId: string; config: FlywheelConfig }): Promise<{ url: string | null }> {
      if (!mlflowUri) return { url: null };
      const run = await results.getRun(input.jobId);
      if (!run) return { url: null };
      const client = new MlflowClient(mlflowUri);
      const tracker = new RunTracker(client, run);
      const url = await tracker.track(input.config, results);
      return { url };
    },
  };
}

/** Soft-deletes a job's MLflow runs, and its workload's experiment once no run is left in it. */
export async function deleteMlflowRuns(mlflowUri: string, run: FlywheelRunDoc): Promise<string[]> {
  const client = new MlflowClient(mlflowUri);
  const experiment = await client.experimentByName(experimentName(run.client_id, run.workload_id));
  if (experiment?.lifecycle_stage !== 'active') return [];
  const deleted: string[] = [];
  for (const r of await client.runsTagged(experiment.experiment_id, MLFLOW_TAGS.jobId, run._id)) {
    await client.deleteRun(r.info.run_id);
    deleted.push(`mlflow run ${r.info.run_id}`);
  }
  if ((await client.searchRuns(experiment.experiment_id)).length === 0) {
    await client.deleteExperiment(experiment.experiment_id);
    deleted.push(`mlflow experiment ${experiment.experiment_id}`);
  }
  return deleted;
}

class RunTracker {
  private experimentId = '';
  private existing = new Map<string, MlflowRun>();

  constructor(
    private readonly client: MlflowClient,
    private readonly run: FlywheelRunDoc,
  ) {}

  async track(config: FlywheelConfig, results: ResultsStore): Promise<string> {
    const { run, client } = this;
    this.experimentId = await client.ensureExperiment(experimentName(run.client_id, run.workload_id), [
      { key: 'flywheel.workload_id', value: run.workload_id },
      { key: 'flywheel.client_id', value: run.client_id },
    ]);
    for (const r of await client.runsTagged(this.experimentId, MLFLOW_TAGS.jobId, run._id)) {
      const key = r.data?.tags?.find((t) => t.key === MLFLOW_TAGS.key)?.value;
      if (key) this.existing.set(key, r);
    }

    const jobRun = await this.ensure(run._id, `job ${run._id}`, run.started_at, undefined);
    await this.write(jobRun, {
      params: [
        { key: 'workload_id', value: run.workload_id },
        { key: 'client_id', value: run.client_id },
        { key: 'config_name', value: run.config_name ?? 'default' },
        { key: 'num_records', value: String(run.num_records) },
        ...run.datasets.map((d) => ({ key: `dataset_records.${d.name}`, value: String(d.num_records) })),
        ...flattenParams(config, 'config'),
      ],
      tags: [
        { key: 'flywheel.status', value: run.status },
        { key: 'flywheel.workflow_id', value: run.workflow_id },
      ],
      metrics: { candidates_failed: run.candidates_failed },
      at: run.finished_at ?? run.started_at,
      status: run.status,
      endTime: run.finished_at,
    });

    const steps = await results.getRunSteps(run);
    const intervals = new Map(
      (run.decision?.candidates ?? []).map((c) => [`${c.model}:${c.eval_type}`, c.scores] as const),
    );
    for (const nim of steps.nims) {
      const nimRun = await this.ensure(`${run._id}:${nim.model_name}`, nim.model_name, nim.started_at, jobRun);
      await this.writeCandidate(nimRun, nim, config);
      for (const e of steps.evaluations.filter((x) => x.nim_id === nim._id)) {
        const evalRun = await this.ensure(e._id, `${nim.model_name} ${e.eval_type}`, e.started_at, nimRun);
        const metrics: Record<string, number> = { ...e.scores, runtime_seconds: e.runtime_seconds };
        for (const [k, s] of Object.entries(intervals.get(`${nim.model_name}:${e.eval_type}`) ?? {})) {
          Object.assign(metrics, { [`${k}.low`]: s.low, [`${k}.high`]: s.high });
        }
        await this.write(evalRun, {
          params: [
            { key: 'model_name', value: nim.model_name },
            { key: 'eval_type', value: e.eval_type },
            ...(e.job_id ? [{ key: 'nemo_evaluation_job', value: e.job_id }] : []),
          ],
          tags: [{ key: 'flywheel.status', value: e.status }],
          metrics,
          at: e.finished_at ?? e.started_at,
          status: e.status,
          endTime: e.finished_at,
        });
        const url = client.runUrl(this.experimentId, evalRun.info.run_id);
        if (e.mlflow_uri !== url) await results.setEvaluationMlflowUri(run._id, e._id, url);
      }
    }
    return client.runUrl(this.experimentId, jobRun.info.run_id);
  }

  private async writeCandidate(nimRun: MlflowRun, nim: NimRunDoc, config: FlywheelConfig) {
    const nimConfig = config.nims.find((n) => n.model_name === nim.model_name);
    await this.write(nimRun, {
      params: flattenParams(nimConfig ?? { model_name: nim.model_name }, ''),
      tags: [{ key: 'flywheel.status', value: nim.status }],
      metrics: { runtime_seconds: nim.runtime_seconds },
      at: nim.finished_at ?? nim.started_at ?? new Date(0),
      status: nim.status,
      endTime: nim.finished_at,
    });
  }

  /** The run with this key: the one found by its tag, else a new one (nested under `parent`). */
  private async ensure(key: string, name: string, start: Date | null, parent: MlflowRun | undefined) {
    const found = this.existing.get(key);
    if (found) return found;
    const created = await this.client.createRun({
      experimentId: this.experimentId,
      runName: name,
      startTime: (start ?? new Date()).getTime(),
      tags: [
        { key: MLFLOW_TAGS.key, value: key },
        { key: MLFLOW_TAGS.jobId, value: this.run._id },
        ...(parent ? [{ key: MLFLOW_TAGS.parent, value: parent.info.run_id }] : []),
      ],
    });
    this.existing.set(key, created);
    return created;
  }

  /** Params not yet on the run, metrics and tags whose latest value differs, and the run's status. */
  private async write(
    target: MlflowRun,
    w: {
      params: MlflowTag[];
      tags: MlflowTag[];
      metrics: Record<string, number>;
      at: Date;
      status: string;
      endTime: Date | null;
    },
  ) {
    const have = new Map((target.data?.params ?? []).map((p) => [p.key, p.value]));
    const latest = new Map((target.data?.metrics ?? []).map((m) => [m.key, m.value]));
    const tagged = new Map((target.data?.tags ?? []).map((t) => [t.key, t.value]));
    const params = dedupe(w.params).filter((p) => !have.has(p.key));
    const tags = w.tags.filter((t) => tagged.get(t.key) !== t.value);
    const metrics = Object.entries(w.metrics)
      .filter(([k, v]) => Number.isFinite(v) && latest.get(k) !== v)
      .map(([key, value]) => ({ key, value, timestamp: w.at.getTime(), step: 0 }));
    if (params.length + metrics.length + tags.length > 0) {
      await this.client.logBatch(target.info.run_id, { params, metrics, tags });
    }
    const status = STATUS[w.status] ?? 'RUNNING';
    if (status !== target.info.status) {
      await this.client.updateRun(target.info.run_id, status, status === 'RUNNING' ? undefined : w.endTime?.getTime());
    }
  }
}

function dedupe(params: MlflowTag[]): MlflowTag[] {
  return [...new Map(params.map((p) => [p.key, p])).values()];
}
