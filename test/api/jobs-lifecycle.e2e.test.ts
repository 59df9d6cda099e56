import { eventually, FlywheelHarness, SAMPLE } from '../support/flywheel-harness';
import { apiOverHarness, terminateLeftovers } from './harness-app';

// Jobs through the API with a real worker and the NeMo emulator: the detail of a real run
// (every candidate, evaluation and customization) matches the OpenAPI document at each poll,
// cancel stops a live run, and delete removes a finished one.

const h = new FlywheelHarness({ timeScale: 0.01 });
let api: ReturnType<typeof apiOverHarness>['api'];

beforeAll(async () => {
  await h.start();
  h.configs.set('default', h.config({ models: ['meta/llama-3.2-1b-instruct', 'meta/llama-3.2-3b-instruct'] }));
  api = apiOverHarness(h).api;
}, 120_000);
afterAll(async () => {
  await terminateLeftovers(h);
  await h.close();
});

const body = { workload_id: SAMPLE.workloadId, client_id: SAMPLE.clientId };

async function pollUntilFinished(id: string) {
  const seen = new Set<string>();
  return eventually(
    'the job to finish',
    async () => {
      const res = await api.call('GET', `/api/jobs/${id}`); // each poll checked against the OpenAPI document
      seen.add(res.body.status);
      return res.body.finished_at ? { detail: res.body, seen } : undefined;
    },
    90_000,
  );
}

test('a job created through the API runs to completion; its detail stays valid throughout; delete removes it', async () => {
  const created = await api.call('POST', '/api/jobs', { body: { ...body, data_split_config: { eval_size: 8 } } });
  expect(created.status).toBe(200);
  const { detail, seen } = await pollUntilFinished(created.body.id);
  expect(seen.has('running')).toBe(true);
  expect(detail).toMatchObject({ status: 'completed', error: null, llm_judge: { deployment_status: 'ready' } });
  expect(detail.num_records).toBeGreaterThan(0);
  expect(detail.datasets).toHaveLength(3);
  expect(detail.nims).toHaveLength(2);
  for (const nim of detail.nims) {
    expect(nim).toMatchObject({ status: 'completed', deployment_status: 'deleted' });
    expect(nim.evaluations.map((e: { eval_type: string }) => e.eval_type)).toEqual([
      'base-eval',
      'icl-eval',
      'customized-eval',
    ]);
    expect(nim.customizations).toEqual([expect.objectContaining({ status: 'completed', progress: 100 })]);
  }

  expect((await api.call('POST', `/api/jobs/${created.body.id}/cancel`)).status).toBe(400);
  expect((await api.call('DELETE', `/api/jobs/${created.body.id}`)).status).toBe(200);
  await eventually('the job to be deleted', async () => {
    const res = await api.call('GET', `/api/jobs/${created.body.id}`);
    return res.status === 404 ? res : undefined;
  });
  expect((await api.call('GET', `/api/jobs?workload_id=${SAMPLE.workloadId}`)).body.jobs).toEqual([]);
}, 120_000);

test('cancel through the API stops a live run and keeps it readable', async () => {
  await h.setFaults({ customization: { stall: true } });
  try {
    const created = await api.call('POST', '/api/jobs', { body });
    const id = created.body.id as string;
    await eventually('a customization under way', async () => {
      const res = await api.call('GET', `/api/jobs/${id}`);
      return res.body.nims.some(
        (n: { customizations: { status: string }[] }) => n.customizations[0]?.status === 'running',
      )
        ? true
        : undefined;
    });
    const live = await api.call('GET', `/api/jobs/${id}/progress`);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ id, phase: 'running-candidates', cancel_reason: null });
    expect(live.body.candidates.map((c: { model_name: string }) => c.model_name).sort()).toEqual([
      'meta/llama-3.2-1b-instruct',
      'meta/llama-3.2-3b-instruct',
    ]);
    expect(await api.call('POST', `/api/jobs/${id}/cancel`)).toMatchObject({
      status: 200,
      body: { message: 'Job cancellation initiated successfully.' },
    });
    const { detail } = await pollUntilFinished(id);
    expect(detail.status).toBe('cancelled');
    for (const nim of detail.nims) {
      expect(nim.status).toBe('cancelled');
      expect(nim.customizations[0].status).toBe('cancelled');
    }
    expect((await api.call('POST', `/api/jobs/${id}/cancel`)).body.detail).toBe(
      'Cannot cancel a job that has already finished.',
    );
  } finally {
    await h.clearFaults();
  }
}, 120_000);
