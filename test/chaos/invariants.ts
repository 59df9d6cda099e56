import { WorkflowNotFoundError } from '@temporalio/client';
import { workflowIdForJob } from '../../workflows/contract';
import type { EmulatorCounters } from '../support/emulator-client';
import type { ChaosRig } from './rig';

// The invariants every chaos scenario ends with, measured per run from the emulator's counters
// and job lists, MongoDB, and Temporal, never from the worker's own account of what it did.

export type { EmulatorCounters } from '../support/emulator-client';

/** Evaluation jobs have no name: their find-again key is in `custom_fields.flywheel_key`. */
interface RemoteEvalJob {
  id: string;
  custom_fields?: { flywheel_key?: string };
  status: string;
}

const keyOf = (job: RemoteEvalJob) => job.custom_fields?.flywheel_key ?? job.id;

/** Scores of every completed evaluation, keyed `<model> <eval type>`. */
export type ScoreTable = Record<string, Record<string, number>>;

export interface RunVerdict {
  jobId: string;
  /** Temporal execution status and the run document's status. */
  workflowStatus: string;
  runStatus: string | null;
  terminal: boolean;
  leakedDeployments: string[];
  duplicateJobs: string[];
  lostResults: string[];
  scores: ScoreTable;
  failedModels: string[];
  /** The run's and its failed candidates' errors, to say why a run did not end as expected. */
  errors: string[];
}

const TERMINAL_RUN = new Set(['completed', 'failed', 'cancelled']);

async function remoteEvaluationJobs(rig: ChaosRig): Promise<RemoteEvalJob[]> {
  const jobs: RemoteEvalJob[] = [];
  for (let page = 1; ; page++) {
    const body = await rig.admin<{ data: RemoteEvalJob[]; pagination: { total_pages: number } }>(
      'GET',
      `/v1/evaluation/jobs?page=${page}&page_size=100`,
    );
    jobs.push(...body.data);
    if (page >= body.pagination.total_pages) return jobs;
  }
}

/** Checks one run after it has ended (or was given up on): see RunVerdict. */
export async function judgeRun(rig: ChaosRig, jobId: string): Promise<RunVerdict> {
  let workflowStatus = 'NOT_FOUND';
  try {
    workflowStatus = (await rig.client.workflow.getHandle(workflowIdForJob(jobId)).describe()).status.name;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const run = await rig.results.getRun(jobId);
  const { nims, evaluations } = await rig.results.findRunSteps(jobId);
  const modelOf = new Map(nims.map((n) => [n._id, n.model_name]));
  const terminal =
    !['RUNNING', 'NOT_FOUND'].includes(workflowStatus) &&
    run !== null &&
    TERMINAL_RUN.has(run.status) &&
    run.finished_at instanceof Date;

  const counters = await rig.admin<EmulatorCounters>('GET', '/admin/counters');
  const shortId = `fw-${jobId.slice(-8)}-`;
  const leakedDeployments = counters.live_deployments.filter((d) => d.includes(shortId));
  // The rig holds NIMs through training (gpu_policy hold), so every NeMo job and deployment is
  // created once: a second create is a duplicate.
  const duplicateJobs = [
    ...Object.entries(counters.created.evaluation_jobs),
    ...Object.entries(counters.created.customization_jobs),
    ...Object.entries(counters.created.deployments).map(([n, c]) => [n.replace(shortId, `flywheel-${jobId}-`), c]),
  ]
    .filter(([name, count]) => String(name).includes(jobId) && Number(count) > 1)
    .map(([name, count]) => `${name} x${count}`);

  // Every evaluation the emulator finished must be in MongoDB with its scores, completed
  // unless the run was cancelled while the result was on its way.
  const lostResults: string[] = [];
  const mine = (await remoteEvaluationJobs(rig)).filter((j) => keyOf(j).includes(jobId) && j.status === 'completed');
  for (const remote of mine) {
    const kept = evaluations.find((e) => e.job_id === remote.id);
    const acceptable =
      kept &&
      ((kept.status === 'completed' && Object.keys(kept.scores ?? {}).length > 0) ||
        (run?.status === 'cancelled' && kept.status === 'cancelled'));
    if (!acceptable) lostResults.push(`${keyOf(remote)} (${kept ? `stored as ${kept.status}` : 'not stored'})`);
  }

  const scores: ScoreTable = {};
  for (const e of evaluations) {
    if (e.status === 'completed') scores[`${modelOf.get(e.nim_id) ?? e.nim_id} ${e.eval_type}`] = e.scores;
  }
  return {
    jobId,
    workflowStatus,
    runStatus: run?.status ?? null,
    terminal,
    leakedDeployments,
    duplicateJobs,
    lostResults,
    scores,
    failedModels: nims.filter((n) => n.status === 'failed').map((n) => n.model_name),
    errors: [
      ...(run?.error ? [`run: ${run.error}`] : []),
      ...nims.filter((n) => n.error).map((n) => `${n.model_name}: ${n.error}`),
    ],
  };
}

/** Scores in `actual` that are not exactly the clean replay's for the same evaluation. */
export function mismatches(actual: ScoreTable, clean: ScoreTable): string[] {
  return Object.entries(actual)
    .filter(([key, s]) => JSON.stringify(sorted(s)) !== JSON.stringify(sorted(clean[key] ?? {})))
    .map(([key, s]) => `${key}: ${JSON.stringify(s)} vs clean ${JSON.stringify(clean[key] ?? null)}`);
}

function sorted(o: Record<string, number>): [string, number][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}

/** Live deployments anywhere in the rig's emulator (must be 0 once every run ended). */
export async function liveDeployments(rig: ChaosRig): Promise<string[]> {
  return (await rig.admin<EmulatorCounters>('GET', '/admin/counters')).live_deployments;
}
