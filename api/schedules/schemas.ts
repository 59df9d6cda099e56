import { z } from '@hono/zod-openapi';
import { DataSplitOverride } from '../jobs/schemas';

// Schedules (an addition to the Blueprint's API): recurring flywheel runs as Temporal Schedules.

export const SCHEDULE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
export const OVERLAP_POLICIES = [
  'skip',
  'buffer_one',
  'buffer_all',
  'cancel_other',
  'terminate_other',
  'allow_all',
] as const;

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** A run missed while Temporal was down is still started if it is at most this late: a week, for weekly runs. */
export const DEFAULT_CATCHUP_WINDOW_SECONDS = 7 * 24 * 3600;
const CatchupWindow = z
  .number()
  .int()
  .min(10)
  .max(366 * 24 * 3600)
  .openapi({
    description:
      'How late a missed run (Temporal or the worker down at its time) may still start; default 7 days, so a weekly run is caught up',
  });

export const ScheduleRequest = z
  .object({
    schedule_id: z
      .string()
      .regex(SCHEDULE_ID_RE, 'letters, digits, "_", "." and "-", starting with a letter or digit (max 100)')
      .optional()
      .openapi({ description: 'Default: generated from the workload id', example: 'weekly-primary-assistant' }),
    workload_id: z.string().min(1).max(256).openapi({ example: 'primary_assistant' }),
    client_id: z.string().min(1).max(256).openapi({ example: 'aiva-1' }),
    config_name: z.string().min(1).max(64).optional(),
    data_split_config: DataSplitOverride.nullable().optional(),
    cron: z
      .string()
      .regex(/^(@\w+|(\S+\s+){4}\S+)$/, 'a 5-field cron expression, e.g. "0 2 * * MON" (Mondays 02:00)')
      .optional()
      .openapi({ description: 'When to run, as cron (in `timezone`); give this or interval_seconds' }),
    interval_seconds: z
      .number()
      .int()
      .min(1)
      .max(366 * 24 * 3600)
      .optional()
      .openapi({ description: 'Run every N seconds; give this or cron' }),
    timezone: z.string().refine(isTimeZone, 'an IANA time zone, e.g. "Europe/Berlin"').default('UTC'),
    overlap: z
      .enum(OVERLAP_POLICIES)
      .default('skip')
      .openapi({ description: 'What to do when a run of this schedule is still active; default skip' }),
    paused: z.boolean().default(false),
    note: z.string().max(500).optional(),
    catchup_window_seconds: CatchupWindow.optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.cron === undefined) === (s.interval_seconds === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['cron'], message: 'give exactly one of cron or interval_seconds' });
    }
  })
  .openapi('ScheduleRequest');

export const ScheduleIdParam = z.object({
  schedule_id: z.string().openapi({ param: { name: 'schedule_id', in: 'path' }, example: 'weekly-primary-assistant' }),
});

export const PauseRequest = z.object({ note: z.string().max(500).optional() }).openapi('SchedulePauseRequest');

const RecentRun = z.object({ scheduled_at: z.string(), started_at: z.string(), workflow_id: z.string() });

export const ScheduleResponse = z
  .object({
    id: z.string(),
    workload_id: z.string(),
    client_id: z.string(),
    config_name: z.string(),
    cron: z.string().nullable(),
    interval_seconds: z.number().int().nullable(),
    timezone: z.string(),
    overlap: z.enum(OVERLAP_POLICIES),
    paused: z.boolean(),
    note: z.string().nullable(),
    next_run_times: z.array(z.string()).openapi({ description: 'Upcoming runs, ISO-8601 UTC' }),
    recent_runs: z.array(RecentRun),
    created_at: z.string().nullable(),
    catchup_window_seconds: z.number().int(),
  })
  .openapi('ScheduleResponse');

export const ScheduleUpdateRequest = z
  .object({
    cron: ScheduleRequest.shape.cron,
    interval_seconds: ScheduleRequest.shape.interval_seconds,
    timezone: z.string().refine(isTimeZone, 'an IANA time zone, e.g. "Europe/Berlin"').optional(),
    overlap: z.enum(OVERLAP_POLICIES).optional(),
    catchup_window_seconds: CatchupWindow.optional(),
    note: z.string().max(500).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.cron !== undefined && s.interval_seconds !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['cron'], message: 'give at most one of cron or interval_seconds' });
    }
    if (Object.keys(s).length === 0) ctx.addIssue({ code: 'custom', path: [], message: 'nothing to update' });
  })
  .openapi('ScheduleUpdateRequest');

export const ScheduleTriggerResponse = z
  .object({
    id: z.string(),
    message: z.string(),
    started: z.boolean().openapi({ description: 'false when the overlap policy skipped the start' }),
    workflow_id: z.string().nullable().openapi({ description: 'The run started, or the active run that blocked it' }),
  })
  .openapi('ScheduleTriggerResponse');

export const SchedulesListQuery = z.object({
  workload_id: z.string().min(1).optional(),
  client_id: z.string().min(1).optional(),
});

export const SchedulesListResponse = z
  .object({ schedules: z.array(ScheduleResponse) })
  .openapi('SchedulesListResponse');
export const ScheduleActionResponse = z
  .object({ id: z.string(), message: z.string() })
  .openapi('ScheduleActionResponse');

export type ScheduleRequest = z.infer<typeof ScheduleRequest>;
export type ScheduleUpdateRequest = z.infer<typeof ScheduleUpdateRequest>;
export type ScheduleResponse = z.infer<typeof ScheduleResponse>;
