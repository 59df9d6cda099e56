import { DecodeUTF8, Unzip, UnzipInflate } from 'fflate';
import { z } from 'zod';
import { deleteIfPresent, isNotFound, NemoPermanentError, orAbsent } from './errors';
import {
  BASE_FIELD,
  chooseJob,
  createOutcomeUnknown,
  FIND_AGAIN_FIELD,
  hasKey,
  oneAtATime,
  survivorOf,
} from './find-again';
import { checkRequest, type HttpCore, pathOf } from './http';
import { listAll, newest } from './pagination';
import { RetrieverEvaluationConfigSchema, RetrieverTargetSchema } from './retriever-evaluation';
import { JobStatusSchema } from './statuses';
import { pollUntil, type WaitOptions } from './wait';

export const ApiEndpointSchema = z.strictObject({
  url: z.url(),
  model_id: z.string().min(1),
  api_key: z.string().min(1).optional(),
});
export type ApiEndpoint = z.infer<typeof ApiEndpointSchema>;

export const EvaluationTargetSchema = z.strictObject({
  type: z.literal('model'),
  model: z.union([z.string().min(1), z.strictObject({ api_endpoint: ApiEndpointSchema })]),
});

const MetricSchema = z.strictObject({ type: z.string().min(1), params: z.record(z.string(), z.unknown()).optional() });

export const CustomEvaluationConfigSchema = z.strictObject({
  type: z.literal('custom'),
  tasks: z.record(
    z.string(),
    z.strictObject({
      type: z.literal('chat-completion'),
      dataset: z.strictObject({
        files_url: z.string().startsWith('hf://datasets/'),
        limit: z.number().int().positive().optional(),
      }),
      params: z.strictObject({ template: z.looseObject({ messages: z.unknown() }) }),
      metrics: z.record(z.string(), MetricSchema),
    }),
  ),
});
export type EvaluationConfig = z.infer<typeof CustomEvaluationConfigSchema>;

/**
 * An academic benchmark config (the SDK's `EvaluationConfigParam`: `type` names the benchmark,
 * e.g. `gsm8k` of the LM Evaluation Harness; `tasks` by name with their own `type`; `params` the
 * SDK's `EvaluationParamsParam`: limit_samples, temperature, top_p, max_tokens, stop, extra...).
 */
export const BenchmarkEvaluationConfigSchema = z.strictObject({
  type: z
    .string()
    .min(1)
    .refine((t) => t !== 'custom', 'a custom config has tasks with datasets and metrics'),
  tasks: z.record(z.string(), z.looseObject({ type: z.string().min(1) })).optional(),
  params: z
    .looseObject({
      limit_samples: z.number().int().positive().optional(),
      extra: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});
export type BenchmarkEvaluationConfig = z.infer<typeof BenchmarkEvaluationConfigSchema>;

export const EvaluationConfigSchema = z.union([CustomEvaluationConfigSchema, BenchmarkEvaluationConfigSchema]);

/** The SDK's `JobCreateParams` for evaluation: no name; the find-again key is in `custom_fields`. */
export const EvaluationJobRequestSchema = z.strictObject({
  namespace: z.string().min(1),
  custom_fields: z.record(z.string(), z.string()),
  config: z.union([EvaluationConfigSchema, RetrieverEvaluationConfigSchema]),
  target: z.union([EvaluationTargetSchema, RetrieverTargetSchema]),
});
export type EvaluationJobRequest = z.input<typeof EvaluationJobRequestSchema>;

const StatusDetailsSchema = z.looseObject({
  progress: z.number().nullish(),
  message: z.string().nullish(),
  samples_processed: z.number().nullish(),
});

/** The SDK's `EvaluationJob` (the fields Flywheel reads). */
export const EvaluationJobSchema = z.looseObject({
  id: z.string(),
  namespace: z.string().nullish(),
  custom_fields: z.record(z.string(), z.unknown()).nullish(),
  status: JobStatusSchema,
  status_details: StatusDetailsSchema.nullish(),
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

/**
 * One evaluated sample from the results archive (`download-results`): a JSON line of a
 * `*.jsonl` file under the task's folder, holding the dataset `item`, the model's `sample`
 * output and its per-metric scores.
 */
export const SampleRecordSchema = z.looseObject({
  index: z.number().int().optional(),
  item: z.unknown(),
  sample: z.looseObject({ output_text: z.string().nullish(), response: z.unknown().optional() }).nullish(),
  metrics: z.record(z.string(), z.record(z.string(), z.number().nullable())).default({}),
});
export type SampleRecord = z.infer<typeof SampleRecordSchema> & { task: string };

const JOBS = '/v1/evaluation/jobs';

export function createEvaluator(http: HttpCore) {
  const jobPath = (id: string, ...rest: string[]) => `${JOBS}${pathOf(id, ...rest)}`;

  /** Keeps the surviving job of `key` (see survivorOf) and cancels the redundant ones. */
  const settle = async (jobs: EvaluationJob[], mine: EvaluationJob, key: string): Promise<EvaluationJob> => {
    const { keep, redundant } = survivorOf(jobs, mine, key);
    await Promise.all(redundant.map((j) => evaluator.cancelJob(j.id)));
    return keep;
  };

  /**
   * The job of `key` once it is listed, looked for as long as a call waits for its answer;
   * undefined when it never shows (the caller then reports its create's own failure).
   */
  const landing = (scope: { base: string; namespace: string }, key: string) =>
    pollUntil({
      what: { method: 'GET', path: JOBS },
      read: async () => (await evaluator.listGenerations(scope)).find((j) => hasKey(j, key)),
      done: (found) => found !== undefined,
      describe: () => `no evaluation job with key ${key}`,
      options: { intervalMs: 250, timeoutMs: http.timeoutMs },
    }).catch(() => undefined);

  const evaluator = {
    async createJob(request: EvaluationJobRequest): Promise<EvaluationJob> {
      const body = checkRequest(EvaluationJobRequestSchema, request, 'POST', JOBS);
      return http.call({ method: 'POST', path: JOBS, body: { json: body } }, EvaluationJobSchema);
    },

    getJob(id: string): Promise<EvaluationJob | undefined> {
      return orAbsent(http.call({ method: 'GET', path: jobPath(id) }, EvaluationJobSchema));
    },

    /** Jobs matching the documented filters; `customFields` become `filter[custom_fields][k]=v`. */
    listJobs(
      filter: { namespace?: string; status?: string; customFields?: Record<string, string> } = {},
    ): Promise<EvaluationJob[]> {
      const query: Record<string, string> = {};
      if (filter.namespace) query['filter[namespace]'] = filter.namespace;
      if (filter.status) query['filter[status]'] = filter.status;
      for (const [k, v] of Object.entries(filter.customFields ?? {})) query[`filter[custom_fields][${k}]`] = v;
      return listAll(http, JOBS, EvaluationJobSchema, query);
    },

    /** The newest job carrying this find-again key in its namespace (checked here too). */
    async findJob(where: { key: string; namespace: string }): Promise<EvaluationJob | undefined> {
      const jobs = await evaluator.listJobs({
        namespace: where.namespace,
        customFields: { [FIND_AGAIN_FIELD]: where.key },
      });
      return newest(jobs.filter((j) => hasKey(j, where.key)));
    },

    /** Every generation of one logical job (`custom_fields.flywheel_base`), see `chooseJob`. */
    listGenerations(where: { base: string; namespace: string }): Promise<EvaluationJob[]> {
      return evaluator.listJobs({ namespace: where.namespace, customFields: { [BASE_FIELD]: where.base } });
    },

    /**
     * Resumes the usable job of this base key, or creates one (a fresh generation when every
     * earlier job failed). `request` is completed with the chosen key's `custom_fields`.
     */
    async ensureJob(
      request: Omit<EvaluationJobRequest, 'custom_fields'>,
      where: { base: string; generation: string },
    ): Promise<{ job: EvaluationJob; created: boolean }> {
      const scope = { base: where.base, namespace: request.namespace };
      return oneAtATime(`${request.namespace}/${where.base}`, async () => {
        const listed = await evaluator.listGenerations(scope);
        const choice = chooseJob(listed, where.base, where.generation);
        if ('resume' in choice) {
          const key = String(choice.resume.custom_fields?.[FIND_AGAIN_FIELD] ?? where.base);
          return { job: await settle(listed, choice.resume, key), created: false };
        }
        const { key, customFields } = choice.create;
        let created: EvaluationJob;
        try {
          created = await evaluator.createJob({ ...request, custom_fields: customFields });
        } catch (err) {
          if (!createOutcomeUnknown(err)) throw err;
          // it may still be carried out: until an answer would have come, look for it instead of
          // leaving a retry to create a second one beside it
          const landed = await landing(scope, key);
          if (!landed) throw err;
          created = landed;
        }
        // evaluation jobs have no unique name: a racer may have created one too
        const keep = await settle(await evaluator.listGenerations(scope), created, key);
        return { job: keep, created: keep.id === created.id };
      });
    },

    /** `GET .../status`: progress, message and samples processed. */
    getStatus(id: string) {
      return http.call({ method: 'GET', path: jobPath(id, 'status') }, StatusDetailsSchema);
    },

    getResults(id: string): Promise<EvaluationResults> {
      return http.call({ method: 'GET', path: jobPath(id, 'results') }, EvaluationResultsSchema);
    },

    /** The results archive (zip) of a finished job. */
    async downloadResults(id: string): Promise<Uint8Array> {
      return http.bytes({ method: 'GET', path: jobPath(id, 'download-results') });
    },

    /**
     * Streams the job's results archive (`download-results`) and hands every evaluated sample
     * (a line of a `*.jsonl` file, its task the file's folder) to `visit` as it is inflated: the
     * archive, its files and the samples' items are never held whole. Answers how many samples
     * were read, or `archive: 'absent'` when the server keeps no results archive (404).
     */
    async readSampleResults(
      id: string,
      visit: (sample: SampleRecord) => void,
    ): Promise<{ archive: 'present'; files: number; samples: number } | { archive: 'absent' }> {
      const spec = { method: 'GET' as const, path: jobPath(id, 'download-results') };
      const fail = (message: string) => new NemoPermanentError(message, spec);
      let files = 0;
      let samples = 0;
      let failure: Error | undefined;
      const unzip = new Unzip();
      unzip.register(UnzipInflate);
      unzip.onfile = (file) => {
        if (!file.name.endsWith('.jsonl')) return;
        files++;
        const task = file.name.split('/').at(-2) ?? '';
        let carry = '';
        let lineNo = 0;
        const take = (line: string) => {
          lineNo++;
          if (failure || !line.trim()) return;
          let json: unknown;
          try {
            json = JSON.parse(line);
          } catch (err) {
            failure = fail(`results archive ${file.name} line ${lineNo}: ${(err as Error).message}`);
            return;
          }
          const parsed = SampleRecordSchema.safeParse(json);
          if (!parsed.success) {
            failure = fail(`results archive ${file.name} line ${lineNo}: ${parsed.error.issues[0]?.message}`);
            return;
          }
          samples++;
          visit({ ...parsed.data, task });
        };
        const text = new DecodeUTF8((chunk, final) => {
          const lines = (carry + chunk).split('\n');
          carry = lines.pop() ?? '';
          for (const line of lines) take(line);
          if (final && carry) take(carry);
        });
        file.ondata = (err, chunk, final) => {
          if (err) failure ??= fail(`results archive ${file.name}: ${err.message}`);
          else text.push(chunk, final);
        };
        file.start();
      };
      try {
        for await (const chunk of http.stream(spec)) {
          unzip.push(chunk);
          if (failure) throw failure;
        }
        unzip.push(new Uint8Array(0), true);
      } catch (err) {
        if (isNotFound(err)) return { archive: 'absent' };
        if (err instanceof Error && err.name === 'NemoRetryableError') throw err;
        throw failure ?? (err instanceof NemoPermanentError ? err : fail(`results archive: ${(err as Error).message}`));
      }
      if (failure) throw failure;
      return { archive: 'present', files, samples };
    },

    /** Every evaluated sample of the job, read from its results archive (small archives: tests, tools). */
    async getSampleResults(id: string): Promise<SampleRecord[]> {
      const samples: SampleRecord[] = [];
      await evaluator.readSampleResults(id, (s) => samples.push(s));
      return samples;
    },

    /** Cancels the job (it stays readable as `cancelled`); answers false when there is no such job. */
    async cancelJob(id: string): Promise<boolean> {
      try {
        await http.send({ method: 'POST', path: jobPath(id, 'cancel') });
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },

    /** Deletes the job; answers false when it was already gone. */
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
