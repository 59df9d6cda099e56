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
import { OVERLAP_POLICIES, SCHEDULE_ID_RE, type ScheduleRequest, type ScheduleResponse } from './schemas';

// Recurring runs as Temporal Schedules. Each action starts a normal flywheelRun (it creates its
// own job document), so scheduled runs show in /api/jobs, the Web UI and `temporal schedule list`.
// What the user asked for (cron text, workload) is kept in the schedule's memo, because Temporal
// describes a cron spec back only in its compiled calendar form.

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
}

const toTemporalOverlap = (o: Overlap) => o.toUpperCase() as ScheduleOverlapPolicy;
export const scheduledWorkflowIdPrefix = (scheduleId: string) => `flywheel-scheduled-${scheduleId}`;

function memoOf(raw: Record<string, unknown> | undefined): ScheduleMemo | null {
  if (!raw || typeof raw.workload_id !== 'string' || typeof raw.client_id !== 'string') return null;
  return raw as unknown as ScheduleMemo;
}

function view(id: string, memo: ScheduleMemo, s: Pick<ScheduleSummary, 'state' | 'info'>): ScheduleResponse {
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
  };
}

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
  };
  const input: FlywheelRunInput = {
    workloadId: body.workload_id,
    clientId: body.client_id,
    configName,
    scheduleId: id,
  };
  if (body.data_split_config) input.dataSplitConfig = body.data_split_config;
  const spec = body.cron
    ? { cronExpressions: [body.cron], timezone: body.timezone }
    : { intervals: [{ every: (body.interval_seconds ?? 0) * 1000 }], timezone: body.timezone };
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
      policies: { overlap: toTemporalOverlap(body.overlap), catchupWindow: '1 minute' },
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
  return view(id, memo, description);
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
    schedules.push(view(summary.scheduleId, memo, summary));
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

/** Starts a run now; the schedule's overlap policy still applies (default: skip if one is active). */
export async function triggerSchedule(deps: JobDeps, id: string, principal: Principal) {
  const { memo } = await describeOurs(deps, id, principal, 'run');
  await deps.temporal.schedule.getHandle(id).trigger(toTemporalOverlap(memo.overlap));
  return { id, message: 'Schedule triggered: a run is starting.' };
}
