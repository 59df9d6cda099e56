import type { EmulatorContext } from '../context';
import { prepareBenchmark, runBenchmarkTask } from '../evaluation/academic';
import type { BenchmarkConfig, EvaluationJobRequest, TaskConfig } from '../evaluation/config-schema';
import { type ItemHooks, type PreparedTask, runTask } from '../evaluation/run-task';
import { readDatastoreFile } from '../state/datastore-files';
import { type EvaluationJob, type JobStatus, now } from '../state/store';

// An evaluation job: created → pending (queued) → running (progress per item) → completed, or
// failed with the reason in status_details.message; cancel stops it (status cancelled, the job
// stays readable). Durations from the emulator's profile. Faults: fail stops it half way,
// stall freezes its progress until the fault is lifted, no_samples leaves the per-sample files
// out of its results archive.

const POLL_MS = 2_000;

type CustomConfig = { type: 'custom'; tasks: Record<string, TaskConfig> };

export function startEvaluation(ctx: EmulatorContext, job: EvaluationJob, request: EvaluationJobRequest): void {
  const { signal } = job.controller;
  const model = request.target.model;
  const names = [
    ...Object.values(job.custom_fields).map(String),
    typeof model === 'string' ? model : model.api_endpoint.model_id,
  ];
  const reported = new Set<string>();
  const report = (kind: string) => {
    if (!reported.has(kind)) ctx.counters.fault(kind);
    reported.add(kind);
  };

  ctx.scheduler.spawn(`evaluation ${job.id}`, async () => {
    await ctx.scheduler.sleep(ctx.durations.evaluation_accept_ms, signal);
    setStatus(job, 'pending', 'Job is pending');
    await ctx.scheduler.sleep(ctx.durations.evaluation_queue_ms, signal);
    try {
      const config = request.config;
      const custom = config.type === 'custom' ? (config as CustomConfig) : undefined;
      const tasks: { name: string; items: unknown[]; run: (hooks: ItemHooks) => Promise<unknown> }[] = custom
        ? Object.entries(custom.tasks).map(([name, taskConfig]) => {
            const task = prepare(ctx, name, taskConfig);
            return { name, items: task.items, run: (hooks) => runTask(ctx, task, model, signal, hooks) };
          })
        : prepareBenchmark(config as BenchmarkConfig).map((task) => ({
            name: task.name,
            items: task.items,
            run: (hooks) => runBenchmarkTask(ctx, task, config as BenchmarkConfig, model, signal, hooks),
          }));
      const total = tasks.reduce((n, t) => n + t.items.length, 0);
      setStatus(job, 'running', `Evaluating ${total} items`);
      // The deployment answering for the target model is busy while the job runs.
      const serving = servingDeployment(ctx, typeof model === 'string' ? model : model.api_endpoint.model_id);
      if (serving) ctx.gpus.startWork('deployment', serving);
      try {
        await evaluateAll();
      } finally {
        if (serving) ctx.gpus.endWork('deployment', serving);
      }
      async function evaluateAll() {
        let done = 0;
        const results: Record<string, unknown> = {};
        for (const task of tasks) {
          results[task.name] = await task.run({
            beforeItem: async () => {
              if (done >= total / 2 && ctx.faults.evaluation('fail', names)) {
                report('evaluation_fail');
                throw new Error('Evaluation failed: the inference endpoint stopped answering (injected fault)');
              }
              while (done >= total / 3 && ctx.faults.evaluation('stall', names)) {
                report('evaluation_stall');
                await ctx.scheduler.sleep(POLL_MS, signal);
              }
            },
            afterItem: (outcome) => {
              done++;
              job.samples.push({ task: task.name, ...outcome });
              job.status_details.samples_processed = done;
              job.status_details.progress = Math.floor((100 * done) / Math.max(total, 1));
              job.updated_at = now();
            },
          });
        }
        job.results = { tasks: results };
        if (ctx.faults.evaluation('no_samples', names)) {
          report('evaluation_no_samples');
          job.samples = [];
        }
        job.status_details.progress = 100;
        setStatus(job, 'completed', 'Evaluation completed');
      }
    } catch (err) {
      if (signal.aborted) throw err;
      job.status = 'failed';
      job.status_details.message = (err as Error).message;
      job.updated_at = now();
    }
  });
}

/**
 * The deployment whose NIM answers for `model` (a base model, or the base of a customized one),
 * for the GPU meter: the first ready one. The NIM proxy routes only to ready NIMs (it lists only
 * their models); before, the first deployment of the model was charged even while it was still
 * loading, so the work was counted inside its loading time and the NIM that did it looked idle.
 * Of two ready NIMs of one model (two runs each deployed it) the older one answers, the other
 * is idle: what sharing one deployment would save.
 */
function servingDeployment(ctx: EmulatorContext, model: string): string | undefined {
  const base = ctx.state.trainedModels.get(model)?.baseModel ?? model;
  for (const d of ctx.state.deployments.values()) {
    if (!d.deleting && d.config.model === base && d.status_details.status === 'ready')
      return `${d.namespace}/${d.name}`;
  }
  return undefined;
}

/** The task's eval items from the datastore, honouring `limit`. */
function prepare(ctx: EmulatorContext, name: string, config: TaskConfig): PreparedTask {
  const url = config.dataset.files_url;
  const bytes = readDatastoreFile(ctx.state, url);
  if (!bytes) throw new Error(`task ${name}: ${url} not found in the datastore`);
  const items: unknown[] = [];
  const lines = bytes.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (!line) continue;
    try {
      items.push(JSON.parse(line));
    } catch {
      throw new Error(`task ${name}: ${url} line ${i + 1} is not JSON`);
    }
    if (config.dataset.limit && items.length >= config.dataset.limit) break;
  }
  if (items.length === 0) throw new Error(`task ${name}: ${url} holds no items`);
  return { name, config, items };
}

function setStatus(job: EvaluationJob, status: JobStatus, message: string): void {
  job.status = status;
  job.status_details.message = message;
  job.updated_at = now();
}

/** `POST .../cancel`: a running or queued job stops and reads `cancelled`; a finished one is left as is. */
export function cancelEvaluation(job: EvaluationJob): void {
  if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled') return;
  job.controller.abort();
  setStatus(job, 'cancelled', 'Job cancelled by user');
}

/** DELETE: the job stops (if it still runs) and is forgotten. */
export function stopEvaluation(job: EvaluationJob): void {
  cancelEvaluation(job);
}
