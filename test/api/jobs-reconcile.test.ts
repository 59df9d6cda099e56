import { ApiEnv } from './api-env';

// Exercises: api/jobs/reconcile.ts (run through the API in-process, so no import names them)

// A workflow that is terminated (Web UI, `temporal workflow terminate`) runs no more code, so it
// cannot finalize its run document; reading the job closes it, so nothing shows `running` after
// its workflow ended. No worker polls this file's task queue: runs stay open until terminated.

const env = new ApiEnv();
beforeAll(() => env.start());
afterAll(() => env.close());

async function createJob(workloadId: string): Promise<string> {
  const res = await env.api.call('POST', '/api/jobs', { body: { workload_id: workloadId, client_id: 'client-r' } });
  expect(res.status).toBe(200);
  env.startedWorkflows.add(`flywheel-${res.body.id}`);
  return res.body.id as string;
}

describe('jobs whose workflow ended without finalizing', () => {
  test('a terminated run reads as failed with the reason, and its open steps are closed', async () => {
    const id = await createJob('wl-terminated');
    await env.results.createNim(id, 'meta/llama-3.2-1b-instruct');
    const before = await env.api.call('GET', `/api/jobs/${id}`);
    expect(before.body.status).not.toBe('failed');
    expect(before.body.finished_at).toBeNull();

    await env.temporal.workflow.getHandle(`flywheel-${id}`).terminate('operator pulled the plug');

    const after = await env.api.call('GET', `/api/jobs/${id}`);
    expect(after.status).toBe(200);
    expect(after.body.status).toBe('failed');
    expect(after.body.error).toBe(`workflow flywheel-${id} ended terminated`);
    expect(after.body.finished_at).not.toBeNull();
    const nims = await env.results.findNims(id);
    expect(nims.map((n) => [n.status, n.finished_at !== null])).toEqual([['failed', true]]);
  });

  test('cancelling a terminated run is refused as finished instead of failing on the closed workflow', async () => {
    const id = await createJob('wl-terminated-cancel');
    await env.temporal.workflow.getHandle(`flywheel-${id}`).terminate('gone');
    expect(await env.api.call('POST', `/api/jobs/${id}/cancel`)).toMatchObject({
      status: 400,
      body: { detail: 'Cannot cancel a job that has already finished.' },
    });
  });

  test('a running run is left as it is', async () => {
    const id = await createJob('wl-still-running');
    const res = await env.api.call('GET', `/api/jobs/${id}`);
    expect(res.body.finished_at).toBeNull();
    expect((await env.results.getRun(id))?.finished_at).toBeNull();
  });

  test('a document whose workflow never existed is closed once the start grace has passed', async () => {
    const orphan = '0000000000000000000000e1';
    await env.results.createRun({
      _id: orphan,
      workload_id: 'w',
      client_id: 'c',
      workflow_id: `flywheel-none-${orphan}`,
    });
    await env.rawRuns.updateOne({ _id: orphan }, { $set: { started_at: new Date(Date.now() - 5 * 60_000) } });
    const res = await env.api.call('GET', `/api/jobs/${orphan}`);
    expect(res.body).toMatchObject({ status: 'failed', error: `workflow flywheel-none-${orphan} does not exist` });

    const fresh = '0000000000000000000000e2';
    await env.results.createRun({
      _id: fresh,
      workload_id: 'w',
      client_id: 'c',
      workflow_id: `flywheel-none-${fresh}`,
    });
    expect((await env.api.call('GET', `/api/jobs/${fresh}`)).body.finished_at).toBeNull();
  });
});
