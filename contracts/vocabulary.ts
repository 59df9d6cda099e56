// The values themselves, as plain tuples: no imports at all, so workflow code takes them into
// its bundle without zod. The zod enums built from them are in ./schemas.

/** What a workload's answers are, once known: it picks the evaluation and the stratification. */
export const RESOLVED_WORKLOAD_TYPES = ['tool_calling', 'classification', 'generic'] as const;
/** What a config may say: a resolved type, or `auto` to detect it from the logs. */
export const WORKLOAD_TYPES = ['auto', ...RESOLVED_WORKLOAD_TYPES] as const;

/** What a run's decision compares on: an llm_job's resolved workload type, or an embedding_job's retrieval. */
export const DECISION_WORKLOAD_TYPES = [...RESOLVED_WORKLOAD_TYPES, 'retrieval'] as const;

/** A candidate's evaluations, in the order they are shown (the Blueprint's EvalType). */
export const EVAL_TYPES = ['base-eval', 'icl-eval', 'customized-eval'] as const;
/** Which model of a candidate an evaluation scored, one per evaluation type (base-eval: base, ...). */
export const MODEL_VARIANTS = ['base', 'icl', 'customized'] as const;
/** Which model of a candidate a general-capability benchmark (the regression gate) ran on. */
export const BENCHMARK_VARIANTS = ['base', 'customized'] as const;

// Status vocabularies. The Blueprint's are kept value for value (its clients validate against
// them); Flywheel's richer ones extend them, additions marked. A Blueprint field of an API
// response carries only Blueprint values; Flywheel's states go in additive fields.

export const FLYWHEEL_RUN_STATUSES = ['pending', 'running', 'completed', 'cancelled', 'failed'] as const;
export const TERMINAL_RUN_STATUSES = ['completed', 'cancelled', 'failed'] as const;

/** The Blueprint's NIMRunStatus. */
export const BLUEPRINT_NIM_RUN_STATUSES = [
  'pending',
  'deploying-nim',
  'running-evals',
  'cancelled',
  'completed',
  'failed',
] as const;
/** A candidate's status in Flywheel: the Blueprint's plus the wait for the GPU budget. */
export const CANDIDATE_STATUSES = [
  'pending',
  'waiting-for-gpus', // added: queued behind the GPU budget
  'deploying-nim',
  'running-evals',
  'cancelled',
  'completed',
  'failed',
] as const;

/** The Blueprint's DeploymentStatus. */
export const BLUEPRINT_DEPLOYMENT_STATUSES = [
  'created',
  'pending',
  'running',
  'cancelled',
  'failed',
  'completed',
  'ready',
  'unknown',
] as const;
/** Where a candidate's (or a local judge's) deployment stands in Flywheel: the Blueprint's plus teardown. */
export const DEPLOYMENT_STATUSES = [
  ...BLUEPRINT_DEPLOYMENT_STATUSES,
  'deleting', // added: teardown in progress
  'deleted', // added: torn down
] as const;

/** A stored evaluation's or customization's status (added: the Blueprint leaves clients to infer it). */
export const STEP_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
/** A step's live state in a run's progress: a stored status, or skipped (never runs in this run). */
export const STEP_STATES = [...STEP_STATUSES, 'skipped'] as const;

/** Where a run's workflow is. */
export const RUN_PHASES = [
  'initializing',
  'building-datasets',
  'waiting-for-judge',
  'running-candidates',
  'cancelling',
  'finalizing',
  'completed',
  'failed',
  'cancelled',
] as const;

/** How the LLM judge is reached. */
export const JUDGE_DEPLOYMENT_TYPES = ['remote', 'local'] as const;

/** A job id: 24 lowercase hexadecimal characters, as the Blueprint's ObjectId ids look to clients. */
export const JOB_ID_PATTERN = /^[0-9a-f]{24}$/;
export const isJobId = (value: string): boolean => JOB_ID_PATTERN.test(value);

/**
 * What a flywheel run distils (the Blueprint architecture's `job_type`): an LLM from chat
 * logs, or an embedding model from retrieval logs. A request without it is an `llm_job`.
 */
export const JOB_TYPES = ['llm_job', 'embedding_job'] as const;
export const DEFAULT_JOB_TYPE = 'llm_job' as const satisfies (typeof JOB_TYPES)[number];
