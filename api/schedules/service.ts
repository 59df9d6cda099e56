import { randomBytes } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  type ScheduleDescription,
  ScheduleNotFoundError,
  type ScheduleOverlapPolicy,
  type ScheduleSummary,
} from '@temporalio/client';
import { DEFAULT_CONFIG_NAME } from '../../config/load';
import { FLYWHEEL_RUN_WORKFLOW, type FlywheelRunInput } from '../../workflows/contract';
import type { flywheelRun } from '../../workflows/flywheel-run';
import { ClientIdKey, FlywheelStatusKey, WorkloadIdKey } from '../../workflows/search-attributes';
import { badRequest, conflict, notFound, unprocessable } from '../errors';
import { checkJobConfig, type JobDeps } from '../jobs/service';
import { authorizeCreate, inScope, requireAction, scopeFilter } from '../middleware/authorize';
import type { Action, Principal } from '../middleware/roles';
import {
  DEFAULT_CATCHUP_WINDOW_SECONDS,
  OVERLAP_POLICIES,
  SCHEDULE_ID_RE,
  type ScheduleRequest,
  type ScheduleResponse,
  type ScheduleUpdateRequest,
} from './schemas';

// Recurring runs as Temporal Schedules. Each action starts a normal flywheelRun (it creates its
// own job document), so scheduled runs show in /api/jobs, the Web UI and `temporal schedule list`.
// What the user asked for (cron text, workload) is kept in the schedule's memo, because Temporal
// describes a cron spec back only in its compiled calendar form. A schedule's memo cannot be
// changed, so an update keeps the new timing in the action's memo (`schedule_spec`), which
// describe returns and which wins over the creation memo.

type Overlap = (typeof OVERLAP_POLICIES)[number];

interface ScheduleMemo {
  workload_id: string;
  client_id: string;
  config_name: string;
  cron: string | null;
  interval_seconds: number | null;
  timezone: string;
  overlap: Overlap;
  created_at: string;
  catchup_window_seconds?: number;
}

/** The timing a schedule runs on now (after updates). */
type SpecMemo = Pick<ScheduleMemo, 'cron' | 'interval_seconds' | 'timezone' | 'overlap' | 'catchup_window_seconds'>;

const toTemporalOverlap = (o: Overlap) => o.toUpperCase() as ScheduleOverlapPolicy;
export const scheduledWorkflowIdPrefix = (scheduleId: string) => `flywheel-scheduled-${scheduleId}`;

function memoOf(raw: Record<string, unknown> | undefined): ScheduleMemo | null {
  if (!raw || typeof raw.workload_id !== 'string' || typeof raw.client_id !== 'string') return null;
  return raw as unknown as ScheduleMemo;
}

function view(
  id: string,
  created: ScheduleMemo,
  s: Pick<ScheduleSummary, 'state' | 'info'>,
  current?: Partial<SpecMemo>,
): ScheduleResponse {
  const memo = { ...created, ...current };
  return {
    id,
    workload_id: memo.workload_id,
    client_id: memo.client_id,
    config_name: memo.config_name ?? DEFAULT_CONFIG_NAME,
    cron: memo.cron ?? null,
    interval_seconds: memo.interval_seconds ?? null,
    timezone: memo.timezone ?? 'UTC',
    overlap: OVERLAP_POLICIES.includes(memo.overlap) ? memo.overlap : 'skip',
    paused: s.state.paused,
    note: s.state.note || null,
    next_run_times: s.info.nextActionTimes.map((d) => d.toISOString()),
    recent_runs: s.info.recentActions.map((a) => ({
      scheduled_at: a.scheduledAt.toISOString(),
      started_at: a.takenAt.toISOString(),
      workflow_id: a.action.workflow.workflowId,
    })),
    created_at: memo.created_at ?? null,
    catchup_window_seconds: memo.catchup_window_seconds ?? 60, // schedules made before this field: Temporal's 1 min default
  };
}

/** The timing a described schedule runs on: the creation memo overlaid by the last update's. */
function currentSpec(description: ScheduleDescription): Partial<SpecMemo> {
  const spec = (description.action.memo as Record<string, unknown> | undefined)?.schedule_spec;
  const fromUpdate = spec && typeof spec === 'object' ? (spec as Partial<SpecMemo>) : {};
  const windowMs = description.policies.catchupWindow;
  return { ...fromUpdate, ...(windowMs ? { catchup_window_seconds: Math.round(windowMs / 1000) } : {}) };
}

const specOf = (s: Pick<SpecMemo, 'cron' | 'interval_seconds' | 'timezone'>) =>
  s.cron
    ? { cronExpressions: [s.cron], timezone: s.timezone }
    : { intervals: [{ every: (s.interval_seconds ?? 0) * 1000 }], timezone: s.timezone };

function assertScheduleId(id: string): void {
  if (!SCHEDULE_ID_RE.test(id)) throw badRequest('Invalid schedule_id format');
}

/** A flywheel schedule the caller may `action`: 403 for the role, the same 404 for missing and out-of-scope. */
async function describeOurs(
  deps: JobDeps,
  id: string,
  principal: Principal,
  action: Action,
): Promise<{ description: ScheduleDescription; memo: ScheduleMemo }> {
  assertScheduleId(id);
  requireAction(principal, action);
  let description: ScheduleDescription;
  try {
    description = await deps.temporal.schedule.getHandle(id).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw notFound(`Schedule ${id} not found`);
    throw err;
  }
  const memo = memoOf(description.memo);
  if (!memo || description.action.workflowType !== FLYWHEEL_RUN_WORKFLOW || !inScope(principal, memo.client_id)) {
    throw notFound(`Schedule ${id} not found`);
  }
  return { description, memo };
}

function defaultScheduleId(workloadId: string): string {
  const slug = workloadId.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 60);
  return `flywheel-${slug}-${randomBytes(4).toString('hex')}`;
}

export async function createSchedule(
  deps: JobDeps,
  body: ScheduleRequest,
  principal: Principal,
): Promise<ScheduleResponse> {
  authorizeCreate(principal, 'run', body.client_id);
  const configName = body.config_name ?? DEFAULT_CONFIG_NAME;
  checkJobConfig(deps, configName, body);
  const id = body.schedule_id ?? defaultScheduleId(body.workload_id);
  const memo: ScheduleMemo = {
    workload_id: body.workload_id,
    client_id: body.client_id,
    config_name: configName,
    cron: body.cron ?? null,
    interval_seconds: body.interval_seconds ?? null,
    timezone: body.timezone,
    overlap: body.overlap,
    created_at: new Date().toISOString(),
    catchup_window_seconds: body.catchup_window_seconds ?? DEFAULT_CATCHUP_WINDOW_SECONDS,
  };
  const input: FlywheelRunInput = {
    workloadId: body.workload_id,
    clientId: body.client_id,
    configName,
    scheduleId: id,
  };
  if (body.data_split_config) input.dataSplitConfig = body.data_split_config;
  const spec = specOf(memo);
  try {
    await deps.temporal.schedule.create<typeof flywheelRun>({
      scheduleId: id,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: FLYWHEEL_RUN_WORKFLOW,
        args: [input],
        taskQueue: deps.taskQueue,
        workflowId: scheduledWorkflowIdPrefix(id),
        typedSearchAttributes: [
          { key: WorkloadIdKey, value: body.workload_id },
          { key: ClientIdKey, value: body.client_id },
          { key: FlywheelStatusKey, value: 'pending' },
        ],
        memo: { config_name: configName, schedule_id: id, source: 'schedule' },
      },
      policies: {
        overlap: toTemporalOverlap(body.overlap),
        catchupWindow: (memo.catchup_window_seconds ?? DEFAULT_CATCHUP_WINDOW_SECONDS) * 1000,
      },
      state: { paused: body.paused, ...(body.note ? { note: body.note } : {}) },
      memo: memo as unknown as Record<string, unknown>,
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) throw conflict(`Schedule ${id} already exists`);
    // The server rejects what our pattern cannot catch, e.g. a cron field out of range.
    // (the SDK turns the server's INVALID_ARGUMENT into a TypeError).
    if (err instanceof TypeError || (err as { code?: number }).code === 3) {
      throw unprocessable([
        { loc: ['body', body.cron ? 'cron' : 'interval_seconds'], msg: (err as Error).message, type: 'value_error' },
      ]);
    }
    throw err;
  }
  return getSchedule(deps, id, principal);
}

export async function getSchedule(deps: JobDeps, id: string, principal: Principal): Promise<ScheduleResponse> {
  const { description, memo } = await describeOurs(deps, id, principal, 'read');
  return view(id, memo, description, currentSpec(description));
}

export async function listSchedules(
  deps: JobDeps,
  filter: { workload_id?: string; client_id?: string },
  principal: Principal,
) {
  const clients = scopeFilter(principal, filter.client_id);
  const schedules: ScheduleResponse[] = [];
  if (clients?.length === 0) return { schedules };
  for await (const summary of deps.temporal.schedule.list()) {
    const memo = memoOf(summary.memo);
    if (!memo || summary.action?.workflowType !== FLYWHEEL_RUN_WORKFLOW) continue;
    if (filter.workload_id && memo.workload_id !== filter.workload_id) continue;
    if (clients && !clients.includes(memo.client_id)) continue;
    // Described one by one: a summary lacks the policies and the action memo an update changes.
    const current = await getSchedule(deps, summary.scheduleId, principal).catch(() => undefined);
    schedules.push(current ?? view(summary.scheduleId, memo, summary));
  }
  schedules.sort((a, b) => a.id.localeCompare(b.id));
  return { schedules };
}

export async function deleteSchedule(deps: JobDeps, id: string, principal: Principal) {
  await describeOurs(deps, id, principal, 'delete');
  await deps.temporal.schedule.getHandle(id).delete();
  return { id, message: 'Schedule deleted. Runs it already started are not affected.' };
}

export async function pauseSchedule(deps: JobDeps, id: string, principal: Principal, note?: string) {
  await describeOurs(deps, id, principal, 'run');
  await deps.temporal.schedule.getHandle(id).pause(note || 'Paused through the Flywheel API');
  return { id, message: 'Schedule paused.' };
}

export async function unpauseSchedule(deps: JobDeps, id: string, principal: Principal, note?: string) {
  await describeOurs(deps, id, principal, 'run');
  await deps.temporal.schedule.getHandle(id).unpause(note || 'Unpaused through the Flywheel API');
  return { id, message: 'Schedule unpaused.' };
}

/** Changes a schedule's timing, overlap policy, catch-up window or note; runs it started are kept. */
export async function updateSchedule(
  deps: JobDeps,
  id: string,
  body: ScheduleUpdateRequest,
  principal: Principal,
): Promise<ScheduleResponse> {
  const { description, memo } = await describeOurs(deps, id, principal, 'run');
  const was = { ...memo, ...currentSpec(description) };
  const next: SpecMemo = {
    cron: body.interval_seconds !== undefined ? null : (body.cron ?? was.cron),
    interval_seconds: body.cron !== undefined ? null : (body.interval_seconds ?? was.interval_seconds),
    timezone: body.timezone ?? was.timezone,
    overlap: body.overlap ?? was.overlap,
    catchup_window_seconds: body.catchup_window_seconds ?? was.catchup_window_seconds ?? DEFAULT_CATCHUP_WINDOW_SECONDS,
  };
  try {
    await deps.temporal.schedule.getHandle(id).update((prev) => ({
      ...prev,
      spec: specOf(next),
      policies: {
        ...prev.policies,
        overlap: toTemporalOverlap(next.overlap),
        catchupWindow: (next.catchup_window_seconds ?? DEFAULT_CATCHUP_WINDOW_SECONDS) * 1000,
      },
      action: { ...prev.action, memo: { ...prev.action.memo, schedule_spec: next } },
      state: { ...prev.state, ...(body.note !== undefined ? { note: body.note } : {}) },
    }));
  } catch (err) {
    if (err instanceof TypeError || (err as { code?: number }).code === 3) {
      throw unprocessable([
        { loc: ['body', body.cron ? 'cron' : 'interval_seconds'], msg: (err as Error).message, type: 'value_error' },
      ]);
    }
    throw err;
  }
  return getSchedule(deps, id, principal);
}

/**
 * Starts a run now, under the schedule's overlap policy: with `skip` (the default) and a run
 * still active, Temporal starts nothing, and the answer says so and names the active run.
 */
export async function triggerSchedule(deps: JobDeps, id: string, principal: Principal, waitMs = 5000) {
  const { description, memo } = await describeOurs(deps, id, principal, 'run');
  const overlap = (currentSpec(description).overlap ?? memo.overlap) as Overlap;
  const before = description.info;
  const handle = deps.temporal.schedule.getHandle(id);
  await handle.trigger(toTemporalOverlap(overlap));
  // The schedule acts asynchronously: wait until it has taken or skipped the action.
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { info } = await handle.describe();
    if (info.numActionsTaken > before.numActionsTaken) {
      const newest = info.recentActions.at(-1)?.action.workflow.workflowId ?? null;
      return { id, started: true, workflow_id: newest, message: `Schedule triggered: run ${newest} is starting.` };
    }
    if (info.numActionsSkippedOverlap > before.numActionsSkippedOverlap) {
      const active = info.runningActions[0]?.workflow.workflowId ?? null;
      return {
        id,
        started: false,
        workflow_id: active,
        message: `Skipped: run ${active ?? '(unknown)'} of this schedule is still active and its overlap policy is ${overlap}.`,
      };
    }
    if (Date.now() > deadline) {
      return {
        id,
        started: false,
        workflow_id: null,
        message: 'Schedule triggered; Temporal has not acted on it yet.',
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
