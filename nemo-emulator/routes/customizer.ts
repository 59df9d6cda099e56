import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { conflict, notFound, unprocessable } from '../http/errors';
import { PageQuerySchema, page } from '../http/pagination';
import { jsonBody, queryParams } from '../http/validation';
import { cancelCustomization, startCustomization } from '../lifecycle/customization-lifecycle';
import { type CustomizationConfig, type CustomizationJob, key, now } from '../state/store';

// Customizer: configs (one per base model and GPU target) and LoRA SFT jobs.

const ConfigBody = z
  .object({
    name: z.string().min(1),
    namespace: z.string().min(1),
    target: z.string().min(1),
    training_options: z
      .array(
        z
          .object({
            training_type: z.enum(['sft', 'distillation', 'dpo']),
            finetuning_type: z.enum(['lora', 'all_weights']),
            num_gpus: z.number().int().min(1).optional(),
          })
          .loose(),
      )
      .min(1),
    training_precision: z.string().optional(),
    max_seq_length: z.number().int().min(1).optional(),
  })
  .loose();

const JobBody = z
  .object({
    name: z.string().min(1),
    namespace: z.string().optional(),
    output_model: z.string().regex(/^[^/]+\/[^/]+$/, 'must be "namespace/name"'),
    config: z.string().regex(/^[^/]+\/.+$/, 'must be "namespace/config-name"'),
    dataset: z.object({ name: z.string().min(1), namespace: z.string().min(1) }).loose(),
    hyperparameters: z
      .object({
        training_type: z.literal('sft'),
        finetuning_type: z.enum(['lora', 'all_weights']),
        epochs: z.number().int().min(1).max(1000),
        batch_size: z.number().int().min(1).max(4096),
        learning_rate: z.number().gt(0).max(1),
        lora: z
          .object({
            adapter_dim: z.number().int().min(1).max(1024),
            adapter_dropout: z.number().min(0).max(1).optional(),
          })
          .loose()
          .optional(),
      })
      .loose(),
  })
  .loose();

export function customizerRoutes(ctx: EmulatorContext): Hono {
  const app = new Hono();

  app.post('/v1/customization/configs', async (c) => {
    const body = await jsonBody(c, ConfigBody);
    const id = key(body.namespace, body.name);
    if (ctx.state.customizationConfigs.has(id)) throw conflict(`Customization config ${id}`);
    const at = now();
    const config: CustomizationConfig = { ...body, created_at: at, updated_at: at };
    ctx.state.customizationConfigs.set(id, config);
    return c.json(config);
  });

  app.get('/v1/customization/configs', (c) =>
    c.json(page([...ctx.state.customizationConfigs.values()], queryParams(c, PageQuerySchema))),
  );

  app.delete('/v1/customization/configs/:ns/:name', (c) => {
    const id = key(c.req.param('ns'), c.req.param('name'));
    if (!ctx.state.customizationConfigs.delete(id)) throw notFound(`Customization config ${id}`);
    return c.json({ message: `Customization config ${id} deleted` });
  });

  app.post('/v1/customization/jobs', async (c) => {
    const body = await jsonBody(c, JobBody);
    const config = ctx.state.customizationConfigs.get(body.config);
    if (!config) throw unprocessable(['body', 'config'], `Customization config ${body.config} not found`);
    if (!ctx.state.datasets.has(key(body.dataset.namespace, body.dataset.name))) {
      throw unprocessable(['body', 'dataset'], `Dataset ${body.dataset.namespace}/${body.dataset.name} not found`);
    }
    const at = now();
    const job: CustomizationJob = {
      id: ctx.ids.id('cust'),
      name: body.name,
      ...(body.namespace ? { namespace: body.namespace } : {}),
      output_model: body.output_model,
      config: body.config,
      base_model: config.target.split('@')[0] ?? config.target,
      dataset: { name: body.dataset.name, namespace: body.dataset.namespace },
      hyperparameters: body.hyperparameters,
      status: 'created',
      percentage_done: 0,
      epochs_completed: 0,
      steps_completed: 0,
      status_logs: [{ message: 'Job created', updated_at: at }],
      created_at: at,
      updated_at: at,
      controller: ctx.scheduler.controller(),
    };
    ctx.state.customizationJobs.set(job.id, job);
    ctx.counters.created('customization_jobs', job.name);
    startCustomization(ctx, job);
    return c.json(jobView(job));
  });

  app.get('/v1/customization/jobs', (c) => {
    const query = queryParams(c, PageQuerySchema);
    const wanted = query['filter[name]'];
    const jobs = [...ctx.state.customizationJobs.values()].filter((j) => !wanted || j.name === wanted);
    return c.json(page(jobs.map(jobView), query));
  });

  app.get('/v1/customization/jobs/:id', (c) => c.json(jobView(find(ctx, c.req.param('id')))));

  app.get('/v1/customization/jobs/:id/status', (c) => {
    const job = find(ctx, c.req.param('id'));
    return c.json(statusView(job));
  });

  app.post('/v1/customization/jobs/:id/cancel', (c) => {
    const job = find(ctx, c.req.param('id'));
    cancelCustomization(job);
    return c.json(jobView(job));
  });

  return app;
}

function find(ctx: EmulatorContext, id: string): CustomizationJob {
  const job = ctx.state.customizationJobs.get(id);
  if (!job) throw notFound(`Customization job ${id}`);
  return job;
}

function statusView(job: CustomizationJob) {
  return {
    id: job.id,
    status: job.status,
    percentage_done: job.percentage_done,
    epochs_completed: job.epochs_completed,
    steps_completed: job.steps_completed,
    steps_per_epoch: job.steps_per_epoch ?? null,
    status_logs: job.status_logs.map((l) => ({ ...l })),
    created_at: job.created_at,
    updated_at: job.updated_at,
  };
}

function jobView(job: CustomizationJob) {
  const { controller: _controller, base_model: _base, status_logs: _logs, ...rest } = job;
  return { ...rest, status_details: statusView(job) };
}
