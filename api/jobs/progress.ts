import { z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import * as contracts from '../../contracts';
import type { ApiDeps } from '../deps';
import { ApiError, notFound, unavailable } from '../errors';
import type { Principal } from '../middleware/roles';
import { PendingStep, pendingSteps } from './pending-steps';
import { reconcileRun } from './reconcile';
import type { JobDetailResponse } from './schemas';
import { authorizedRun } from './service';
import { jobDetail, type WebUi } from './view';

// GET /api/jobs/{job_id}/progress (added): the live state of a running job. Run state has one
// source, the results store, written by the activities as each step moves (evaluation and
// customization percentages included); this endpoint reads it exactly as the job detail does
// (jobDetail, the one mapper) and adds what only Temporal knows: the pending activities.

const StepState = z.enum(contracts.StepState.options);

export const JobProgressResponse = z
  .object({
    id: z.string(),
    phase: z.string().openapi({ example: 'running-candidates' }),
    num_records: z.number().int().nonnegative(),
    candidates: z.array(
      z.object({
        model_name: z.string(),
        status: z.string().openapi({ example: 'running-evals' }),
        evaluations: z.array(
          z.object({
            eval_type: z.string(),
            status: StepState,
            progress: z.number(),
            scores: z.record(z.string(), z.number()),
            error: z.string().nullable(),
          }),
        ),
        customization: z.object({
          status: StepState,
          progress: z.number(),
          customized_model: z.string().nullable(),
          error: z.string().nullable(),
        }),
        error: z.string().nullable(),
      }),
    ),
    error: z.string().nullable(),
    cancel_reason: z.string().nullable(),
    pending_steps: z.array(PendingStep).openapi({
      description:
        "Added: the run's and its candidates' pending Temporal activities, with attempts, last failure and stalls",
    }),
  })
  .openapi('JobProgressResponse');

type Response = z.infer<typeof JobProgressResponse>;
type Phase = (typeof contracts.RUN_PHASES)[number];

const TERMINAL: readonly string[] = contracts.TERMINAL_RUN_STATUSES;

/**
 * Where the run is, from what is stored and what Temporal has pending: the workflow keeps a
 * phase of its own (its `progress` query, for operators), but the API shows only the stored
 * state, so this endpoint and the job detail can never disagree.
 */
function phaseOf(detail: JobDetailResponse, steps: PendingStep[]): Phase {
  if (detail.finished_at) return detail.status as Phase;
  if (detail.cancel_reason) return 'cancelling';
  if (detail.status === 'pending') return 'initializing';
  if (detail.datasets.length === 0) return 'building-datasets';
  if (detail.nims.length > 0 && detail.nims.every((n) => TERMINAL.includes(n.flywheel_status))) return 'finalizing';
  const started = detail.nims.some((n) => n.flywheel_status !== 'pending');
  const judgeReady = !detail.llm_judge || detail.llm_judge.flywheel_deployment_status === 'ready';
  if (!started && (!judgeReady || steps.some((s) => s.activity === 'prepareJudge'))) return 'waiting-for-judge';
  return 'running-candidates';
}

/** The live view of a job: its detail (one read of the store, one mapper) reshaped, plus pending steps. */
export function progressOf(detail: JobDetailResponse, steps: PendingStep[]): Response {
  return {
    id: detail.id,
    phase: phaseOf(detail, steps),
    num_records: detail.num_records,
    candidates: detail.nims.map((n) => {
      const customization = n.customizations[0];
      const terminal = TERMINAL.includes(n.flywheel_status);
      return {
        model_name: n.model_name,
        status: n.flywheel_status,
        evaluations: n.evaluations.map((e) => ({
          eval_type: e.eval_type,
          status: e.status,
          progress: e.progress,
          scores: e.scores,
          error: e.error,
        })),
        // No document: not started yet, or (the candidate ended without one) never run.
        customization: customization
          ? {
              status: customization.status,
              progress: customization.progress,
              customized_model: customization.customized_model,
              error: customization.error,
            }
          : { status: terminal ? 'skipped' : 'pending', progress: 0, customized_model: null, error: null },
        error: n.error,
      };
    }),
    error: detail.error,
    cancel_reason: detail.cancel_reason,
    pending_steps: steps,
  };
}

export async function jobProgress(
  deps: Pick<ApiDeps, 'temporal' | 'results'> & { queryTimeoutMs: number; stallWarningMs: number; webUi: WebUi },
  jobId: string,
  principal: Principal,
): Promise<Response> {
  const run = await reconcileRun(deps, await authorizedRun(deps.results, jobId, principal, 'read'));
  if (run.finished_at) {
    throw new ApiError(409, `Job ${jobId} has finished: its results are at GET /api/jobs/${jobId}`);
  }
  const detail = await jobDetail(deps.results, run, deps.webUi);
  try {
    // A gRPC deadline (not a timer race), so the call really ends and is not retried later.
    const steps = await deps.temporal.connection.withDeadline(Date.now() + deps.queryTimeoutMs, () =>
      pendingSteps(
        deps.temporal,
        run.workflow_id,
        detail.nims.map((n) => n.model_name),
        deps.stallWarningMs,
      ),
    );
    return progressOf(detail, steps);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(`No workflow for job ${jobId}`);
    throw unavailable(
      `Live progress of job ${jobId} is unavailable (Temporal did not answer: ${(err as Error).message}); GET /api/jobs/${jobId} has the stored state`,
    );
  }
}
