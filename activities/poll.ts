import { ApplicationFailure, activityInfo, Context } from '@temporalio/activity';
import { heartbeat } from './heartbeat';
import { recordLoadStat } from './load-stats';
import { ProgressWriter } from './progress-writer';
import { isTransient } from './transient-retry';

export interface PollSpec<S, P = unknown> {
  /** One status read of the remote job or deployment. */
  read: () => Promise<S>;
  /** A number that grows while the job makes headway (percent, steps…). */
  headway: (status: S) => number;
  /** Finished successfully. */
  done: (status: S) => boolean;
  /** A terminal failure's message, or undefined while it can still succeed. */
  failed: (status: S) => string | undefined;
  /**
   * Progress for the results store: `of` turns a status into a patch, `write` stores one.
   * Writes are coalesced (the latest patch, at most once per `everyMs`) and never awaited
   * by the poll loop; the last one is written before the poll returns or throws.
   */
  progress?: { of: (status: S) => P; write: (patch: P) => Promise<unknown>; everyMs?: number };
  /** What to heartbeat (the remote id and progress), so a retry resumes the same job. */
  heartbeat: (status: S) => Record<string, unknown>;
  /** Why a stalled job stalled, for the error. */
  stalledBecause?: (status: S) => string;
  /** The longest pause between two reads while the job is healthy (the configured poll interval). */
  intervalMs: number;
  /** Give up when headway has not grown for this long (the timer resets on headway). */
  stallTimeoutMs: number;
  /**
   * Names this wait in the heartbeat, so a retry of the activity continues its stall clock
   * (a heartbeat timeout restarts the activity, not the time the job has gone without headway).
   */
  name?: string;
  /** Still queued (created / pending, e.g. waiting for GPUs): the stall limit is then `queueTimeoutMs`. */
  queued?: (status: S) => boolean;
  queueTimeoutMs?: number;
}

const MAX_TRANSIENT_READ_FAILURES = 20;
/** Progress reaches the store at most this often per step. */
export const PROGRESS_WRITE_EVERY_MS = 5000;

/** The first pause after a read, and the share of the time polled so far that the next pause may last. */
export const FIRST_POLL_DELAY_MS = 50;
export const POLL_DELAY_SHARE = 0.25;

/**
 * The pause before the next read: it starts short and grows with the time this wait has lasted
 * (a quarter of it, up to the configured interval), so the end of a job is noticed at most a
 * quarter of its duration late: a job that ends quickly is noticed quickly, a long one costs
 * few reads. (Doubling per read, as before, noticed a job up to its whole duration late.) Under
 * load it stretches: never less than four times the last read's latency (a slow service spends
 * at most a fifth of the time answering our reads), and doubling per consecutive transient read
 * failure. Capped at ten intervals (at least 30 s) so a recovered service is read again soon.
 */
export function nextPollDelay(options: {
  intervalMs: number;
  /** How long this wait has lasted so far (since its first read). */
  elapsedMs: number;
  lastReadMs: number;
  transientFailures: number;
}): number {
  const { intervalMs, elapsedMs, lastReadMs, transientFailures } = options;
  const ramp = Math.min(intervalMs, Math.max(FIRST_POLL_DELAY_MS, POLL_DELAY_SHARE * elapsedMs));
  const cap = Math.max(10 * intervalMs, 30_000);
  const underLoad = Math.max(ramp, 4 * lastReadMs);
  const backedOff = transientFailures > 0 ? Math.max(underLoad, intervalMs * 2 ** (transientFailures - 1)) : underLoad;
  return Math.min(cap, backedOff);
}

interface StallClock {
  name: string;
  /** The most headway seen (null before the first read: JSON has no -Infinity). */
  best: number | null;
  since: number;
}

/**
 * Polls inside an activity until the remote work ends. Heartbeats after every read with the
 * resume details (the activity's steady heartbeat timer keeps sending them between reads),
 * writes progress coalesced, and sleeps cancellably with an adaptive delay.
 */
export async function pollUntilDone<S, P = unknown>(spec: PollSpec<S, P>): Promise<S> {
  const ctx = Context.current();
  const name = spec.name ?? 'poll';
  const previous = (activityInfo().heartbeatDetails as { stall?: StallClock } | undefined)?.stall;
  const clock: StallClock = previous?.name === name ? { ...previous } : { name, best: null, since: Date.now() };
  const writer = spec.progress
    ? new ProgressWriter<P>({ write: spec.progress.write, everyMs: spec.progress.everyMs ?? PROGRESS_WRITE_EVERY_MS })
    : undefined;
  let transientFailures = 0;
  const waitStarted = Date.now();
  let lastRead = Date.now();
  try {
    for (;;) {
      let status: S;
      const readStarted = Date.now();
      try {
        status = await spec.read();
        transientFailures = 0;
      } catch (err) {
        // A status read that hit a 5xx/429/timeout is simply read again later: failing the
        // attempt would only restart the activity (with backoff) to poll the same job.
        if (!isTransient(err) || ++transientFailures > MAX_TRANSIENT_READ_FAILURES) throw err;
        await ctx.sleep(
          nextPollDelay({
            intervalMs: spec.intervalMs,
            elapsedMs: Date.now() - waitStarted,
            lastReadMs: 0,
            transientFailures,
          }),
        );
        continue;
      }
      const lastReadMs = Date.now() - readStarted;
      recordLoadStat('statusReadMs', lastReadMs);
      const headway = spec.headway(status);
      if (clock.best === null || headway > clock.best) {
        clock.best = headway;
        clock.since = Date.now();
      }
      heartbeat({ ...spec.heartbeat(status), stall: clock });
      recordLoadStat('pollGapMs', Date.now() - lastRead);
      lastRead = Date.now();
      if (writer && spec.progress) writer.offer(spec.progress.of(status));
      const failure = spec.failed(status);
      if (failure !== undefined) throw ApplicationFailure.nonRetryable(failure, 'JobFailed');
      if (spec.done(status)) return status;
      const limit =
        spec.queued?.(status) && spec.queueTimeoutMs !== undefined ? spec.queueTimeoutMs : spec.stallTimeoutMs;
      if (Date.now() - clock.since > limit) {
        const why = spec.stalledBecause?.(status);
        throw ApplicationFailure.nonRetryable(
          `no progress for ${Math.round(limit / 1000)}s${why ? `: ${why}` : ''}`,
          'JobStalled',
        );
      }
      await ctx.sleep(
        nextPollDelay({
          intervalMs: spec.intervalMs,
          elapsedMs: Date.now() - waitStarted,
          lastReadMs,
          transientFailures,
        }),
      );
    }
  } finally {
    await writer?.flush();
  }
}
