import { z } from 'zod';

// Status vocabularies of the Blueprint's API, kept value-for-value so existing clients work.
// Additions are marked.

export const FlywheelRunStatus = z.enum(['pending', 'running', 'completed', 'cancelled', 'failed']);
export type FlywheelRunStatus = z.infer<typeof FlywheelRunStatus>;
export const TERMINAL_RUN_STATUSES: readonly FlywheelRunStatus[] = ['completed', 'cancelled', 'failed'];

export const NimRunStatus = z.enum([
  'pending',
  'waiting-for-gpus', // added: queued behind the GPU budget
  'deploying-nim',
  'running-evals',
  'cancelled',
  'completed',
  'failed',
]);
export type NimRunStatus = z.infer<typeof NimRunStatus>;

export const DeploymentStatus = z.enum([
  'created',
  'pending',
  'running',
  'cancelled',
  'failed',
  'completed',
  'ready',
  'unknown',
  'deleting', // added: teardown in progress
  'deleted', // added: torn down
]);
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

export const EvalType = z.enum(['base-eval', 'icl-eval', 'customized-eval']);
export type EvalType = z.infer<typeof EvalType>;

/** Step status, added: upstream leaves clients to infer it from finished_at/error. */
export const StepStatus = z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']);
export type StepStatus = z.infer<typeof StepStatus>;

export const DatasetRef = z.object({
  name: z.string(),
  num_records: z.number().int().nonnegative(),
  nmp_uri: z.string().nullable(),
});
export type DatasetRef = z.infer<typeof DatasetRef>;

export interface FlywheelRunDoc {
  _id: string; // the job id: 24 hex characters, as upstream's ObjectId ids look to clients
  workload_id: string;
  client_id: string;
  status: FlywheelRunStatus;
  started_at: Date;
  finished_at: Date | null;
  num_records: number;
  nims: never[]; // legacy field upstream keeps empty
  datasets: DatasetRef[];
  error: string | null;
  // additions
  config_name: string | null;
  workflow_id: string;
  /** The Temporal run executing the job; a reset or retry starts a new one. */
  workflow_run_id?: string | null;
  candidates_total: number;
  /** The candidates' model names, so a run's step documents can be read by their ids. */
  candidate_models?: string[];
  candidates_failed: number;
  dataset_report: Record<string, unknown> | null;
  cancel_reason: string | null;
  schedule_id: string | null;
}

export interface NimRunDoc {
  _id: string; // `${run}:${model_name}`, deterministic so retries upsert
  flywheel_run_id: string;
  model_name: string;
  started_at: Date | null;
  finished_at: Date | null;
  runtime_seconds: number;
  evaluations: never[];
  status: NimRunStatus;
  deployment_status: DeploymentStatus | null;
  error: string | null;
}

export interface EvaluationDoc {
  _id: string; // `${nim_id}:${eval_type}`
  nim_id: string;
  flywheel_run_id: string;
  eval_type: EvalType;
  scores: Record<string, number>;
  started_at: Date;
  finished_at: Date | null;
  runtime_seconds: number;
  progress: number;
  nmp_uri: string | null;
  mlflow_uri: string | null;
  job_id: string | null;
  error: string | null;
  status: StepStatus;
}

export interface CustomizationDoc {
  _id: string; // `${nim_id}:customization`
  nim_id: string;
  flywheel_run_id: string;
  job_id: string | null;
  workload_id: string;
  base_model: string;
  customized_model: string | null;
  started_at: Date;
  finished_at: Date | null;
  runtime_seconds: number;
  progress: number;
  epochs_completed: number;
  steps_completed: number;
  nmp_uri: string | null;
  error: string | null;
  status: StepStatus;
}

export interface LlmJudgeRunDoc {
  _id: string; // the run id: one judge per run
  flywheel_run_id: string;
  model_name: string;
  deployment_type: 'remote' | 'local';
  deployment_status: DeploymentStatus | null;
  error: string | null;
}

export const COLLECTIONS = {
  runs: 'flywheel_runs',
  nims: 'nims',
  evaluations: 'evaluations',
  customizations: 'customizations',
  judges: 'llm_judge_runs',
} as const;

export const JOB_ID_PATTERN = /^[0-9a-f]{24}$/;
export const nimId = (runId: string, modelName: string) => `${runId}:${modelName}`;
export const evaluationId = (nim: string, evalType: EvalType) => `${nim}:${evalType}`;
export const customizationId = (nim: string) => `${nim}:customization`;
