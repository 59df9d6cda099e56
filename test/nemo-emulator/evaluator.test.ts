import { classificationConfig, score, similarityConfig, toolCallingConfig } from './eval-configs';
import { headlineLogs, type LogRow, shopLogs, trainingLine } from './fixtures';
import { Emulator, type Json, jsonl, waitFor } from './support';

// Exercises: nemo-emulator/evaluation/config-schema.ts, nemo-emulator/evaluation/run-task.ts, nemo-emulator/lifecycle/evaluation-lifecycle.ts (served by the emulator this file starts, so no import names them)

// The Evaluator really evaluates: it reads the eval file from the datastore, calls the target
// per item, and computes tool-calling accuracy, F1 over [[[labels]]] and judge scores.

const NS = 'evals';
const BASE = 'meta/llama-3.2-1b-instruct';

let emulator: Emulator;
let config: string;

beforeAll(async () => {
  emulator = await Emulator.start({ timeScale: 0.01 });
  await emulator.deployAndWait(NS, BASE);
  config = await emulator.createConfig(NS, BASE);
  await emulator.uploadDataset(NS, 'tools-eval', { 'eval_data.jsonl': jsonl(shopLogs(30, 3)) });
});
afterAll(() => emulator.close());

async function runJob(body: object): Promise<{ job: Json; results?: Json }> {
  const created = await emulator.ok('POST', '/v1/evaluation/jobs', body);
  const job = await emulator.waitForJob(`/v1/evaluation/jobs/${created.id}`);
  if (job.status !== 'completed') return { job };
  return { job, results: await emulator.ok('GET', `/v1/evaluation/jobs/${created.id}/results`) };
}

async function customized(dataset: string, rows: LogRow[], output: string): Promise<string> {
  await emulator.uploadDataset(NS, dataset, { 'training/train_data.jsonl': jsonl(rows.map(trainingLine)) });
  const job = await emulator.customize(NS, config, dataset, `${NS}/${output}`);
  const status = await emulator.waitForJob(`/v1/customization/jobs/${job.id}/status`);
  expect(status.status).toBe('completed');
  // the Customizer's own name for the model, served once the adapter has synced
  const served = (await emulator.ok('GET', `/v1/customization/jobs/${job.id}`)).output_model as string;
  await waitFor(async () =>
    ((await emulator.ok('GET', '/v1/models')).data as { id: string }[]).some((m) => m.id === served),
  );
  return served;
}

test('a job reports progress while it runs, honours limit, and results are 409 until it completes', async () => {
  const created = await emulator.ok('POST', '/v1/evaluation/jobs', {
    custom_fields: { flywheel_key: 'progress' },
    namespace: NS,
    config: toolCallingConfig(`hf://datasets/${NS}/tools-eval/eval_data.jsonl`, emulator.url, 12),
    target: { type: 'model', model: BASE },
  });
  expect(created).toMatchObject({ status: 'created', custom_fields: { flywheel_key: 'progress' } });
  expect(created.id).toMatch(/^eval-/);
  expect((await emulator.call('GET', `/v1/evaluation/jobs/${created.id}/results`)).status).toBe(409);

  const progress: number[] = [];
  let job: Json;
  await waitFor(async () => {
    job = await emulator.ok('GET', `/v1/evaluation/jobs/${created.id}`);
    if (job.status === 'running') progress.push(job.status_details.progress);
    return job.status === 'completed' || job.status === 'failed';
  });
  expect(job.status).toBe('completed');
  expect(job.status_details.progress).toBe(100);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  const results = await emulator.ok('GET', `/v1/evaluation/jobs/${created.id}/results`);
  const accuracy = results.tasks['custom-tool-calling'].metrics['tool-calling-accuracy'].scores;
  expect(accuracy.function_name_accuracy.stats.count).toBe(12);
  expect(accuracy.function_name_and_args_accuracy.value).toBeLessThanOrEqual(accuracy.function_name_accuracy.value);

  const listed = await emulator.ok('GET', '/v1/evaluation/jobs?filter[custom_fields][flywheel_key]=progress');
  expect(listed.data.map((j: { id: string }) => j.id)).toEqual([created.id]);
});

test('classification label accuracy (string-check) rises from the base model to one fine-tuned on labelled headlines', async () => {
  await emulator.uploadDataset(NS, 'headlines-eval', { 'eval_data.jsonl': jsonl(headlineLogs(30, 8)) });
  const model = await customized('headlines-train', headlineLogs(90, 9), 'headline-classifier');
  const files = `hf://datasets/${NS}/headlines-eval/eval_data.jsonl`;
  const base = await runJob({ config: classificationConfig(files), target: { type: 'model', model: BASE } });
  const tuned = await runJob({ config: classificationConfig(files), target: { type: 'model', model } });
  const f1Base = score(base.results, 'classification', 'label-match', 'string-check');
  const f1Tuned = score(tuned.results, 'classification', 'label-match', 'string-check');
  console.info(`classification label accuracy: base ${f1Base.toFixed(3)}, customized ${f1Tuned.toFixed(3)}`);
  expect(f1Tuned).toBeGreaterThan(f1Base + 0.2);
  expect(f1Tuned).toBeLessThanOrEqual(1);
});

test('the judge rates generic answers on 1–10: a model fine-tuned on the FAQ is rated more similar than the base', async () => {
  const faq: [string, string][] = [
    ['What are your opening hours?', 'We are open Monday to Saturday from 9 am to 6 pm.'],
    ['Do you ship internationally?', 'Yes, we ship to over 40 countries; delivery takes 5 to 10 days.'],
    ['How can I return an item?', 'Start a return from your orders page within 30 days and print the free label.'],
    ['Is there a warranty on electronics?', 'All electronics carry a two year manufacturer warranty.'],
    ['Can I pay with PayPal?', 'We accept PayPal, credit cards and gift cards at checkout.'],
  ];
  const rows = (prefix: string): LogRow[] =>
    faq.map(([q, a]) => ({
      request: { messages: [{ role: 'user', content: `${prefix} ${q}` }] },
      response: { choices: [{ message: { role: 'assistant', content: a } }] },
    }));
  await emulator.uploadDataset(NS, 'faq-eval', { 'eval_data.jsonl': jsonl(rows('Hello,')) });
  const model = await customized('faq-train', [...rows('Hi!'), ...rows('Quick question:')], 'faq-bot');
  const files = `hf://datasets/${NS}/faq-eval/eval_data.jsonl`;
  const base = await runJob({ config: similarityConfig(files, emulator.url), target: { type: 'model', model: BASE } });
  const tuned = await runJob({ config: similarityConfig(files, emulator.url), target: { type: 'model', model } });
  const baseScore = score(base.results, 'llm-as-judge', 'llm-judge', 'similarity');
  const tunedScore = score(tuned.results, 'llm-as-judge', 'llm-judge', 'similarity');
  expect(baseScore).toBeGreaterThanOrEqual(1);
  expect(tunedScore).toBeLessThanOrEqual(10);
  expect(tunedScore).toBeGreaterThan(baseScore + 3);
});

test('a target given as an api_endpoint is called over HTTP', async () => {
  const files = `hf://datasets/${NS}/tools-eval/eval_data.jsonl`;
  const before = (await emulator.ok('GET', '/admin/counters')).requests['POST /v1/chat/completions'] ?? 0;
  const { job, results } = await runJob({
    config: toolCallingConfig(files, emulator.url, 5),
    target: { type: 'model', model: { api_endpoint: { url: `${emulator.url}/v1`, model_id: BASE } } },
  });
  expect(job.status).toBe('completed');
  expect(
    score(results, 'custom-tool-calling', 'tool-calling-accuracy', 'function_name_accuracy'),
  ).toBeGreaterThanOrEqual(0);
  const after = (await emulator.ok('GET', '/admin/counters')).requests['POST /v1/chat/completions'];
  expect(after - before).toBe(10); // five model calls and five judge calls
});

test('a job whose target is not served, or whose eval file is missing, fails with the reason', async () => {
  const files = `hf://datasets/${NS}/tools-eval/eval_data.jsonl`;
  const notServed = await runJob({
    config: toolCallingConfig(files, emulator.url, 2),
    target: { type: 'model', model: 'meta/not-deployed' },
  });
  expect(notServed.job.status).toBe('failed');
  expect(notServed.job.status_details.message).toMatch(/meta\/not-deployed/);
  const missing = await runJob({
    config: toolCallingConfig(`hf://datasets/${NS}/tools-eval/absent.jsonl`, emulator.url),
    target: { type: 'model', model: BASE },
  });
  expect(missing.job.status).toBe('failed');
  expect(missing.job.status_details.message).toMatch(/absent.jsonl not found/);
});

test('bad configs are 422s naming the field: unknown metric type, template path outside item/sample, bad regex', async () => {
  const files = `hf://datasets/${NS}/tools-eval/eval_data.jsonl`;
  const post = (config: unknown) =>
    emulator.call('POST', '/v1/evaluation/jobs', { config, target: { type: 'model', model: BASE } });
  const good = toolCallingConfig(files, emulator.url) as Json;
  const task = good.tasks['custom-tool-calling'];

  const unknownMetric = await post({
    ...good,
    tasks: { t: { ...task, metrics: { m: { type: 'bleu', params: {} } } } },
  });
  expect(unknownMetric.status).toBe(422);
  expect(unknownMetric.body.detail[0].loc).toEqual(['body', 'config', 'tasks', 't', 'metrics', 'm', 'type']);

  const badPath = await post({
    ...good,
    tasks: { t: { ...task, params: { template: { messages: '{{ request.messages | tojson }}' } } } },
  });
  expect(badPath.status).toBe(422);
  expect(badPath.body.detail[0].msg).toMatch(/must start with item or sample/);

  const badRegex = structuredClone(good);
  badRegex.tasks['custom-tool-calling'].metrics.correctness.params.scores.rating.parser.pattern = 'RATING: (\\d+';
  const regexReply = await post(badRegex);
  expect(regexReply.status).toBe(422);
  expect(regexReply.body.detail[0].msg).toMatch(/invalid regular expression/);

  const noTarget = await emulator.call('POST', '/v1/evaluation/jobs', { config: good });
  expect(noTarget.body.detail[0]).toEqual({ loc: ['body', 'target'], msg: 'Field required', type: 'missing' });
});

test('deleting a job stops it and forgets it', async () => {
  const created = await emulator.ok('POST', '/v1/evaluation/jobs', {
    config: toolCallingConfig(`hf://datasets/${NS}/tools-eval/eval_data.jsonl`, emulator.url),
    target: { type: 'model', model: BASE },
  });
  expect((await emulator.call('DELETE', `/v1/evaluation/jobs/${created.id}`)).status).toBe(204);
  expect((await emulator.call('GET', `/v1/evaluation/jobs/${created.id}`)).status).toBe(404);
  expect((await emulator.call('DELETE', `/v1/evaluation/jobs/${created.id}`)).status).toBe(404);
});
