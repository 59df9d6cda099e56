import {
  buildEvaluationConfig,
  createNemoClient,
  type NemoClient,
  NemoPermanentError,
  NemoRetryableError,
} from '../../nemo-client';
import { jsonl, loraConfig, toolCallingRecords, toTrainingLine } from './fixtures';
import {
  describeWithEmulatorAdmin,
  type NemoTarget,
  startNemoTarget,
  TEST_CUSTOMIZATION_TARGET,
  TEST_MODEL,
  unique,
} from './support';

// Fault injection needs the emulator's /admin routes, so this whole file only runs against the
// emulator (the block is not defined against a real NeMo, and says so).

const CLIENT_TIMEOUT_MS = 400;
const SHORT_WAIT = { intervalMs: 20, timeoutMs: 600 };

describeWithEmulatorAdmin('client behaviour under injected faults', () => {
  let target: NemoTarget;
  let client: NemoClient;
  let ns: string;

  beforeAll(async () => {
    target = await startNemoTarget({ timeoutMs: CLIENT_TIMEOUT_MS });
    client = createNemoClient(target.config);
    ns = target.config.namespace;
    await client.ensureNamespace(ns);
  });
  afterEach(() => target.admin?.clearFaults());
  afterAll(() => target.close());

  const admin = () => {
    if (!target.admin) throw new Error('no admin endpoint');
    return target.admin;
  };
  const faultCount = async (kind: string) => (await admin().counters()).faults_injected[kind] ?? 0;

  describe('route faults', () => {
    test('a 5xx is a NemoRetryableError with method, path, status and body; the call works once it clears', async () => {
      await admin().setFaults({ routes: { 'POST /v1/namespaces': { error_5xx_rate: 1 } } });
      const failure = await client.entityStore.ensureNamespace(unique('ns')).catch((e) => e);
      expect(failure).toBeInstanceOf(NemoRetryableError);
      expect(failure).toMatchObject({
        name: 'NemoRetryableError',
        retryable: true,
        method: 'POST',
        path: '/v1/namespaces',
      });
      expect(failure.status).toBeGreaterThanOrEqual(500);
      expect(failure.body).toBeDefined();
      expect(await faultCount('error_5xx')).toBeGreaterThanOrEqual(1);
      await admin().clearFaults();
      expect(await client.entityStore.ensureNamespace(unique('ns'))).toBe(true);
    });

    test('a plain 5xx on deployment create is not mistaken for "already exists"', async () => {
      await admin().setFaults({ routes: { 'POST /v1/deployment/model-deployments': { error_5xx_rate: 1 } } });
      const name = unique('fw-5xx');
      const failure = await client.deployments
        .ensure({
          name,
          namespace: ns,
          config: {
            model: TEST_MODEL,
            nim_deployment: {
              image_name: 'nvcr.io/nim/x',
              image_tag: 'latest',
              pvc_size: '25Gi',
              gpu: 1,
              additional_envs: {},
            },
          },
        })
        .catch((e) => e);
      expect(failure).toBeInstanceOf(NemoRetryableError);
      expect(failure.status).toBeGreaterThanOrEqual(500);
      expect((await admin().counters()).created.deployments[`${ns}/${name}`]).toBeUndefined();
    });

    test('a 429 is retryable', async () => {
      await admin().setFaults({ routes: { 'GET /v1/evaluation/jobs': { error_429_rate: 1 } } });
      const failure = await client.evaluator.findJob({ key: 'anything', namespace: ns }).catch((e) => e);
      expect(failure).toBeInstanceOf(NemoRetryableError);
      expect(failure.status).toBe(429);
    });

    test('a request the server never answers times out as a retryable error without a status', async () => {
      await admin().setFaults({
        routes: { 'GET /v1/deployment/model-deployments': { timeout_rate: 1, hang_ms: 5_000 } },
      });
      const started = Date.now();
      const failure = await client.deployments.list().catch((e) => e);
      expect(failure).toBeInstanceOf(NemoRetryableError);
      expect(failure.status).toBeUndefined();
      expect(failure.message).toMatch(new RegExp(`no answer within ${CLIENT_TIMEOUT_MS} ms`));
      expect(Date.now() - started).toBeLessThan(3_000);
    });

    test('added latency below the timeout only slows the call down', async () => {
      await admin().setFaults({ routes: { 'GET /v1/customization/jobs': { latency_ms: 150 } } });
      const started = Date.now();
      const none = { base: unique('none'), datasetFilesUrl: `hf://datasets/${ns}/none`, namespace: ns };
      expect(await client.customizer.listGenerations(none)).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    test('NIM proxy faults through the openai package keep the same error classes', async () => {
      await admin().setFaults({ routes: { 'POST /v1/chat/completions': { error_5xx_rate: 1 } } });
      const request = { model: 'meta/llama-3.3-70b-instruct', messages: [{ role: 'user' as const, content: 'hi' }] };
      const server = await client.nim.chat(request).catch((e) => e);
      expect(server).toBeInstanceOf(NemoRetryableError);
      expect(server.status).toBeGreaterThanOrEqual(500);
      await admin().setFaults({ routes: { 'GET /v1/models': { error_429_rate: 1 } } });
      const limited = await client.nim.listModelIds().catch((e) => e);
      expect(limited).toBeInstanceOf(NemoRetryableError);
      expect(limited.status).toBe(429);
      await admin().setFaults({ routes: { 'POST /v1/embeddings': { timeout_rate: 1, hang_ms: 5_000 } } });
      const slow = await client.nim
        .embed({ model: 'nvidia/llama-3.2-nv-embedqa-1b-v2', input: ['x'], inputType: 'query' })
        .catch((e) => e);
      expect(slow).toBeInstanceOf(NemoRetryableError);
      expect(slow.status).toBeUndefined();
    });

    test('retrying through random 5xx faults, as Temporal would, still creates the job exactly once', async () => {
      const repo = unique('flywheel-train');
      await client.datastore.ensureRepo(ns, repo);
      await client.datastore.uploadFiles(
        ns,
        repo,
        [{ path: 'training/train_data.jsonl', content: jsonl(toolCallingRecords(10).map(toTrainingLine)) }],
        'train',
      );
      await client.entityStore.registerDataset({ namespace: ns, name: repo, description: '' });
      const configName = `cfg@v1.0.0+${unique('f')}`;
      await client.customizer.ensureConfig(loraConfig(configName, ns, TEST_CUSTOMIZATION_TARGET, 4096));
      const name = unique('flywheel-cust');
      await admin().setFaults({ seed: 3, routes: { '*': { error_5xx_rate: 0.5 } } });
      let attempts = 0;
      let jobId: string | undefined;
      while (!jobId && attempts < 40) {
        attempts++;
        try {
          jobId = (
            await client.customizer.ensureJob(
              {
                namespace: ns,
                output_model: `${ns}/customized-${name}`,
                config: `${ns}/${configName}`,
                dataset: { name: repo, namespace: ns },
                hyperparameters: {
                  training_type: 'sft',
                  finetuning_type: 'lora',
                  epochs: 1,
                  batch_size: 8,
                  learning_rate: 0.0001,
                  lora: { adapter_dim: 16, adapter_dropout: 0.1 },
                },
              },
              { base: name, generation: 'run-1', datasetFilesUrl: `hf://datasets/${ns}/${repo}` },
            )
          ).job.id;
        } catch (err) {
          if (!(err instanceof NemoRetryableError)) throw err;
        }
      }
      await admin().clearFaults();
      expect(jobId).toBeDefined();
      expect(attempts).toBeGreaterThan(1);
      expect((await admin().counters()).created.customization_jobs[name]).toBe(1);
      const found = await client.customizer.listGenerations({
        base: name,
        datasetFilesUrl: `hf://datasets/${ns}/${repo}`,
        namespace: ns,
      });
      expect(found.map((j) => j.id)).toEqual([jobId]);
    });
  });

  describe('life-cycle faults', () => {
    let trainRepo: string;
    let configName: string;
    const request = (name: string) => ({
      name,
      namespace: ns,
      custom_fields: { flywheel_key: name },
      output_model: `${ns}/customized-${name}`,
      config: `${ns}/${configName}`,
      dataset: { name: trainRepo, namespace: ns },
      hyperparameters: {
        training_type: 'sft' as const,
        finetuning_type: 'lora' as const,
        epochs: 1,
        batch_size: 8,
        learning_rate: 0.0001,
        lora: { adapter_dim: 16, adapter_dropout: 0.1 },
      },
    });

    beforeAll(async () => {
      trainRepo = unique('flywheel-train');
      configName = `cfg@v1.0.0+${unique('l')}`;
      await client.datastore.ensureRepo(ns, trainRepo);
      await client.datastore.uploadFiles(
        ns,
        trainRepo,
        [{ path: 'training/train_data.jsonl', content: jsonl(toolCallingRecords(10).map(toTrainingLine)) }],
        'train',
      );
      await client.entityStore.registerDataset({ namespace: ns, name: trainRepo, description: '' });
      await client.customizer.ensureConfig(loraConfig(configName, ns, TEST_CUSTOMIZATION_TARGET, 4096));
    });

    test('a job starved of GPUs stays pending with NotEnoughResources; cancelling it ends it as cancelled', async () => {
      const name = unique('starved');
      await admin().setFaults({ customization: { not_enough_resources: [name] } });
      const job = await client.customizer.createJob(request(name));
      const waited = await client.customizer.waitUntilDone(job.id, SHORT_WAIT).catch((e) => e);
      expect(waited).toBeInstanceOf(NemoRetryableError);
      expect(waited.message).toMatch(/gave up waiting; last seen status pending .*NotEnoughResources/);
      const status = await client.customizer.getStatus(job.id);
      expect(status.status_logs.at(-1)?.message).toBe('NotEnoughResources');
      expect(await client.customizer.cancelJob(job.id)).toBe(true);
      const cancelled = await client.customizer.waitUntilDone(job.id, SHORT_WAIT).catch((e) => e);
      expect(cancelled).toBeInstanceOf(NemoPermanentError);
      expect(cancelled.message).toMatch(/customization cancelled/);
    });

    test('a failing customization ends in a permanent error carrying its last log', async () => {
      const name = unique('doomed');
      await admin().setFaults({ customization: { fail: [name] } });
      const job = await client.customizer.createJob(request(name));
      const failure = await client.customizer
        .waitUntilDone(job.id, { intervalMs: 20, timeoutMs: 20_000 })
        .catch((e) => e);
      expect(failure).toBeInstanceOf(NemoPermanentError);
      expect(failure.message).toMatch(/customization failed: /);
    });

    test('a stalled customization makes no progress until the wait gives up', async () => {
      const name = unique('stalled');
      await admin().setFaults({ customization: { stall: [name] } });
      const job = await client.customizer.createJob(request(name));
      const waited = await client.customizer.waitUntilDone(job.id, SHORT_WAIT).catch((e) => e);
      expect(waited).toBeInstanceOf(NemoRetryableError);
      const before = await client.customizer.getStatus(job.id);
      await new Promise((r) => setTimeout(r, 200));
      expect((await client.customizer.getStatus(job.id)).percentage_done).toBe(before.percentage_done);
      expect(before.status).not.toBe('completed');
      await client.customizer.cancelJob(job.id);
    });

    const deploymentSpec = (name: string) => ({
      name,
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

    test('a deployment that never becomes ready times out retryably; one that fails is permanent', async () => {
      const stuck = unique('fw-stuck');
      const broken = unique('fw-broken');
      await admin().setFaults({ deployment: { never_ready: [stuck], fail: [broken] } });
      await client.deployments.ensure(deploymentSpec(stuck));
      await client.deployments.ensure(deploymentSpec(broken));
      const waited = await client.deployments.waitUntilReady(ns, stuck, SHORT_WAIT).catch((e) => e);
      expect(waited).toBeInstanceOf(NemoRetryableError);
      expect(waited.message).toMatch(/gave up waiting/);
      const failed = await client.deployments
        .waitUntilReady(ns, broken, { intervalMs: 20, timeoutMs: 20_000 })
        .catch((e) => e);
      expect(failed).toBeInstanceOf(NemoPermanentError);
      expect(failed.message).toMatch(/deployment failed/);
      await client.deployments.delete(ns, stuck);
      await client.deployments.delete(ns, broken);
    });

    test('a failing evaluation ends in a permanent error with its message', async () => {
      const name = unique('eval-doomed');
      await admin().setFaults({ evaluation: { fail: [name] } });
      const repo = unique('flywheel-eval');
      await client.datastore.ensureRepo(ns, repo);
      await client.datastore.uploadFiles(
        ns,
        repo,
        [{ path: 'eval_data.jsonl', content: jsonl(toolCallingRecords(3)) }],
        'eval',
      );
      const job = await client.evaluator.createJob({
        custom_fields: { flywheel_key: name },
        namespace: ns,
        config: buildEvaluationConfig({
          workloadType: 'tool_calling',
          filesUrl: `hf://datasets/${ns}/${repo}/eval_data.jsonl`,
          judge: { url: `${target.config.nimBaseUrl}/v1/chat/completions`, model_id: 'meta/llama-3.3-70b-instruct' },
        }),
        target: { type: 'model', model: 'meta/llama-3.3-70b-instruct' },
      });
      const failure = await client.evaluator
        .waitUntilDone(job.id, { intervalMs: 20, timeoutMs: 20_000 })
        .catch((e) => e);
      expect(failure).toBeInstanceOf(NemoPermanentError);
      expect(failure.message).toMatch(/evaluation failed/);
    });
  });
});
