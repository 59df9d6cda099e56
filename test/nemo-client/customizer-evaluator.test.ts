import {
  buildEvaluationConfig,
  createNemoClient,
  type EvaluatedWorkload,
  extractScores,
  macroF1,
  type NemoClient,
  NemoPermanentError,
  sampleOutcomes,
} from '../../nemo-client';
import type { CustomizationJobRequest } from '../../nemo-client/customizer';
import { HttpCore } from '../../nemo-client/http';
import { jsonl, textRecords, toolCallingRecords, toTrainingLine } from './fixtures';
import {
  JUDGE_MODEL,
  type NemoTarget,
  SLOW_TEST_MS,
  startNemoTarget,
  TEST_CUSTOMIZATION_TARGET,
  TEST_MODEL,
  unique,
  WAIT,
} from './support';

// Exercises: nemo-client/evaluation-scores.ts (imported through nemo-client/index.ts)

// Customizer and Evaluator: LoRA job life cycle with the output model registered and served,
// evaluation jobs of every workload type with their scores, find-by-name idempotency.

let target: NemoTarget;
let client: NemoClient;
let ns: string;
const deployment = unique('fw-base');
const configName = `${TEST_MODEL.split('/')[1]}@v1.0.0+${unique('t')}`;

async function uploadDataset(name: string, files: { path: string; content: string }[]): Promise<void> {
  await client.datastore.ensureRepo(ns, name);
  await client.datastore.uploadFiles(ns, name, files, 'test data');
  await client.entityStore.registerDataset({ namespace: ns, name, description: 'client test' });
}

beforeAll(async () => {
  target = await startNemoTarget();
  client = createNemoClient(target.config);
  ns = target.config.namespace;
  await client.ensureNamespace(ns);
  await client.deployments.ensure({
    name: deployment,
    namespace: ns,
    config: {
      model: TEST_MODEL,
      nim_deployment: {
        image_name: `nvcr.io/nim/${TEST_MODEL}`,
        image_tag: 'latest',
        pvc_size: '25Gi',
        gpu: 1,
        additional_envs: {},
      },
    },
  });
  await client.deployments.waitUntilReady(ns, deployment, WAIT);
  await client.nim.waitUntilServed(TEST_MODEL, WAIT);
}, SLOW_TEST_MS);

afterAll(async () => {
  await client?.deployments.delete(ns, deployment);
  await target.close();
});

const jobRequest = (name: string, dataset: string, overrides: Partial<CustomizationJobRequest> = {}) => ({
  name,
  namespace: ns,
  custom_fields: { flywheel_key: name },
  output_model: `${ns}/customized-${name}`,
  config: `${ns}/${configName}`,
  dataset: { name: dataset, namespace: ns },
  hyperparameters: {
    training_type: 'sft' as const,
    finetuning_type: 'lora' as const,
    epochs: 2,
    batch_size: 16,
    learning_rate: 0.0001,
    lora: { adapter_dim: 32, adapter_dropout: 0.1 },
  },
  ...overrides,
});

describe('customization', () => {
  const trainRepo = unique('flywheel-train');

  beforeAll(async () => {
    await uploadDataset(trainRepo, [
      { path: 'training/train_data.jsonl', content: jsonl(toolCallingRecords(30).map(toTrainingLine)) },
      { path: 'validation/val_data.jsonl', content: jsonl(toolCallingRecords(4, 30).map(toTrainingLine)) },
    ]);
    const config = {
      name: configName,
      namespace: ns,
      target: TEST_CUSTOMIZATION_TARGET,
      training_options: [
        {
          training_type: 'sft' as const,
          finetuning_type: 'lora' as const,
          num_gpus: 1,
          num_nodes: 1,
          micro_batch_size: 1,
        },
      ],
      training_precision: 'bf16-mixed' as const,
      max_seq_length: 4096,
    };
    expect(await client.customizer.ensureConfig(config)).toBe(true);
    expect(await client.customizer.ensureConfig(config)).toBe(false);
  });

  test(
    'a LoRA job runs to completion once, reports progress, and its output model is registered and served',
    async () => {
      const name = unique('flywheel-cust');
      const { name: _n, custom_fields: _c, ...request } = jobRequest(name, trainRepo);
      const where = { base: name, generation: 'run-1', datasetFilesUrl: `hf://datasets/${ns}/${trainRepo}` };
      const first = await client.customizer.ensureJob(request, where);
      const again = await client.customizer.ensureJob(request, where);
      expect(first.created).toBe(true);
      expect(again).toEqual({ job: expect.objectContaining({ id: first.job.id }), created: false });
      // the Customizer names the output itself: the requested name plus a suffix
      expect(first.job.output_model).toBe(`${ns}/customized-${name}@${first.job.id}`);
      if (target.admin) expect((await target.admin.counters()).created.customization_jobs[name]).toBe(1);

      const done = await client.customizer.waitUntilDone(first.job.id, WAIT);
      expect(done).toMatchObject({ status: 'completed', percentage_done: 100 });
      expect(done.epochs_completed).toBe(2);
      expect(done.steps_completed).toBeGreaterThan(0);

      expect((await client.customizer.listGenerations({ ...where, namespace: ns })).map((j) => j.id)).toEqual([
        first.job.id,
      ]);
      expect((await client.customizer.listJobs()).map((j) => j.id)).toContain(first.job.id);
      expect(await client.entityStore.getModel(first.job.output_model)).toMatchObject({ namespace: ns });
      expect((await client.entityStore.listModels()).map((m) => `${m.namespace}/${m.name}`)).toContain(
        first.job.output_model,
      );
      await client.nim.waitUntilServed(first.job.output_model, WAIT);

      // cancelling a finished job leaves it finished
      expect(await client.customizer.cancelJob(first.job.id)).toBe(true);
      expect((await client.customizer.getStatus(first.job.id)).status).toBe('completed');
      expect(await client.entityStore.deleteModel(first.job.output_model)).toBe(true);
      expect(await client.entityStore.getModel(first.job.output_model)).toBeUndefined();
    },
    SLOW_TEST_MS,
  );

  test('an unknown config is a 422 whose message names the field', async () => {
    const failure = await client.customizer
      .createJob(jobRequest(unique('flywheel-cust'), trainRepo, { config: `${ns}/no-such-config@v1` }))
      .catch((e) => e);
    expect(failure).toBeInstanceOf(NemoPermanentError);
    expect(failure).toMatchObject({ status: 422, method: 'POST', path: '/v1/customization/jobs' });
    expect(failure.message).toMatch(/config: /);
  });

  test('a missing dataset is a 422 naming the dataset field', async () => {
    const failure = await client.customizer
      .createJob(jobRequest(unique('flywheel-cust'), unique('no-such-dataset')))
      .catch((e) => e);
    expect(failure).toBeInstanceOf(NemoPermanentError);
    expect(failure.status).toBe(422);
    expect(failure.message).toMatch(/ 422: dataset[.a-z_]*: /);
  });

  test('bad hyper-parameters are refused by the client before sending, field by field', async () => {
    const request = jobRequest(unique('flywheel-cust'), trainRepo);
    request.hyperparameters.epochs = 0;
    if (request.hyperparameters.lora) request.hyperparameters.lora.adapter_dropout = 1.5;
    const sentBefore = (await target.admin?.counters())?.requests['POST /v1/customization/jobs'];
    const failure = await client.customizer.createJob(request).catch((e) => e);
    expect(failure).toBeInstanceOf(NemoPermanentError);
    expect(failure.message).toMatch(/hyperparameters\.epochs: .*hyperparameters\.lora\.adapter_dropout: /);
    if (target.admin) {
      expect((await target.admin.counters()).requests['POST /v1/customization/jobs']).toBe(sentBefore);
    }
  });

  test('a payload the service itself rejects is a 422 listing each field and reason', async () => {
    const raw = new HttpCore({ baseUrl: target.config.nemoBaseUrl, apiKey: target.config.apiKey, timeoutMs: 10_000 });
    const failure = await raw
      .send({
        method: 'POST',
        path: '/v1/customization/jobs',
        body: { json: { name: 'x', hyperparameters: { epochs: -1 } } },
      })
      .then(
        () => undefined,
        (e) => e,
      );
    expect(failure).toBeInstanceOf(NemoPermanentError);
    expect(failure.status).toBe(422);
    expect(Array.isArray(failure.body.detail)).toBe(true);
    expect(failure.message).toMatch(/ 422: .*config: [^;]+; /);
    expect(failure.message).not.toMatch(/body\./);
  });

  test('a customization config is deleted once; deleting it again reports it was gone', async () => {
    const name = `${configName}-tmp`;
    const config = {
      name,
      namespace: ns,
      target: TEST_CUSTOMIZATION_TARGET,
      training_options: [{ training_type: 'sft' as const, finetuning_type: 'lora' as const, num_gpus: 1 }],
      training_precision: 'bf16-mixed' as const,
      max_seq_length: 2048,
    };
    expect(await client.customizer.ensureConfig(config)).toBe(true);
    expect(await client.customizer.deleteConfig(ns, name)).toBe(true);
    expect(await client.customizer.deleteConfig(ns, name)).toBe(false);
    expect(await client.customizer.ensureConfig(config)).toBe(true);
    await client.customizer.deleteConfig(ns, name);
  });

  test('an unknown job reads as absent, and cancelling it reports that', async () => {
    expect(await client.customizer.getJob('cust-doesnotexist')).toBeUndefined();
    expect(await client.customizer.cancelJob('cust-doesnotexist')).toBe(false);
    const never = { base: unique('never-created'), datasetFilesUrl: `hf://datasets/${ns}/none`, namespace: ns };
    expect(await client.customizer.listGenerations(never)).toEqual([]);
  });
});

describe('evaluation', () => {
  const judgeEndpoint = () => ({ url: `${target.config.nimBaseUrl}/v1/chat/completions`, model_id: JUDGE_MODEL });

  async function evaluate(workloadType: EvaluatedWorkload, records: unknown[]) {
    const repo = unique('flywheel-eval');
    await uploadDataset(repo, [{ path: 'eval_data.jsonl', content: jsonl(records) }]);
    const name = unique(`flywheel-eval-${workloadType}`);
    const request = {
      namespace: ns,
      config: buildEvaluationConfig({
        workloadType,
        filesUrl: `hf://datasets/${ns}/${repo}/eval_data.jsonl`,
        limit: 100,
        judge: judgeEndpoint(),
      }),
      target: { type: 'model' as const, model: TEST_MODEL },
    };
    const first = await client.evaluator.ensureJob(request, { base: name, generation: 'run-1' });
    const again = await client.evaluator.ensureJob(request, { base: name, generation: 'run-1' });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.job.id).toBe(first.job.id);
    if (target.admin) expect((await target.admin.counters()).created.evaluation_jobs[name]).toBe(1);
    const done = await client.evaluator.waitUntilDone(first.job.id, WAIT);
    expect(done.status_details?.progress).toBe(100);
    const samples = sampleOutcomes(await client.evaluator.getSampleResults(first.job.id), workloadType);
    expect(samples).toHaveLength(records.length);
    return {
      id: first.job.id,
      name,
      samples,
      scores: extractScores(await client.evaluator.getResults(first.job.id), workloadType, samples),
    };
  }

  const inUnitRange = (scores: Record<string, number>) =>
    Object.values(scores).every((v) => Number.isFinite(v) && v >= 0 && v <= 1);

  test(
    'a tool-calling evaluation yields function-name, args and judge scores in [0, 1]',
    async () => {
      const { id, name, scores } = await evaluate('tool_calling', toolCallingRecords(8));
      expect(Object.keys(scores).sort()).toEqual([
        'function_name',
        'function_name_and_args_accuracy',
        'tool_calling_correctness',
      ]);
      expect(inUnitRange(scores)).toBe(true);
      expect(scores.function_name_and_args_accuracy).toBeLessThanOrEqual(scores.function_name as number);
      expect((await client.evaluator.findJob({ key: name, namespace: ns }))?.id).toBe(id);
      expect((await client.evaluator.listJobs()).map((j) => j.id)).toContain(id);
    },
    SLOW_TEST_MS,
  );

  test(
    'a generic evaluation yields a normalized similarity, a classification one an F1',
    async () => {
      const generic = await evaluate('generic', textRecords(6, false));
      expect(Object.keys(generic.scores)).toEqual(['similarity']);
      expect(inUnitRange(generic.scores)).toBe(true);
      const classification = await evaluate('classification', textRecords(6, true));
      expect(Object.keys(classification.scores).sort()).toEqual(['f1', 'label_accuracy']);
      expect(inUnitRange(classification.scores)).toBe(true);
      // F1 is computed from the per-sample labels the results archive holds
      const pairs = classification.samples.map((s) => ({ reference: s.label, prediction: s.predicted }));
      expect(classification.scores.f1).toBeCloseTo(macroF1(pairs), 10);
      expect(classification.samples.every((s) => typeof s.label === 'string')).toBe(true);
    },
    SLOW_TEST_MS,
  );

  test('deleting a job removes it; deleting again reports it was gone', async () => {
    const { id } = await evaluate('classification', textRecords(4, true));
    expect(await client.evaluator.deleteJob(id)).toBe(true);
    expect(await client.evaluator.getJob(id)).toBeUndefined();
    expect(await client.evaluator.deleteJob(id)).toBe(false);
  });

  test('an evaluation of a dataset file that does not exist fails with the reason', async () => {
    const failure = await client.evaluator
      .createJob({
        custom_fields: { flywheel_key: unique('flywheel-eval-missing') },
        namespace: ns,
        config: buildEvaluationConfig({
          workloadType: 'classification',
          filesUrl: `hf://datasets/${ns}/${unique('absent')}/eval_data.jsonl`,
          judge: judgeEndpoint(),
        }),
        target: { type: 'model', model: TEST_MODEL },
      })
      .then((job) => client.evaluator.waitUntilDone(job.id, WAIT))
      .catch((e) => e);
    expect(failure).toBeInstanceOf(NemoPermanentError);
    expect(failure.message).toMatch(/evaluation failed: .*eval_data\.jsonl not found/);
  });
});
