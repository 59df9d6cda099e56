import { workflowIdForJob } from '../../workflows/contract';
import type { ChaosRig } from '../chaos/rig';

// What Temporal recorded of a run's activities: for each activity the attempt that finally
// ran (ActivityTaskStarted.attempt; 2 or more means earlier attempts timed out or failed).

export interface ActivityAttempt {
  workflowId: string;
  activity: string;
  attempt: number;
}

async function attemptsOf(
  rig: ChaosRig,
  workflowId: string,
): Promise<{ attempts: ActivityAttempt[]; children: string[] }> {
  const history = await rig.client.workflow.getHandle(workflowId).fetchHistory();
  const typeOf = new Map<string, string>();
  const attempts: ActivityAttempt[] = [];
  const children: string[] = [];
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) typeOf.set(id, scheduled.activityType?.name ?? '?');
    const started = event.activityTaskStartedEventAttributes;
    if (started)
      attempts.push({
        workflowId,
        activity: typeOf.get(String(started.scheduledEventId)) ?? '?',
        attempt: started.attempt ?? 1,
      });
    const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
    if (child) children.push(child);
  }
  return { attempts, children };
}

/** Every activity of the run and of its candidate child workflows, with its final attempt. */
export async function runActivityAttempts(rig: ChaosRig, jobId: string): Promise<ActivityAttempt[]> {
  const parent = await attemptsOf(rig, workflowIdForJob(jobId));
  const children = await Promise.all(parent.children.map((id) => attemptsOf(rig, id)));
  return [...parent.attempts, ...children.flatMap((c) => c.attempts)];
}

/** The long NeMo waits: the activities a heartbeat timeout would retry. */
export const LONG_WAITS = new Set(['deployCandidate', 'runEvaluation', 'runCustomization', 'teardownDeployment']);

export interface PendingWait {
  activity: string;
  attempt: number;
  /** A worker runs this attempt (PENDING_ACTIVITY_STATE_STARTED), rather than it waiting for one. */
  started: boolean;
  /** When the Temporal server last saw the attempt's heartbeat (epoch ms; 0 if never). */
  lastHeartbeatMs: number;
}

/** The long NeMo waits in flight in the run's candidate workflows, as the Temporal server sees them. */
export async function pendingLongWaits(rig: ChaosRig, jobId: string): Promise<PendingWait[]> {
  const { children } = await attemptsOf(rig, workflowIdForJob(jobId));
  const described = await Promise.all(children.map((id) => rig.client.workflow.getHandle(id).describe()));
  return described.flatMap((d) =>
    (d.raw.pendingActivities ?? [])
      .filter((a) => LONG_WAITS.has(a.activityType?.name ?? ''))
      .map((a) => ({
        activity: a.activityType?.name ?? '?',
        attempt: a.attempt ?? 1,
        started: Number(a.state) === 2,
        lastHeartbeatMs: a.lastHeartbeatTime?.seconds ? Number(a.lastHeartbeatTime.seconds) * 1000 : 0,
      })),
  );
}
