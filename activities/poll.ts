import { ApplicationFailure, Context } from '@temporalio/activity';
import { isTransient } from './transient-retry';

export interface PollSpec<S> {
  /** One status read of the remote job or deployment. */
  read: () => Promise<S>;
  /** A number that grows while the job makes headway (percent, steps…). */
  headway: (status: S) => number;
  /** Finished successfully. */
  done: (status: S) => boolean;
  /** A terminal failure's message, or undefined while it can still succeed. */
  failed: (status: S) => string | undefined;
  /** Called after every read: record progress in the results store. */
  onStatus?: (status: S) => Promise<void>;
  /** What to heartbeat (the remote id and progress), so a retry resumes the same job. */
  heartbeat: (status: S) => unknown;
  /** Why a stalled job stalled, for the error. */
  stalledBecause?: (status: S) => string;
  intervalMs: number;
  /** Give up when headway has not grown for this long (the timer resets on headway). */
  stallTimeoutMs: number;
}

const MAX_TRANSIENT_READ_FAILURES = 20;

/**
 * Polls inside an activity until the remote work ends. Heartbeats on every read (so the
 * worker's death is noticed and cancellation is delivered) and sleeps cancellably.
 */
export async function pollUntilDone<S>(spec: PollSpec<S>): Promise<S> {
  const ctx = Context.current();
  let best = Number.NEGATIVE_INFINITY;
  let lastHeadwayAt = Date.now();
  let transientFailures = 0;
  let lastDetails: unknown;
  for (;;) {
    let status: S;
    try {
      status = await spec.read();
      transientFailures = 0;
    } catch (err) {
      // A status read that hit a 5xx/429/timeout is simply read again next interval: failing
      // the attempt would only restart the activity (with backoff) to poll the same job.
      if (!isTransient(err) || ++transientFailures > MAX_TRANSIENT_READ_FAILURES) throw err;
      if (lastDetails !== undefined) ctx.heartbeat(lastDetails); // never wipe the resume details
      await ctx.sleep(spec.intervalMs);
      continue;
    }
    lastDetails = spec.heartbeat(status);
    ctx.heartbeat(lastDetails);
    await spec.onStatus?.(status);
    const failure = spec.failed(status);
    if (failure !== undefined) throw ApplicationFailure.nonRetryable(failure, 'JobFailed');
    if (spec.done(status)) return status;
    const headway = spec.headway(status);
    if (headway > best) {
      best = headway;
      lastHeadwayAt = Date.now();
    } else if (Date.now() - lastHeadwayAt > spec.stallTimeoutMs) {
      const why = spec.stalledBecause?.(status);
      throw ApplicationFailure.nonRetryable(
        `no progress for ${Math.round(spec.stallTimeoutMs / 1000)}s${why ? `: ${why}` : ''}`,
        'JobStalled',
      );
    }
    await ctx.sleep(spec.intervalMs);
  }
}
