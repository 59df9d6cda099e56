import { WorkflowNotFoundError } from '@temporalio/client';
import type { FlywheelRunDoc } from '../../stores/results/schema';
import type { ApiDeps } from '../deps';

// A run's workflow finalizes its document itself, on success, failure and cancellation. Only a
// workflow that ran no more code can leave it open: terminated (`temporal workflow terminate`,
// the Web UI), timed out, or gone. Reading such a job closes its document here, so no run shows
// `running` after its workflow ended.

/** How long a document may exist before its workflow must (the API writes it just before starting it). */
const START_GRACE_MS = 60_000;

const ENDED_WITHOUT_FINALIZING: Record<string, 'failed' | 'cancelled'> = {
  TERMINATED: 'failed',
  TIMED_OUT: 'failed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  COMPLETED: 'failed',
};

export async function reconcileRun(
  deps: Pick<ApiDeps, 'temporal' | 'results'>,
  run: FlywheelRunDoc,
  now = new Date(),
): Promise<FlywheelRunDoc> {
  if (run.finished_at) return run;
  let ended: { status: 'failed' | 'cancelled'; error: string } | undefined;
  try {
    const description = await deps.temporal.workflow.getHandle(run.workflow_id).describe();
    const status = ENDED_WITHOUT_FINALIZING[description.status.name];
    if (status) ended = { status, error: `workflow ${run.workflow_id} ended ${description.status.name.toLowerCase()}` };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) return run; // Temporal unreachable: show what is stored
    if (now.getTime() - run.started_at.getTime() > START_GRACE_MS) {
      ended = { status: 'failed', error: `workflow ${run.workflow_id} does not exist` };
    }
  }
  if (!ended) return run;
  await deps.results.closeRun(run._id, ended.status, ended.error, { error: ended.error });
  return (await deps.results.getRun(run._id)) ?? run;
}
