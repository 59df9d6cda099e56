import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildEvaluationConfig, createNemoClient, type NemoClient } from '../../nemo-client';
import { survivorOf } from '../../nemo-client/find-again';
import { jsonl, loraConfig, loraHyperparameters, textRecords } from './fixtures';
import {
  describeWithEmulatorAdmin,
  JUDGE_MODEL,
  type NemoTarget,
  startNemoTarget,
  TEST_CUSTOMIZATION_TARGET,
  unique,
} from './support';

// Two attempts of one activity creating the same job at once. A heartbeat timeout leaves the
// timed-out attempt running while its retry starts: in the same worker (a blocked event loop)
// the two must make one job; in another worker, evaluation jobs (no unique name on the real
// API) may get two, and the later one is cancelled so both attempts poll the earlier.

let target: NemoTarget;
let client: NemoClient;
let ns: string;
let filesUrl: string;

beforeAll(async () => {
  // jobs at real speed: none finishes before the test has looked at it (a finished job cannot be cancelled)
  target = await startNemoTarget({ timeScale: 1 });
  client = createNemoClient(target.config);
  ns = target.config.namespace;
  await client.ensureNamespace(ns);
  const repo = unique('racing');
  await client.datastore.ensureRepo(ns, repo);
  await client.datastore.uploadFiles(
    ns,
    repo,
    [
      { path: 'eval_data.jsonl', content: jsonl(textRecords(2, true)) },
      { path: 'training/train_data.jsonl', content: jsonl(textRecords(4, true)) },
    ],
    'data',
  );
  await client.entityStore.registerDataset({ namespace: ns, name: repo, description: 'racing creates' });
  filesUrl = `hf://datasets/${ns}/${repo}`;
});
afterAll(() => target.close());

const evaluationRequest = () => ({
  namespace: ns,
  config: buildEvaluationConfig({
    workloadType: 'classification',
    filesUrl: `${filesUrl}/eval_data.jsonl`,
    judge: { url: `${target.config.nimBaseUrl}/v1/chat/completions`, model_id: JUDGE_MODEL },
  }),
  target: { type: 'model' as const, model: JUDGE_MODEL },
});

test('two attempts of one evaluation in one worker make one job and both poll it', async () => {
  const base = unique('race-eval');
  const ensure = () => client.evaluator.ensureJob(evaluationRequest(), { base, generation: 'run-1' });
  const [first, second] = await Promise.all([ensure(), ensure()]);
  expect(second.job.id).toBe(first.job.id);
  expect([first.created, second.created].sort()).toEqual([false, true]);
  expect((await client.evaluator.listGenerations({ base, namespace: ns })).map((j) => j.id)).toEqual([first.job.id]);
});

test('two attempts of one customization in one worker make one job and both poll it', async () => {
  const config = unique('race-cfg');
  await client.customizer.ensureConfig(loraConfig(config, ns, TEST_CUSTOMIZATION_TARGET));
  const base = unique('race-train');
  const where = { base, generation: 'run-1', datasetFilesUrl: filesUrl };
  const ensure = () =>
    client.customizer.ensureJob(
      {
        namespace: ns,
        output_model: `${ns}/${base}`,
        config: `${ns}/${config}`,
        dataset: { name: filesUrl.split('/').at(-1) as string, namespace: ns },
        hyperparameters: loraHyperparameters(),
      },
      where,
    );
  const [first, second] = await Promise.all([ensure(), ensure()]);
  expect(second.job.id).toBe(first.job.id);
  expect([first.created, second.created].sort()).toEqual([false, true]);
});

describe('a rival attempt in another worker created the evaluation first', () => {
  let proxy: Server;
  let rivalIds: string[];
  let viaProxy: NemoClient;

  beforeAll(async () => {
    rivalIds = [];
    const upstream = target.config.nemoBaseUrl;
    // forwards everything; just before the first evaluation create, the "other worker" creates
    // the same job directly, after our list and before our create
    proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const headers = { 'content-type': req.headers['content-type'] ?? 'application/json' };
      if (req.method === 'POST' && req.url === '/v1/evaluation/jobs' && rivalIds.length === 0) {
        const rival = (await (await fetch(`${upstream}${req.url}`, { method: 'POST', headers, body })).json()) as {
          id: string;
          created_at: string;
        };
        rivalIds.push(rival.id);
        // ours must be created strictly later than the rival, as it would be across workers
        const rivalAt = Date.parse(rival.created_at);
        while (Date.now() <= rivalAt) await new Promise((resolve) => setImmediate(resolve));
      }
      const answer = await fetch(`${upstream}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    viaProxy = createNemoClient({ ...target.config, nemoBaseUrl: url });
  });
  afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

  test('ours is cancelled and the rival is the job both attempts poll', async () => {
    const base = unique('rival-eval');
    const outcome = await viaProxy.evaluator.ensureJob(evaluationRequest(), { base, generation: 'run-1' });
    expect(rivalIds).toHaveLength(1);
    expect(outcome).toMatchObject({ created: false, job: { id: rivalIds[0] } });
    const jobs = await client.evaluator.listGenerations({ base, namespace: ns });
    expect(jobs).toHaveLength(2);
    const ours = jobs.find((j) => j.id !== rivalIds[0]);
    expect(ours?.status).toBe('cancelled');
    expect(jobs.find((j) => j.id === rivalIds[0])?.status).not.toBe('cancelled');
  });
});

describe('jobs found alive beside the one in hand', () => {
  test('a duplicate created after ours (a create carried out after a retry listed) is cancelled by the next look', async () => {
    const base = unique('late-eval');
    const ours = await client.evaluator.ensureJob(evaluationRequest(), { base, generation: 'run-1' });
    const late = await client.evaluator.createJob({
      ...evaluationRequest(),
      custom_fields: ours.job.custom_fields as Record<string, string>,
    });
    const again = await client.evaluator.ensureJob(evaluationRequest(), { base, generation: 'run-1' });
    expect(again).toMatchObject({ created: false, job: { id: ours.job.id } });
    expect((await client.evaluator.getJob(late.id))?.status).toBe('cancelled');
    expect((await client.evaluator.getJob(ours.job.id))?.status).not.toBe('cancelled');
  });
});

describeWithEmulatorAdmin('a create whose answer was lost', () => {
  test('a create carried out behind a gateway 504 is found, not made again', async () => {
    const admin = target.admin as NonNullable<NemoTarget['admin']>;
    const base = unique('lost-eval');
    await admin.setFaults({ seed: 1, routes: { 'POST /v1/evaluation/jobs': { lost_response_rate: 1 } } });
    try {
      const outcome = await client.evaluator.ensureJob(evaluationRequest(), { base, generation: 'run-1' });
      expect(outcome.created).toBe(true);
    } finally {
      await admin.clearFaults();
    }
    const jobs = await client.evaluator.listGenerations({ base, namespace: ns });
    expect(jobs).toHaveLength(1);
  });
});

describe('survivorOf', () => {
  const job = (id: string, at: string, status = 'running', key = 'k') => ({
    id,
    status,
    created_at: at,
    custom_fields: { flywheel_key: key },
  });

  test('the earliest created usable job of the key is kept, ties by id; the other live ones are redundant', () => {
    const a = job('b-2', '2026-01-01T00:00:01Z');
    const b = job('a-1', '2026-01-01T00:00:01Z');
    const c = job('c-3', '2026-01-01T00:00:00Z', 'failed');
    const d = job('d-4', '2026-01-01T00:00:00Z', 'running', 'other');
    const later = job('e-5', '2026-01-01T00:00:09Z', 'completed');
    const { keep, redundant } = survivorOf([a, b, c, d, later], a, 'k');
    expect(keep.id).toBe('a-1');
    expect(redundant.map((j) => j.id)).toEqual(['b-2', 'e-5']);
  });

  test('a racer that saw no rival (its own job not listed yet) keeps its own', () => {
    const mine = job('m', '2026-01-01T00:00:05Z');
    expect(survivorOf([], mine, 'k')).toEqual({ keep: mine, redundant: [] });
    expect(survivorOf([job('late', '2026-01-01T00:00:09Z')], mine, 'k').keep).toBe(mine);
  });
});
