import { z } from 'zod';
import { deleteIfPresent, isConflict, isNotFound, orAbsent } from './errors';
import { BASE_FIELD, chooseJob, hasKey, oneAtATime } from './find-again';
import { checkRequest, type HttpCore, pathOf } from './http';
import { listAll } from './pagination';
import { JOB_STATUSES, JobStatusSchema } from './statuses';
import { pollUntil, type WaitOptions } from './wait';

const count = z
  .number()
  .nullish()
  .transform((v) => v ?? 0);

export const CustomizationConfigSchema = z.strictObject({
  name: z.string().min(1),
  namespace: z.string().min(1),
  target: z.string().min(1),
  training_options: z
    .array(
      z.strictObject({
        training_type: z.literal('sft'),
        // lora for LLMs; lora_merged or all_weights for embedding models
        finetuning_type: z.enum(['lora', 'lora_merged', 'all_weights']),
        num_gpus: z.number().int().positive(),
        num_nodes: z.number().int().positive().optional(),
        tensor_parallel_size: z.number().int().positive().optional(),
        data_parallel_size: z.number().int().positive().optional(),
        pipeline_parallel_size: z.number().int().positive().optional(),
        use_sequence_parallel: z.boolean().optional(),
        micro_batch_size: z.number().int().positive().optional(),
      }),
    )
    .min(1),
  training_precision: z.enum(['int8', 'bf16', 'fp16', 'fp32', 'fp8-mixed', 'bf16-mixed']),
  max_seq_length: z.number().int().positive(),
});
export type CustomizationConfig = z.input<typeof CustomizationConfigSchema>;

export const CustomizationJobRequestSchema = z.strictObject({
  /** Unique in the namespace; the Customizer does not echo it (its job model has no name). */
  name: z.string().min(1).optional(),
  namespace: z.string().min(1),
  /** Carries the find-again key (see find-again.ts). */
  custom_fields: z.record(z.string(), z.string()),
  output_model: z.string().regex(/^[^/]+\/[^/]+$/, 'must be "namespace/name"'),
  config: z.string().regex(/^[^/]+\/.+$/, 'must be "namespace/config-name"'),
  dataset: z.strictObject({ name: z.string().min(1), namespace: z.string().min(1) }),
  hyperparameters: z.union([
    z.strictObject({
      training_type: z.literal('sft'),
      finetuning_type: z.literal('lora'),
      epochs: z.number().int().positive(),
      batch_size: z.number().int().positive(),
      learning_rate: z.number().positive(),
      lora: z.strictObject({ adapter_dim: z.number().int().positive(), adapter_dropout: z.number().min(0).lt(1) }),
    }),
    // an embedding model: merged LoRA weights (lora given) or all weights
    z.strictObject({
      training_type: z.literal('sft'),
      finetuning_type: z.enum(['lora_merged', 'all_weights']),
      epochs: z.number().int().positive(),
      batch_size: z.number().int().positive(),
      learning_rate: z.number().positive(),
      lora: z
        .strictObject({ adapter_dim: z.number().int().positive(), adapter_dropout: z.number().min(0).lt(1) })
        .optional(),
    }),
  ]),
  /** The SDK's `DatasetParametersParam` (embedding only: negatives per query). */
  dataset_parameters: z
    .strictObject({
      num_hard_negatives: z.number().int().positive().optional(),
      negative_sample_strategy: z.enum(['first', 'random']).optional(),
      in_batch_negatives: z.boolean().optional(),
    })
    .optional(),
});
export type CustomizationJobRequest = z.input<typeof CustomizationJobRequestSchema>;

/** The SDK's `CustomizationJob` (the fields Flywheel reads). `output_model` is the server's name for the result. */
export const CustomizationJobSchema = z.looseObject({
  id: z.string(),
  output_model: z.string(),
  namespace: z.string().nullish(),
  custom_fields: z.record(z.string(), z.unknown()).nullish(),
  config: z.unknown().optional(),
  dataset: z.unknown().optional(),
  status: JobStatusSchema.nullish(),
  created_at: z.string().nullish(),
});
export type CustomizationJob = z.infer<typeof CustomizationJobSchema>;

/** The SDK's `CustomizationStatusDetails`. */
export const CustomizationStatusSchema = z.looseObject({
  status: JobStatusSchema,
  percentage_done: count,
  epochs_completed: count,
  steps_completed: count,
  status_logs: z
    .array(
      z.looseObject({ message: z.string().nullish(), detail: z.string().nullish(), updated_at: z.string().nullish() }),
    )
    .nullish()
    .transform((v) => v ?? []),
});
export type CustomizationStatus = z.infer<typeof CustomizationStatusSchema>;

/**
 * Why a job failed: the Customizer logs the status in `message` and the reason in `detail`,
 * so the newest log with a detail wins; a bare message is the fallback.
 */
export function customizationFailureReason(status: CustomizationStatus): string {
  const logs = [...status.status_logs].reverse();
  const withDetail = logs.find((l) => l.detail);
  if (withDetail) {
    const { message, detail } = withDetail;
    // a message that is only the status word adds nothing to the reason
    return message && !(JOB_STATUSES as readonly string[]).includes(message) ? `${message}: ${detail}` : String(detail);
  }
  return logs.find((l) => l.message)?.message ?? 'no detail';
}

/** A job waiting for GPUs: the Customizer's last log says NotEnoughResources. */
export const lacksResources = (status: CustomizationStatus) =>
  status.status_logs.some((l) => l.message === 'NotEnoughResources');

const CONFIGS = '/v1/customization/configs';
const JOBS = '/v1/customization/jobs';

export function createCustomizer(http: HttpCore) {
  const jobPath = (id: string, ...rest: string[]) => `${JOBS}${pathOf(id, ...rest)}`;

  const customizer = {
    /** Creates the customization config; answers false when it already existed. */
    async ensureConfig(config: CustomizationConfig): Promise<boolean> {
      const body = checkRequest(CustomizationConfigSchema, config, 'POST', CONFIGS);
      try {
        await http.send({ method: 'POST', path: CONFIGS, body: { json: body } });
        return true;
      } catch (err) {
        if (isConflict(err)) return false;
        throw err;
      }
    },

    deleteConfig(namespace: string, name: string): Promise<boolean> {
      return deleteIfPresent(http.send({ method: 'DELETE', path: `${CONFIGS}${pathOf(namespace, name)}` }));
    },

    async createJob(request: CustomizationJobRequest): Promise<CustomizationJob> {
      const body = checkRequest(CustomizationJobRequestSchema, request, 'POST', JOBS);
      return http.call({ method: 'POST', path: JOBS, body: { json: body } }, CustomizationJobSchema);
    },

    getJob(id: string): Promise<CustomizationJob | undefined> {
      return orAbsent(http.call({ method: 'GET', path: jobPath(id) }, CustomizationJobSchema));
    },

    /** Jobs matching the documented list filters (`dataset` is the dataset's files_url). */
    listJobs(filter: { dataset?: string; namespace?: string; status?: string } = {}): Promise<CustomizationJob[]> {
      const query: Record<string, string> = {};
      for (const [field, value] of Object.entries(filter)) if (value !== undefined) query[`filter[${field}]`] = value;
      return listAll(http, JOBS, CustomizationJobSchema, query);
    },

    /**
     * Every generation of one logical job: listed by the documented filters on its dataset
     * (files_url) and namespace, matched on `custom_fields` (see find-again.ts).
     */
    async listGenerations(where: {
      base: string;
      datasetFilesUrl: string;
      namespace: string;
    }): Promise<CustomizationJob[]> {
      const jobs = await customizer.listJobs({ dataset: where.datasetFilesUrl, namespace: where.namespace });
      return jobs.filter((j) => j.custom_fields?.[BASE_FIELD] === where.base || hasKey(j, where.base));
    },

    /**
     * Resumes the usable job of this base key, or creates one (a fresh generation when every
     * earlier job failed), named by its key. A create refused as a duplicate (the name is
     * taken: an earlier attempt created it) finds that job instead.
     */
    async ensureJob(
      request: Omit<CustomizationJobRequest, 'custom_fields' | 'name'>,
      where: { base: string; generation: string; datasetFilesUrl: string },
    ): Promise<{ job: CustomizationJob; created: boolean }> {
      const scope = { base: where.base, datasetFilesUrl: where.datasetFilesUrl, namespace: request.namespace };
      return oneAtATime(`${request.namespace}/${where.base}`, async () => {
        const choice = chooseJob(await customizer.listGenerations(scope), where.base, where.generation);
        if ('resume' in choice) return { job: choice.resume, created: false };
        const { key, customFields } = choice.create;
        try {
          return {
            job: await customizer.createJob({ ...request, name: key, custom_fields: customFields }),
            created: true,
          };
        } catch (err) {
          if (!isConflict(err)) throw err;
          const again = (await customizer.listGenerations(scope)).find((j) => hasKey(j, key));
          if (again) return { job: again, created: false };
          throw err;
        }
      });
    },

    getStatus(id: string): Promise<CustomizationStatus> {
      return http.call({ method: 'GET', path: jobPath(id, 'status') }, CustomizationStatusSchema);
    },

    /** Cancels the job (a finished job stays as it is); answers false when there is no such job. */
    async cancelJob(id: string): Promise<boolean> {
      try {
        await http.send({ method: 'POST', path: jobPath(id, 'cancel') });
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },

    /** Where the job can be looked at (stored with the run). */
    jobUri(id: string): string {
      return `${http.baseUrl}${jobPath(id)}`;
    },

    /** Waits until `completed`; `failed` or `cancelled` is a permanent error with the last log. */
    waitUntilDone(id: string, options?: WaitOptions): Promise<CustomizationStatus> {
      return pollUntil({
        what: { method: 'GET', path: jobPath(id, 'status') },
        read: () => customizer.getStatus(id),
        done: (s) => s.status === 'completed',
        failed: (s) =>
          s.status === 'failed' || s.status === 'cancelled'
            ? `customization ${s.status}: ${customizationFailureReason(s)}`
            : undefined,
        describe: (s) =>
          `status ${s.status} at ${s.percentage_done}%${s.status_logs.length ? ` (${s.status_logs.at(-1)?.message})` : ''}`,
        options,
      });
    },
  };
  return customizer;
}

export type CustomizerClient = ReturnType<typeof createCustomizer>;
