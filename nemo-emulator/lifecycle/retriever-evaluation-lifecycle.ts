import type { EmulatorContext } from '../context';
import type { RetrieverEvaluationJobRequest } from '../evaluation/retriever-schema';
import { runRetrieverTask } from '../evaluation/retriever-task';
import { type EvaluationJob, now } from '../state/store';

// A retriever evaluation job: created → pending → running (progress per query) → completed
// with `{tasks: {<task>: {metrics: {<metric>: {scores: {<metric>: {value, stats}}}}}}}`, each
// query's values kept for the results archive; or failed with the reason. The same durations
// and fail fault as a custom evaluation.

export function startRetrieverEvaluation(
  ctx: EmulatorContext,
  job: EvaluationJob,
  request: RetrieverEvaluationJobRequest,
): void {
  const { signal } = job.controller;
  const pipeline = request.target.retriever.pipeline;
  const modelId = (ref: typeof pipeline.query_embedding_model) =>
    typeof ref === 'string' ? ref : ref.api_endpoint.model_id;
  const names = [...Object.values(job.custom_fields).map(String), modelId(pipeline.query_embedding_model)];
  ctx.scheduler.spawn(`evaluation ${job.id}`, async () => {
    await ctx.scheduler.sleep(ctx.durations.evaluation_accept_ms, signal);
    setStatus(job, 'pending', 'Job is pending');
    await ctx.scheduler.sleep(ctx.durations.evaluation_queue_ms, signal);
    try {
      setStatus(job, 'running', 'Indexing the corpus');
      const results: Record<string, unknown> = {};
      for (const [name, task] of Object.entries(request.config.tasks)) {
        results[name] = await runRetrieverTask(ctx, name, task, pipeline, signal, async (ranked, total) => {
          if (ranked.index >= total / 2 && ctx.faults.evaluation('fail', names)) {
            ctx.counters.fault('evaluation_fail');
            throw new Error('Evaluation failed: the embedding endpoint stopped answering (injected fault)');
          }
          job.samples.push({
            task: name,
            index: ranked.index,
            item: { query_id: ranked.queryId, query: ranked.query },
            sample: { output_text: '', response: { retrieved: ranked.retrieved } },
            metrics: ranked.metrics,
          });
          job.status_details.samples_processed = job.samples.length;
          job.status_details.progress = Math.floor((100 * (ranked.index + 1)) / Math.max(total, 1));
          job.updated_at = now();
          await ctx.scheduler.sleep(ctx.durations.evaluation_item_ms / 4, signal);
        });
      }
      job.results = { tasks: results };
      job.status_details.progress = 100;
      setStatus(job, 'completed', 'Evaluation completed');
    } catch (err) {
      if (signal.aborted) throw err;
      job.status = 'failed';
      job.status_details.message = (err as Error).message;
      job.updated_at = now();
    }
  });
}

function setStatus(job: EvaluationJob, status: EvaluationJob['status'], message: string): void {
  job.status = status;
  job.status_details.message = message;
  job.updated_at = now();
}
