import type { RetryPolicy } from '@temporalio/common';
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import type { FlywheelConfig } from '../config/schema';

// Timeouts and retry policies by kind of work. Retryable NeMo errors (network, 429, 5xx) are
// thrown as they are; permanent ones carry a type listed here so Temporal does not retry them.

/**
 * Error types that a retry cannot fix: the NeMo client's 4xx/contract errors and unreadable
 * evaluation results, and our own permanent failures.
 */
export const NON_RETRYABLE_ERROR_TYPES = [
  'NemoPermanentError',
  'EvaluationResultsError',
  'ConfigError',
  'DatasetError',
  'JobFailed',
  'JobStalled',
  'JudgeUnavailable',
  'ZodError',
];

const retry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
};

/**
 * Quick writes to the results store and single NeMo calls: milliseconds normally. A crashed
 * worker is noticed by the heartbeat timeout (every activity heartbeats on a timer while it
 * runs, activities/heartbeat.ts), so a call lost with its worker is retried after 10 s; a
 * slow store only makes the call slow. The start-to-close timeout bounds a call that hangs.
 * (It was 10 s with no heartbeat: in a burst of 300 runs FerretDB took 7-19 s per write, and
 * initializeRun timed out attempt after attempt towards its 20th.)
 */
export const shortCall: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { ...retry, maximumAttempts: 20 },
};

/**
 * Dataset export, validation, split and upload: minutes for large workloads. Ten attempts give
 * about three minutes of backoff, enough to ride out an Elasticsearch or MongoDB restart (five
 * gave 15 s, which a 55 s Elasticsearch outage in the chaos suite outlasted).
 */
export const datasetBuild: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { ...retry, maximumAttempts: 10 },
};

/**
 * Polling a NeMo job or deployment: long overall, a short heartbeat timeout from the run's
 * config, so a dead worker is noticed in seconds and cancellation reaches the activity
 * promptly. Waiting for the cancellation to complete lets the activity cancel its remote job
 * before the workflow tears the deployment underneath it down.
 *
 * Retried for as long as the remote job is alive, with no cap on attempts: a heartbeat timeout
 * (a busy or stalled worker, a slow store) is not evidence that the remote job failed, and
 * every retry resumes the same job from the heartbeat details. What ends the retries is the
 * job itself: failed or cancelled (JobFailed), gone (a 404 is a NemoPermanentError), or
 * without headway for job_stall_timeout_ms (JobStalled, a clock the heartbeat carries across
 * attempts). Ten attempts used to turn ten late heartbeats under load into a failed step.
 */
export function longNemoJob(timing: FlywheelConfig['timing']): ActivityOptions {
  return {
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: timing.heartbeat_timeout_ms,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry,
  };
}

/**
 * Teardown and finalization must succeed eventually: retried without a cap (no maximumAttempts).
 * Teardown heartbeats while DMS deletes; the heartbeat timeout bounds the wait after a crash.
 */
export const cleanup: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry,
};

/**
 * Advice computed from stored results (the run's recommendation): a few tries, then the run
 * finalizes without it rather than waiting.
 */
export const advisory: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { ...retry, maximumAttempts: 3 },
};
