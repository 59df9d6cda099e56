import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { MongoClient } from 'mongodb';
import { type CreateDatasetsResult, createDatasetActivities } from '../../activities/datasets';
import { createNemo } from '../../activities/nemo-factory';
import { retryTransient } from '../../activities/transient-retry';
import { FlywheelConfigSchema } from '../../config/schema';
import { NemoPermanentError, NemoRetryableError } from '../../nemo-client/errors';
import { startEmulator } from '../../nemo-emulator/server';
import { createElasticsearchClient } from '../../stores/elasticsearch';
import { loadLogs } from '../../stores/log-loader';
import { ResultsStore } from '../../stores/results/results-store';
import { servers } from '../support/servers';
import { silentLogger } from '../support/temporal';

// One 503 during the upload must not throw away the whole dataset build: the single
// idempotent NeMo call is tried again inside the activity.

const activityEnv = () => new MockActivityEnvironment(undefined, { logger: silentLogger });
const retryable = () => new NemoRetryableError('503 busy', { method: 'POST', path: '/x', status: 503, body: 'busy' });
const permanent = () => new NemoPermanentError('400 bad', { method: 'POST', path: '/x', status: 400, body: 'bad' });

describe('retryTransient', () => {
  test('tries a call again after 5xx-like errors until it succeeds', async () => {
    let calls = 0;
    const result = await activityEnv().run(() =>
      retryTransient(
        async () => {
          calls++;
          if (calls < 3) throw retryable();
          return 'ok';
        },
        { delayMs: 1 },
      ),
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  test('a permanent error is thrown at once', async () => {
    let calls = 0;
    const call = async () => {
      calls++;
      throw permanent();
    };
    await expect(activityEnv().run(() => retryTransient(call, { delayMs: 1 }))).rejects.toThrow(NemoPermanentError);
    expect(calls).toBe(1);
  });

  test('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    const call = async () => {
      calls++;
      throw retryable();
    };
    await expect(activityEnv().run(() => retryTransient(call, { attempts: 4, delayMs: 1 }))).rejects.toThrow(
      NemoRetryableError,
    );
    expect(calls).toBe(4);
  });
});

describe('dataset build under transient NeMo faults', () => {
  const es = createElasticsearchClient(servers.ELASTICSEARCH_URL);
  const logIndex = `test-datasets-faults-${randomUUID()}`;
  const mongo = new MongoClient(servers.MONGODB_URL);
  const dbName = `test_dsfaults_${randomUUID().slice(0, 8)}`;
  const results = new ResultsStore(mongo.db(dbName));
  let emulator: Awaited<ReturnType<typeof startEmulator>>;

  beforeAll(async () => {
    // Half of the upload, registration and namespace calls fail with 503 or 429.
    emulator = await startEmulator({
      port: 0,
      timeScale: 0.01,
      faults: {
        seed: 11,
        routes: {
          'POST /v1/hf/api/datasets/{ns}/{name}/commit/{revision}': { error_5xx_rate: 0.5 },
          'POST /v1/hf/api/repos/create': { error_429_rate: 0.5 },
          'POST /v1/datasets': { error_5xx_rate: 0.5 },
          'POST /v1/namespaces': { error_5xx_rate: 0.5 },
        },
      },
    });
    await mongo.connect();
    await loadLogs({
      elasticsearch: es,
      index: logIndex,
      source: createReadStream(join(__dirname, '../../samples/customer-support.jsonl')),
    });
  });

  afterAll(async () => {
    await emulator?.close();
    await es.indices.delete({ index: logIndex, ignore_unavailable: true });
    await es.close();
    await mongo.db(dbName).dropDatabase();
    await mongo.close();
  });

  test('one attempt of createDatasets succeeds, every file uploaded once, despite injected 503s and 429s', async () => {
    const url = emulator.url;
    const config = FlywheelConfigSchema.parse({
      nmp_config: { nemo_base_url: url, nim_base_url: url, datastore_base_url: url, nmp_namespace: 'faults' },
      nims: [{ model_name: 'meta/llama-3.2-1b-instruct', context_length: 8192 }],
      llm_judge_config: { deployment_type: 'remote', url: `${url}/v1/chat/completions`, model_name: 'judge/x' },
      data_split_config: { eval_size: 10, val_ratio: 0.1, min_total_records: 50, random_seed: 7, limit: 1000 },
    });
    const jobId = randomBytes(12).toString('hex');
    await results.createRun({ _id: jobId, workload_id: 'customer_support', client_id: 'acme-web', workflow_id: 'wf' });
    const activities = createDatasetActivities({ elasticsearch: es, logIndex, results, nemo: createNemo });

    const result = (await activityEnv().run(activities.createDatasets, {
      jobId,
      workloadId: 'customer_support',
      clientId: 'acme-web',
      config,
    })) as CreateDatasetsResult;

    const counters = (await (await fetch(`${url}/admin/counters`)).json()) as {
      faults_injected: Record<string, number>;
    };
    const injected = Object.values(counters.faults_injected).reduce((a, b) => a + b, 0);
    expect(injected).toBeGreaterThan(0);

    const ops = createNemo(config);
    const evalFile = await ops.datastore.readFile('faults', result.datasets.eval, 'eval_data.jsonl');
    expect(evalFile.trim().split('\n')).toHaveLength(result.report.split.eval);
    const stored = await results.getRun(jobId);
    expect(stored?.datasets.map((d) => d.name).sort()).toEqual(
      [result.datasets.eval, result.datasets.icl, result.datasets.train].sort(),
    );
  });
});
