import { CancelledFailure, cancellationDetails } from '@temporalio/activity';

/**
 * Runs `work`; if the workflow cancels the activity meanwhile, runs `onCancel` (cancel the
 * remote job, record it) before letting the cancellation through. A failing `onCancel` is
 * reported with the cancellation rather than hiding it.
 *
 * Only a cancellation the workflow asked for cancels the remote job. A heartbeat timeout, a
 * worker shutting down or a lost activity also surface as cancellation here, but the activity
 * is retried and its next attempt resumes the same remote job from the heartbeat details:
 * deleting the job then would make that retry fail on a job that no longer exists.
 */
export async function cancelRemoteOnCancellation<T>(work: () => Promise<T>, onCancel: () => Promise<void>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CancelledFailure && cancellationDetails()?.cancelRequested) {
      try {
        await onCancel();
      } catch (cleanupErr) {
        throw new CancelledFailure(`${err.message}; cancelling the remote job failed: ${String(cleanupErr)}`);
      }
    }
    throw err;
  }
}
