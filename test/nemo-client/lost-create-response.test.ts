import { createNemoClient, type NemoClient, NemoRetryableError } from '../../nemo-client';
import { buildEvaluationConfig } from '../../nemo-client/evaluation-config';
import { type RunningEmulator, startEmulator } from '../../nemo-emulator/server';
import { loraConfig, loraHyperparameters } from './fixtures';

// "Perform the create, then drop the response": every create Flywheel makes is retried the way
// an activity retry would (same deterministic key), across 20 fault seeds. The emulator's
// creation counters must show each deployment and job created exactly once.

const NS = 'lost';
const MODEL = 'meta/llama-3.2-1b-instruct';
const CREATES = [
  'POST /v1/deployment/model-deployments',
  'POST /v1/customization/jobs',
  'POST /v1/evaluation/jobs',
  'POST /v1/datasets',
];

let emulator: RunningEmulator;
let nemo: NemoClient;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timeScale: 0.0005, seed: 9, profile: 'realistic' });
  nemo = createNemoClient({
    nemoBaseUrl: emulator.url,
    nimBaseUrl: emulator.url,
    datastoreBaseUrl: emulator.url,
    namespace: NS,
  });
  await nemo.ensureNamespace(NS);
  await nemo.datastore.ensureRepo(NS, 'train');
  await nemo.datastore.uploadFiles(
    NS,
    'train',
    [
      {
        path: 'training/train_data.jsonl',
        content: '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}\n',
      },
    ],
    'data',
  );
  await nemo.entityStore.registerDataset({ namespace: NS, name: 'train', description: 'train' });
  await nemo.customizer.ensureConfig(loraConfig('cfg', NS, `${MODEL}@2.0`));
});
afterAll(() => emulator?.close());

/** An activity's retries: the same call again after a retryable failure, at most 30 times. */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof NemoRetryableError) || attempt >= 30) throw err;
    }
  }
}

async function admin(path: string, init?: RequestInit) {
  return (await fetch(`${emulator.url}${path}`, init)).json();
}

test('20 seeded runs of lost create responses create no duplicate', async () => {
  let lost = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const routes = Object.fromEntries(CREATES.map((r) => [r, { lost_response_rate: 0.6 }]));
    await admin('/admin/faults', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seed, routes }),
    });
    const tag = `s${seed}`;
    await retried(() =>
      nemo.deployments.ensure({
        name: `dep-${tag}`,
        namespace: NS,
        config: {
          model: MODEL,
          nim_deployment: { image_name: `nvcr.io/nim/${MODEL}`, image_tag: '1', pvc_size: '25Gi', gpu: 1 },
        },
      }),
    );
    await retried(() => nemo.entityStore.registerDataset({ namespace: NS, name: `ds-${tag}`, description: tag }));
    await retried(() =>
      nemo.customizer.ensureJob(
        {
          namespace: NS,
          output_model: `${NS}/out-${tag}`,
          config: `${NS}/cfg`,
          dataset: { name: 'train', namespace: NS },
          hyperparameters: loraHyperparameters(),
        },
        { base: `cust-${tag}`, generation: 'run-1', datasetFilesUrl: `hf://datasets/${NS}/train` },
      ),
    );
    await retried(() =>
      nemo.evaluator.ensureJob(
        {
          namespace: NS,
          config: buildEvaluationConfig({
            workloadType: 'generic',
            filesUrl: `hf://datasets/${NS}/train/training/train_data.jsonl`,
            judge: { url: `${emulator.url}/v1/chat/completions`, model_id: 'meta/llama-3.3-70b-instruct' },
          }),
          target: { type: 'model', model: MODEL },
        },
        { base: `eval-${tag}`, generation: 'run-1' },
      ),
    );
    const counters = (await admin('/admin/counters')) as { faults_injected: Record<string, number> };
    lost = counters.faults_injected.lost_response ?? 0;
  }
  await admin('/admin/faults', { method: 'DELETE' });
  const counters = (await admin('/admin/counters')) as {
    created: Record<'deployments' | 'customization_jobs' | 'evaluation_jobs', Record<string, number>>;
  };
  expect(lost).toBeGreaterThan(20); // the faults really fired
  for (const table of ['deployments', 'customization_jobs', 'evaluation_jobs'] as const) {
    const counts = counters.created[table];
    expect(Object.keys(counts)).toHaveLength(20);
    expect(Object.entries(counts).filter(([, n]) => n !== 1)).toEqual([]);
  }
  // datasets are addressed by name: each one is registered once, whatever was lost
  for (let seed = 1; seed <= 20; seed++) {
    expect(await nemo.entityStore.getDataset(NS, `ds-s${seed}`)).toMatchObject({ description: `s${seed}` });
  }
}, 120_000);
