import { ApplicationFailure, CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { type FlywheelRunResult, progressQuery, RUN_FAILED_TYPE } from '../workflows/contract';

/**
 * How a flywheel run ended, however Temporal reports it: a completed run returns its result; a
 * failed run fails its workflow with the result as the failure's first detail; a cancelled one
 * is Canceled (a close that carries no details), so its end state comes from the `progress`
 * query, which a closed workflow still answers while a worker polls. Any other failure
 * (terminated, timed out) is rethrown.
 */
export async function runOutcome(handle: WorkflowHandle): Promise<FlywheelRunResult> {
  try {
    return (await handle.result()) as FlywheelRunResult;
  } catch (err) {
    const carried = resultOfFailure(err);
    if (carried) return carried;
    if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) {
      const p = await handle.query(progressQuery);
      return {
        jobId: p.jobId,
        status: 'cancelled',
        candidatesFailed: p.candidates.filter((c) => c.status === 'failed').length,
        error: p.error ?? err.cause.message,
      };
    }
    throw err;
  }
}

/** The FlywheelRunResult a failed run's workflow failure carries, if it is one. */
export function resultOfFailure(err: unknown): FlywheelRunResult | undefined {
  if (!(err instanceof WorkflowFailedError)) return undefined;
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== RUN_FAILED_TYPE) return undefined;
  const detail = cause.details?.[0];
  return isRunResult(detail) ? detail : undefined;
}

function isRunResult(v: unknown): v is FlywheelRunResult {
  return typeof v === 'object' && v !== null && 'jobId' in v && 'status' in v;
}
