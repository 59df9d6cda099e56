import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { bearerSecurity, json, pick } from '../common-schemas';
import type { JobDeps } from '../jobs/service';
import { principalOf } from '../middleware/authorize';
import { validationHook } from '../validation';
import {
  PauseRequest,
  ScheduleActionResponse,
  ScheduleIdParam,
  ScheduleRequest,
  ScheduleResponse,
  SchedulesListQuery,
  SchedulesListResponse,
  ScheduleTriggerResponse,
  ScheduleUpdateRequest,
} from './schemas';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  pauseSchedule,
  triggerSchedule,
  unpauseSchedule,
  updateSchedule,
} from './service';

const tags = ['schedules'];
const params = ScheduleIdParam;

const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Create a schedule of recurring runs (cron or interval, time zone, overlap policy)',
  security: bearerSecurity,
  request: { body: { content: { 'application/json': { schema: ScheduleRequest } }, required: true } },
  responses: { 201: json(ScheduleResponse, 'The schedule'), ...pick(401, 403, 429, 409, 413, 415, 422) },
});

const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'List flywheel schedules',
  security: bearerSecurity,
  request: { query: SchedulesListQuery },
  responses: { 200: json(SchedulesListResponse, 'Schedules'), ...pick(401, 403, 429, 422) },
});

const get = createRoute({
  method: 'get',
  path: '/{schedule_id}',
  tags,
  summary: 'A schedule with its next and recent runs',
  security: bearerSecurity,
  request: { params },
  responses: { 200: json(ScheduleResponse, 'The schedule'), ...pick(400, 401, 403, 429, 404) },
});

const action = (method: 'post' | 'delete', path: string, summary: string, withNote = false) =>
  createRoute({
    method,
    path,
    tags,
    summary,
    security: bearerSecurity,
    request: withNote
      ? { params, body: { content: { 'application/json': { schema: PauseRequest } }, required: false } }
      : { params },
    responses: { 200: json(ScheduleActionResponse, 'Done'), ...pick(400, 401, 403, 429, 404, 422) },
  });

const remove = action('delete', '/{schedule_id}', 'Delete a schedule (runs it started are kept)');
const pause = action('post', '/{schedule_id}/pause', 'Pause a schedule', true);
const unpause = action('post', '/{schedule_id}/unpause', 'Unpause a schedule', true);
const trigger = createRoute({
  method: 'post',
  path: '/{schedule_id}/trigger',
  tags,
  summary: 'Start a run of this schedule now (the overlap policy applies: the answer says whether it started)',
  security: bearerSecurity,
  request: { params },
  responses: {
    200: json(ScheduleTriggerResponse, 'Started, or skipped by the overlap policy'),
    ...pick(400, 401, 403, 429, 404),
  },
});

const update = createRoute({
  method: 'patch',
  path: '/{schedule_id}',
  tags,
  summary: 'Change a schedule: cron or interval, time zone, overlap policy, catch-up window, note',
  security: bearerSecurity,
  request: { params, body: { content: { 'application/json': { schema: ScheduleUpdateRequest } }, required: true } },
  responses: { 200: json(ScheduleResponse, 'The updated schedule'), ...pick(400, 401, 403, 429, 404, 413, 415, 422) },
});

export function schedulesRouter(deps: JobDeps) {
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(create, async (c) => c.json(await createSchedule(deps, c.req.valid('json'), principalOf(c)), 201))
    .openapi(list, async (c) => c.json(await listSchedules(deps, c.req.valid('query'), principalOf(c)), 200))
    .openapi(get, async (c) => c.json(await getSchedule(deps, c.req.valid('param').schedule_id, principalOf(c)), 200))
    .openapi(update, async (c) =>
      c.json(await updateSchedule(deps, c.req.valid('param').schedule_id, c.req.valid('json'), principalOf(c)), 200),
    )
    .openapi(remove, async (c) =>
      c.json(await deleteSchedule(deps, c.req.valid('param').schedule_id, principalOf(c)), 200),
    )
    .openapi(pause, async (c) => {
      const { note } = (c.req.valid('json' as never) ?? {}) as { note?: string };
      return c.json(await pauseSchedule(deps, c.req.valid('param').schedule_id, principalOf(c), note), 200);
    })
    .openapi(unpause, async (c) => {
      const { note } = (c.req.valid('json' as never) ?? {}) as { note?: string };
      return c.json(await unpauseSchedule(deps, c.req.valid('param').schedule_id, principalOf(c), note), 200);
    })
    .openapi(trigger, async (c) =>
      c.json(await triggerSchedule(deps, c.req.valid('param').schedule_id, principalOf(c)), 200),
    );
}
