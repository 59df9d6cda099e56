import { z } from 'zod';
import { deleteIfPresent, isConflict, isNotFound, orAbsent } from './errors';
import { checkRequest, type HttpCore, pathOf } from './http';
import { findAllByName, listAll, newest } from './pagination';
import { pollUntil, type WaitOptions } from './wait';

const count = z
  .number()
  .nullish()
  .transform((v) => v ?? 0);

export const CustomizationConfigSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().min(1),
  target: z.string().min(1),
  training_options: z
    .array(
      z.looseObject({
        training_type: z.literal('sft'),
        finetuning_type: z.literal('lora'),
        num_gpus: z.number().int().positive(),
      }),
    )
    .min(1),
  training_precision: z.string().min(1),
  max_seq_length: z.number().int().positive(),
});
export type CustomizationConfig = z.input<typeof CustomizationConfigSchema>;

export const CustomizationJobRequestSchema = z.object({
  name: z.string().min(1),
  output_model: z.string().regex(/^[^/]+\/[^/]+$/, 'must be "namespace/name"'),
  config: z.string().regex(/^[^/]+\/.+$/, 'must be "namespace/config-name"'),
  dataset: z.object({ name: z.string().min(1), namespace: z.string().min(1) }),
  hyperparameters: z.object({
    training_type: z.literal('sft'),
    finetuning_type: z.literal('lora'),
    epochs: z.number().int().positive(),
    batch_size: z.number().int().positive(),
    learning_rate: z.number().positive(),
    lora: z.object({ adapter_dim: z.number().int().positive(), adapter_dropout: z.number().min(0).lt(1) }),
  }),
});
export type CustomizationJobRequest = z.input<typeof CustomizationJobRequestSchema>;

export const CustomizationJobSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  output_model: z.string(),
  config: z.unknown().optional(),
  dataset: z.unknown().optional(),
  status: z.string().nullish(),
  created_at: z.string().nullish(),
});
export type CustomizationJob = z.infer<typeof CustomizationJobSchema>;

export const CUSTOMIZATION_STATUSES = ['created', 'pending', 'running', 'completed', 'failed', 'cancelled'] as const;

export const CustomizationStatusSchema = z.looseObject({
  status: z.string(),
  percentage_done: count,
  epochs_completed: count,
  steps_completed: count,
  status_logs: z
    .array(z.looseObject({ message: z.string(), detail: z.string().nullish(), updated_at: z.string().nullish() }))
    .nullish()
    .transform((v) => v ?? []),
});
export type CustomizationStatus = z.infer<typeof CustomizationStatusSchema>;

const CONFIGS = '/v1/customization/configs';
const JOBS = '/v1/customization/jobs';

export function createCustomizer(http: HttpCore) {
  const jobPath = (id: string, ...rest: string[]) => `${JOBS}${pathOf(id, ...rest)}`;

  const customizer = {
    /** Creates the customization config; answers false when it already existed. */
    async ensureConfig(config: CustomizationConfig): Promise<boolean> {
      const body = checkRequest(CustomizationConfigSchema.loose(), config, 'POST', CONFIGS);
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

    listJobs(): Promise<CustomizationJob[]> {
      return listAll(http, JOBS, CustomizationJobSchema);
    },

    /** The newest job with exactly this name, scanning every list page. */
    async findJobByName(name: string): Promise<CustomizationJob | undefined> {
      return newest(await findAllByName(http, JOBS, CustomizationJobSchema, name));
    },

    /** Resumes the job of that name if one exists, else creates it. */
    async ensureJob(request: CustomizationJobRequest): Promise<{ job: CustomizationJob; created: boolean }> {
      const existing = await customizer.findJobByName(request.name);
      if (existing) return { job: existing, created: false };
      return { job: await customizer.createJob(request), created: true };
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
            ? `customization ${s.status}: ${s.status_logs.at(-1)?.message ?? 'no detail'}`
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
