import { retention, trainingDrift } from '../../nemo-emulator/models/forgetting';
import { shopLogs, trainingLine } from './fixtures';
import { customizationBody, Emulator, type Json, jsonl, waitFor } from './support';

// Exercises: nemo-emulator/evaluation/academic-types.ts, nemo-emulator/evaluation/academic.ts, nemo-emulator/evaluation/gsm8k-items.ts, nemo-emulator/models/word-problem.ts (served by the emulator this file starts, so no import names them)

// The Evaluator runs an academic benchmark (GSM8K, the LM Evaluation Harness type) against a
// served model, and a customized model's general skill falls with how hard it was trained.

const NS = 'bench';
const BASE = 'meta/llama-3.1-8b-instruct';

let emulator: Emulator;
let config: string;

beforeAll(async () => {
  emulator = await Emulator.start({ timeScale: 0.002 });
  await emulator.deployAndWait(NS, BASE);
  config = await emulator.createConfig(NS, BASE);
  await emulator.uploadDataset(NS, 'train', { 'training/train_data.jsonl': jsonl(shopLogs(60, 5).map(trainingLine)) });
});
afterAll(() => emulator.close());

const gsm8k = (limit: number) => ({
  type: 'gsm8k',
  tasks: { gsm8k: { type: 'gsm8k' } },
  params: { limit_samples: limit },
});

async function strictScore(model: string, limit = 40): Promise<Json> {
  const created = await emulator.ok('POST', '/v1/evaluation/jobs', {
    namespace: NS,
    custom_fields: { flywheel_key: `gsm8k-${model}-${limit}` },
    config: gsm8k(limit),
    target: { type: 'model', model: { api_endpoint: { url: `${emulator.url}/v1/chat/completions`, model_id: model } } },
  });
  const job = await emulator.waitForJob(`/v1/evaluation/jobs/${created.id}`);
  expect(job.status).toBe('completed');
  const results = await emulator.ok('GET', `/v1/evaluation/jobs/${created.id}/results`);
  const strict = results.tasks.gsm8k.metrics['exact_match__strict-match'].scores['exact_match__strict-match'];
  expect(strict.stats.count).toBe(limit);
  return strict.value as number;
}

async function customize(name: string, hyper: Record<string, unknown>): Promise<string> {
  const body = customizationBody(NS, config, 'train', `${NS}/${name}`);
  const job = await emulator.ok('POST', '/v1/customization/jobs', {
    ...body,
    hyperparameters: { ...body.hyperparameters, ...hyper },
  });
  await emulator.waitForJob(`/v1/customization/jobs/${job.id}/status`);
  const served = (await emulator.ok('GET', `/v1/customization/jobs/${job.id}`)).output_model as string;
  await waitFor(async () =>
    ((await emulator.ok('GET', '/v1/models')).data as { id: string }[]).some((m) => m.id === served),
  );
  return served;
}

test('GSM8K scores a model by its own worked answers; a bigger model scores higher', async () => {
  const judge = await strictScore('meta/llama-3.3-70b-instruct');
  const base = await strictScore(BASE);
  expect(base).toBeGreaterThan(0.2);
  expect(judge).toBeGreaterThan(base);
});

test('an unknown benchmark type is refused with 422 naming it', async () => {
  const reply = await emulator.call('POST', '/v1/evaluation/jobs', {
    namespace: NS,
    config: { type: 'no_such_benchmark' },
    target: { type: 'model', model: BASE },
  });
  expect(reply.status).toBe(422);
  expect(JSON.stringify(reply.body)).toContain('no_such_benchmark');
});

test('forgetting: aggressive training loses general skill, gentle training keeps it', async () => {
  const base = await strictScore(BASE);
  const gentle = await customize('gentle', { epochs: 1, learning_rate: 0.00005, lora: { adapter_dim: 8 } });
  const harsh = await customize('harsh', {
    epochs: 10,
    learning_rate: 0.001,
    batch_size: 4,
    lora: { adapter_dim: 128 },
  });
  expect(await strictScore(gentle)).toBeGreaterThanOrEqual(base * 0.95);
  expect(await strictScore(harsh)).toBeLessThan(base * 0.5);
});

test('the drift formula grows with every training knob, and retention falls with it', () => {
  const t = { epochs: 2, batchSize: 16, learningRate: 1e-4, adapterDim: 32, records: 160 };
  const d = trainingDrift(t);
  expect(d).toBeCloseTo(2 * 10 * 1e-4, 12);
  for (const more of [
    { epochs: 4 },
    { learningRate: 2e-4 },
    { adapterDim: 64 },
    { records: 320 },
    { batchSize: 8 },
    { adapterDim: null },
  ]) {
    expect(trainingDrift({ ...t, ...more })).toBeGreaterThan(d);
    expect(retention({ ...t, ...more })).toBeLessThan(retention(t));
  }
  expect(retention(t)).toBeCloseTo(Math.exp(-d / 0.2), 12);
  expect(retention(t)).toBeGreaterThan(0.95);
});
