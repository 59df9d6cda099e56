import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { ObjectId } from 'mongodb';
import { ConfigError, DEFAULT_CONFIG_NAME } from '../../config/load';
import { runConfig } from '../../config/merge-data-split';
import type { FlywheelConfig } from '../../config/schema';
import { DEFAULT_JOB_TYPE, isJobId } from '../../contracts';
import type { ResultsStore } from '../../stores/results/results-store';
import type { FlywheelRunDoc } from '../../stores/results/schema';
import { cancelSignal, FLYWHEEL_RUN_WORKFLOW, type FlywheelRunInput, workflowIdForJob } from '../../workflows/contract';
import type { deleteRun } from '../../workflows/delete-run';
import type { flywheelRun } from '../../workflows/flywheel-run';
import { ClientIdKey, FlywheelStatusKey, WorkloadIdKey } from '../../workflows/search-attributes';
import type { ApiDeps } from '../deps';
import { ApiError, badRequest, conflict, notFound, unavailable, unprocessable } from '../errors';
import { authorizeCreate, inScope, requireAction } from '../middleware/authorize';
import type { Action, Principal } from '../middleware/roles';
import { reconcileRun } from './reconcile';
import type { JobRequest } from './schemas';

// What the job routes do: validate against config, write the pending document, and start,
// signal or clean up workflows. Messages are the Blueprint's, word for word.

export type JobDeps = Pick<ApiDeps, 'temporal' | 'results' | 'taskQueue'> & {
  configNames: () => string[];
  loadConfig: (name?: string) => FlywheelConfig;
};

export const CANCEL_REASON = 'Job cancelled by user';
export const deletionWorkflowId = (jobId: string) => `flywheel-delete-${jobId}`;

/** 400 unless the id looks like a job id; upstream's exact message. */
export function assertJobId(jobId: string): void {
  if (!isJobId(jobId)) throw badRequest('Invalid job_id format');
}

/**
 * A run the caller may `action`: 400 for a malformed id, 403 if the role lacks the right, and
 * the same 404 for a missing run and for one of a client outside the token's scope.
 */
export async function authorizedRun(
  results: ResultsStore,
  jobId: string,
  principal: Principal,
  action: Action,
  notFoundDetail = 'Job not found',
): Promise<FlywheelRunDoc> {
  assertJobId(jobId);
  requireAction(principal, action);
  const run = await results.getRun(jobId);
  if (!run || !inScope(principal, run.client_id)) throw notFound(notFoundDetail);
  return run;
}

const findRun = (results: ResultsStore, jobId: string, principal: Principal, action: Action) =>
  authorizedRun(results, jobId, principal, action, `Job with ID ${jobId} not found`);

/** Rejects an unknown config name, or a split override the config's own rules forbid. */
export function checkJobConfig(
  deps: Pick<JobDeps, 'configNames' | 'loadConfig'>,
  configName: string,
  body: Pick<JobRequest, 'data_split_config'>,
): void {
  if (!deps.configNames().includes(configName)) {
    throw unprocessable([
      {
        loc: ['body', 'config_name'],
        msg: `Unknown config "${configName}"; known: ${deps.configNames().join(', ')}`,
        type: 'value_error',
      },
    ]);
  }
  if (!body.data_split_config) return;
  const base = deps.loadConfig(configName);
  try {
    runConfig(base, body.data_split_config, `config "${configName}" with this job's override`);
  } catch (err) {
    const msg = err instanceof ConfigError ? err.issues.map((i) => `${i.path}: ${i.message}`).join('; ') : String(err);
    throw unprocessable([{ loc: ['body', 'data_split_config'], msg, type: 'value_error' }]);
  }
}

/**
 * A job id derived from an Idempotency-Key and the token's name, so a repeated create lands on
 * the same job while two tokens using the same key never share (or learn of) each other's job.
 */
const jobIdForKey = (tokenName: string, key: string) =>
  createHash('sha256').update(`idempotency:${tokenName.length}:${tokenName}:${key}`).digest('hex').slice(0, 24);

export async function createJob(deps: JobDeps, body: JobRequest, principal: Principal, idempotencyKey?: string) {
  authorizeCreate(principal, 'run', body.client_id);
  const configName = body.config_name ?? DEFAULT_CONFIG_NAME;
  const jobType = body.job_type ?? DEFAULT_JOB_TYPE;
  checkJobConfig(deps, configName, body);
  const jobId = idempotencyKey ? jobIdForKey(principal.name, idempotencyKey) : new ObjectId().toHexString();
  const existing = idempotencyKey ? await deps.results.getRun(jobId) : null;
  if (existing) {
    const same =
      existing.workload_id === body.workload_id &&
      existing.client_id === body.client_id &&
      (existing.config_name ?? DEFAULT_CONFIG_NAME) === configName &&
      (existing.job_type ?? DEFAULT_JOB_TYPE) === jobType;
    if (!same) throw conflict('Idempotency-Key was already used for a different job request');
  }
  const workflowId = workflowIdForJob(jobId);
  const run =
    existing ??
    (await deps.results.createRun({
      _id: jobId,
      workload_id: body.workload_id,
      client_id: body.client_id,
      workflow_id: workflowId,
      config_name: configName,
      ...(jobType === DEFAULT_JOB_TYPE ? {} : { job_type: jobType }),
    }));
  // A replayed key whose first attempt never reached Temporal starts it now.
  if (run.status === 'pending') {
    const input: FlywheelRunInput = { jobId, workloadId: body.workload_id, clientId: body.client_id, configName };
    if (body.data_split_config) input.dataSplitConfig = body.data_split_config;
    // Absent for an llm_job, so the workflow input of LLM runs is what it always was.
    if (jobType !== DEFAULT_JOB_TYPE) input.jobType = jobType;
    try {
      await deps.temporal.workflow.start<typeof flywheelRun>(FLYWHEEL_RUN_WORKFLOW, {
        taskQueue: deps.taskQueue,
        workflowId,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: WorkloadIdKey, value: body.workload_id },
          { key: ClientIdKey, value: body.client_id },
          { key: FlywheelStatusKey, value: 'pending' },
        ],
        memo: { job_id: jobId, config_name: configName, source: 'api' },
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        // Nothing half-written: without a workflow the pending document would never move.
        if (!existing) await deps.results.discardPendingRun(jobId);
        throw unavailable(`Could not start the job: Temporal is unavailable (${(err as Error).message})`);
      }
    }
  }
  return { id: jobId, status: 'queued' as const, message: 'NIM workflow started' };
}

export const ALREADY_CANCELLED = 'Job is already cancelled.';

export async function cancelJob(deps: JobDeps, jobId: string, principal: Principal) {
  const run = await reconcileRun(deps, await findRun(deps.results, jobId, principal, 'run'));
  if (run.finished_at) throw badRequest('Cannot cancel a job that has already finished.');
  if (run.status === 'cancelled' || run.cancel_reason) return { id: jobId, message: ALREADY_CANCELLED };
  // Recording the request first makes a second cancel (or a concurrent one) answer "already
  // cancelled" while the run is still tearing down; the run's finalizer overwrites the field.
  if (!(await deps.results.claimCancel(jobId, CANCEL_REASON))) {
    const now = await deps.results.getRun(jobId);
    if (now?.finished_at && now.status !== 'cancelled')
      throw badRequest('Cannot cancel a job that has already finished.');
    return { id: jobId, message: ALREADY_CANCELLED };
  }
  try {
    const handle = deps.temporal.workflow.getHandle(run.workflow_id);
    // The signal carries the reason; Temporal's own cancel request makes the workflow end
    // Canceled (not Completed) once it has cleaned up, as `temporal workflow cancel` does.
    await handle.signal(cancelSignal, CANCEL_REASON);
    await handle.cancel().catch((err) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // ended between the two calls
    });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) {
      await deps.results.releaseCancel(jobId);
      throw new ApiError(500, `Failed to cancel job ${jobId}: ${(err as Error).message}`);
    }
    // No workflow left to tell (never started, or terminated from outside): close the run here.
    await deps.results.closeRun(jobId, 'cancelled', CANCEL_REASON, {
      error: CANCEL_REASON,
      cancel_reason: CANCEL_REASON,
    });
  }
  return { id: jobId, message: 'Job cancellation initiated successfully.' };
}

export async function deleteJob(deps: JobDeps, jobId: string, principal: Principal) {
  const run = await reconcileRun(deps, await findRun(deps.results, jobId, principal, 'delete'));
  if (!run.finished_at) throw badRequest('Cannot delete a running job. Please cancel the job first.');
  try {
    await deps.temporal.workflow.start<typeof deleteRun>('deleteRun', {
      taskQueue: deps.taskQueue,
      workflowId: deletionWorkflowId(jobId),
      args: [{ jobId }],
      memo: { job_id: jobId },
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      throw new ApiError(500, `Failed to initiate job deletion for ${jobId}: ${(err as Error).message}`);
    }
  }
  return { id: jobId, message: 'Job deletion started. Resources will be cleaned up in the background.' };
}
