import { eventually, FlywheelHarness, SAMPLE } from '../support/flywheel-harness';
import { apiOverHarness, terminateLeftovers } from './harness-app';

// Exercises: api/schedules/router.ts, api/schedules/service.ts, api/schedules/schemas.ts (run through the API in-process, so no import names them)

// Schedules through the API on the real Temporal dev server; the runs they start are executed
// by a real worker against the NeMo emulator and show up in /api/jobs like any other job.

const h = new FlywheelHarness({ timeScale: 0.01 });
let api: ReturnType<typeof apiOverHarness>['api'];
const created = new Set<string>();
const suffix = Date.now().toString(36);

beforeAll(async () => {
  await h.start();
  h.configs.set('default', h.config({ models: ['meta/llama-3.2-1b-instruct'], customize: false }));
  api = apiOverHarness(h).api;
}, 120_000);
afterAll(async () => {
  for (const id of created)
    await h.env.client.schedule
      .getHandle(id)
      .delete()
      .catch(() => undefined);
  await terminateLeftovers(h);
  await h.close();
});

async function createSchedule(body: Record<string, unknown>) {
  const res = await api.call('POST', '/api/schedules', {
    body: { workload_id: SAMPLE.workloadId, client_id: SAMPLE.clientId, ...body },
  });
  if (res.status === 201) created.add(res.body.id);
  return res;
}

test('a weekly cron schedule in a time zone is created with overlap skip, listed, paused, unpaused and deleted', async () => {
  const id = `weekly-${suffix}`;
  const res = await createSchedule({ schedule_id: id, cron: '0 2 * * MON', timezone: 'Europe/Berlin', paused: true });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({
    id,
    workload_id: SAMPLE.workloadId,
    client_id: SAMPLE.clientId,
    config_name: 'default',
    cron: '0 2 * * MON',
    interval_seconds: null,
    timezone: 'Europe/Berlin',
    overlap: 'skip',
    paused: true,
    recent_runs: [],
  });
  expect(res.body.next_run_times.length).toBeGreaterThan(0);
  for (const t of res.body.next_run_times as string[]) {
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    }).format(new Date(t));
    expect(local).toBe('Mon 02:00');
  }
  const described = await h.env.client.schedule.getHandle(id).describe();
  expect(described.policies.overlap).toBe('SKIP');
  expect(described.action).toMatchObject({ workflowType: 'flywheelRun', taskQueue: h.taskQueue });

  const listed = await eventually('the schedule to be listed', async () => {
    const list = await api.call('GET', `/api/schedules?workload_id=${SAMPLE.workloadId}`);
    return list.body.schedules.find((s: { id: string }) => s.id === id);
  });
  expect(listed).toMatchObject({ id, cron: '0 2 * * MON' });

  expect((await api.call('POST', `/api/schedules/${id}/unpause`)).status).toBe(200);
  expect((await api.call('GET', `/api/schedules/${id}`)).body.paused).toBe(false);
  const paused = await api.call('POST', `/api/schedules/${id}/pause`, { body: { note: 'maintenance window' } });
  expect(paused).toMatchObject({ status: 200, body: { id, message: 'Schedule paused.' } });
  expect((await api.call('GET', `/api/schedules/${id}`)).body).toMatchObject({
    paused: true,
    note: 'maintenance window',
  });

  expect((await api.call('DELETE', `/api/schedules/${id}`)).status).toBe(200);
  expect((await api.call('GET', `/api/schedules/${id}`)).status).toBe(404);
});

test('triggering a schedule starts a normal job that appears in /api/jobs and completes', async () => {
  const res = await createSchedule({ cron: '0 3 * * SUN', paused: true });
  const id = res.body.id as string;
  expect(id).toMatch(new RegExp(`^flywheel-${SAMPLE.workloadId}-[0-9a-f]{8}$`));
  const started = await api.call('POST', `/api/schedules/${id}/trigger`);
  expect(started).toMatchObject({ status: 200, body: { id, started: true } });
  expect(started.body.workflow_id).toMatch(new RegExp(`^flywheel-scheduled-${id}`));
  // A second trigger while that run is active: the overlap policy (skip) starts nothing, and says so.
  const skipped = await api.call('POST', `/api/schedules/${id}/trigger`);
  expect(skipped.body).toMatchObject({ id, started: false, workflow_id: started.body.workflow_id });
  expect(skipped.body.message).toMatch(
    /^Skipped: run \S+ of this schedule is still active and its overlap policy is skip\.$/,
  );

  const job = await eventually('the scheduled job in /api/jobs', async () => {
    const list = await api.call('GET', `/api/jobs?workload_id=${SAMPLE.workloadId}`);
    return list.body.jobs.find((j: { schedule_id: string | null }) => j.schedule_id === id);
  });
  expect(job).toMatchObject({ workload_id: SAMPLE.workloadId, client_id: SAMPLE.clientId, config_name: 'default' });
  const done = await eventually(
    'the scheduled job to finish',
    async () => {
      const detail = await api.call('GET', `/api/jobs/${job.id}`);
      return detail.body.finished_at ? detail.body : undefined;
    },
    90_000,
  );
  expect(done.status).toBe('completed');
  // The scheduled run's memo names the job it derived.
  const memo = (await h.env.client.workflow.getHandle(started.body.workflow_id).describe()).memo;
  expect(memo).toMatchObject({ job_id: job.id, schedule_id: id, source: 'schedule' });
  expect(done.nims[0].evaluations.map((e: { eval_type: string }) => e.eval_type).sort()).toEqual([
    'base-eval',
    'icl-eval',
  ]);
  const schedule = await api.call('GET', `/api/schedules/${id}`);
  expect(schedule.body.recent_runs).toHaveLength(1);
  expect(schedule.body.recent_runs[0].workflow_id).toMatch(new RegExp(`^flywheel-scheduled-${id}`));
}, 120_000);

test('an interval schedule starts runs by itself', async () => {
  const res = await createSchedule({ schedule_id: `every-second-${suffix}`, interval_seconds: 1 });
  expect(res).toMatchObject({ status: 201, body: { interval_seconds: 1, cron: null, paused: false } });
  const job = await eventually('a run started by the interval', async () => {
    const list = await api.call('GET', `/api/jobs?workload_id=${SAMPLE.workloadId}`);
    return list.body.jobs.find((j: { schedule_id: string | null }) => j.schedule_id === res.body.id);
  });
  expect((await api.call('DELETE', `/api/schedules/${res.body.id}`)).status).toBe(200);
  created.delete(res.body.id);
  // the run goes on after its schedule is gone; cancel it to free the worker
  await api.call('POST', `/api/jobs/${job.id}/cancel`);
});

test.each([
  ['both cron and interval', { cron: '0 2 * * MON', interval_seconds: 60 }, ['body', 'cron']],
  ['neither cron nor interval', {}, ['body', 'cron']],
  ['a cron that is not five fields', { cron: 'every monday' }, ['body', 'cron']],
  ['an unknown time zone', { cron: '0 2 * * MON', timezone: 'Mars/Olympus' }, ['body', 'timezone']],
  ['an unknown overlap policy', { cron: '0 2 * * MON', overlap: 'sometimes' }, ['body', 'overlap']],
  ['a bad schedule id', { cron: '0 2 * * MON', schedule_id: '../etc' }, ['body', 'schedule_id']],
  ['an unknown config', { cron: '0 2 * * MON', config_name: 'nope' }, ['body', 'config_name']],
  ['a zero interval', { interval_seconds: 0 }, ['body', 'interval_seconds']],
])('422 for %s', async (_name, body, loc) => {
  const res = await createSchedule(body);
  expect(res.status).toBe(422);
  expect(res.body.detail.map((d: { loc: unknown }) => d.loc)).toContainEqual(loc);
});

test('a cron the server cannot parse is a 422 on the cron field', async () => {
  const res = await createSchedule({ cron: '99 99 * * *' });
  expect(res.status).toBe(422);
  expect(res.body.detail[0].loc).toEqual(['body', 'cron']);
});

test('a taken schedule id is a 409; malformed ids are 400s and unknown ones 404s on every route', async () => {
  const id = `dup-${suffix}`;
  expect((await createSchedule({ schedule_id: id, cron: '0 2 * * MON', paused: true })).status).toBe(201);
  expect(await createSchedule({ schedule_id: id, cron: '0 2 * * MON' })).toMatchObject({
    status: 409,
    body: { detail: `Schedule ${id} already exists` },
  });
  const calls: [string, string][] = [
    ['GET', ''],
    ['DELETE', ''],
    ['POST', '/pause'],
    ['POST', '/unpause'],
    ['POST', '/trigger'],
  ];
  for (const [method, tail] of calls) {
    expect(await api.call(method, `/api/schedules/bad%20id${tail}`)).toMatchObject({
      status: 400,
      body: { detail: 'Invalid schedule_id format' },
    });
    expect(await api.call(method, `/api/schedules/missing-${suffix}${tail}`)).toMatchObject({
      status: 404,
      body: { detail: `Schedule missing-${suffix} not found` },
    });
  }
});

test('a schedule is updated in place; its catch-up window defaults to a week and is configurable', async () => {
  const res = await createSchedule({ cron: '0 2 * * MON', paused: true });
  const id = res.body.id as string;
  expect(res.body.catchup_window_seconds).toBe(7 * 24 * 3600);
  expect((await h.env.client.schedule.getHandle(id).describe()).policies.catchupWindow).toBe(7 * 24 * 3600 * 1000);

  const updated = await api.call('PATCH', `/api/schedules/${id}`, {
    body: { cron: '30 4 * * FRI', overlap: 'buffer_one', catchup_window_seconds: 3 * 24 * 3600, note: 'moved' },
  });
  expect(updated.status).toBe(200);
  expect(updated.body).toMatchObject({
    id,
    cron: '30 4 * * FRI',
    overlap: 'buffer_one',
    catchup_window_seconds: 3 * 24 * 3600,
    note: 'moved',
    paused: true,
    workload_id: SAMPLE.workloadId,
  });
  const next = new Date(updated.body.next_run_times[0]);
  expect([next.getUTCDay(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([5, 4, 30]);
  const described = await h.env.client.schedule.getHandle(id).describe();
  expect(described.policies).toMatchObject({ overlap: 'BUFFER_ONE', catchupWindow: 3 * 24 * 3600 * 1000 });
  const listed = await api.call('GET', `/api/schedules?workload_id=${SAMPLE.workloadId}`);
  expect(listed.body.schedules.find((s: { id: string }) => s.id === id)).toMatchObject({ cron: '30 4 * * FRI' });

  const bad = await api.call('PATCH', `/api/schedules/${id}`, { body: { cron: '1 2 3', catchup_window_seconds: 1 } });
  expect(bad.status).toBe(422);
  expect(JSON.stringify(bad.body.detail)).toMatch(/cron/);
  expect(JSON.stringify(bad.body.detail)).toMatch(/catchup_window_seconds/);
});
