import { Hono } from 'hono';
import type { EmulatorContext } from '../context';
import { EvaluationJobBody } from '../evaluation/config-schema';
import { HttpError, notFound } from '../http/errors';
import { PageQuerySchema, page } from '../http/pagination';
import { jsonBody, queryParams } from '../http/validation';
import { startEvaluation, stopEvaluation } from '../lifecycle/evaluation-lifecycle';
import { type EvaluationJob, now } from '../state/store';

// Evaluator: jobs with inline config and target, their status and their results.

export function evaluatorRoutes(ctx: EmulatorContext): Hono {
  const app = new Hono();

  app.post('/v1/evaluation/jobs', async (c) => {
    const body = await jsonBody(c, EvaluationJobBody);
    const at = now();
    const job: EvaluationJob = {
      id: ctx.ids.id('eval'),
      ...(body.name ? { name: body.name } : {}),
      ...(body.namespace ? { namespace: body.namespace } : {}),
      config: body.config,
      target: body.target,
      status: 'created',
      status_details: { progress: 0, message: 'Job created' },
      created_at: at,
      updated_at: at,
      controller: ctx.scheduler.controller(),
    };
    ctx.state.evaluationJobs.set(job.id, job);
    ctx.counters.created('evaluation_jobs', job.name ?? job.id);
    startEvaluation(ctx, job, body);
    return c.json(view(job));
  });

  app.get('/v1/evaluation/jobs', (c) => {
    const query = queryParams(c, PageQuerySchema);
    const wanted = query['filter[name]'];
    const jobs = [...ctx.state.evaluationJobs.values()].filter((j) => !wanted || j.name === wanted);
    return c.json(page(jobs.map(view), query));
  });

  app.get('/v1/evaluation/jobs/:id', (c) => c.json(view(find(ctx, c.req.param('id')))));

  app.get('/v1/evaluation/jobs/:id/results', (c) => {
    const job = find(ctx, c.req.param('id'));
    if (job.status !== 'completed' || !job.results) {
      throw new HttpError(409, `Evaluation job ${job.id} is ${job.status}; results exist once it has completed`);
    }
    return c.json({ id: job.id, job: job.id, created_at: job.updated_at, ...(job.results as object) });
  });

  app.delete('/v1/evaluation/jobs/:id', (c) => {
    const job = find(ctx, c.req.param('id'));
    stopEvaluation(job);
    ctx.state.evaluationJobs.delete(job.id);
    return c.json({ message: `Evaluation job ${job.id} deleted`, id: job.id });
  });

  return app;
}

function find(ctx: EmulatorContext, id: string): EvaluationJob {
  const job = ctx.state.evaluationJobs.get(id);
  if (!job) throw notFound(`Evaluation job ${id}`);
  return job;
}

function view(job: EvaluationJob) {
  const { controller: _controller, results: _results, ...rest } = job;
  return { ...rest, status_details: { ...job.status_details } };
}
