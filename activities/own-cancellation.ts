import { WorkflowNotFoundError } from '@temporalio/client';
import type { ActivityDeps } from './deps';

export function createOwnCancellationActivities({ temporal }: Pick<ActivityDeps, 'temporal'>) {
  return {
    /**
     * Asks Temporal to cancel the run's own workflow: a `cancel` signal sent on its own (as
     * `temporal workflow signal --name cancel` does) then ends the workflow Canceled, like the
     * API's cancel and `temporal workflow cancel`. A workflow cannot cancel itself from its
     * code. Asking twice, or after the workflow closed, changes nothing.
     */
    async requestOwnCancellation(input: { workflowId: string; runId: string }): Promise<void> {
      try {
        await temporal.workflow.getHandle(input.workflowId, input.runId).cancel();
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },
  };
}
