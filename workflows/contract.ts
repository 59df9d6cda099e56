import { defineQuery, defineSignal } from '@temporalio/workflow';
import type {
  CandidateStatus,
  DataSplitOverride,
  EvalType,
  JobType,
  RunPhase,
  StepState,
  TerminalRunStatus,
} from '../contracts';

// What callers (the API, the CLI, schedules) need to know about the flywheel workflows.
// Deterministic and dependency-free so both workflow code and Node code import it.

export const FLYWHEEL_RUN_WORKFLOW = 'flywheelRun';
export const CANDIDATE_RUN_WORKFLOW = 'candidateRun';

export interface FlywheelRunInput {
  /** 24 hex characters; omitted by schedules, in which case the workflow derives one. */
  jobId?: string;
  workloadId: string;
  clientId: string;
  /** A named config; omitted means the default config. */
  configName?: string;
  dataSplitConfig?: DataSplitOverride;
  /** Set when a Temporal Schedule started the run. */
  scheduleId?: string;
  /** embedding_job distils an embedding model from retrieval logs; absent means llm_job. */
  jobType?: JobType;
}

export interface EvalProgress {
  evalType: EvalType;
  status: StepState;
  progress: number;
  scores: Record<string, number>;
  error?: string;
}

export interface CandidateProgress {
  modelName: string;
  status: CandidateStatus;
  evaluations: EvalProgress[];
  customization: { status: EvalProgress['status']; progress: number; customizedModel?: string; error?: string };
  error?: string;
  /** Grows with every report: signals from a child can arrive out of order, the newest wins. */
  version: number;
}

export interface RunProgress {
  jobId: string;
  phase: RunPhase;
  numRecords: number;
  candidates: CandidateProgress[];
  error?: string;
  cancelReason?: string;
}

export interface FlywheelRunResult {
  jobId: string;
  status: TerminalRunStatus;
  candidatesFailed: number;
  error?: string;
}

/**
 * A failed run's workflow fails with an ApplicationFailure of this type, a cancelled one is
 * Canceled; either way the failure's first detail is the run's FlywheelRunResult.
 */
export const RUN_FAILED_TYPE = 'FlywheelRunFailed';

/** Asks a run to stop: in-flight NeMo jobs are cancelled, deployments torn down, results kept. */
export const cancelSignal = defineSignal<[reason?: string]>('cancel');
/** Live state of a run, cheap and read-only. */
export const progressQuery = defineQuery<RunProgress>('progress');

export const workflowIdForJob = (jobId: string) => `flywheel-${jobId}`;
/** A candidate child's workflow id, under its parent run's. */
export const candidateWorkflowId = (parentWorkflowId: string, modelName: string) =>
  `${parentWorkflowId}-${modelName.replace(/[^A-Za-z0-9.-]/g, '-')}`;
