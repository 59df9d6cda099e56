import { ApiEnv } from './api-env';

// Live progress, cancel and delete on the real servers (no worker): upstream's checks, messages and order,
// the cancel signal, and deletion through the deleteRun workflow.

const env = new ApiEnv();
beforeAll(() => env.start({ queryTimeoutMs: 1500 }));
afterAll(() => env.close());

const MISSING_ID = '65f1c0ffee0123456789abcd';

async function createJob(workloadId: string) {
  const res = await env.api.call('POST', '/api/jobs', { body: { workload_id: workloadId, client_id: 'client-a' } });
  if (res.status === 200) env.startedWorkflows.add(`flywheel-${res.body.id}`);
  return res;
}

describe('GET /api/jobs/{job_id}/progress', () => {
  test('400 malformed, 404 unknown job or workflow, 409 finished', async () => {
    expect((await env.api.call('GET', '/api/jobs/nope/progress')).status).toBe(400);
    expect(await env.api.call('GET', `/api/jobs/${MISSING_ID}/progress`)).toMatchObject({
      status: 404,
      body: { detail: 'Job not found' },
    });
    const orphan = '0000000000000000000000b1';
    await env.results.createRun({
      _id: orphan,
      workload_id: 'w',
      client_id: 'c',
      workflow_id: `flywheel-none-${orphan}`,
    });
    expect(await env.api.call('GET', `/api/jobs/${orphan}/progress`)).toMatchObject({
      status: 404,
      body: { detail: `No workflow for job ${orphan}` },
    });
    await env.results.finishRun(orphan, 'failed');
    expect((await env.api.call('GET', `/api/jobs/${orphan}/progress`)).status).toBe(409);
  });

  test('a run no worker has picked up shows its stored state: initializing, nothing pending yet', async () => {
    const created = await createJob('wl-progress');
    const start = Date.now();
    const res = await env.api.call('GET', `/api/jobs/${created.body.id}/progress`);
    expect(res).toMatchObject({
      status: 200,
      body: { id: created.body.id, phase: 'initializing', candidates: [], pending_steps: [], error: null },
    });
    expect(Date.now() - start).toBeLessThan(10_000);
  });
});

describe('POST /api/jobs/{job_id}/cancel', () => {
  test('400 malformed, 404 unknown, 400 finished, 200 already cancelled', async () => {
    expect(await env.api.call('POST', '/api/jobs/xyz/cancel')).toMatchObject({
      status: 400,
      body: { detail: 'Invalid job_id format' },
    });
    expect(await env.api.call('POST', `/api/jobs/${MISSING_ID}/cancel`)).toMatchObject({
      status: 404,
      body: { detail: `Job with ID ${MISSING_ID} not found` },
    });
    const done = '0000000000000000000000c1';
    await env.results.createRun({ _id: done, workload_id: 'w', client_id: 'c', workflow_id: `flywheel-${done}` });
    await env.results.finishRun(done, 'completed');
    expect(await env.api.call('POST', `/api/jobs/${done}/cancel`)).toMatchObject({
      status: 400,
      body: { detail: 'Cannot cancel a job that has already finished.' },
    });
    const cancelled = '0000000000000000000000c2';
    await env.results.createRun({
      _id: cancelled,
      workload_id: 'w',
      client_id: 'c',
      workflow_id: `flywheel-${cancelled}`,
    });
    await env.results.updateRun(cancelled, { status: 'cancelled' });
    expect(await env.api.call('POST', `/api/jobs/${cancelled}/cancel`)).toMatchObject({
      status: 200,
      body: { id: cancelled, message: 'Job is already cancelled.' },
    });
  });

  test('a live run gets the cancel signal once; a second cancel while it is cancelling is "already cancelled"', async () => {
    const created = await createJob('wl-cancel');
    const res = await env.api.call('POST', `/api/jobs/${created.body.id}/cancel`);
    expect(res).toMatchObject({
      status: 200,
      body: { id: created.body.id, message: 'Job cancellation initiated successfully.' },
    });
    const again = await env.api.call('POST', `/api/jobs/${created.body.id}/cancel`);
    expect(again).toMatchObject({ status: 200, body: { id: created.body.id, message: 'Job is already cancelled.' } });
    const history = await env.temporal.workflow.getHandle(`flywheel-${created.body.id}`).fetchHistory();
    const signals = history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes) ?? [];
    expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)).toEqual(['cancel']);
  });

  test('a run whose workflow is gone is closed as cancelled by the API itself', async () => {
    const orphan = '0000000000000000000000c3';
    await env.results.createRun({
      _id: orphan,
      workload_id: 'w',
      client_id: 'c',
      workflow_id: `flywheel-missing-${orphan}`,
    });
    expect((await env.api.call('POST', `/api/jobs/${orphan}/cancel`)).status).toBe(200);
    expect(await env.results.getRun(orphan)).toMatchObject({ status: 'cancelled', error: 'Job cancelled by user' });
  });
});

describe('DELETE /api/jobs/{job_id}', () => {
  test('400 malformed, 404 unknown, 400 while running', async () => {
    expect(await env.api.call('DELETE', '/api/jobs/123')).toMatchObject({
      status: 400,
      body: { detail: 'Invalid job_id format' },
    });
    expect(await env.api.call('DELETE', `/api/jobs/${MISSING_ID}`)).toMatchObject({
      status: 404,
      body: { detail: `Job with ID ${MISSING_ID} not found` },
    });
    const running = '0000000000000000000000e1';
    await env.results.createRun({ _id: running, workload_id: 'w', client_id: 'c', workflow_id: `flywheel-${running}` });
    expect(await env.api.call('DELETE', `/api/jobs/${running}`)).toMatchObject({
      status: 400,
      body: { detail: 'Cannot delete a running job. Please cancel the job first.' },
    });
  });

  test('a finished run is deleted by the deleteRun workflow, started once', async () => {
    const done = '0000000000000000000000e2';
    await env.results.createRun({ _id: done, workload_id: 'w', client_id: 'c', workflow_id: `flywheel-${done}` });
    await env.results.finishRun(done, 'failed', { error: 'boom' });
    const first = await env.api.call('DELETE', `/api/jobs/${done}`);
    const again = await env.api.call('DELETE', `/api/jobs/${done}`);
    for (const res of [first, again]) {
      expect(res).toMatchObject({
        status: 200,
        body: { id: done, message: 'Job deletion started. Resources will be cleaned up in the background.' },
      });
    }
    env.startedWorkflows.add(`flywheel-delete-${done}`);
    const described = await env.temporal.workflow.getHandle(`flywheel-delete-${done}`).describe();
    expect(described.type).toBe('deleteRun');
  });
});
