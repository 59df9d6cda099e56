import type { NemoOps } from '../../activities/nemo';
import { createNemoOpsWith, judgeEndpoint } from '../../activities/nemo-adapter';
import { parseFlywheelConfig } from '../../config/load';
import type { FlywheelConfig } from '../../config/schema';
import { jsonl, toolCallingRecords, toTrainingLine } from './fixtures';
import {
  EMBEDDING_MODEL,
  JUDGE_MODEL,
  type NemoTarget,
  SLOW_TEST_MS,
  startNemoTarget,
  TEST_CUSTOMIZATION_TARGET,
  TEST_MODEL,
  unique,
  WAIT,
} from './support';

// The NemoOps adapter the activities use, driven through a whole candidate's life:
// namespace → repositories → upload → register → deploy → ready → chat/embeddings →
// customization → evaluation → scores → deletes.

let target: NemoTarget;
let config: FlywheelConfig;
let ops: NemoOps;
let ns: string;

const configFor = (t: NemoTarget, judge: Record<string, unknown>) =>
  parseFlywheelConfig({
    nmp_config: {
      nemo_base_url: t.config.nemoBaseUrl,
      nim_base_url: t.config.nimBaseUrl,
      datastore_base_url: t.config.datastoreBaseUrl,
      nmp_namespace: t.config.namespace,
    },
    nims: [{ model_name: TEST_MODEL, context_length: 8192 }],
    llm_judge_config: judge,
  });

beforeAll(async () => {
  target = await startNemoTarget();
  ns = target.config.namespace;
  config = configFor(target, {
    deployment_type: 'remote',
    url: `${target.config.nimBaseUrl}/v1/chat/completions`,
    model_name: JUDGE_MODEL,
  });
  ops = createNemoOpsWith(config, { env: { NEMO_API_KEY: target.config.apiKey } });
});
afterAll(() => target.close());

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT.timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still not done: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, WAIT.intervalMs));
  }
}

test(
  'a candidate runs end to end through NemoOps and every delete is idempotent',
  async () => {
    await ops.ensureNamespace(ns);
    await ops.ensureNamespace(ns);

    const train = unique('flywheel-train');
    const evalRepo = unique('flywheel-eval');
    const trainText = jsonl(toolCallingRecords(24).map(toTrainingLine));
    await ops.datastore.ensureRepo(ns, train);
    await ops.datastore.ensureRepo(ns, evalRepo);
    await ops.datastore.uploadFiles(ns, train, [{ path: 'training/train_data.jsonl', content: trainText }], 'train');
    await ops.datastore.uploadFiles(
      ns,
      evalRepo,
      [{ path: 'eval_data.jsonl', content: jsonl(toolCallingRecords(6, 24)) }],
      'eval',
    );
    expect(await ops.datastore.readFile(ns, train, 'training/train_data.jsonl')).toBe(trainText);
    for (const name of [train, evalRepo]) {
      expect(await ops.entityStore.registerDataset({ namespace: ns, name, description: 'adapter test' })).toEqual({
        filesUrl: `hf://datasets/${ns}/${name}`,
      });
    }

    const deployment = unique('fw-adapter');
    const spec = {
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
    };
    await ops.deployments.ensure(spec);
    await ops.deployments.ensure(spec);
    await until(
      () => ops.deployments.get(ns, deployment),
      (d) => d.status_details.status === 'ready',
    );
    await until(
      () => ops.nim.listModelIds(),
      (ids) => ids.includes(TEST_MODEL),
    );
    if (target.admin) expect((await target.admin.counters()).created.deployments[`${ns}/${deployment}`]).toBe(1);

    const nim = `${target.config.nimBaseUrl}/v1`;
    await ops.nim.probeChat({ url: `${nim}/chat/completions`, model: JUDGE_MODEL, apiKey: target.config.apiKey });
    const vectors = await ops.nim.embed(
      { url: `${nim}/embeddings`, model: EMBEDDING_MODEL, apiKey: target.config.apiKey },
      ['a', 'b'],
      'passage',
    );
    expect(vectors).toHaveLength(2);

    const configName = `${TEST_MODEL.split('/')[1]}@v1.0.0+${unique('a')}`;
    const customizerConfig = {
      name: configName,
      namespace: ns,
      target: TEST_CUSTOMIZATION_TARGET,
      training_options: [{ training_type: 'sft', finetuning_type: 'lora', num_gpus: 1, micro_batch_size: 1 }],
      training_precision: 'bf16-mixed',
      max_seq_length: 4096,
    };
    await ops.customizer.ensureConfig(customizerConfig);
    await ops.customizer.ensureConfig(customizerConfig);
    const jobName = unique('flywheel-adapter-cust');
    expect(await ops.customizer.findJobByName(jobName)).toBeUndefined();
    const job = await ops.customizer.createJob({
      name: jobName,
      output_model: `${ns}/customized-${jobName}`,
      config: `${ns}/${configName}`,
      dataset: { name: train, namespace: ns },
      hyperparameters: {
        training_type: 'sft',
        finetuning_type: 'lora',
        epochs: 2,
        batch_size: 16,
        learning_rate: 0.0001,
        lora: { adapter_dim: 32, adapter_dropout: 0.1 },
      },
    });
    expect(await ops.customizer.findJobByName(jobName)).toEqual(job);
    expect(await ops.customizer.getJob(job.id)).toEqual(job);
    expect(ops.customizer.jobUri(job.id)).toBe(`${target.config.nemoBaseUrl}/v1/customization/jobs/${job.id}`);
    const finished = await until(
      () => ops.customizer.getStatus(job.id),
      (s) => s.status === 'completed',
    );
    expect(finished.percentage_done).toBe(100);
    await until(
      () => ops.nim.listModelIds(),
      (ids) => ids.includes(job.output_model),
    );

    const evalName = unique('flywheel-adapter-eval');
    const request = {
      name: evalName,
      workloadType: 'tool_calling' as const,
      filesUrl: `hf://datasets/${ns}/${evalRepo}/eval_data.jsonl`,
      limit: 100,
      targetModel: job.output_model,
      judge: config.llm_judge_config,
    };
    expect(await ops.evaluator.findJobByName(evalName)).toBeUndefined();
    const evaluation = await ops.evaluator.createJob(request);
    expect((await ops.evaluator.findJobByName(evalName))?.id).toBe(evaluation.id);
    const done = await until(
      () => ops.evaluator.getJob(evaluation.id),
      (j) => j.status === 'completed',
    );
    expect(done.status_details?.progress).toBe(100);
    const scores = ops.evaluator.extractScores(await ops.evaluator.getResults(evaluation.id), 'tool_calling');
    expect(Object.keys(scores).sort()).toEqual([
      'function_name',
      'function_name_and_args_accuracy',
      'tool_calling_correctness',
    ]);
    for (const value of Object.values(scores)) expect(value).toBeGreaterThanOrEqual(0);
    if (target.admin) {
      const counters = await target.admin.counters();
      expect(counters.created.customization_jobs[jobName]).toBe(1);
      expect(counters.created.evaluation_jobs[evalName]).toBe(1);
    }

    // teardown, each step twice: an absent artifact counts as deleted
    for (let round = 0; round < 2; round++) {
      await ops.customizer.cancelJob(job.id);
      await ops.evaluator.deleteJob(evaluation.id);
      await ops.entityStore.deleteModel(job.output_model);
      await ops.deployments.remove(ns, deployment);
      for (const name of [train, evalRepo]) {
        await ops.datastore.deleteRepo(ns, name);
        await ops.entityStore.deleteDataset(ns, name);
      }
    }
    const gone = await ops.evaluator.getJob(evaluation.id).catch((e) => e);
    expect(gone).toMatchObject({ name: 'NemoPermanentError', retryable: false, status: 404 });
    await expect(ops.datastore.readFile(ns, train, 'training/train_data.jsonl')).rejects.toMatchObject({ status: 404 });
  },
  SLOW_TEST_MS,
);

test('a permanent failure is recognisable for Temporal: named NemoPermanentError, not retryable', async () => {
  const failure = await ops.customizer
    .createJob({
      name: unique('x'),
      output_model: `${ns}/x`,
      config: `${ns}/missing@v1`,
      dataset: { name: 'nope', namespace: ns },
    })
    .catch((e) => e);
  expect(failure).toMatchObject({ name: 'NemoPermanentError', retryable: false });
  expect(failure.message).toMatch(/hyperparameters: /);
});

describe('the judge endpoint handed to the Evaluator', () => {
  test('a remote judge uses its URL, model and the API key from the env variable it names', () => {
    const remote = configFor(target, {
      deployment_type: 'remote',
      url: 'https://judge.example/v1/chat/completions',
      model_name: 'big/judge',
      api_key_env: 'MY_JUDGE_KEY',
    });
    expect(judgeEndpoint(remote, remote.llm_judge_config, { MY_JUDGE_KEY: 'sekret' })).toEqual({
      url: 'https://judge.example/v1/chat/completions',
      model_id: 'big/judge',
      api_key: 'sekret',
    });
    expect(judgeEndpoint(remote, remote.llm_judge_config, {})).not.toHaveProperty('api_key');
  });

  test('without api_key_env no key goes into the job: not LLM_JUDGE_API_KEY, not NVIDIA_API_KEY', () => {
    const remote = configFor(target, {
      deployment_type: 'remote',
      url: 'https://judge.example/v1/chat/completions',
      model_name: 'big/judge',
    });
    const env = { LLM_JUDGE_API_KEY: 'judge-key', NVIDIA_API_KEY: 'broad-key' };
    expect(judgeEndpoint(remote, remote.llm_judge_config, env)).toEqual({
      url: 'https://judge.example/v1/chat/completions',
      model_id: 'big/judge',
    });
  });

  test('a local judge is reached through the NIM proxy chat URL', () => {
    const local = configFor(target, { deployment_type: 'local', model_name: JUDGE_MODEL, context_length: 8192 });
    expect(judgeEndpoint(local, local.llm_judge_config, {})).toEqual({
      url: `${target.config.nimBaseUrl}/v1/chat/completions`,
      model_id: JUDGE_MODEL,
    });
  });
});
