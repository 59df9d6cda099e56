import { z } from 'zod';
import { deleteIfPresent, orAbsent } from './errors';
import { checkRequest, type HttpCore, pathOf } from './http';
import { findAllByName, listAll, newest } from './pagination';
import { pollUntil, type WaitOptions } from './wait';

export const ApiEndpointSchema = z.object({
  url: z.url(),
  model_id: z.string().min(1),
  api_key: z.string().min(1).optional(),
});
export type ApiEndpoint = z.infer<typeof ApiEndpointSchema>;

export const EvaluationTargetSchema = z.object({
  type: z.literal('model'),
  model: z.union([z.string().min(1), z.object({ api_endpoint: ApiEndpointSchema })]),
});

const MetricSchema = z.looseObject({ type: z.string().min(1), params: z.record(z.string(), z.unknown()).optional() });

export const EvaluationConfigSchema = z.object({
  type: z.literal('custom'),
  tasks: z.record(
    z.string(),
    z.object({
      type: z.literal('chat-completion'),
      dataset: z.object({
        files_url: z.string().startsWith('hf://datasets/'),
        limit: z.number().int().positive().optional(),
      }),
      params: z.object({ template: z.looseObject({ messages: z.unknown() }) }),
      metrics: z.record(z.string(), MetricSchema),
    }),
  ),
});
export type EvaluationConfig = z.infer<typeof EvaluationConfigSchema>;

export const EvaluationJobRequestSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().min(1),
  config: EvaluationConfigSchema,
  target: EvaluationTargetSchema,
});
export type EvaluationJobRequest = z.input<typeof EvaluationJobRequestSchema>;

export const EVALUATION_STATUSES = ['created', 'pending', 'running', 'completed', 'failed', 'cancelled'] as const;

export const EvaluationJobSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  status: z.string(),
  status_details: z.looseObject({ progress: z.number().nullish(), message: z.string().nullish() }).nullish(),
  created_at: z.string().nullish(),
});
export type EvaluationJob = z.infer<typeof EvaluationJobSchema>;

export const EvaluationResultsSchema = z.looseObject({
  tasks: z.record(
    z.string(),
    z.looseObject({
      metrics: z.record(
        z.string(),
        z.looseObject({
          scores: z.record(
            z.string(),
            z.looseObject({ value: z.number(), stats: z.looseObject({ count: z.number().nullish() }).nullish() }),
          ),
        }),
      ),
    }),
  ),
});
export type EvaluationResults = z.infer<typeof EvaluationResultsSchema>;

const JOBS = '/v1/evaluation/jobs';

export function createEvaluator(http: HttpCore) {
  const jobPath = (id: string, ...rest: string[]) => `${JOBS}${pathOf(id, ...rest)}`;

  const evaluator = {
    async createJob(request: EvaluationJobRequest): Promise<EvaluationJob> {
      const body = checkRequest(EvaluationJobRequestSchema, request, 'POST', JOBS);
      return http.call({ method: 'POST', path: JOBS, body: { json: body } }, EvaluationJobSchema);
    },

    getJob(id: string): Promise<EvaluationJob | undefined> {
      return orAbsent(http.call({ method: 'GET', path: jobPath(id) }, EvaluationJobSchema));
    },

    listJobs(): Promise<EvaluationJob[]> {
      return listAll(http, JOBS, EvaluationJobSchema);
    },

    /** The newest job with exactly this name, scanning every list page. */
    async findJobByName(name: string): Promise<EvaluationJob | undefined> {
      return newest(await findAllByName(http, JOBS, EvaluationJobSchema, name));
    },

    /** Resumes the job of that name if one exists, else creates it. */
    async ensureJob(request: EvaluationJobRequest): Promise<{ job: EvaluationJob; created: boolean }> {
      const existing = await evaluator.findJobByName(request.name);
      if (existing) return { job: existing, created: false };
      return { job: await evaluator.createJob(request), created: true };
    },

    getResults(id: string): Promise<EvaluationResults> {
      return http.call({ method: 'GET', path: jobPath(id, 'results') }, EvaluationResultsSchema);
    },

    /** Deletes the job (stopping it if it runs); answers false when it was already gone. */
    deleteJob(id: string): Promise<boolean> {
      return deleteIfPresent(http.send({ method: 'DELETE', path: jobPath(id) }));
    },

    jobUri(id: string): string {
      return `${http.baseUrl}${jobPath(id)}`;
    },

    /** Waits until `completed`; `failed` or `cancelled` is a permanent error with the job's message. */
    waitUntilDone(id: string, options?: WaitOptions): Promise<EvaluationJob> {
      const what = { method: 'GET', path: jobPath(id) };
      return pollUntil({
        what,
        read: () => http.call({ method: 'GET', path: jobPath(id) }, EvaluationJobSchema),
        done: (j) => j.status === 'completed',
        failed: (j) =>
          j.status === 'failed' || j.status === 'cancelled'
            ? `evaluation ${j.status}: ${j.status_details?.message ?? 'no detail'}`
            : undefined,
        describe: (j) => `status ${j.status} at ${j.status_details?.progress ?? 0}%`,
        options,
      });
    },
  };
  return evaluator;
}

export type EvaluatorClient = ReturnType<typeof createEvaluator>;
