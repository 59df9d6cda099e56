import { z } from '@hono/zod-openapi';
import * as contracts from '../../contracts';
import { Decision, orNull, Recommendation, ScoreInterval } from '../decision/schemas';
import { NAIVE_UTC_EXAMPLE } from '../time';

// Request and response shapes of /api/jobs. Field names, enums and nullability follow the
// Blueprint's src/api/schemas.py; additions are marked and always optional for clients.

// The shared contracts' enums, re-made with the OpenAPI-extended zod (theirs were built before
// the extension): same values, named components in the OpenAPI document. The Blueprint's fields
// hold only the Blueprint's values; Flywheel's own states are in additive fields.
const FlywheelRunStatus = z.enum(contracts.FlywheelRunStatus.options).openapi('FlywheelRunStatus');
const NimRunStatus = z.enum(contracts.BlueprintNimRunStatus.options).openapi('NIMRunStatus');
const DeploymentStatus = z.enum(contracts.BlueprintDeploymentStatus.options).openapi('DeploymentStatus');
const FlywheelNimRunStatus = z.enum(contracts.CandidateStatus.options).openapi('FlywheelNIMRunStatus', {
  description:
    "Added: the candidate status with Flywheel's extra state (waiting-for-gpus: queued behind the GPU budget)",
});
const FlywheelDeploymentStatus = z.enum(contracts.DeploymentStatus.options).openapi('FlywheelDeploymentStatus', {
  description:
    "Added: the deployment status with Flywheel's extra states (deleting: teardown in progress; deleted: torn down)",
});
const EvalType = z.enum(contracts.EvalType.options).openapi('EvalType');
const StepStatus = z
  .enum(contracts.StepStatus.options)
  .openapi('StepStatus', { description: 'Added: the step status clients had to infer' });
const JudgeType = z.enum(contracts.JudgeDeploymentType.options);
const JobType = z.enum(contracts.JobType.options).openapi('JobType', {
  description:
    'What the run distils: an LLM from chat-completion logs (llm_job) or an embedding model from retrieval logs (embedding_job)',
});

const Timestamp = z
  .string()
  .openapi({ description: 'Naive UTC ISO-8601, as the Blueprint', example: NAIVE_UTC_EXAMPLE });
const NullableTimestamp = Timestamp.nullable();
const Id = z.string().openapi({ example: '65f1c0ffee0123456789abcd' });

export const JobIdParam = z.object({
  job_id: z.string().openapi({
    param: { name: 'job_id', in: 'path' },
    description: '24 hexadecimal characters; anything else is answered with 400',
    example: '65f1c0ffee0123456789abcd',
  }),
});

export const DataSplitOverride = z.object(contracts.DataSplitOverride.shape).openapi('DataSplitConfig', {
  description:
    'Per-job split settings. Omitted fields keep the value of the job config (the Blueprint used model defaults).',
});

export const JobRequest = z
  .object({
    workload_id: z.string().min(1).max(256).openapi({ example: 'primary_assistant' }),
    client_id: z.string().min(1).max(256).openapi({ example: 'aiva-1' }),
    data_split_config: DataSplitOverride.nullable().optional(),
    config_name: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: 'Added: a named config (GET /api/configs lists them); default "default"' }),
    job_type: JobType.optional().openapi({
      description: `The Blueprint architecture's job type; default "${contracts.DEFAULT_JOB_TYPE}"`,
    }),
  })
  .openapi('JobRequest');

export const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).optional().openapi({
    description:
      'Added: repeating a create with the same key returns the same job instead of a new one; the same key with a different workload, client or config is a 409',
  }),
});

export const IfNoneMatchHeader = z.object({
  'if-none-match': z.string().max(1024).optional().openapi({
    description: "Added: a finished job's ETag; answered with 304 while it still matches",
  }),
});

export const JobResponse = z
  .object({
    id: Id,
    status: z.enum(['queued', 'running', 'completed', 'failed']),
    message: z.string(),
  })
  .openapi('JobResponse');

export const Dataset = z
  .object({ name: z.string(), num_records: z.number().int().nonnegative(), nmp_uri: z.string().nullable() })
  .openapi('Dataset');

export const JobListItem = z
  .object({
    id: Id,
    workload_id: z.string(),
    client_id: z.string().nullable(),
    status: FlywheelRunStatus,
    started_at: Timestamp,
    finished_at: NullableTimestamp,
    datasets: z.array(Dataset),
    error: z.string().nullable(),
    config_name: z.string().nullable().openapi({ description: 'Added: the config the run uses' }),
    schedule_id: z.string().nullable().openapi({ description: 'Added: the schedule that started the run, if any' }),
  })
  .openapi('JobListItem');

/** GET /api/jobs without `limit`: one page this large (enough for a Blueprint client's whole list in practice). */
export const DEFAULT_JOBS_PAGE_SIZE = 500;
/** The largest page a client may ask for. */
export const MAX_JOBS_PAGE_SIZE = 1000;

export const JobsListQuery = z.object({
  workload_id: z.string().min(1).optional().openapi({ description: 'Added: only this workload' }),
  client_id: z.string().min(1).optional().openapi({ description: 'Added: only this client' }),
  status: FlywheelRunStatus.optional().openapi({ description: 'Added: only runs in this status' }),
  sort: z
    .enum(['started_at', '-started_at'])
    .optional()
    .openapi({ description: 'Added: by start time, oldest first (default) or newest first ("-started_at")' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_JOBS_PAGE_SIZE)
    .optional()
    .openapi({
      description: `Added: page size, at most ${MAX_JOBS_PAGE_SIZE}; default ${DEFAULT_JOBS_PAGE_SIZE}. When more jobs match, \`next_cursor\` is set: pass it as \`cursor\` for the next page`,
    }),
  cursor: z.string().min(1).max(200).optional().openapi({ description: 'Added: `next_cursor` of the previous page' }),
});

export const JobsListResponse = z
  .object({
    jobs: z.array(JobListItem),
    next_cursor: z.string().nullable().openapi({ description: 'Added: pass as `cursor` for the next page' }),
  })
  .openapi('JobsListResponse');

export const PerSampleResults = z
  .object({
    available: z
      .boolean()
      .openapi({ description: 'False: the server gave no per-sample results for the evaluated task' }),
    count: z.number().int().nonnegative(),
    detail: z.string(),
  })
  .openapi('PerSampleResults', { description: 'Added: where the intervals of the scores came from' });

export const Evaluation = z
  .object({
    eval_type: EvalType,
    scores: z.record(z.string(), z.number()),
    started_at: Timestamp,
    finished_at: NullableTimestamp,
    runtime_seconds: z.number().nonnegative(),
    progress: z.number().min(0).max(100),
    nmp_uri: z.string().nullable(),
    mlflow_uri: z.string().nullable(),
    error: z.string().nullable(),
    status: StepStatus,
    score_intervals: z.record(z.string(), ScoreInterval).openapi({
      description:
        "Added: each score's confidence interval, from the per-sample results (Wilson for accuracies, bootstrap for judge scores and F1) or, when the server gave none, from the aggregate (`wilson-bound`)",
    }),
    per_sample: orNull(PerSampleResults),
  })
  .openapi('Evaluation');

export const Customization = z
  .object({
    started_at: Timestamp,
    finished_at: NullableTimestamp,
    runtime_seconds: z.number().nonnegative(),
    progress: z.number().min(0).max(100),
    epochs_completed: z.number().int().nonnegative(),
    steps_completed: z.number().int().nonnegative(),
    nmp_uri: z.string().nullable(),
    customized_model: z.string().nullable(),
    error: z.string().nullable(),
    status: StepStatus,
  })
  .openapi('Customization');

const Deployment = DeploymentStatus;

export const GeneralBenchmarkResponse = z
  .object({
    benchmark: z.string().openapi({ example: 'gsm8k', description: "The Evaluator's evaluation type" }),
    variant: z.enum(contracts.BenchmarkVariant.options),
    target_model: z.string(),
    task: z.string(),
    metric: z.string().nullable(),
    score: z.number().nullable(),
    count: z.number().int().nullable(),
    status: StepStatus,
    job_id: z.string().nullable(),
    nmp_uri: z.string().nullable(),
    error: z.string().nullable(),
    started_at: Timestamp,
    finished_at: NullableTimestamp,
  })
  .openapi('GeneralBenchmark', { description: 'Added: one regression-gate benchmark of the base or customized model' });

export const NimResponse = z
  .object({
    model_name: z.string(),
    status: NimRunStatus,
    deployment_status: Deployment,
    flywheel_status: FlywheelNimRunStatus,
    flywheel_deployment_status: FlywheelDeploymentStatus.nullable(),
    runtime_seconds: z.number().nonnegative(),
    evaluations: z.array(Evaluation),
    customizations: z.array(Customization),
    error: z.string().nullable(),
    general_benchmarks: z
      .array(GeneralBenchmarkResponse)
      .optional()
      .openapi({ description: 'Added: the regression gate’s general benchmarks, when it is on' }),
  })
  .openapi('NIMResponse');

export const LlmJudgeResponse = z
  .object({
    model_name: z.string(),
    type: JudgeType,
    deployment_status: Deployment,
    flywheel_deployment_status: FlywheelDeploymentStatus.nullable(),
    error: z.string().nullable(),
  })
  .openapi('LLMJudgeResponse');

export const JobDetailResponse = z
  .object({
    id: Id,
    workload_id: z.string(),
    client_id: z.string(),
    status: FlywheelRunStatus,
    started_at: Timestamp,
    finished_at: NullableTimestamp,
    num_records: z.number().int().nonnegative(),
    llm_judge: LlmJudgeResponse.nullable(),
    nims: z.array(NimResponse),
    datasets: z.array(Dataset),
    error: z.string().nullable(),
    config_name: z.string().nullable().openapi({ description: 'Added' }),
    schedule_id: z.string().nullable().openapi({ description: 'Added' }),
    cancel_reason: z.string().nullable().openapi({ description: 'Added: why the run was cancelled' }),
    job_type: JobType.optional().openapi({ description: 'Added: llm_job or embedding_job' }),
    recommendation: orNull(Recommendation)
      .optional()
      .openapi({ description: 'Added: which candidate could replace the production model, recorded as the run ends' }),
    decision: orNull(Decision).optional().openapi({ description: 'Added: the evidence behind the recommendation' }),
    workflow_id: z.string().openapi({ description: "Added: the run's Temporal workflow id" }),
    workflow_run_id: z
      .string()
      .nullable()
      .openapi({ description: "Added: the run id of the workflow's current execution" }),
    workflow_url: z
      .string()
      .nullable()
      .openapi({ description: "Added: the run's page in the Temporal Web UI (null when no Web UI is configured)" }),
  })
  .openapi('JobDetailResponse');

export const JobCancelResponse = z.object({ id: Id, message: z.string() }).openapi('JobCancelResponse');
export const JobDeleteResponse = z.object({ id: Id, message: z.string() }).openapi('JobDeleteResponse');

export type JobRequest = z.infer<typeof JobRequest>;
export type JobsListQuery = z.infer<typeof JobsListQuery>;
export type JobListItem = z.infer<typeof JobListItem>;
export type JobDetailResponse = z.infer<typeof JobDetailResponse>;
