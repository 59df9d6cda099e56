import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { MongoClient } from 'mongodb';
import { type CreateDatasetsResult, createDatasetActivities } from '../../activities/datasets';
import { createNemo } from '../../activities/nemo-factory';
import { type FlywheelConfig, FlywheelConfigSchema } from '../../config/schema';
import { startEmulator } from '../../nemo-emulator/server';
import { parseIclExamples } from '../../pipeline/icl-example-format';
import { createElasticsearchClient } from '../../stores/elasticsearch';
import { loadLogs } from '../../stores/log-loader';
import { ResultsStore } from '../../stores/results/results-store';
import { COLLECTIONS } from '../../stores/results/schema';
import { servers } from '../support/servers';
import { silentLogger } from '../support/temporal';

// The samples, loaded into the real Elasticsearch, turned into datasets by the activity and
// uploaded through the real client to the NeMo emulator; the uploaded files are read back.

const SAMPLES = join(__dirname, '../../samples');
const es = createElasticsearchClient(servers.ELASTICSEARCH_URL);
const logIndex = `test-datasets-${randomUUID()}`;
const mongo = new MongoClient(servers.MONGODB_URL);
const dbName = `test_datasets_${randomUUID().slice(0, 8)}`;
const results = new ResultsStore(mongo.db(dbName));
let emulator: Awaited<ReturnType<typeof startEmulator>>;

function configFor(url: string, overrides: Record<string, unknown> = {}): FlywheelConfig {
  return FlywheelConfigSchema.parse({
    nmp_config: { nemo_base_url: url, nim_base_url: url, datastore_base_url: url, nmp_namespace: 'itest' },
    nims: [{ model_name: 'meta/llama-3.2-1b-instruct', context_length: 8192 }],
    llm_judge_config: {
      deployment_type: 'remote',
      url: `${url}/v1/chat/completions`,
      model_name: 'meta/llama-3.3-70b-instruct',
    },
    data_split_config: { eval_size: 10, val_ratio: 0.1, min_total_records: 50, random_seed: 7, limit: 1000 },
    ...overrides,
  });
}

interface RawRecord {
  timestamp: number | string;
  request: { messages: { role: string; content: unknown }[] };
  response: { choices: { message: { content: unknown; tool_calls?: { function: { arguments: unknown } }[] } }[] };
}

/** Expected counts computed straight from the sample file, independently of the pipeline. */
function expectedCounts(file: string, isDefective: (r: RawRecord) => boolean) {
  const records = readFileSync(join(SAMPLES, file), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as RawRecord);
  const millis = (t: number | string) => (typeof t === 'string' ? Date.parse(t) : t < 1e11 ? t * 1000 : t);
  const newestFirst = [...records].sort((a, b) => millis(b.timestamp) - millis(a.timestamp));
  const seen = new Set<string>();
  let defective = 0;
  let duplicates = 0;
  for (const r of newestFirst) {
    if (isDefective(r)) {
      defective++;
      continue;
    }
    const key = JSON.stringify(r.request.messages.filter((m) => m.role === 'user').map((m) => m.content));
    if (seen.has(key)) duplicates++;
    else seen.add(key);
  }
  return { read: records.length, defective, duplicates, accepted: records.length - defective - duplicates };
}

const answer = (r: RawRecord) => r.response.choices[0]?.message;
const readLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timeScale: 0.01 });
  await mongo.connect();
  for (const [file, clientId] of [
    ['customer-support.jsonl', 'acme-web'],
    ['financial-news.jsonl', 'fin-desk'],
    ['faq-qa.jsonl', 'helpdesk'],
  ] as const) {
    const summary = await loadLogs({
      elasticsearch: es,
      index: logIndex,
      source: createReadStream(join(SAMPLES, file)),
    });
    expect(summary.rejected).toBe(0);
    expect(clientId.length).toBeGreaterThan(0);
  }
});

afterAll(async () => {
  await emulator?.close();
  await es.indices.delete({ index: logIndex, ignore_unavailable: true });
  await es.close();
  await mongo.db(dbName).dropDatabase();
  await mongo.close();
});

async function build(workloadId: string, clientId: string, config: FlywheelConfig) {
  const jobId = randomBytes(12).toString('hex');
  await results.createRun({ _id: jobId, workload_id: workloadId, client_id: clientId, workflow_id: `wf-${jobId}` });
  const activities = createDatasetActivities({ elasticsearch: es, logIndex, results, nemo: createNemo });
  const env = new MockActivityEnvironment(undefined, { logger: silentLogger });
  const input = { jobId, workloadId, clientId, config };
  const result = (await env.run(activities.createDatasets, input)) as CreateDatasetsResult;
  return {
    jobId,
    result,
    rerun: async () => (await env.run(activities.createDatasets, input)) as CreateDatasetsResult,
  };
}

describe('dataset build from the samples to the NeMo emulator', () => {
  test('tool calling: uploaded eval, ICL and train files match the report', async () => {
    const config = configFor(emulator.url);
    const { jobId, result, rerun } = await build('customer_support', 'acme-web', config);
    const ops = createNemo(config);
    const expected = expectedCounts('customer-support.jsonl', (r) => {
      const args = answer(r)?.tool_calls?.[0]?.function.arguments;
      if (typeof args !== 'string') return false;
      try {
        JSON.parse(args);
        return false;
      } catch {
        return true;
      }
    });

    const { report } = result;
    expect(result.workloadType).toBe('tool_calling');
    expect(report.workloadTypeSource).toBe('detected');
    expect(report.recordsRead).toBe(expected.read);
    expect(report.rejected.invalid_tool_arguments).toBe(expected.defective);
    expect(expected.defective).toBeGreaterThan(0);
    // every rejection sample names the document it came from, which can be fetched and is the bad one
    expect(report.rejectionSamples.length).toBeGreaterThan(0);
    for (const sample of report.rejectionSamples) {
      expect(sample).toMatchObject({ reason: 'invalid_tool_arguments', documentId: expect.any(String) });
      const doc = (await es.get<RawRecord>({ index: logIndex, id: sample.documentId as string }))._source as RawRecord;
      expect(typeof answer(doc)?.tool_calls?.[0]?.function.arguments).toBe('string');
    }
    expect(report.duplicates).toBe(expected.duplicates);
    expect(report.accepted).toBe(expected.accepted);
    expect(report.split.eval).toBe(10);
    expect(report.split.val).toBe(Math.ceil(0.1 * (expected.accepted - 10)));
    expect(result.numRecords).toBe(expected.accepted);

    const evalRows = readLines(await ops.datastore.readFile('itest', result.datasets.eval, 'eval_data.jsonl'));
    const iclRows = readLines(await ops.datastore.readFile('itest', result.datasets.icl, 'eval_data.jsonl'));
    const trainRows = readLines(
      await ops.datastore.readFile('itest', result.datasets.train, 'training/train_data.jsonl'),
    );
    const valRows = readLines(
      await ops.datastore.readFile('itest', result.datasets.train, 'validation/val_data.jsonl'),
    );
    expect(evalRows).toHaveLength(10);
    expect(iclRows).toHaveLength(10);
    expect(trainRows).toHaveLength(report.split.train);
    expect(valRows).toHaveLength(report.split.val);
    // eval rows: full records, answer arguments as objects
    expect(evalRows.every((r) => r.workload_id === 'customer_support' && r.client_id === 'acme-web')).toBe(true);
    expect(
      evalRows.every((r) => typeof r.response.choices[0].message.tool_calls[0].function.arguments === 'object'),
    ).toBe(true);
    // training rows: messages ending in the tool call, with the tools
    for (const row of trainRows) {
      const last = row.messages[row.messages.length - 1];
      expect(last).toMatchObject({ role: 'assistant', content: '' });
      expect(typeof last.tool_calls[0].function.arguments).toBe('object');
      expect(row.tools.length).toBeGreaterThan(0);
    }
    // ICL rows: the same eval records with examples in the system message
    expect(iclRows.map((r) => r.request.messages.at(-1))).toEqual(evalRows.map((r) => r.request.messages.at(-1)));
    for (const row of iclRows) {
      const examples = parseIclExamples(row.request.messages[0].content);
      expect(examples).toHaveLength(3);
      expect(examples.every((e) => e.toolCalls.length > 0)).toBe(true);
    }
    expect(report.icl.examplesPerRecord.min).toBe(3);
    // class distribution sums to the split
    const sum = (k: 'eval' | 'train' | 'val') => report.classDistribution.reduce((n, c) => n + c[k], 0);
    expect([sum('eval'), sum('train'), sum('val')]).toEqual([10, report.split.train, report.split.val]);

    const run = await results.getRun(jobId);
    expect(run?.num_records).toBe(expected.accepted);
    expect(run?.datasets).toEqual([
      { name: result.datasets.eval, num_records: 10, nmp_uri: `hf://datasets/itest/${result.datasets.eval}` },
      { name: result.datasets.icl, num_records: 10, nmp_uri: `hf://datasets/itest/${result.datasets.icl}` },
      {
        name: result.datasets.train,
        num_records: report.split.train,
        nmp_uri: `hf://datasets/itest/${result.datasets.train}`,
      },
    ]);
    expect((run?.dataset_report as { recordsRead?: number } | undefined)?.recordsRead).toBe(expected.read);

    // a retry after success returns the recorded result without rebuilding
    expect(await rerun()).toEqual(result);
  });

  test('classification (configured): labels stratify the split, records without a label are counted', async () => {
    const config = configFor(emulator.url, { workload_type: 'classification' });
    const { result } = await build('news_classifier', 'fin-desk', config);
    expect(result.report.workloadTypeSource).toBe('config');
    const expected = expectedCounts('financial-news.jsonl', (r) => !/\[\[\[.+\]\]\]/.test(String(answer(r)?.content)));
    expect(result.workloadType).toBe('classification');
    expect(result.report.rejected.missing_label).toBe(expected.defective);
    expect(result.report.accepted).toBe(expected.accepted);
    const labels = result.report.classDistribution.map((c) => c.class).sort();
    expect(labels).toEqual(expect.arrayContaining(['earnings', 'markets', 'monetary_policy']));
    const ops = createNemo(config);
    const trainRows = readLines(
      await ops.datastore.readFile('itest', result.datasets.train, 'training/train_data.jsonl'),
    );
    expect(trainRows.every((r) => /\[\[\[\w+\]\]\]$/.test(r.messages.at(-1).content))).toBe(true);
  });

  test('generic with semantic-similarity ICL through the embeddings endpoint; Japanese rows intact', async () => {
    const config = configFor(emulator.url, {
      icl_config: {
        example_selection: 'semantic_similarity',
        max_examples: 3,
        similarity_config: {
          relevance_ratio: 0.7,
          embedding_nim_config: {
            deployment_type: 'remote',
            url: `${emulator.url}/v1/embeddings`,
            model_name: 'nvidia/llama-3.2-nv-embedqa-1b-v2',
          },
        },
      },
    });
    const { result } = await build('faq_assistant', 'helpdesk', config);
    const expected = expectedCounts('faq-qa.jsonl', (r) => String(answer(r)?.content ?? '').trim() === '');
    expect(result.workloadType).toBe('generic');
    expect(result.report.rejected.empty_response).toBe(expected.defective);
    expect(result.report.accepted).toBe(expected.accepted);
    expect(result.report.icl.strategy).toBe('semantic_similarity');
    const ops = createNemo(config);
    const iclRows = readLines(await ops.datastore.readFile('itest', result.datasets.icl, 'eval_data.jsonl'));
    expect(iclRows.every((r) => parseIclExamples(r.request.messages[0].content).length > 0)).toBe(true);
    const train = await ops.datastore.readFile('itest', result.datasets.train, 'training/train_data.jsonl');
    expect(train).toMatch(/出張/);
  });

  test('a retry that did not get to record its result uploads the same files again under the same names', async () => {
    const config = configFor(emulator.url);
    const first = await build('faq_assistant', 'helpdesk', config);
    const ops = createNemo(config);
    const read = (r: CreateDatasetsResult) =>
      Promise.all([
        ops.datastore.readFile('itest', r.datasets.eval, 'eval_data.jsonl'),
        ops.datastore.readFile('itest', r.datasets.train, 'training/train_data.jsonl'),
        ops.datastore.readFile('itest', r.datasets.train, 'validation/val_data.jsonl'),
      ]);
    const before = await read(first.result);
    // as if the worker died after uploading, before the run document was written
    await mongo
      .db(dbName)
      .collection(COLLECTIONS.runs)
      .updateOne({ _id: first.jobId as never }, { $set: { datasets: [], dataset_report: null } });
    const again = await first.rerun();
    expect(again.datasets).toEqual(first.result.datasets);
    expect(again.report).toEqual(first.result.report);
    expect(await read(again)).toEqual(before);
    expect((await results.getRun(first.jobId))?.datasets).toHaveLength(3);
  });

  test('too few records is a non-retryable DatasetError that says which setting to change', async () => {
    const config = configFor(emulator.url, {
      data_split_config: { eval_size: 10, val_ratio: 0.1, min_total_records: 5000, limit: 10000 },
    });
    await expect(build('faq_assistant', 'helpdesk', config)).rejects.toMatchObject({
      type: 'DatasetError',
      nonRetryable: true,
      message: expect.stringMatching(/found 150, need at least 5000 \(data_split_config\.min_total_records\)/),
    });
    await expect(build('no_such_workload', 'helpdesk', configFor(emulator.url))).rejects.toMatchObject({
      type: 'DatasetError',
      message: expect.stringMatching(/found 0/),
    });
  });
});
