import { z } from 'zod';
import type {
  BenchmarkVariant,
  CandidateStatus,
  DeploymentStatus,
  EvalType,
  FlywheelRunStatus,
  JobType,
  JudgeDeploymentType,
  StepStatus,
} from '../../contracts';
import type { RunDecision } from '../../decision/build';
import type { ScoreInterval } from '../../decision/scores';
import type { WorkloadTraffic } from '../traffic-stats';

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
  /** llm_job (absent on runs from before job types) or embedding_job. */
  job_type?: JobType;
  /** Added: the run's recommendation with its evidence, written as the run finalizes. */
  decision?: StoredDecision | null;
  /**
   * Added: grows with every write that changes a finished run's detail (teardown records, MLflow
   * links, benchmarks, errors), so a cached detail is valid for one (finished_at, revision) only.
   */
  detail_revision?: number;
}

export type StoredDecision = RunDecision & { traffic: WorkloadTraffic; computed_at: Date };

export interface NimRunDoc {
  _id: string; // `${run}:${model_name}`, deterministic so retries upsert
  flywheel_run_id: string;
  model_name: string;
  started_at: Date | null;
  finished_at: Date | null;
  runtime_seconds: number;
  evaluations: never[];
  status: CandidateStatus;
  deployment_status: DeploymentStatus | null;
  error: string | null;
  /** Added: general-capability benchmarks of the regression gate, by `generalBenchmarkKey`. */
  general_benchmarks?: Record<string, GeneralBenchmarkDoc>;
}

/** One academic benchmark run (NeMo Evaluator) on a candidate's base or customized model. */
export interface GeneralBenchmarkDoc {
  /** The Evaluator's evaluation type, e.g. gsm8k. */
  benchmark: string;
  variant: BenchmarkVariant;
  target_model: string;
  task: string;
  /** The metric read (null until the job finished). */
  metric: string | null;
  score: number | null;
  /** Items scored, as the results say. */
  count: number | null;
  status: StepStatus;
  job_id: string | null;
  nmp_uri: string | null;
  error: string | null;
  started_at: Date;
  finished_at: Date | null;
}

export const generalBenchmarkKey = (variant: BenchmarkVariant, benchmark: string) => `${variant}:${benchmark}`;

export interface EvaluationDoc {
  _id: string; // `${nim_id}:${eval_type}`
  nim_id: string;
  flywheel_run_id: string;
  eval_type: EvalType;
  scores: Record<string, number>;
  /**
   * Per-sample outcomes from the Evaluator's results archive (nemo-client `SampleOutcome`:
   * `{index, scores: {<score key>: value}, label?, predicted?}`), once the evaluation completed.
   */
  samples?: { index: number; scores: Record<string, number>; label?: string; predicted?: string | null }[];
  /** Added: every score's confidence interval, computed from `samples` when the evaluation completed. */
  score_intervals?: Record<string, ScoreInterval>;
  /** Added: per score key, the items the Evaluator's aggregate counted (`stats.count`). */
  score_counts?: Record<string, number>;
  /** Added: whether the server gave per-sample results, and what the intervals fell back to when not. */
  per_sample?: PerSampleResults;
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

export interface PerSampleResults {
  /** False: the server's results archive was missing or held no samples of the evaluated task. */
  available: boolean;
  /** Per-sample results read for the workload's task. */
  count: number;
  /** For a person: where the samples came from, or why the intervals use the aggregate instead. */
  detail: string;
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
  deployment_type: JudgeDeploymentType;
  deployment_status: DeploymentStatus | null;
  error: string | null;
}

/** A finished run's judge and steps in one document (a cache: the collections above are the record). */
export interface RunSnapshotDoc {
  _id: string; // the run id
  finished_at: Date; // the run's, when the snapshot was taken
  detail_revision?: number; // the run's, read before the snapshot's documents
  judge: LlmJudgeRunDoc | null;
  nims: NimRunDoc[];
  evaluations: EvaluationDoc[];
  customizations: CustomizationDoc[];
}

/** The config a run resolved at its start, stored once; activities read it by the run's id. */
export interface RunConfigDoc {
  _id: string; // the run id
  config_json: string; // JSON, so config keys never meet the database's field-name rules
  stored_at: Date;
}

export const COLLECTIONS = {
  runs: 'flywheel_runs',
  nims: 'nims',
  evaluations: 'evaluations',
  customizations: 'customizations',
  judges: 'llm_judge_runs',
  snapshots: 'run_snapshots', // added
  configs: 'run_configs', // added
  detailChanges: 'detail_changes', // added: see detail-changes.ts
} as const;

export const nimId = (runId: string, modelName: string) => `${runId}:${modelName}`;
export const evaluationId = (nim: string, evalType: EvalType) => `${nim}:${evalType}`;
export const customizationId = (nim: string) => `${nim}:customization`;
