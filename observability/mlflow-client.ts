import { z } from 'zod';

// MLflow's tracking REST API (/api/2.0/mlflow/...), the calls Flywheel makes, typed at the
// boundary with zod. npm's only MLflow client is a one-person package without types for these
// responses, so this small module talks to the server directly.

export class MlflowError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: string | undefined,
  ) {
    super(message);
    this.name = 'MlflowError';
  }
}

const Tag = z.object({ key: z.string(), value: z.string() });
export type MlflowTag = z.infer<typeof Tag>;

const Experiment = z.object({
  experiment_id: z.string(),
  name: z.string(),
  lifecycle_stage: z.string(),
  tags: z.array(Tag).optional(),
});
export type MlflowExperiment = z.infer<typeof Experiment>;

const Metric = z.object({ key: z.string(), value: z.number(), timestamp: z.coerce.number(), step: z.coerce.number() });
const Run = z.object({
  info: z.object({
    run_id: z.string(),
    experiment_id: z.string(),
    status: z.string(),
    lifecycle_stage: z.string(),
    run_name: z.string().optional(),
  }),
  data: z
    .object({
      metrics: z.array(Metric).optional(),
      params: z.array(Tag).optional(),
      tags: z.array(Tag).optional(),
    })
    .optional(),
});
export type MlflowRun = z.infer<typeof Run>;

const ErrorBody = z.object({ error_code: z.string().optional(), message: z.string().optional() });

export type MlflowRunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

/** Entries of each kind per log-batch request (MLflow takes at most 100 params and 100 tags). */
const CHUNK = 100;

export class MlflowClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly timeoutMs = 15_000,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** The web UI page of a run. */
  runUrl(experimentId: string, runId: string): string {
    return `${this.baseUrl}/#/experiments/${experimentId}/runs/${runId}`;
  }

  async experimentByName(name: string): Promise<MlflowExperiment | undefined> {
    try {
      const body = await this.call('GET', 'experiments/get-by-name', { experiment_name: name });
      return z.object({ experiment: Experiment }).parse(body).experiment;
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
  }

  /** The active experiment of that name: found, restored when soft-deleted, or created. */
  async ensureExperiment(name: string, tags: MlflowTag[] = []): Promise<string> {
    const found = await this.experimentByName(name);
    if (found) {
      if (found.lifecycle_stage === 'deleted') {
        await this.call('POST', 'experiments/restore', { experiment_id: found.experiment_id });
      }
      return found.experiment_id;
    }
    try {
      const body = await this.call('POST', 'experiments/create', { name, tags });
      return z.object({ experiment_id: z.string() }).parse(body).experiment_id;
    } catch (err) {
      // Created concurrently (another attempt, another run of the workload): use that one.
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const again = await this.experimentByName(name);
        if (again) return again.experiment_id;
      }
      throw err;
    }
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.call('POST', 'experiments/delete', { experiment_id: experimentId });
  }

  /** Active runs of an experiment whose tag `key` equals `value`, every page. */
  async runsTagged(experimentId: string, key: string, value: string): Promise<MlflowRun[]> {
    return this.searchRuns(experimentId, `tags.\`${key}\` = '${value.replace(/'/g, "\\'")}'`);
  }

  async searchRuns(experimentId: string, filter?: string): Promise<MlflowRun[]> {
    const runs: MlflowRun[] = [];
    let pageToken: string | undefined;
    do {
      const body = await this.call('POST', 'runs/search', {
        experiment_ids: [experimentId],
        ...(filter ? { filter } : {}),
        run_view_type: 'ACTIVE_ONLY',
        max_results: 1000,
        ...(pageToken ? { page_token: pageToken } : {}),
      });
      const page = z.object({ runs: z.array(Run).optional(), next_page_token: z.string().optional() }).parse(body);
      runs.push(...(page.runs ?? []));
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return runs;
  }

  async createRun(input: {
    experimentId: string;
    runName: string;
    startTime: number;
    tags: MlflowTag[];
  }): Promise<MlflowRun> {
    const body = await this.call('POST', 'runs/create', {
      experiment_id: input.experimentId,
      run_name: input.runName,
      start_time: input.startTime,
      tags: input.tags,
    });
    return z.object({ run: Run }).parse(body).run;
  }

  async getRun(runId: string): Promise<MlflowRun> {
    const body = await this.call('GET', 'runs/get', { run_id: runId });
    return z.object({ run: Run }).parse(body).run;
  }

  async updateRun(runId: string, status: MlflowRunStatus, endTime?: number): Promise<void> {
    await this.call('POST', 'runs/update', { run_id: runId, status, ...(endTime ? { end_time: endTime } : {}) });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.call('POST', 'runs/delete', { run_id: runId });
  }

  /** log-batch, split at MLflow's per-request limits. */
  async logBatch(
    runId: string,
    batch: {
      metrics?: { key: string; value: number; timestamp: number; step: number }[];
      params?: MlflowTag[];
      tags?: MlflowTag[];
    },
  ): Promise<void> {
    const metrics = batch.metrics ?? [];
    const params = batch.params ?? [];
    const tags = batch.tags ?? [];
    const longest = Math.max(metrics.length, params.length, tags.length);
    for (let from = 0; from < longest; from += CHUNK) {
      const [m, p, t] = [metrics, params, tags].map((xs) => xs.slice(from, from + CHUNK));
      await this.call('POST', 'runs/log-batch', { run_id: runId, metrics: m, params: p, tags: t });
    }
  }

  private async call(method: 'GET' | 'POST', endpoint: string, payload: Record<string, unknown>): Promise<unknown> {
    let url = `${this.baseUrl}/api/2.0/mlflow/${endpoint}`;
    const init: RequestInit = { method, signal: AbortSignal.timeout(this.timeoutMs) };
    if (method === 'GET') {
      url += `?${new URLSearchParams(Object.entries(payload).map(([k, v]): [string, string] => [k, String(v)]))}`;
    } else {
      init.body = JSON.stringify(payload);
      init.headers = { 'content-type': 'application/json' };
    }
    const res = await fetch(url, init);
    const text = await res.text();
    const body: unknown = text ? JSON.parse(text) : {};
    if (!res.ok) {
      const err = ErrorBody.safeParse(body);
      const code = err.success ? err.data.error_code : undefined;
      const message = err.success && err.data.message ? err.data.message : text.slice(0, 300);
      throw new MlflowError(
        `MLflow ${method} ${endpoint}: HTTP ${res.status} ${code ?? ''} ${message}`,
        res.status,
        code,
      );
    }
    return body;
  }
}
