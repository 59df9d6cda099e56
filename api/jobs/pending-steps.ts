import { z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import { candidateWorkflowId } from '../../workflows/contract';

// What Temporal knows and the run's own progress does not: each pending activity of the run
// and of its candidate children, with its attempt, its last failure, and how long nothing was
// heard from it. A NeMo outage shows here as attempt 3, "ECONNREFUSED", instead of "running 0%".

export const PendingStep = z
  .object({
    workflow_id: z.string(),
    candidate: z.string().nullable().openapi({ description: 'The candidate model, for steps of a candidate child' }),
    activity: z.string().openapi({ example: 'deployCandidate' }),
    state: z.enum(['scheduled', 'started', 'cancel-requested', 'paused', 'unknown']),
    attempt: z.number().int().positive(),
    maximum_attempts: z.number().int().nonnegative().openapi({ description: '0 means unlimited' }),
    last_failure: z.string().nullable(),
    last_heartbeat_at: z.string().nullable(),
    last_started_at: z.string().nullable(),
    next_attempt_at: z.string().nullable(),
    stalled_for_seconds: z
      .number()
      .nonnegative()
      .nullable()
      .openapi({ description: 'Set when no heartbeat or new attempt was seen for longer than the stall threshold' }),
  })
  .openapi('PendingStep');
export type PendingStep = z.infer<typeof PendingStep>;

type RawActivity = temporal.api.workflow.v1.IPendingActivityInfo;

const STATES: Record<number, PendingStep['state']> = {
  1: 'scheduled',
  2: 'started',
  3: 'cancel-requested',
  4: 'paused',
};
const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** One pending activity as the API shows it; `now` and `stallMs` are given so tests fix the clock. */
export function pendingStep(
  a: RawActivity,
  where: { workflowId: string; candidate: string | null },
  now: number,
  stallMs: number,
): PendingStep {
  const heartbeat = optionalTsToMs(a.lastHeartbeatTime);
  const started = optionalTsToMs(a.lastStartedTime);
  const scheduled = optionalTsToMs(a.scheduledTime);
  // The last sign of life: a heartbeat, the start of an attempt, or (never started: no worker
  // took it) its scheduling.
  const heard = Math.max(heartbeat ?? 0, started ?? 0) || scheduled;
  const quietMs = heard === undefined ? 0 : now - heard;
  return {
    workflow_id: where.workflowId,
    candidate: where.candidate,
    activity: a.activityType?.name ?? 'unknown',
    state: STATES[a.state ?? 0] ?? 'unknown',
    attempt: a.attempt || 1,
    maximum_attempts: a.maximumAttempts ?? 0,
    last_failure: failureText(a.lastFailure),
    last_heartbeat_at: iso(heartbeat),
    last_started_at: iso(started),
    next_attempt_at: iso(optionalTsToMs(a.nextAttemptScheduleTime)),
    stalled_for_seconds: quietMs > stallMs ? Math.round(quietMs / 1000) : null,
  };
}

/** The innermost message of a failure chain (an activity's error wraps the NeMo client's). */
function failureText(f: temporal.api.failure.v1.IFailure | null | undefined): string | null {
  if (!f) return null;
  let inner = f;
  while (inner.cause?.message) inner = inner.cause;
  const type = inner.applicationFailureInfo?.type;
  return type && !inner.message?.includes(type) ? `${type}: ${inner.message}` : (inner.message ?? null);
}

/** Pending steps of a run's workflow and of its running candidate children. */
export async function pendingSteps(
  client: Client,
  workflowId: string,
  candidates: string[],
  stallMs: number,
  now = Date.now(),
): Promise<PendingStep[]> {
  const parent = await client.workflow.getHandle(workflowId).describe();
  const steps = (parent.raw.pendingActivities ?? []).map((a) =>
    pendingStep(a, { workflowId, candidate: null }, now, stallMs),
  );
  const byChildId = new Map(candidates.map((m) => [candidateWorkflowId(workflowId, m), m]));
  const children = (parent.raw.pendingChildren ?? []).flatMap((c) => (c.workflowId ? [c.workflowId] : []));
  const described = await Promise.all(
    children.map((id) =>
      client.workflow
        .getHandle(id)
        .describe()
        .catch(() => undefined),
    ),
  );
  for (const [i, child] of described.entries()) {
    if (!child) continue;
    const id = children[i] as string;
    const candidate = byChildId.get(id) ?? null;
    for (const a of child.raw.pendingActivities ?? [])
      steps.push(pendingStep(a, { workflowId: id, candidate }, now, stallMs));
  }
  return steps;
}
