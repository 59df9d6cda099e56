import { z } from '@hono/zod-openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import * as contracts from '../../contracts';
import type { ResultsStore } from '../../stores/results/results-store';
import { sanitizeError } from '../../stores/results/sanitize-error';
import { progressQuery, type RunProgress } from '../../workflows/contract';
import type { ApiDeps } from '../deps';
import { ApiError, notFound, unavailable } from '../errors';
import type { Principal } from '../middleware/roles';
import { PendingStep, pendingSteps } from './pending-steps';
import { authorizedRun } from './service';

// GET /api/jobs/{job_id}/progress (added): the live state of a running job, straight from its
// workflow (the `progress` query), including steps the documents do not show yet.

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

function view(id: string, p: RunProgress, steps: PendingStep[]): Response {
  return {
    id,
    phase: p.phase,
    num_records: p.numRecords,
    candidates: p.candidates.map((c) => ({
      model_name: c.modelName,
      status: c.status,
      evaluations: c.evaluations.map((e) => ({
        eval_type: e.evalType,
        status: e.status,
        progress: e.progress,
        scores: e.scores,
        error: sanitizeError(e.error),
      })),
      customization: {
        status: c.customization.status,
        progress: c.customization.progress,
        customized_model: c.customization.customizedModel ?? null,
        error: sanitizeError(c.customization.error),
      },
      error: sanitizeError(c.error),
    })),
    error: sanitizeError(p.error),
    cancel_reason: p.cancelReason ?? null,
    pending_steps: steps,
  };
}

export async function jobProgress(
  deps: Pick<ApiDeps, 'temporal'> & { results: ResultsStore; queryTimeoutMs: number; stallWarningMs: number },
  jobId: string,
  principal: Principal,
): Promise<Response> {
  const run = await authorizedRun(deps.results, jobId, principal, 'read');
  if (run.finished_at) {
    throw new ApiError(409, `Job ${jobId} has finished: its results are at GET /api/jobs/${jobId}`);
  }
  try {
    // A gRPC deadline (not a timer race), so the call really ends and is not retried later.
    const { progress, steps } = await deps.temporal.connection.withDeadline(
      Date.now() + deps.queryTimeoutMs,
      async () => {
        const progress = await deps.temporal.workflow.getHandle(run.workflow_id).query(progressQuery);
        const models = progress.candidates.map((c) => c.modelName);
        return { progress, steps: await pendingSteps(deps.temporal, run.workflow_id, models, deps.stallWarningMs) };
      },
    );
    return view(jobId, progress, steps);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof WorkflowNotFoundError) throw notFound(`No workflow for job ${jobId}`);
    throw unavailable(
      `Live progress of job ${jobId} is unavailable (no worker answered: ${(err as Error).message}); GET /api/jobs/${jobId} has the stored state`,
    );
  }
}
