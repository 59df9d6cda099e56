import {
  type BlueprintDeploymentStatus,
  type BlueprintNimRunStatus,
  type CandidateStatus,
  DEFAULT_JOB_TYPE,
  type DeploymentStatus,
  EvalType,
} from '../../contracts';
import type { ResultsStore } from '../../stores/results/results-store';
import type {
  CustomizationDoc,
  EvaluationDoc,
  FlywheelRunDoc,
  GeneralBenchmarkDoc,
  LlmJudgeRunDoc,
  NimRunDoc,
} from '../../stores/results/schema';
import { decisionFields } from '../decision/view';
import { naiveUtc, naiveUtcOrNull } from '../time';
import type { JobDetailResponse, JobListItem } from './schemas';

// Stored documents → the Blueprint's response shapes.

const clampProgress = (p: number | undefined) => Math.min(100, Math.max(0, p ?? 0));
const nonNegative = (n: number | undefined) => Math.max(0, n ?? 0);

export function listItem(doc: FlywheelRunDoc): JobListItem {
  return {
    id: doc._id,
    workload_id: doc.workload_id,
    client_id: doc.client_id ?? null,
    status: doc.status,
    started_at: naiveUtc(doc.started_at),
    finished_at: naiveUtcOrNull(doc.finished_at),
    datasets: doc.datasets ?? [],
    error: doc.error ?? null,
    config_name: doc.config_name ?? null,
    schedule_id: doc.schedule_id ?? null,
  };
}

function evaluation(doc: EvaluationDoc) {
  return {
    eval_type: doc.eval_type,
    scores: doc.scores ?? {},
    started_at: naiveUtc(doc.started_at),
    finished_at: naiveUtcOrNull(doc.finished_at),
    runtime_seconds: nonNegative(doc.runtime_seconds),
    progress: clampProgress(doc.progress),
    nmp_uri: doc.nmp_uri ?? null,
    mlflow_uri: doc.mlflow_uri ?? null,
    error: doc.error ?? null,
    status: doc.status ?? (doc.error ? 'failed' : doc.finished_at ? 'completed' : 'running'),
    score_intervals: doc.score_intervals ?? {},
    per_sample: doc.per_sample ?? null,
  };
}

function customization(doc: CustomizationDoc) {
  return {
    started_at: naiveUtc(doc.started_at),
    finished_at: naiveUtcOrNull(doc.finished_at),
    runtime_seconds: nonNegative(doc.runtime_seconds),
    progress: clampProgress(doc.progress),
    epochs_completed: nonNegative(doc.epochs_completed),
    steps_completed: nonNegative(doc.steps_completed),
    nmp_uri: doc.nmp_uri ?? null,
    customized_model: doc.customized_model ?? null,
    error: doc.error ?? null,
    status: doc.status ?? (doc.error ? 'failed' : doc.finished_at ? 'completed' : 'running'),
  };
}

/** A candidate queued behind the GPU budget has not started deploying: the Blueprint's `pending`. */
export function blueprintNimStatus(status: CandidateStatus): BlueprintNimRunStatus {
  return status === 'waiting-for-gpus' ? 'pending' : status;
}

/**
 * The Blueprint ends a deployment with its candidate: `completed`, or `cancelled` / `failed`.
 * Flywheel records the teardown itself (deleting, deleted), which the Blueprint has no value for.
 */
export function blueprintDeploymentStatus(
  status: DeploymentStatus | null | undefined,
  owner: CandidateStatus | 'judge',
): BlueprintDeploymentStatus {
  if (!status) return 'pending';
  if (status !== 'deleting' && status !== 'deleted') return status;
  return owner === 'cancelled' || owner === 'failed' ? owner : 'completed';
}

function judge(doc: LlmJudgeRunDoc | null): JobDetailResponse['llm_judge'] {
  if (!doc) return null;
  return {
    model_name: doc.model_name,
    type: doc.deployment_type,
    deployment_status: blueprintDeploymentStatus(doc.deployment_status, 'judge'),
    flywheel_deployment_status: doc.deployment_status ?? null,
    error: doc.error ?? null,
  };
}

const EVAL_ORDER: readonly string[] = EvalType.options;

function nim(doc: NimRunDoc, evaluations: EvaluationDoc[], customizations: CustomizationDoc[]) {
  return {
    model_name: doc.model_name,
    status: blueprintNimStatus(doc.status ?? 'pending'),
    deployment_status: blueprintDeploymentStatus(doc.deployment_status, doc.status ?? 'pending'),
    flywheel_status: doc.status ?? 'pending',
    flywheel_deployment_status: doc.deployment_status ?? null,
    runtime_seconds: nonNegative(doc.runtime_seconds),
    evaluations: evaluations
      .filter((e) => e.nim_id === doc._id)
      .sort((a, b) => EVAL_ORDER.indexOf(a.eval_type) - EVAL_ORDER.indexOf(b.eval_type))
      .map(evaluation),
    customizations: customizations.filter((c) => c.nim_id === doc._id).map(customization),
    error: doc.error ?? null,
    ...(doc.general_benchmarks ? { general_benchmarks: generalBenchmarks(doc.general_benchmarks) } : {}),
  };
}

/** Base before customized, then by benchmark name. */
function generalBenchmarks(entries: Record<string, GeneralBenchmarkDoc>) {
  return Object.values(entries)
    .sort((a, b) => a.benchmark.localeCompare(b.benchmark) || (a.variant === 'base' ? -1 : 1))
    .map((e) => ({
      benchmark: e.benchmark,
      variant: e.variant,
      target_model: e.target_model,
      task: e.task,
      metric: e.metric ?? null,
      score: e.score ?? null,
      count: e.count ?? null,
      status: e.status,
      job_id: e.job_id ?? null,
      nmp_uri: e.nmp_uri ?? null,
      error: e.error ?? null,
      started_at: naiveUtc(e.started_at),
      finished_at: naiveUtcOrNull(e.finished_at),
    }));
}

/** Where operators look at a run: its workflow's page in the Temporal Web UI. */
export interface WebUi {
  /** The Web UI's base URL, e.g. http://127.0.0.1:8233; null: no Web UI to link. */
  baseUrl: string | null;
  namespace: string;
}

export function workflowUrl(ui: WebUi, workflowId: string, runId?: string | null): string | null {
  if (!ui.baseUrl) return null;
  const base = `${ui.baseUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

/** A job's full detail: the run, its judge, and every candidate with its evaluations. */
export async function jobDetail(results: ResultsStore, run: FlywheelRunDoc, ui: WebUi): Promise<JobDetailResponse> {
  const { judge: judgeDoc, nims, evaluations, customizations } = await results.getRunDetail(run);
  return {
    id: run._id,
    workload_id: run.workload_id,
    client_id: run.client_id,
    status: run.status,
    started_at: naiveUtc(run.started_at),
    finished_at: naiveUtcOrNull(run.finished_at),
    num_records: nonNegative(run.num_records),
    llm_judge: judge(judgeDoc),
    nims: nims.map((n) => nim(n, evaluations, customizations)),
    datasets: run.datasets ?? [],
    error: run.error ?? null,
    config_name: run.config_name ?? null,
    schedule_id: run.schedule_id ?? null,
    cancel_reason: run.cancel_reason ?? null,
    job_type: run.job_type ?? DEFAULT_JOB_TYPE,
    ...decisionFields(run),
    workflow_id: run.workflow_id,
    workflow_run_id: run.workflow_run_id ?? null,
    workflow_url: workflowUrl(ui, run.workflow_id, run.workflow_run_id),
  };
}
