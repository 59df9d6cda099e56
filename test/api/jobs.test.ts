import { ClientIdKey, FlywheelStatusKey, WorkloadIdKey } from '../../workflows/search-attributes';
import { ApiEnv } from './api-env';

// Exercises: api/jobs/router.ts, api/jobs/service.ts, api/jobs/schemas.ts, api/errors.ts, api/validation.ts (run through the API in-process, so no import names them)

// The Blueprint's /api/jobs routes on the real servers (no worker: runs stay pending unless
// a test writes their documents), every answer checked against the OpenAPI document.

const env = new ApiEnv();
// Every request reads the run document (no revalidation window): the strong mode, whose results
// the tests below can check at once; serving from memory is tested in detail-feed.test.ts.
beforeAll(() => env.start({ detailRevalidateMs: 0 }));
afterAll(() => env.close());

const MISSING_ID = '65f1c0ffee0123456789abcd';

async function createJob(body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await env.api.call('POST', '/api/jobs', {
    body: { workload_id: 'wl-create', client_id: 'client-a', ...body },
    headers,
  });
  if (res.status === 200) env.startedWorkflows.add(`flywheel-${res.body.id}`);
  return res;
}

describe('POST /api/jobs', () => {
  test('creates a pending run readable at once and starts its workflow with search attributes and memo', async () => {
    const res = await createJob({ data_split_config: { eval_size: 5, random_seed: 3 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      status: 'queued',
      message: 'NIM workflow started',
    });

    const detail = await env.api.call('GET', `/api/jobs/${res.body.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      id: res.body.id,
      workload_id: 'wl-create',
      client_id: 'client-a',
      status: 'pending',
      finished_at: null,
      num_records: 0,
      llm_judge: null,
      nims: [],
      datasets: [],
      error: null,
      config_name: 'default',
    });
    expect(detail.body.started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);

    const described = await env.temporal.workflow.getHandle(`flywheel-${res.body.id}`).describe();
    expect(described.type).toBe('flywheelRun');
    expect(described.taskQueue).toBe(env.taskQueue);
    expect(described.typedSearchAttributes.get(WorkloadIdKey)).toBe('wl-create');
    expect(described.typedSearchAttributes.get(ClientIdKey)).toBe('client-a');
    expect(described.typedSearchAttributes.get(FlywheelStatusKey)).toBe('pending');
    expect(await described.memo).toMatchObject({ job_id: res.body.id, config_name: 'default' });
    const history = await env.temporal.workflow.getHandle(`flywheel-${res.body.id}`).fetchHistory();
    const input = env.temporal.options.loadedDataConverter.payloadConverter.fromPayload(
      history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] as never,
    );
    expect(input).toEqual({
      jobId: res.body.id,
      workloadId: 'wl-create',
      clientId: 'client-a',
      configName: 'default',
      dataSplitConfig: { eval_size: 5, random_seed: 3 },
    });
  });

  test('accepts a named config and records it on the run', async () => {
    const res = await createJob({ config_name: 'semantic-icl' });
    expect(res.status).toBe(200);
    expect((await env.results.getRun(res.body.id))?.config_name).toBe('semantic-icl');
  });

  test('the same Idempotency-Key returns the same job, once, even when sent concurrently', async () => {
    const key = `key-${Date.now()}`;
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() => createJob({ workload_id: 'wl-idem' }, { 'Idempotency-Key': key })),
    );
    const ids = new Set(answers.map((a) => a.body.id));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(ids.size).toBe(1);
    expect(await env.results.countRuns({ workload_id: 'wl-idem' })).toBe(1);
    const other = await createJob({ workload_id: 'wl-idem' }, { 'Idempotency-Key': `${key}-other` });
    expect(ids.has(other.body.id)).toBe(false);
  });

  test('reusing an Idempotency-Key for a different request is a 409 conflict', async () => {
    const key = `key-conflict-${Date.now()}`;
    expect((await createJob({ workload_id: 'wl-a' }, { 'Idempotency-Key': key })).status).toBe(200);
    const res = await createJob({ workload_id: 'wl-b' }, { 'Idempotency-Key': key });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/Idempotency-Key/);
  });

  test.each([
    [
      'missing fields',
      {},
      [
        { loc: ['body', 'workload_id'], type: 'missing' },
        { loc: ['body', 'client_id'], type: 'missing' },
      ],
    ],
    ['a wrong type', { workload_id: 7, client_id: 'c' }, [{ loc: ['body', 'workload_id'], type: 'string_type' }]],
    ['an empty id', { workload_id: '', client_id: 'c' }, [{ loc: ['body', 'workload_id'], type: 'too_short' }]],
    [
      'val_ratio out of range',
      { workload_id: 'w', client_id: 'c', data_split_config: { val_ratio: 1 } },
      [{ loc: ['body', 'data_split_config', 'val_ratio'] }],
    ],
    [
      'a non-integer eval_size',
      { workload_id: 'w', client_id: 'c', data_split_config: { eval_size: 2.5 } },
      [{ loc: ['body', 'data_split_config', 'eval_size'] }],
    ],
    [
      'an unknown config',
      { workload_id: 'w', client_id: 'c', config_name: 'nope' },
      [{ loc: ['body', 'config_name'] }],
    ],
    [
      'an override the config forbids (eval_size below ICL max_examples)',
      { workload_id: 'w', client_id: 'c', data_split_config: { eval_size: 2 } },
      [{ loc: ['body', 'data_split_config'], msg: expect.stringMatching(/max_examples/) }],
    ],
  ])('422 with field paths for %s', async (_name, body, expected) => {
    const before = await env.results.countRuns();
    const res = await env.api.call('POST', '/api/jobs', { body });
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual(expected.map((e) => expect.objectContaining(e)));
    expect(await env.results.countRuns()).toBe(before);
  });

  test('malformed JSON is a 422 json_invalid, and a non-JSON body a 415', async () => {
    const bad = await env.api.call('POST', '/api/jobs', {
      raw: '{"workload_id": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0]).toMatchObject({ loc: ['body'], type: 'json_invalid' });
    const text = await env.api.call('POST', '/api/jobs', {
      raw: 'workload_id=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.detail).toMatch(/application\/json/);
  });

  test('a body over the size limit is a 413 and creates nothing', async () => {
    const res = await env.api.call('POST', '/api/jobs', {
      body: { workload_id: 'w'.repeat(2 * 1024 * 1024), client_id: 'c' },
    });
    expect(res.status).toBe(413);
    expect(res.body.detail).toMatch(/too large/);
  });

  test('when Temporal refuses the start, the answer is 503 and no pending document is left behind', async () => {
    const broken = env.build({
      temporal: {
        ...env.temporal,
        workflow: { start: async () => Promise.reject(new Error('connection refused')) },
      } as never,
    });
    const res = await broken.request('/api/jobs', {
      method: 'POST',
      headers: { authorization: `Bearer ${env.api.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workload_id: 'wl-no-temporal', client_id: 'c' }),
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/Temporal is unavailable/);
    expect(await env.results.countRuns({ workload_id: 'wl-no-temporal' })).toBe(0);
  });
});

describe('GET /api/jobs/{job_id}', () => {
  test('400 for a malformed id and 404 for an unknown one, with upstream messages', async () => {
    expect(await env.api.call('GET', '/api/jobs/not-an-id')).toMatchObject({
      status: 400,
      body: { detail: 'Invalid job_id format' },
    });
    expect(await env.api.call('GET', `/api/jobs/${MISSING_ID}`)).toMatchObject({
      status: 404,
      body: { detail: 'Job not found' },
    });
  });

  test('groups evaluations and customizations under their candidate, with the judge', async () => {
    const id = '0000000000000000000000d1';
    await env.results.createRun({ _id: id, workload_id: 'wl-detail', client_id: 'c', workflow_id: `flywheel-${id}` });
    await env.results.updateRun(id, { status: 'running', num_records: 40 });
    await env.results.setRunDatasets(
      id,
      [{ name: 'flywheel-eval-wl-detail-1', num_records: 10, nmp_uri: 'hf://datasets/dfwbp/x' }],
      40,
      {},
    );
    await env.results.upsertJudge(id, {
      model_name: 'judge',
      deployment_type: 'remote',
      deployment_status: 'ready',
      error: null,
    });
    for (const model of ['meta/a', 'meta/b']) await env.results.createNim(id, model);
    await env.results.updateNim(id, 'meta/a', { status: 'running-evals', deployment_status: 'ready' });
    const icl = await env.results.startEvaluation(id, 'meta/a', 'icl-eval');
    const base = await env.results.startEvaluation(id, 'meta/a', 'base-eval');
    await env.results.updateEvaluation(base, {
      status: 'completed',
      progress: 100,
      scores: { similarity: 0.8 },
      finished_at: new Date(),
    });
    await env.results.updateEvaluation(icl, { status: 'running', progress: 40 });
    const cust = await env.results.startCustomization(id, 'wl-detail', 'meta/a');
    await env.results.updateCustomization(cust, { status: 'running', progress: 35, steps_completed: 40 });

    const res = await env.api.call('GET', `/api/jobs/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'running',
      num_records: 40,
      llm_judge: { model_name: 'judge', type: 'remote', deployment_status: 'ready' },
    });
    const [a, b] = res.body.nims;
    expect(a).toMatchObject({ model_name: 'meta/a', status: 'running-evals', deployment_status: 'ready' });
    expect(a.evaluations.map((e: { eval_type: string }) => e.eval_type)).toEqual(['base-eval', 'icl-eval']);
    expect(a.evaluations[0]).toMatchObject({ scores: { similarity: 0.8 }, progress: 100, status: 'completed' });
    expect(a.customizations).toEqual([
      expect.objectContaining({ progress: 35, steps_completed: 40, epochs_completed: 0 }),
    ]);
    expect(b).toMatchObject({
      model_name: 'meta/b',
      status: 'pending',
      deployment_status: 'pending',
      evaluations: [],
      customizations: [],
    });
    expect(res.body.datasets).toEqual([
      { name: 'flywheel-eval-wl-detail-1', num_records: 10, nmp_uri: 'hf://datasets/dfwbp/x' },
    ]);
  });
  test('a finished job carries an ETag and answers a matching If-None-Match with 304; a reopened one changes it', async () => {
    const id = '0000000000000000000000e7';
    await env.results.createRun({ _id: id, workload_id: 'wl-etag', client_id: 'c', workflow_id: `flywheel-${id}` });
    await env.results.createNim(id, 'meta/a');
    const running = await env.api.call('GET', `/api/jobs/${id}`);
    expect(running.headers.get('etag')).toBeNull();

    await env.results.closeRun(id, 'completed', 'run completed');
    const first = await env.api.call('GET', `/api/jobs/${id}`);
    const etag = first.headers.get('etag');
    expect(first.status).toBe(200);
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await env.api.call('GET', `/api/jobs/${id}`, { headers: { 'if-none-match': `W/"x", ${etag}` } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await env.api.call('GET', `/api/jobs/${id}`, { headers: { 'if-none-match': '"other"' } })).status).toBe(
      200,
    );

    // A reset runs it again: the old tag no longer matches and the new detail shows the new state.
    await env.results.reopenRun(id, 'run-2');
    await env.results.updateNim(id, 'meta/a', { status: 'running-evals' });
    await env.results.closeRun(id, 'failed', 'run failed', { error: 'boom' });
    const reopened = await env.api.call('GET', `/api/jobs/${id}`, { headers: { 'if-none-match': etag as string } });
    expect(reopened.status).toBe(200);
    expect(reopened.headers.get('etag')).not.toBe(etag);
    expect(reopened.body).toMatchObject({ status: 'failed', error: 'boom', nims: [{ status: 'failed' }] });
  });
  test("a finished job's cached detail follows writes made elsewhere (a worker, another replica) and its deletion", async () => {
    const id = '0000000000000000000000e8';
    await env.results.createRun({ _id: id, workload_id: 'wl-cache', client_id: 'c', workflow_id: `flywheel-${id}` });
    await env.results.updateRun(id, { candidate_models: ['meta/a'] });
    await env.results.createNim(id, 'meta/a');
    await env.results.setNimDeploymentStatus(id, 'meta/a', 'deleting');
    await env.results.closeRun(id, 'completed', 'run completed');
    const first = await env.api.call('GET', `/api/jobs/${id}`);
    expect(first.body.nims[0].flywheel_deployment_status).toBe('deleting');
    expect((await env.api.call('GET', `/api/jobs/${id}`)).headers.get('etag')).toBe(first.headers.get('etag'));

    // The teardown finishes after the run did, written by the worker, not through this API.
    await env.results.setNimDeploymentStatus(id, 'meta/a', 'deleted');
    const after = await env.api.call('GET', `/api/jobs/${id}`, {
      headers: { 'if-none-match': first.headers.get('etag') as string },
    });
    expect(after.status).toBe(200);
    expect(after.body.nims[0].flywheel_deployment_status).toBe('deleted');
    expect(after.headers.get('etag')).not.toBe(first.headers.get('etag'));

    await env.results.deleteRunDocuments(id);
    expect((await env.api.call('GET', `/api/jobs/${id}`)).status).toBe(404);
  });
});
