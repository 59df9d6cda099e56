import { strToU8, zipSync } from 'fflate';
import { Hono } from 'hono';
import type { EmulatorContext } from '../context';
import { EvaluationJobBody, type EvaluationJobRequest } from '../evaluation/config-schema';
import type { RetrieverEvaluationJobRequest } from '../evaluation/retriever-schema';
import { HttpError, notFound } from '../http/errors';
import { applyFilters, PageQuerySchema, page } from '../http/pagination';
import { jsonBody, queryParams } from '../http/validation';
import { cancelEvaluation, startEvaluation, stopEvaluation } from '../lifecycle/evaluation-lifecycle';
import { startRetrieverEvaluation } from '../lifecycle/retriever-evaluation-lifecycle';
import { type EvaluationJob, now } from '../state/store';

// Evaluator: jobs with inline config and target (they have no name: `custom_fields` and the
// documented list filters find them again), their status, cancel, results and the results
// archive with per-sample outputs.

export function evaluatorRoutes(ctx: EmulatorContext): Hono {
  const app = new Hono();

  app.post('/v1/evaluation/jobs', async (c) => {
    const body = await jsonBody(c, EvaluationJobBody);
    const at = now();
    const job: EvaluationJob = {
      id: ctx.ids.id('eval'),
      ...(body.namespace ? { namespace: body.namespace } : {}),
      custom_fields: body.custom_fields ?? {},
      config: body.config,
      target: body.target,
      status: 'created',
      status_details: { progress: 0, message: 'created', samples_processed: 0 },
      samples: [],
      created_at: at,
      updated_at: at,
      controller: ctx.scheduler.controller(),
    };
    ctx.state.evaluationJobs.set(job.id, job);
    const customKey = job.custom_fields.flywheel_key;
    ctx.counters.created('evaluation_jobs', typeof customKey === 'string' ? customKey : job.id);
    if (body.config.type === 'retriever') startRetrieverEvaluation(ctx, job, body as RetrieverEvaluationJobRequest);
    else startEvaluation(ctx, job, body as EvaluationJobRequest);
    return c.json(view(job));
  });

  app.get('/v1/evaluation/jobs', (c) => {
    const query = queryParams(c, PageQuerySchema);
    const jobs = applyFilters([...ctx.state.evaluationJobs.values()], query, {
      namespace: (j) => j.namespace,
      status: (j) => j.status,
      custom_fields: (j, k) => (k === undefined ? undefined : j.custom_fields[k]),
      project: () => undefined,
    });
    return c.json(page(jobs.map(view), query));
  });

  app.get('/v1/evaluation/jobs/:id', (c) => c.json(view(find(ctx, c.req.param('id')))));

  app.get('/v1/evaluation/jobs/:id/status', (c) => c.json({ ...find(ctx, c.req.param('id')).status_details }));

  app.post('/v1/evaluation/jobs/:id/cancel', (c) => {
    const job = find(ctx, c.req.param('id'));
    cancelEvaluation(job);
    return c.json({ id: job.id, status: job.status, message: `Evaluation job ${job.id} cancelled` });
  });

  app.get('/v1/evaluation/jobs/:id/results', (c) => c.json(resultsOf(find(ctx, c.req.param('id')))));

  app.get('/v1/evaluation/jobs/:id/download-results', (c) => {
    const job = find(ctx, c.req.param('id'));
    const results = resultsOf(job);
    const files: Record<string, Uint8Array> = { 'results/results.json': strToU8(JSON.stringify(results, null, 2)) };
    const byTask = new Map<string, string[]>();
    for (const s of job.samples) {
      const lines = byTask.get(s.task) ?? [];
      lines.push(JSON.stringify({ index: s.index, item: s.item, sample: s.sample, metrics: s.metrics }));
      byTask.set(s.task, lines);
    }
    for (const [task, lines] of byTask) files[`results/${task}/samples.jsonl`] = strToU8(`${lines.join('\n')}\n`);
    const zip = zipSync(files);
    return c.body(zip, 200, {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${job.id}-results.zip"`,
    });
  });

  app.delete('/v1/evaluation/jobs/:id', (c) => {
    const job = find(ctx, c.req.param('id'));
    stopEvaluation(job);
    ctx.state.evaluationJobs.delete(job.id);
    return c.body(null, 204);
  });

  return app;
}

function resultsOf(job: EvaluationJob) {
  if (job.status !== 'completed' || !job.results) {
    throw new HttpError(409, `Evaluation job ${job.id} is ${job.status}; results exist once it has completed`);
  }
  return {
    id: `eval-result-${job.id.replace(/^eval-/, '')}`,
    job: job.id,
    ...(job.namespace ? { namespace: job.namespace } : {}),
    created_at: job.updated_at,
    updated_at: job.updated_at,
    ...(job.results as object),
  };
}

function find(ctx: EmulatorContext, id: string): EvaluationJob {
  const job = ctx.state.evaluationJobs.get(id);
  if (!job) throw notFound(`Evaluation job ${id}`);
  return job;
}

function view(job: EvaluationJob) {
  return {
    id: job.id,
    ...(job.namespace ? { namespace: job.namespace } : {}),
    custom_fields: { ...job.custom_fields },
    config: job.config,
    target: job.target,
    status: job.status,
    status_details: { ...job.status_details },
    created_at: job.created_at,
    updated_at: job.updated_at,
  };
}
