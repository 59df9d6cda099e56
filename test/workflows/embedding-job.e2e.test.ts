import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadFlywheelConfig } from '../../config/load';
import type { CandidateModel } from '../../config/schema';
import { CLIENT_ID, WORKLOAD_ID } from '../../samples/generators/retrieval-support';
import { TOKENS } from '../api/api-env';
import { apiOverHarness, terminateLeftovers } from '../api/harness-app';
import { type CliResult, runInProcess, serveApp } from '../cli/cli-support';
import { eventually, FlywheelHarness } from '../support/flywheel-harness';
import { recordHistory } from '../support/flywheel-histories';
import { servers } from '../support/servers';

// Exercises: activities/embedding-customization.ts, activities/retrieval-evaluation.ts, activities/retrieval-datasets.ts (reached through the API or a worker, so no import names them)
// Exercises: workflows/embedding-run.ts, workflows/embedding-candidate-run.ts (run by the test's worker in Temporal's workflow sandbox, so no import names them)
// Exercises: nemo-client/retriever-evaluation.ts, nemo-emulator/evaluation/retriever-schema.ts, nemo-emulator/lifecycle/embedding-training.ts, nemo-emulator/lifecycle/retriever-evaluation-lifecycle.ts (the client's retriever evaluation, and the emulator's embedding training and retriever evaluation, reached through the run's worker)

// An embedding_job end to end on the sample retrieval workload, loaded with the CLI's
// `logs load`: through the API and through the CLI it builds the BEIR eval set and the
// training set from the production reranker's judgements, fine-tunes the candidate embedding
// model with the Customizer, scores base and customized with the Evaluator's retriever
// evaluation, and records, reports and recommends like an LLM job. The customized model
// scores better on the held-out queries. Bad retrieval lines are refused by line number;
// an unknown job_type is a 422.

const SAMPLE_FILE = path.resolve(__dirname, '../../samples/retrieval-support.jsonl');
const h = new FlywheelHarness({ timeScale: 0.01 });
let api: ReturnType<typeof apiOverHarness>['api'];
let server: { url: string; close: () => Promise<void> };
let env: Record<string, string>;
const flywheel = (...args: string[]): Promise<CliResult> => runInProcess(args, env);
const body = { workload_id: WORKLOAD_ID, client_id: CLIENT_ID, job_type: 'embedding_job' };

beforeAll(async () => {
  await h.start();
  const shipped = loadFlywheelConfig('default', {});
  const embedder = shipped.embedding_nims[0] as CandidateModel;
  h.configs.set('default', { ...h.config({ models: ['meta/llama-3.2-1b-instruct'] }), embedding_nims: [embedder] });
  const harnessApi = apiOverHarness(h);
  api = harnessApi.api;
  server = await serveApp(harnessApi.app);
  env = {
    FLYWHEEL_API_URL: server.url,
    FLYWHEEL_API_TOKEN: TOKENS[0] as string,
    ELASTICSEARCH_URL: servers.ELASTICSEARCH_URL,
    ES_COLLECTION_NAME: h.logIndex,
  };
}, 120_000);
afterAll(async () => {
  await terminateLeftovers(h);
  await server?.close();
  await h.close();
});

test('bad retrieval log lines are refused with their line number and reason; good ones load', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'retrieval-logs-'));
  const envelope = { timestamp: 1_767_000_000, workload_id: 'bad-retrieval', client_id: 'c' };
  const ranking = {
    ...envelope,
    endpoint: '/v1/ranking',
    request: { model: 'nvidia/rerank', query: { text: 'q' }, passages: [{ text: 'a' }, { text: 'b' }] },
    response: {
      rankings: [
        { index: 1, logit: 2.5 },
        { index: 0, logit: -3 },
      ],
    },
  };
  const lines = [
    ranking,
    { ...ranking, endpoint: '/v1/rerank' },
    { ...ranking, response: { rankings: [{ index: 5, logit: 1 }] } },
    { ...ranking, request: { ...ranking.request, query: { text: '' } } },
    {
      ...envelope,
      endpoint: '/v1/embeddings',
      request: { model: 'nvidia/embed', input: ['x', 'y'], input_type: 'query' },
      response: { data: [{ index: 0, embedding: [0.1, 0.2] }] },
    },
    { ...ranking, response: { rankings: [{ index: 0, logit: 'high' }] } },
  ];
  const file = path.join(dir, 'bad.jsonl');
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
  try {
    const loaded = await flywheel('logs', 'load', file, '--json');
    const summary = JSON.parse(loaded.stdout.slice(0, loaded.stdout.lastIndexOf('}\n{') + 1) || loaded.stdout);
    expect({ loaded: summary.loaded, rejected: summary.rejected }).toEqual({ loaded: 1, rejected: 5 });
    const rejections = loaded.stderr
      .split('\n')
      .map((l) => /:(\d+): rejected: (.*)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [Number(m[1]), m[2]]);
    expect(rejections).toEqual([
      [2, 'endpoint: must be one of /v1/embeddings, /v1/ranking, not "/v1/rerank"'],
      [3, 'response.rankings.0.index: 5 is beyond the 2 passages of the request'],
      [4, 'request.query.text: must not be empty'],
      [5, 'response.data: holds 1 embeddings for 2 inputs'],
      [6, expect.stringMatching(/^response\.rankings\.0\.logit: /)],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown job_type is a 422 naming the field', async () => {
  const res = await api.call('POST', '/api/jobs', { body: { ...body, job_type: 'rag_job' } });
  expect(res.status).toBe(422);
  expect(JSON.stringify(res.body)).toContain('job_type');
});

async function finished(id: string) {
  return eventually(
    'the embedding job to finish',
    async () => {
      const res = await api.call('GET', `/api/jobs/${id}`);
      return res.body.finished_at ? res.body : undefined;
    },
    120_000,
  );
}

type Detail = {
  status: string;
  job_type: string;
  llm_judge: unknown;
  datasets: { name: string }[];
  nims: {
    model_name: string;
    status: string;
    evaluations: { eval_type: string; status: string; scores: Record<string, number> }[];
    customizations: { status: string; customized_model: string | null }[];
  }[];
  recommendation: { status: string } | null;
  decision: { workload_type: string; candidates: { variant: string; scores: Record<string, { n: number }> }[] } | null;
};

function expectImproved(detail: Detail) {
  expect(detail).toMatchObject({ status: 'completed', job_type: 'embedding_job', llm_judge: null });
  expect(detail.datasets.map((d) => d.name.split('-')[1])).toEqual(['reval', 'rtrain']);
  const [nim] = detail.nims;
  expect(nim?.model_name).toBe('nvidia/llama-3.2-nv-embedqa-1b-v2');
  expect(nim?.customizations[0]).toMatchObject({ status: 'completed', customized_model: expect.any(String) });
  const scores = (type: string) => nim?.evaluations.find((e) => e.eval_type === type)?.scores ?? {};
  const base = scores('base-eval');
  const customized = scores('customized-eval');
  expect(Object.keys(base).sort()).toEqual(['ndcg_cut_10', 'ndcg_cut_5', 'recall_10', 'recall_5']);
  expect(nim?.evaluations.map((e) => e.eval_type).sort()).toEqual(['base-eval', 'customized-eval']);
  // held-out queries: the customized model retrieves their reranker-judged passages better
  expect(customized.ndcg_cut_10).toBeGreaterThan((base.ndcg_cut_10 ?? 1) + 0.1);
  expect(customized.recall_5).toBeGreaterThan(base.recall_5 ?? 1);
  expect(detail.decision?.workload_type).toBe('retrieval');
  expect(detail.decision?.candidates.map((c) => c.variant).sort()).toEqual(['base', 'customized']);
  // per-query results: the intervals are over the 40 held-out queries
  expect(detail.decision?.candidates[0]?.scores.ndcg_cut_10?.n).toBe(40);
  expect(detail.recommendation).not.toBeNull();
  return { base, customized };
}

test('an embedding_job through the API: base and customized retrieval scores, customized better on held-out queries', async () => {
  const loaded = await flywheel('logs', 'load', SAMPLE_FILE, '--json');
  expect(JSON.parse(loaded.stdout)).toMatchObject({ rejected: 0 });
  const created = await api.call('POST', '/api/jobs', { body });
  expect(created.status).toBe(200);
  const detail = (await finished(created.body.id)) as Detail;
  await recordHistory(h, `flywheel-${created.body.id}`, 'embedding-job');
  if (detail.status !== 'completed') console.log(JSON.stringify(detail, null, 1).slice(0, 3000));
  const { base, customized } = expectImproved(detail);
  console.log(`embedding_job via API: base ${JSON.stringify(base)} customized ${JSON.stringify(customized)}`);
  const report = await api.call('GET', `/api/jobs/${created.body.id}/report`);
  expect(report.status).toBe(200);
  expect(String(report.body)).toContain('ndcg_cut_10');
}, 180_000);

test('an embedding_job through the CLI: jobs create --job-type embedding_job --watch, then jobs show', async () => {
  const created = await flywheel(
    'jobs',
    'create',
    '-w',
    WORKLOAD_ID,
    '-c',
    CLIENT_ID,
    '--job-type',
    'embedding_job',
    '--watch',
    '--interval',
    '200',
    '--json',
  );
  expect(created.code).toBe(0);
  const watched = JSON.parse(created.stdout) as Detail & { id: string };
  expectImproved(watched);
  const shown = await flywheel('jobs', 'show', watched.id);
  expect(shown.code).toBe(0);
  expect(shown.stdout).toContain('ndcg_cut_10');
  expect(shown.stdout).toContain('customized');
}, 180_000);
