import type { RetryPolicy } from '@temporalio/common';
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';

// Timeouts and retry policies by kind of work. Permanent NeMo errors are thrown as
// non-retryable ApplicationFailures by the activities, so the policies only see retryable ones.

const retry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: ['NemoPermanentError', 'ConfigError', 'DatasetError', 'JobFailed', 'JobStalled'],
};

/** Quick writes to the results store and single NeMo calls. */
export const shortCall: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { ...retry, maximumAttempts: 20 },
};

/** Dataset export, validation, split and upload: minutes for large workloads. */
export const datasetBuild: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { ...retry, maximumAttempts: 5 },
};

/**
 * Polling a NeMo job or deployment: long overall, short heartbeat, so a dead worker is noticed
 * in seconds and cancellation reaches the activity promptly. Waiting for the cancellation to
 * complete lets the activity cancel the remote job before the workflow tears down.
 */
export const longNemoJob: ActivityOptions = {
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...retry, maximumAttempts: 10 },
};

/** Teardown must succeed eventually: retried without a cap. */
export const cleanup: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { ...retry, maximumAttempts: 0 },
};
