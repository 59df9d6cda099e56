import { CancelledFailure } from '@temporalio/activity';

/**
 * Runs `work`; if the activity is cancelled meanwhile, runs `onCancel` (cancel the remote job,
 * record it) before letting the cancellation through. A failing `onCancel` is reported with
 * the cancellation rather than hiding it.
 */
export async function cancelRemoteOnCancellation<T>(work: () => Promise<T>, onCancel: () => Promise<void>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CancelledFailure) {
      try {
        await onCancel();
      } catch (cleanupErr) {
        throw new CancelledFailure(`${err.message}; cancelling the remote job failed: ${String(cleanupErr)}`);
      }
    }
    throw err;
  }
}
