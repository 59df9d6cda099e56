import { eventually, FlywheelHarness, SAMPLE } from '../support/flywheel-harness';
import { blueprintViolations } from './blueprint-contract';
import { apiOverHarness, terminateLeftovers } from './harness-app';

// Jobs through the API with a real worker and the NeMo emulator: the detail of a real run
// (every candidate, evaluation and customization) matches the OpenAPI document at each poll,
// cancel stops a live run, and delete removes a finished one. Every snapshot of a full run, a
// cancelled one and a failed one holds only the Blueprint's enum values in the Blueprint's fields
// (blueprint-contract.ts); Flywheel's richer states are in the additive flywheel_* fields.

const h = new FlywheelHarness({ timeScale: 0.01 });
let api: ReturnType<typeof apiOverHarness>['api'];

beforeAll(async () => {
  await h.start();
  const models = ['meta/llama-3.2-1b-instruct', 'meta/llama-3.2-3b-instruct'];
  h.configs.set('default', h.config({ models }));
  // one GPU for two candidates: the second waits for the first (waiting-for-gpus)
  h.configs.set('one-gpu', h.config({ models, gpuBudget: 1 }));
  api = apiOverHarness(h).api;
}, 120_000);
afterAll(async () => {
  await terminateLeftovers(h);
  await h.close();
});

const body = { workload_id: SAMPLE.workloadId, client_id: SAMPLE.clientId };

/** Every Blueprint-contract break seen in any snapshot of any job, and the Flywheel-only states seen. */
const violations: string[] = [];
const flywheelStates = new Set<string>();
let snapshots = 0;

async function snapshot(id: string) {
  const res = await api.call('GET', `/api/jobs/${id}`); // each poll checked against the OpenAPI document
  snapshots++;
  violations.push(...blueprintViolations(res.body).map((v) => `${res.body.status}: ${v}`));
  for (const nim of res.body.nims as {
    status: string;
    flywheel_status: string;
    flywheel_deployment_status: string;
  }[]) {
    flywheelStates.add(`${nim.flywheel_status}→${nim.status}`);
    if (nim.flywheel_deployment_status) flywheelStates.add(`deployment ${nim.flywheel_deployment_status}`);
  }
  return res;
}

async function pollUntilFinished(id: string) {
  const seen = new Set<string>();
  return eventually(
    'the job to finish',
    async () => {
      const res = await snapshot(id);
      seen.add(res.body.status);
      return res.body.finished_at ? { detail: res.body, seen } : undefined;
    },
    90_000,
  );
}

afterAll(() => {
  // the contract test proper: checked once every run below has been polled to its end
  expect({ snapshots: snapshots > 10, violations }).toEqual({ snapshots: true, violations: [] });
});

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
    expect(nim).toMatchObject({
      status: 'completed',
      deployment_status: 'completed',
      flywheel_status: 'completed',
      flywheel_deployment_status: 'deleted',
    });
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
    const created = await api.call('POST', '/api/jobs', { body: { ...body, config_name: 'one-gpu' } });
    const id = created.body.id as string;
    await eventually(
      'a customization under way',
      async () => {
        const res = await snapshot(id);
        return res.body.nims.some(
          (n: { customizations: { status: string }[] }) => n.customizations[0]?.status === 'running',
        )
          ? true
          : undefined;
      },
      60_000,
    );
    const live = await api.call('GET', `/api/jobs/${id}/progress`);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ id, phase: 'running-candidates', cancel_reason: null });
    expect(live.body.candidates.map((c: { model_name: string }) => c.model_name).sort()).toEqual([
      'meta/llama-3.2-1b-instruct',
      'meta/llama-3.2-3b-instruct',
    ]);
    // the second candidate waits for the one GPU: Flywheel's waiting-for-gpus, the Blueprint's pending
    expect(flywheelStates.has('waiting-for-gpus→pending')).toBe(true);
    expect(await api.call('POST', `/api/jobs/${id}/cancel`)).toMatchObject({
      status: 200,
      body: { message: 'Job cancellation initiated successfully.' },
    });
    expect(await api.call('POST', `/api/jobs/${id}/cancel`)).toMatchObject({
      status: 200,
      body: { id, message: 'Job is already cancelled.' },
    });
    const { detail } = await pollUntilFinished(id);
    expect(detail.status).toBe('cancelled');
    for (const nim of detail.nims) {
      expect(nim.status).toBe('cancelled');
      expect(nim.deployment_status).toMatch(/^(cancelled|pending)$/);
      if (nim.customizations[0]) expect(nim.customizations[0].status).toBe('cancelled');
    }
    expect((await api.call('POST', `/api/jobs/${id}/cancel`)).body.detail).toBe(
      'Cannot cancel a job that has already finished.',
    );
  } finally {
    await h.clearFaults();
  }
}, 120_000);

test('a run whose every candidate fails ends failed, and its snapshots keep to the Blueprint values', async () => {
  await h.setFaults({ deployment: { fail: ['meta/llama-3.2-1b-instruct', 'meta/llama-3.2-3b-instruct'] } });
  try {
    const created = await api.call('POST', '/api/jobs', { body });
    const { detail } = await pollUntilFinished(created.body.id);
    expect(detail.status).toBe('failed');
    for (const nim of detail.nims) {
      expect(nim).toMatchObject({ status: 'failed', deployment_status: 'failed', flywheel_status: 'failed' });
      expect(nim.flywheel_deployment_status).toMatch(/^(deleted|failed)$/);
    }
  } finally {
    await h.clearFaults();
  }
}, 120_000);
