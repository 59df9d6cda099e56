import { Context } from '@temporalio/activity';
import { recordLoadStat } from './load-stats';

// Heartbeats on a timer of their own. An activity that waits on NeMo or the store keeps
// heartbeating while the call is in flight, so a slow status read or a slow store write is
// no longer taken for a dead worker. What the timer sends is the activity's latest resume
// details (`heartbeat(details)`), never an empty heartbeat that would wipe them.

interface Beating {
  details: unknown;
  touchedAt: number;
}

const beating = new WeakMap<Context, Beating>();

/**
 * Records the activity's resume details and heartbeats them now; the steady timer of
 * `withSteadyHeartbeat` keeps sending them. Outside such a wrapper it is a plain heartbeat.
 */
export function heartbeat(details: unknown): void {
  const ctx = Context.current();
  const state = beating.get(ctx);
  if (state) {
    state.details = details;
    state.touchedAt = Date.now();
  }
  ctx.heartbeat(details);
}

export interface SteadyHeartbeatOptions {
  /**
   * Stop beating when the activity has not called `heartbeat` for this long: its work is
   * stuck (a call that never returns), and the heartbeat timeout should then end the attempt
   * so a retry resumes the remote job. Default: ten heartbeat timeouts, at least 5 minutes.
   */
  stuckAfterMs?: number;
  now?: () => number;
}

/**
 * Wraps an activity so it heartbeats every fifth of its heartbeat timeout for as long as it
 * runs (the SDK throttles what reaches the server). Activities without a heartbeat timeout
 * run as they are. The first beat carries the previous attempt's details, so a retry that
 * is slow to get to its first status read still resumes the same remote job.
 */
export function withSteadyHeartbeat<A extends unknown[], R>(
  activity: (...args: A) => Promise<R>,
  options: SteadyHeartbeatOptions = {},
): (...args: A) => Promise<R> {
  const now = options.now ?? Date.now;
  return async (...args: A) => {
    const ctx = Context.current();
    const timeoutMs = ctx.info.heartbeatTimeoutMs;
    if (!timeoutMs) return activity(...args);
    const stuckAfterMs = options.stuckAfterMs ?? Math.max(10 * timeoutMs, 300_000);
    const state: Beating = { details: ctx.info.heartbeatDetails, touchedAt: now() };
    beating.set(ctx, state);
    let lastBeatAt = now();
    const beat = () => {
      if (now() - state.touchedAt > stuckAfterMs) return;
      recordLoadStat('heartbeatGapMs', now() - lastBeatAt);
      lastBeatAt = now();
      if (state.details === undefined) ctx.heartbeat();
      else ctx.heartbeat(state.details);
    };
    beat();
    const timer = setInterval(beat, Math.max(50, Math.min(timeoutMs / 5, 5000)));
    try {
      return await activity(...args);
    } finally {
      clearInterval(timer);
      beating.delete(ctx);
    }
  };
}
