import { shopLogs, trainingLine } from './fixtures';
import { customizationBody, Emulator, type Json, jsonl, terminal, waitFor } from './support';

// Exercises: nemo-emulator/lifecycle/customization-lifecycle.ts, nemo-emulator/http/pagination.ts, nemo-emulator/state/targets.ts, nemo-emulator/state/datastore-files.ts (served by the emulator this file starts, so no import names them)

// Customizer: configs, job validation, the job life cycle with progress, the output model's
// registration and serving, cancellation, and training files that cannot be read.

const NS = 'cust';
const BASE = 'meta/llama-3.2-1b-instruct';

let emulator: Emulator;
let config: string;

beforeAll(async () => {
  emulator = await Emulator.start({ timeScale: 0.01 });
  config = await emulator.createConfig(NS, BASE);
  await emulator.uploadDataset(NS, 'train', { 'training/train_data.jsonl': jsonl(shopLogs(30, 5).map(trainingLine)) });
});
afterAll(() => emulator.close());

test('a config is created once (409 after), and a config without training options is a 422', async () => {
  const body = {
    name: `${BASE.split('/')[1]}@v1.0.0+dfw`,
    namespace: NS,
    target: `${BASE}@2.0`,
    training_options: [{ training_type: 'sft', finetuning_type: 'lora', num_gpus: 1 }],
    max_seq_length: 4096,
  };
  expect((await emulator.call('POST', '/v1/customization/configs', body)).status).toBe(409);
  // a config for a target the Customizer does not have is refused
  const noTarget = await emulator.call('POST', '/v1/customization/configs', {
    ...body,
    name: 'orphan',
    target: 'nobody/no-such-model@1.0',
  });
  expect(noTarget.status).toBe(422);
  expect(noTarget.body.detail[0].loc).toEqual(['body', 'target']);
  const bad = await emulator.call('POST', '/v1/customization/configs', {
    ...body,
    name: 'other',
    training_options: [],
  });
  expect(bad.status).toBe(422);
  expect(bad.body.detail[0].loc).toEqual(['body', 'training_options']);
  await emulator.ok('POST', '/v1/customization/configs', { ...body, name: 'temporary' });
  expect((await emulator.call('DELETE', `/v1/customization/configs/${NS}/temporary`)).status).toBe(200);
  expect((await emulator.call('DELETE', `/v1/customization/configs/${NS}/temporary`)).status).toBe(404);
});

test('a job for an unknown config, a missing dataset or bad hyper-parameters is a 422 naming the field', async () => {
  const unknownConfig = await emulator.call(
    'POST',
    '/v1/customization/jobs',
    customizationBody(NS, `${NS}/nope`, 'train', `${NS}/m1`),
  );
  expect(unknownConfig.status).toBe(422);
  expect(unknownConfig.body.detail[0].loc).toEqual(['body', 'config']);

  const missingDataset = await emulator.call(
    'POST',
    '/v1/customization/jobs',
    customizationBody(NS, config, 'nope', `${NS}/m1`),
  );
  expect(missingDataset.status).toBe(422);
  expect(missingDataset.body.detail[0].loc).toEqual(['body', 'dataset']);

  const body = customizationBody(NS, config, 'train', `${NS}/m1`);
  const badHyper = await emulator.call('POST', '/v1/customization/jobs', {
    ...body,
    hyperparameters: { ...body.hyperparameters, epochs: 0, learning_rate: -1 },
  });
  expect(badHyper.status).toBe(422);
  expect(badHyper.body.detail.map((d: { loc: string[] }) => d.loc.join('.')).sort()).toEqual([
    'body.hyperparameters.epochs',
    'body.hyperparameters.learning_rate',
  ]);
  expect((await emulator.ok('GET', '/admin/counters')).created.customization_jobs).toEqual({});
});

test('a job runs created → pending → running → completed with rising progress, and its model is registered', async () => {
  const job = await emulator.customize(NS, config, 'train', `${NS}/customized-a`);
  // the Customizer names the output itself: the requested name plus the job id
  expect(job).toMatchObject({ status: 'created', output_model: `${NS}/customized-a@${job.id}`, config });
  expect(job.id).toMatch(/^cust-[A-Za-z0-9]{22}$/);

  const statuses: string[] = [];
  const progress: number[] = [];
  let last: Json;
  await waitFor(async () => {
    last = await emulator.ok('GET', `/v1/customization/jobs/${job.id}/status`);
    if (statuses[statuses.length - 1] !== last.status) statuses.push(last.status);
    progress.push(last.percentage_done);
    return terminal(last.status);
  });
  // polling may miss the short pending phase, never the order; the logs keep every phase
  const order = ['created', 'pending', 'running', 'completed'];
  expect(statuses).toEqual([...statuses].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
  expect(statuses).toEqual(expect.arrayContaining(['running', 'completed']));
  expect(last.status_logs.map((l: { message: string }) => l.message)).toEqual(
    expect.arrayContaining(['created', 'pending', 'running']),
  );
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  expect(last).toMatchObject({ percentage_done: 100, epochs_completed: 2, steps_completed: 2 * Math.ceil(30 / 4) });
  expect(last.status_logs.map((l: { message: string }) => l.message)).toContain('completed');

  const model = await emulator.ok('GET', `/v1/models/${job.output_model}`);
  expect(model).toMatchObject({ name: `customized-a@${job.id}`, namespace: NS, base_model: BASE });
  const listed = await emulator.ok(
    'GET',
    `/v1/customization/jobs?filter[dataset]=hf://datasets/${NS}/train&filter[status]=completed`,
  );
  expect(listed.data.map((j: { id: string }) => j.id)).toContain(job.id);
  // a filter the list does not have is a 422 naming it (the SDK has no name filter)
  expect((await emulator.call('GET', '/v1/customization/jobs?filter[name]=x')).status).toBe(422);
  expect((await emulator.ok('GET', `/v1/customization/jobs/${job.id}`)).status).toBe('completed');
});

test('a customized model is served only while its base model is deployed, and not after it is deleted', async () => {
  const job = await emulator.customize(NS, config, 'train', `${NS}/customized-b`);
  const output = job.output_model as string;
  await emulator.waitForJob(`/v1/customization/jobs/${job.id}/status`);
  const served = async () => (await emulator.ok('GET', '/v1/models')).data.map((m: { id: string }) => m.id);
  expect(await served()).not.toContain(output);
  await emulator.deployAndWait(NS, BASE);
  await waitFor(async () => (await served()).includes(output)); // after the adapter sync
  expect((await emulator.call('DELETE', `/v1/models/${output}`)).status).toBe(200);
  expect(await served()).not.toContain(output);
});

test('cancelling a running job stops it; cancelling a finished job leaves it as it is', async () => {
  // on a virtual clock: the job is cancelled mid-training, then a day of virtual time passes
  const virtual = await Emulator.start({ timeScale: 1, profile: 'realistic', clock: 'virtual' });
  try {
    const cfg = await virtual.createConfig(NS, BASE);
    await virtual.uploadDataset(NS, 'train', { 'training/train_data.jsonl': jsonl(shopLogs(30, 5).map(trainingLine)) });
    const job = await virtual.customize(NS, cfg, 'train', `${NS}/customized-c`);
    await virtual.waitForJob(`/v1/customization/jobs/${job.id}/status`, (s) => s === 'running');
    const cancelled = await virtual.ok('POST', `/v1/customization/jobs/${job.id}/cancel`);
    expect(cancelled.status).toBe('cancelled');
    await virtual.clock.advance(24 * 60 * 60_000);
    expect(virtual.clock.pendingTimers).toBe(0); // nothing of the job is left waiting
    expect((await virtual.ok('GET', `/v1/customization/jobs/${job.id}/status`)).status).toBe('cancelled');
    expect((await virtual.call('GET', `/v1/models/${job.output_model}`)).status).toBe(404);
    expect((await virtual.ok('POST', `/v1/customization/jobs/${job.id}/cancel`)).status).toBe('cancelled');
    expect((await virtual.call('POST', '/v1/customization/jobs/cust-unknown/cancel')).status).toBe(404);
    expect((await virtual.call('GET', '/v1/customization/jobs/cust-unknown/status')).status).toBe(404);
  } finally {
    await virtual.close();
  }
});

test('a training file that is missing or has a malformed line fails the job with the reason in its logs', async () => {
  await emulator.uploadDataset(NS, 'no-training', { 'eval_data.jsonl': '{}\n' });
  await emulator.uploadDataset(NS, 'bad-training', {
    'training/train_data.jsonl': `${JSON.stringify(trainingLine(shopLogs(1, 1)[0] as never))}\n{"messages": "oops"}\n`,
  });
  const missing = await emulator.customize(NS, config, 'no-training', `${NS}/m-missing`);
  const malformed = await emulator.customize(NS, config, 'bad-training', `${NS}/m-bad`);
  const missingStatus = await emulator.waitForJob(`/v1/customization/jobs/${missing.id}/status`);
  const malformedStatus = await emulator.waitForJob(`/v1/customization/jobs/${malformed.id}/status`);
  expect(missingStatus.status).toBe('failed');
  expect(missingStatus.status_logs.at(-1).detail).toMatch(/training\/train_data.jsonl not found/);
  expect(malformedStatus.status).toBe('failed');
  expect(malformedStatus.status_logs.at(-1).detail).toMatch(/line 2/);
});
