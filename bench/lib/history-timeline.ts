import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

// Where a run's wall time goes, read from its Temporal histories (the run and its candidate
// children): each activity's schedule → start (queueing for a worker slot and a poll) and
// start → complete (its own work, including its polls of NeMo), each workflow task's
// schedule → complete, each timer, and the gaps where the workflow waited for a signal.

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface TimelineStep {
  workflowId: string;
  kind: 'activity' | 'timer' | 'workflow-task' | 'child';
  name: string;
  scheduledMs: number;
  startedMs?: number;
  endedMs: number;
}

export interface TimelineSummary {
  /** Sum over activities of schedule → start. */
  activityQueueS: number;
  /** Sum over activities of start → complete, by activity type. */
  activityRunS: Record<string, number>;
  activityCount: number;
  /** Sum over workflow tasks of schedule → complete. */
  workflowTaskS: number;
  workflowTaskCount: number;
}

const ms = (t: HistoryEvent['eventTime']) =>
  t ? Number(t.seconds ?? 0) * 1000 + Math.floor(Number(t.nanos ?? 0) / 1e6) : 0;

/** The steps of one workflow's history, in the order they were scheduled. */
export function stepsOf(workflowId: string, events: HistoryEvent[]): TimelineStep[] {
  const byId = new Map<number, HistoryEvent>();
  for (const e of events) byId.set(Number(e.eventId), e);
  const steps: TimelineStep[] = [];
  for (const e of events) {
    const at = ms(e.eventTime);
    const done =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    if (done) {
      const scheduled = byId.get(Number(done.scheduledEventId));
      const started = byId.get(Number(done.startedEventId));
      steps.push({
        workflowId,
        kind: 'activity',
        name: scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
        scheduledMs: ms(scheduled?.eventTime),
        startedMs: ms(started?.eventTime),
        endedMs: at,
      });
    }
    const wft = e.workflowTaskCompletedEventAttributes ?? e.workflowTaskFailedEventAttributes;
    if (wft) {
      const scheduled = byId.get(Number(wft.scheduledEventId));
      const started = byId.get(Number(wft.startedEventId));
      steps.push({
        workflowId,
        kind: 'workflow-task',
        name: 'workflow task',
        scheduledMs: ms(scheduled?.eventTime),
        startedMs: ms(started?.eventTime),
        endedMs: at,
      });
    }
    if (e.timerFiredEventAttributes) {
      const started = byId.get(Number(e.timerFiredEventAttributes.startedEventId));
      const timeout = started?.timerStartedEventAttributes?.startToFireTimeout;
      steps.push({
        workflowId,
        kind: 'timer',
        name: `timer ${timeout ? ms(timeout) : '?'} ms`,
        scheduledMs: ms(started?.eventTime),
        endedMs: at,
      });
    }
    const child = e.childWorkflowExecutionCompletedEventAttributes ?? e.childWorkflowExecutionFailedEventAttributes;
    if (child) {
      const initiated = byId.get(Number(child.initiatedEventId));
      steps.push({
        workflowId,
        kind: 'child',
        name: child.workflowExecution?.workflowId ?? '?',
        scheduledMs: ms(initiated?.eventTime),
        endedMs: at,
      });
    }
  }
  return steps.sort((a, b) => a.scheduledMs - b.scheduledMs);
}

/** The run's steps and its candidate children's (ids from the run's history). */
export async function runTimeline(client: Client, workflowId: string): Promise<TimelineStep[]> {
  const parent = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = parent.events ?? [];
  const steps = stepsOf(workflowId, events);
  for (const e of events) {
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (!child?.workflowId) continue;
    const history = await client.workflow.getHandle(child.workflowId, child.runId ?? undefined).fetchHistory();
    steps.push(...stepsOf(child.workflowId, history.events ?? []));
  }
  return steps;
}

export function summarize(steps: TimelineStep[]): TimelineSummary {
  const activities = steps.filter((s) => s.kind === 'activity');
  const tasks = steps.filter((s) => s.kind === 'workflow-task');
  const activityRunS: Record<string, number> = {};
  for (const a of activities) {
    activityRunS[a.name] = (activityRunS[a.name] ?? 0) + (a.endedMs - (a.startedMs ?? a.scheduledMs)) / 1000;
  }
  return {
    activityQueueS: activities.reduce((n, a) => n + ((a.startedMs ?? a.scheduledMs) - a.scheduledMs), 0) / 1000,
    activityRunS,
    activityCount: activities.length,
    workflowTaskS: tasks.reduce((n, t) => n + (t.endedMs - t.scheduledMs), 0) / 1000,
    workflowTaskCount: tasks.length,
  };
}

/** One line per step, offsets in ms from `origin`: for reading a run by eye. */
export function formatTimeline(steps: TimelineStep[], origin: number): string {
  return steps
    .map((s) => {
      const queue = s.startedMs !== undefined ? ` queue ${s.startedMs - s.scheduledMs}` : '';
      const run = s.endedMs - (s.startedMs ?? s.scheduledMs);
      return `${String(s.scheduledMs - origin).padStart(7)} ${s.kind.padEnd(13)} ${s.name.padEnd(28)}${queue} run ${run}`;
    })
    .join('\n');
}
