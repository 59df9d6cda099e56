import { z } from 'zod';
import * as v from './vocabulary';

// The shared vocabulary as zod enums, for validation at the boundaries (config, API, stores).

export const ResolvedWorkloadType = z.enum(v.RESOLVED_WORKLOAD_TYPES);
export type ResolvedWorkloadType = z.infer<typeof ResolvedWorkloadType>;
export const WorkloadType = z.enum(v.WORKLOAD_TYPES);
export type WorkloadType = z.infer<typeof WorkloadType>;

export const JobType = z.enum(v.JOB_TYPES);
export type JobType = z.infer<typeof JobType>;

export const EvalType = z.enum(v.EVAL_TYPES);
export type EvalType = z.infer<typeof EvalType>;
export const BenchmarkVariant = z.enum(v.BENCHMARK_VARIANTS);
export type BenchmarkVariant = z.infer<typeof BenchmarkVariant>;

export const FlywheelRunStatus = z.enum(v.FLYWHEEL_RUN_STATUSES);
export type FlywheelRunStatus = z.infer<typeof FlywheelRunStatus>;
export const TerminalRunStatus = z.enum(v.TERMINAL_RUN_STATUSES);
export type TerminalRunStatus = z.infer<typeof TerminalRunStatus>;

export const BlueprintNimRunStatus = z.enum(v.BLUEPRINT_NIM_RUN_STATUSES);
export type BlueprintNimRunStatus = z.infer<typeof BlueprintNimRunStatus>;
export const CandidateStatus = z.enum(v.CANDIDATE_STATUSES);
export type CandidateStatus = z.infer<typeof CandidateStatus>;
export const TerminalCandidateStatus = CandidateStatus.extract(['completed', 'failed', 'cancelled']);
export type TerminalCandidateStatus = z.infer<typeof TerminalCandidateStatus>;

export const BlueprintDeploymentStatus = z.enum(v.BLUEPRINT_DEPLOYMENT_STATUSES);
export type BlueprintDeploymentStatus = z.infer<typeof BlueprintDeploymentStatus>;
export const DeploymentStatus = z.enum(v.DEPLOYMENT_STATUSES);
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

export const StepStatus = z.enum(v.STEP_STATUSES);
export type StepStatus = z.infer<typeof StepStatus>;
export const StepState = z.enum(v.STEP_STATES);
export type StepState = z.infer<typeof StepState>;

export const RunPhase = z.enum(v.RUN_PHASES);
export type RunPhase = z.infer<typeof RunPhase>;

export const JudgeDeploymentType = z.enum(v.JUDGE_DEPLOYMENT_TYPES);
export type JudgeDeploymentType = z.infer<typeof JudgeDeploymentType>;

export const JobId = z.string().regex(v.JOB_ID_PATTERN, 'a job id is 24 lowercase hexadecimal characters');

/** A per-job override of the split settings, merged field by field over the config's. */
export const DataSplitOverride = z.object({
  eval_size: z.number().int().positive().optional(),
  val_ratio: z.number().min(0).lt(1).optional(),
  min_total_records: z.number().int().nonnegative().optional(),
  random_seed: z.number().int().nullable().optional(),
  limit: z.number().int().positive().optional(),
  parse_function_arguments: z.boolean().optional(),
});
export type DataSplitOverride = z.infer<typeof DataSplitOverride>;
