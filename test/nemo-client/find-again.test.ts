import { buildEvaluationConfig, createNemoClient, type NemoClient } from '../../nemo-client';
import { jsonl, textRecords } from './fixtures';
import { JUDGE_MODEL, type NemoTarget, startNemoTarget, unique } from './support';

// Find-again by the documented list filter (`filter[custom_fields][flywheel_key]`) reads every
// list page (a small page size forces several) and, when a key was used more than once,
// answers the newest job, so a retried caller resumes instead of duplicating.

let target: NemoTarget;
let client: NemoClient;
let ns: string;
let filesUrl: string;

beforeAll(async () => {
  target = await startNemoTarget();
  client = createNemoClient({ ...target.config, pageSize: 2 });
  ns = target.config.namespace;
  await client.ensureNamespace(ns);
  const repo = unique('flywheel-eval');
  await client.datastore.ensureRepo(ns, repo);
  await client.datastore.uploadFiles(
    ns,
    repo,
    [{ path: 'eval_data.jsonl', content: jsonl(textRecords(2, true)) }],
    'eval',
  );
  filesUrl = `hf://datasets/${ns}/${repo}/eval_data.jsonl`;
});
afterAll(() => target.close());

const createEvaluation = (key: string) =>
  client.evaluator.createJob({
    custom_fields: { flywheel_key: key, flywheel_base: key },
    namespace: ns,
    config: buildEvaluationConfig({
      workloadType: 'classification',
      filesUrl,
      judge: { url: `${target.config.nimBaseUrl}/v1/chat/completions`, model_id: JUDGE_MODEL },
    }),
    target: { type: 'model', model: JUDGE_MODEL },
  });

const pause = () => new Promise((r) => setTimeout(r, 15));

test('lists and finds across pages; a key used three times resolves to its newest job', async () => {
  const repeated = unique('flywheel-eval-repeated');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    ids.push((await createEvaluation(repeated)).id);
    await pause();
    await createEvaluation(unique('flywheel-eval-other'));
    await pause();
  }
  const listRequests = async () => (await target.admin?.counters())?.requests['GET /v1/evaluation/jobs'] ?? 0;

  const beforeList = await listRequests();
  const all = await client.evaluator.listJobs();
  expect(all.map((j) => j.id)).toEqual(expect.arrayContaining(ids));
  expect(new Set(all.map((j) => j.id)).size).toBe(all.length);
  if (target.admin) expect((await listRequests()) - beforeList).toBeGreaterThanOrEqual(3);

  const found = await client.evaluator.findJob({ key: repeated, namespace: ns });
  expect(found?.id).toBe(ids[2]);
  expect(found?.custom_fields?.flywheel_key).toBe(repeated);
  const again = await client.evaluator.ensureJob(
    {
      namespace: ns,
      config: buildEvaluationConfig({
        workloadType: 'classification',
        filesUrl,
        judge: { url: `${target.config.nimBaseUrl}/v1/chat/completions`, model_id: JUDGE_MODEL },
      }),
      target: { type: 'model', model: JUDGE_MODEL },
    },
    { base: repeated, generation: 'run-1' },
  );
  expect(again.created).toBe(false);
  expect(ids).toContain(again.job.id);
  if (target.admin) expect((await target.admin.counters()).created.evaluation_jobs[repeated]).toBe(3);
});

test('a key that is only a prefix of existing keys finds nothing', async () => {
  const key = unique('flywheel-eval-prefix');
  await createEvaluation(`${key}-base`);
  expect(await client.evaluator.findJob({ key, namespace: ns })).toBeUndefined();
  expect((await client.evaluator.findJob({ key: `${key}-base`, namespace: ns }))?.custom_fields?.flywheel_key).toBe(
    `${key}-base`,
  );
});
