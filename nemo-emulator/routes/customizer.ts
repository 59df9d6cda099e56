import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { conflict, notFound, unprocessable } from '../http/errors';
import { applyFilters, PageQuerySchema, page } from '../http/pagination';
import { jsonBody, queryParams } from '../http/validation';
import { cancelCustomization, startCustomization } from '../lifecycle/customization-lifecycle';
import { type CustomizationConfig, type CustomizationJob, type CustomizationTarget, key, now } from '../state/store';

// Customizer: targets (the models it can tune), configs (one per target and GPU layout) and
// LoRA SFT jobs. Shapes follow the SDK's `CustomizationTarget`, `CustomizationConfig`,
// `CustomizationJob` and `CustomizationStatusDetails`.

const TrainingOption = z
  .object({
    training_type: z.enum(['sft', 'distillation', 'dpo', 'grpo']),
    finetuning_type: z.enum(['lora', 'lora_merged', 'all_weights']),
    num_gpus: z.number().int().min(1),
    micro_batch_size: z.number().int().min(1).optional(),
  })
  .loose();

const ConfigBody = z
  .object({
    name: z.string().min(1),
    namespace: z.string().min(1),
    target: z.string().min(1),
    training_options: z.array(TrainingOption).min(1),
    training_precision: z.enum(['int8', 'bf16', 'fp16', 'fp32', 'fp8-mixed', 'bf16-mixed']).optional(),
    max_seq_length: z.number().int().min(1),
  })
  .loose();

const TargetBody = z
  .object({
    name: z.string().min(1),
    namespace: z.string().min(1),
    base_model: z.string().min(1).optional(),
    model_path: z.string().min(1),
    num_parameters: z.number().int().min(1),
    precision: z.literal('bf16-mixed').default('bf16-mixed'),
  })
  .loose();

const JobBody = z
  .object({
    name: z.string().min(1).optional(),
    namespace: z.string().optional(),
    custom_fields: z.record(z.string(), z.string()).optional(),
    output_model: z.string().regex(/^[^/]+\/[^/]+$/, 'must be "namespace/name"'),
    config: z.string().regex(/^[^/]+\/.+$/, 'must be "namespace/config-name"'),
    dataset: z.object({ name: z.string().min(1), namespace: z.string().min(1) }).loose(),
    hyperparameters: z
      .object({
        training_type: z.literal('sft'),
        finetuning_type: z.enum(['lora', 'lora_merged', 'all_weights']),
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
    dataset_parameters: z
      .object({
        num_hard_negatives: z.number().int().min(1).optional(),
        negative_sample_strategy: z.enum(['first', 'random']).optional(),
        in_batch_negatives: z.boolean().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

export function customizerRoutes(ctx: EmulatorContext): Hono {
  const app = new Hono();

  app.get('/v1/customization/targets', (c) => {
    const query = queryParams(c, PageQuerySchema);
    const targets = applyFilters([...ctx.state.customizationTargets.values()], query, {
      namespace: (t) => t.namespace,
      name: (t) => t.name,
      base_model: (t) => t.base_model,
      enabled: (t) => String(t.enabled),
      status: (t) => t.status,
    });
    return c.json(page(targets, query));
  });

  app.get('/v1/customization/targets/:ns/:name', (c) => {
    const id = key(c.req.param('ns'), c.req.param('name'));
    const target = ctx.state.customizationTargets.get(id);
    if (!target) throw notFound(`Customization target ${id}`);
    return c.json(target);
  });

  app.post('/v1/customization/targets', async (c) => {
    const body = await jsonBody(c, TargetBody);
    const id = key(body.namespace, body.name);
    if (ctx.state.customizationTargets.has(id)) throw conflict(`Customization target ${id}`);
    const at = now();
    const target: CustomizationTarget = {
      id: ctx.ids.id('cust-target'),
      name: body.name,
      namespace: body.namespace,
      base_model: body.base_model ?? `${body.namespace}/${body.name.split('@')[0]}`,
      model_path: body.model_path,
      num_parameters: body.num_parameters,
      precision: body.precision,
      enabled: true,
      status: 'ready',
      model_type: 'nemo',
      created_at: at,
      updated_at: at,
    };
    ctx.state.customizationTargets.set(id, target);
    return c.json(target);
  });

  app.post('/v1/customization/configs', async (c) => {
    const body = await jsonBody(c, ConfigBody);
    const id = key(body.namespace, body.name);
    if (ctx.state.customizationConfigs.has(id)) throw conflict(`Customization config ${id}`);
    const target = ctx.state.customizationTargets.get(body.target);
    if (!target) {
      throw unprocessable(['body', 'target'], `Customization target ${body.target} not found`);
    }
    const at = now();
    const config: CustomizationConfig = {
      ...body,
      target: body.target,
      created_at: at,
      updated_at: at,
    };
    ctx.state.customizationConfigs.set(id, config);
    return c.json(configView(config));
  });

  app.get('/v1/customization/configs', (c) => {
    const query = queryParams(c, PageQuerySchema);
    const configs = applyFilters([...ctx.state.customizationConfigs.values()], query, {
      name: (x) => x.name,
      namespace: (x) => x.namespace,
      target_name: (x) => x.target.split('/')[1],
      target_base_model: (x) => ctx.state.customizationTargets.get(x.target)?.base_model,
      training_type: (x) => (x.training_options[0] as { training_type?: string } | undefined)?.training_type,
      finetuning_type: (x) => (x.training_options[0] as { finetuning_type?: string } | undefined)?.finetuning_type,
    });
    return c.json(page(configs.map(configView), query));
  });

  app.get('/v1/customization/configs/:ns/:name', (c) => {
    const id = key(c.req.param('ns'), c.req.param('name'));
    const config = ctx.state.customizationConfigs.get(id);
    if (!config) throw notFound(`Customization config ${id}`);
    return c.json(configView(config));
  });

  app.delete('/v1/customization/configs/:ns/:name', (c) => {
    const id = key(c.req.param('ns'), c.req.param('name'));
    if (!ctx.state.customizationConfigs.delete(id)) throw notFound(`Customization config ${id}`);
    return c.json({ message: `Customization config ${id} deleted` });
  });

  app.post('/v1/customization/jobs', async (c) => {
    const body = await jsonBody(c, JobBody);
    const config = ctx.state.customizationConfigs.get(body.config);
    if (!config) throw unprocessable(['body', 'config'], `Customization config ${body.config} not found`);
    const dataset = ctx.state.datasets.get(key(body.dataset.namespace, body.dataset.name));
    if (!dataset) {
      throw unprocessable(['body', 'dataset'], `Dataset ${body.dataset.namespace}/${body.dataset.name} not found`);
    }
    const namespace = body.namespace ?? body.dataset.namespace;
    if (body.name) {
      const taken = [...ctx.state.customizationJobs.values()].some(
        (j) => j.name === body.name && (j.namespace ?? '') === namespace,
      );
      if (taken) throw conflict(`Customization job ${namespace}/${body.name}`);
    }
    const at = now();
    const id = ctx.ids.id('cust');
    const target = ctx.state.customizationTargets.get(config.target);
    const job: CustomizationJob = {
      id,
      ...(body.name ? { name: body.name } : {}),
      namespace,
      custom_fields: body.custom_fields ?? {},
      // Real Customizer names the output itself: the requested name with the job id appended.
      output_model: `${body.output_model}@${id}`,
      config: body.config,
      base_model: target?.base_model ?? config.target.split('@')[0] ?? config.target,
      dataset: { name: body.dataset.name, namespace: body.dataset.namespace },
      dataset_files_url: dataset.files_url,
      hyperparameters: body.hyperparameters,
      ...(body.dataset_parameters ? { dataset_parameters: body.dataset_parameters } : {}),
      status: 'created',
      percentage_done: 0,
      epochs_completed: 0,
      steps_completed: 0,
      status_logs: [{ message: 'created', updated_at: at }],
      created_at: at,
      updated_at: at,
      controller: ctx.scheduler.controller(),
    };
    ctx.state.customizationJobs.set(job.id, job);
    ctx.counters.created('customization_jobs', createdKey(job));
    startCustomization(ctx, job);
    return c.json(jobView(job));
  });

  app.get('/v1/customization/jobs', (c) => {
    const query = queryParams(c, PageQuerySchema);
    const jobs = applyFilters([...ctx.state.customizationJobs.values()], query, {
      dataset: (j) => j.dataset_files_url,
      namespace: (j) => j.namespace,
      status: (j) => j.status,
      base_model: (j) => j.base_model,
      project: () => undefined,
      epochs: (j) => j.hyperparameters.epochs,
      batch_size: (j) => j.hyperparameters.batch_size,
      finetuning_type: (j) => j.hyperparameters.finetuning_type,
      training_type: (j) => j.hyperparameters.training_type,
    });
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

/** What a job counts as for duplicate detection: its custom key, else its requested output. */
function createdKey(job: CustomizationJob): string {
  return job.custom_fields.flywheel_key ?? job.name ?? job.output_model.replace(/@[^@]*$/, '');
}

function find(ctx: EmulatorContext, id: string): CustomizationJob {
  const job = ctx.state.customizationJobs.get(id);
  if (!job) throw notFound(`Customization job ${id}`);
  return job;
}

function configView(config: CustomizationConfig) {
  return { ...config };
}

function statusView(job: CustomizationJob) {
  return {
    status: job.status,
    percentage_done: job.percentage_done,
    epochs_completed: job.epochs_completed,
    steps_completed: job.steps_completed,
    steps_per_epoch: job.steps_per_epoch ?? null,
    elapsed_time: (Date.parse(job.updated_at) - Date.parse(job.created_at)) / 1000,
    status_logs: job.status_logs.map((l) => ({ ...l })),
    created_at: job.created_at,
    updated_at: job.updated_at,
  };
}

function jobView(job: CustomizationJob) {
  return {
    id: job.id,
    namespace: job.namespace,
    custom_fields: { ...job.custom_fields },
    config: job.config,
    dataset: { ...job.dataset },
    hyperparameters: job.hyperparameters,
    output_model: job.output_model,
    status: job.status,
    status_details: statusView(job),
    created_at: job.created_at,
    updated_at: job.updated_at,
  };
}
