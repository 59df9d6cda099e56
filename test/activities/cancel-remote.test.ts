import { sleep } from '@temporalio/activity';
import { ActivityCancellationDetails } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { cancelRemoteOnCancellation } from '../../activities/cancel-remote';
import { silentLogger } from '../support/temporal';

// The remote NeMo job is cancelled only when the workflow cancels the activity. Under load a
// heartbeat can time out; the retry must then find the same job still there to resume.

async function runAndCancel(
  reason: 'CANCELLED' | 'TIMED_OUT' | 'WORKER_SHUTDOWN',
  details: ActivityCancellationDetails,
) {
  const env = new MockActivityEnvironment(undefined, { logger: silentLogger });
  let remoteCancelled = false;
  const running = env.run(() =>
    cancelRemoteOnCancellation(
      async () => {
        // a poll loop: sleeps cancellably until the activity is cancelled
        await sleep(60_000);
        return 'done';
      },
      async () => {
        remoteCancelled = true;
      },
    ),
  );
  await new Promise((r) => setTimeout(r, 20));
  env.cancel(reason, details);
  await expect(running).rejects.toThrow();
  return remoteCancelled;
}

describe('cancelling the remote job when the activity is cancelled', () => {
  test('the workflow asked: the remote job is cancelled', async () => {
    expect(await runAndCancel('CANCELLED', new ActivityCancellationDetails({ cancelRequested: true }))).toBe(true);
  });

  test('a heartbeat timeout: the remote job is kept for the retry to resume', async () => {
    expect(await runAndCancel('TIMED_OUT', new ActivityCancellationDetails({ timedOut: true }))).toBe(false);
  });

  test('the worker shutting down: the remote job is kept for the retry to resume', async () => {
    expect(await runAndCancel('WORKER_SHUTDOWN', new ActivityCancellationDetails({ workerShutdown: true }))).toBe(
      false,
    );
  });
});
