import { toolCallingConfig } from './eval-configs';
import { shopLogs, trainingLine } from './fixtures';
import { customizationBody, deploymentBody, Emulator, type Json, jsonl } from './support';

// Exercises: nemo-emulator/context.ts, nemo-emulator/http/fault-middleware.ts, nemo-emulator/routes/admin.ts, nemo-emulator/http/errors.ts (served by the emulator this file starts, so no import names them)

// Fault injection through /admin/faults (and at start), and the counters tests assert on. The
// life-cycle faults run on a virtual clock: "still pending after an hour" is an hour of virtual
// time, not a guess at how long a fixed sleep must be.

const NS = 'faults';
const BASE = 'meta/llama-3.2-1b-instruct';

let emulator: Emulator;
let config: string;

beforeAll(async () => {
  emulator = await Emulator.start({ timeScale: 0.01 });
});
afterAll(() => emulator.close());
afterEach(() => emulator.call('DELETE', '/admin/faults'));

const counters = () => emulator.ok('GET', '/admin/counters');
const HOUR_MS = 60 * 60_000;

describe('route faults', () => {
  test('a 5xx rate of 1 fails only its route with 503 and counts the fault', async () => {
    await emulator.ok('PUT', '/admin/faults', { routes: { 'GET /v1/datasets/{ns}/{name}': { error_5xx_rate: 1 } } });
    const failing = await emulator.call('GET', '/v1/datasets/a/b');
    expect(failing).toEqual({ status: 503, body: { detail: 'Service Unavailable (injected fault)' } });
    expect((await emulator.call('GET', '/v1/datasets')).status).toBe(200);
    const seen = await counters();
    expect(seen.faults_injected.error_5xx).toBe(1);
    expect(seen.requests['GET /v1/datasets/{ns}/{name}']).toBe(1);
  });

  test('a 429 on an OpenAI route comes in the OpenAI error shape', async () => {
    await emulator.ok('PUT', '/admin/faults', { routes: { 'POST /v1/chat/completions': { error_429_rate: 1 } } });
    const reply = await emulator.call('POST', '/v1/chat/completions', {
      model: 'x',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(reply.status).toBe(429);
    expect(reply.body.error).toMatchObject({ type: 'rate_limit_error' });
  });

  test('rates are seeded: the same plan and seed give the same sequence of failures', async () => {
    const sequence = async () => {
      await emulator.ok('PUT', '/admin/faults', { seed: 5, routes: { '*': { error_5xx_rate: 0.5 } } });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await emulator.call('GET', '/v1/datasets')).status);
      return statuses;
    };
    const first = await sequence();
    expect(await sequence()).toEqual(first);
    const failures = first.filter((s) => s === 503).length;
    expect(failures).toBeGreaterThan(5);
    expect(failures).toBeLessThan(25);
    expect((await emulator.call('GET', '/admin/counters')).status).toBe(200); // admin routes are exempt
  });

  test('latency is added to the route', async () => {
    await emulator.ok('PUT', '/admin/faults', {
      routes: { 'GET /health': { latency_ms: 0 }, 'GET /v1/datasets': { latency_ms: 250 } },
    });
    const started = Date.now();
    expect((await emulator.call('GET', '/v1/datasets')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  test('a timeout holds the request until the client gives up, or answers 504 after hang_ms', async () => {
    await emulator.ok('PUT', '/admin/faults', { routes: { 'GET /v1/datasets': { timeout_rate: 1 } } });
    const started = Date.now();
    await expect(fetch(`${emulator.url}/v1/datasets`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);

    await emulator.ok('PUT', '/admin/faults', { routes: { 'GET /v1/datasets': { timeout_rate: 1, hang_ms: 100 } } });
    const reply = await emulator.call('GET', '/v1/datasets');
    expect(reply.status).toBe(504);
    expect((await counters()).faults_injected.timeout).toBe(2);
  });

  test('a bad fault plan is a 422 naming the field', async () => {
    const reply = await emulator.call('PUT', '/admin/faults', { routes: { 'GET /x': { error_5xx_rate: 2 } } });
    expect(reply.status).toBe(422);
    expect(reply.body.detail[0].loc).toEqual(['body', 'routes', 'GET /x', 'error_5xx_rate']);
    expect(await emulator.ok('GET', '/admin/faults')).toEqual({});
  });
});

describe('life-cycle faults', () => {
  // realistic durations on a virtual clock: a test waits on virtual time only
  let virtual: Emulator;
  beforeAll(async () => {
    virtual = await Emulator.start({ timeScale: 1, profile: 'realistic', clock: 'virtual' });
  });
  afterAll(() => virtual.close());
  afterEach(() => virtual.call('DELETE', '/admin/faults'));
  const vcounters = () => virtual.ok('GET', '/admin/counters');

  async function prepareTraining(): Promise<void> {
    config ??= await virtual.createConfig(NS, BASE);
    await virtual.uploadDataset(NS, 'train', { 'training/train_data.jsonl': jsonl(shopLogs(10, 1).map(trainingLine)) });
  }
  test('NotEnoughResources keeps a customization pending with that log, until the GPUs free up', async () => {
    await prepareTraining();
    await virtual.ok('PUT', '/admin/faults', { customization: { not_enough_resources: ['starved'] } });
    const job = await virtual.customize(NS, config, 'train', `${NS}/starved-model`);
    await virtual.waitFor(async () => {
      const status = await virtual.ok('GET', `/v1/customization/jobs/${job.id}/status`);
      return status.status_logs.at(-1)?.message === 'NotEnoughResources';
    });
    await virtual.clock.advance(HOUR_MS);
    expect((await virtual.ok('GET', `/v1/customization/jobs/${job.id}/status`)).status).toBe('pending');
    expect((await vcounters()).faults_injected.customization_not_enough_resources).toBe(1);

    await virtual.ok('DELETE', '/admin/faults');
    expect((await virtual.waitForJob(`/v1/customization/jobs/${job.id}/status`)).status).toBe('completed');
  });

  test('a stalled customization stops progressing; a failing one fails with a log', async () => {
    await prepareTraining();
    await virtual.ok('PUT', '/admin/faults', { customization: { stall: ['stalled-model'], fail: ['failing-model'] } });
    const stalled = await virtual.customize(NS, config, 'train', `${NS}/stalled-model`);
    const failing = await virtual.customize(NS, config, 'train', `${NS}/failing-model`);
    const failed = await virtual.waitForJob(`/v1/customization/jobs/${failing.id}/status`);
    expect(failed.status).toBe('failed');
    expect(failed.status_logs.at(-1).detail).toMatch(/injected fault/);

    await virtual.waitForJob(`/v1/customization/jobs/${stalled.id}/status`, (s) => s === 'running');
    await virtual.clock.advance(HOUR_MS);
    const first = await virtual.ok('GET', `/v1/customization/jobs/${stalled.id}/status`);
    await virtual.clock.advance(HOUR_MS);
    const second = await virtual.ok('GET', `/v1/customization/jobs/${stalled.id}/status`);
    expect(second.status).toBe('running');
    expect(second.percentage_done).toBe(first.percentage_done);
    expect(second.percentage_done).toBeLessThan(100);
    await virtual.ok('POST', `/v1/customization/jobs/${stalled.id}/cancel`);
  });

  test('deployments can be kept from ever becoming ready, or fail', async () => {
    await virtual.ok('PUT', '/admin/faults', { deployment: { never_ready: ['stuck'], fail: ['broken'] } });
    await virtual.ok(
      'POST',
      '/v1/deployment/model-deployments',
      deploymentBody(NS, 'stuck-nim', 'meta/llama-3.1-8b-instruct'),
    );
    await virtual.ok(
      'POST',
      '/v1/deployment/model-deployments',
      deploymentBody(NS, 'broken-nim', 'meta/llama-3.2-3b-instruct'),
    );
    await virtual.waitFor(
      async () =>
        (await virtual.ok('GET', `/v1/deployment/model-deployments/${NS}/broken-nim`)).status_details.status ===
        'failed',
    );
    // a real NIM starts in 15 minutes: a day later the stuck one is still pending
    await virtual.clock.advance(24 * HOUR_MS);
    expect((await virtual.ok('GET', `/v1/deployment/model-deployments/${NS}/stuck-nim`)).status_details.status).toBe(
      'pending',
    );
    const served = (await virtual.ok('GET', '/v1/models')).data.map((m: { id: string }) => m.id);
    expect(served).not.toContain('meta/llama-3.1-8b-instruct');
    const seen = await vcounters();
    expect(seen.faults_injected).toMatchObject({ deployment_never_ready: 1, deployment_fail: 1 });
    expect(seen.live_deployments).toEqual(expect.arrayContaining([`${NS}/stuck-nim`, `${NS}/broken-nim`]));
  });

  test('evaluations can fail half way or stall', async () => {
    await virtual.deployAndWait(NS, BASE);
    await virtual.uploadDataset(NS, 'eval', { 'eval_data.jsonl': jsonl(shopLogs(12, 4)) });
    await virtual.ok('PUT', '/admin/faults', { evaluation: { fail: ['doomed'], stall: ['frozen'] } });
    const body = (name: string) => ({
      custom_fields: { flywheel_key: name },
      config: toolCallingConfig(`hf://datasets/${NS}/eval/eval_data.jsonl`, virtual.url),
      target: { type: 'model', model: BASE },
    });
    const doomed = await virtual.ok('POST', '/v1/evaluation/jobs', body('doomed-eval'));
    const frozen = await virtual.ok('POST', '/v1/evaluation/jobs', body('frozen-eval'));
    const failed = await virtual.waitForJob(`/v1/evaluation/jobs/${doomed.id}`);
    expect(failed.status).toBe('failed');
    expect(failed.status_details.message).toMatch(/injected fault/);
    expect(failed.status_details.progress).toBe(50);

    await virtual.waitFor(
      async () => (await virtual.ok('GET', `/v1/evaluation/jobs/${frozen.id}`)).status_details.progress >= 33,
    );
    await virtual.clock.advance(HOUR_MS);
    const stuck: Json = await virtual.ok('GET', `/v1/evaluation/jobs/${frozen.id}`);
    expect(stuck.status).toBe('running');
    expect(stuck.status_details.progress).toBe(33);
    await virtual.ok('DELETE', '/admin/faults');
    expect((await virtual.waitForJob(`/v1/evaluation/jobs/${frozen.id}`)).status).toBe('completed');
  });
});

test('counters report creations per name, and reset forgets everything', async () => {
  const fresh = await Emulator.start({ timeScale: 0.01 });
  try {
    await fresh.ok('POST', '/v1/deployment/model-deployments', deploymentBody('c', 'one', BASE));
    const cfg = await fresh.createConfig('c', BASE);
    await fresh.uploadDataset('c', 'train', { 'training/train_data.jsonl': jsonl(shopLogs(3, 1).map(trainingLine)) });
    await fresh.customize('c', cfg, 'train', 'c/model-a');
    // the same name again is a 409 (names are unique in a namespace): not counted as created
    expect(
      (await fresh.call('POST', '/v1/customization/jobs', customizationBody('c', cfg, 'train', 'c/model-a'))).status,
    ).toBe(409);
    await fresh.ok('POST', '/v1/customization/jobs', {
      ...customizationBody('c', cfg, 'train', 'c/model-a'),
      name: 'another-name',
    });
    const seen = await fresh.ok('GET', '/admin/counters');
    expect(seen.created).toEqual({
      customization_jobs: { 'customize-c/model-a': 2 },
      evaluation_jobs: {},
      deployments: { 'c/one': 1 },
    });
    expect(seen.live_deployments).toEqual(['c/one']);
    expect(seen.requests['POST /v1/customization/jobs']).toBe(3);

    await fresh.ok('POST', '/admin/reset');
    const after = await fresh.ok('GET', '/admin/counters');
    expect(after.created.deployments).toEqual({});
    expect(after.live_deployments).toEqual([]);
    expect((await fresh.call('GET', '/v1/deployment/model-deployments/c/one')).status).toBe(404);
    expect((await fresh.call('GET', '/v1/datasets/c/train')).status).toBe(404);
  } finally {
    await fresh.close();
  }
});

test('a fault plan given at start is in force from the first request', async () => {
  const faulty = await Emulator.start({ faults: { routes: { 'GET /health': { error_5xx_rate: 1 } } } });
  try {
    expect((await faulty.call('GET', '/v1/datasets')).status).toBe(200);
    expect(await faulty.ok('GET', '/admin/faults')).toEqual({ routes: { 'GET /health': { error_5xx_rate: 1 } } });
  } finally {
    await faulty.close();
  }
});
