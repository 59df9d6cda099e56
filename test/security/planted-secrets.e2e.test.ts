import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { type DefaultLogger, Runtime } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { createApp } from '../../api/app';
import { memoryLogger } from '../../api/logger';
import type { RecordedRequest } from '../../nemo-emulator/http/request-log';
import { ApiTestClient } from '../api/support';
import { eventually, FlywheelHarness, MODELS, SAMPLE } from '../support/flywheel-harness';
import { servers } from '../support/servers';

// Planted secrets: every secret the code reads is set to a unique value, a flywheel runs end to
// end through the API, and then every NeMo request body the emulator recorded, every log line
// (worker, workflows, activities, API, console), every MongoDB document, every Temporal history
// of the task queue and every API response is searched for them. The secrets must have been
// used (the NeMo key and the judge key travel in Authorization headers), never copied.

const planted = (name: string) => `planted-${name.toLowerCase().replace(/_/g, '-')}-${randomBytes(12).toString('hex')}`;
const SECRET_ENV = [
  'NEMO_API_KEY',
  'NVIDIA_API_KEY',
  'LLM_JUDGE_API_KEY',
  'EMB_API_KEY',
  'NGC_API_KEY',
  'HF_TOKEN',
  'TEMPORAL_API_KEY',
] as const;
const SECRETS: Record<string, string> = Object.fromEntries(SECRET_ENV.map((k) => [k, planted(k)]));
const API_TOKEN = planted('FLYWHEEL_API_TOKENS');
const saved: Record<string, string | undefined> = {};

const lines: string[] = [];
const capture = (chunk: unknown) => lines.push(typeof chunk === 'string' ? chunk : String(chunk));

const h = new FlywheelHarness({ timeScale: 0.01, recordRequests: true });
let restoreLogging: () => void = () => undefined;

beforeAll(async () => {
  for (const key of SECRET_ENV) {
    saved[key] = process.env[key];
    process.env[key] = SECRETS[key];
  }
  // Every level of the Temporal runtime's logger (worker, workflow and activity logs go there),
  // plus anything written to the console.
  const logger = Runtime.instance().logger as DefaultLogger;
  const log = logger.log.bind(logger);
  logger.log = (level, message, meta) => {
    lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
    log(level, message, meta);
  };
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const tee =
    (write: typeof out) =>
    (chunk: unknown, ...rest: never[]) => {
      capture(chunk);
      return write(chunk as string, ...rest);
    };
  process.stdout.write = tee(out) as never;
  process.stderr.write = tee(err) as never;
  restoreLogging = () => {
    logger.log = log;
    process.stdout.write = out;
    process.stderr.write = err;
  };
  await h.start();
  h.configs.set('default', h.config({ models: MODELS.slice(0, 1) }));
}, 180_000);

afterAll(async () => {
  restoreLogging();
  for (const key of SECRET_ENV) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  await h.close();
});

function historyText(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) historyText(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) historyText(v, out);
  return out;
}

test('no secret from the environment reaches NeMo payloads, logs, MongoDB, Temporal or the API', async () => {
  const apiLogger = memoryLogger();
  const app = createApp({
    temporal: h.env.client,
    results: h.results,
    elasticsearch: h.elasticsearch,
    logIndex: h.logIndex,
    taskQueue: h.taskQueue,
    tokens: [{ name: 'planted', token: API_TOKEN, role: 'admin', client_ids: '*' }],
    logger: apiLogger,
    configNames: () => [...h.configs.keys()],
    loadConfig: (name = 'default') => h.configs.get(name) as never,
  });
  const api = new ApiTestClient(app, API_TOKEN);
  const responses: string[] = [];
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api.call(method, path, body === undefined ? {} : { body });
    responses.push(JSON.stringify(res.body), JSON.stringify([...res.headers.entries()]));
    return res;
  };

  const created = await call('POST', '/api/jobs', { workload_id: SAMPLE.workloadId, client_id: SAMPLE.clientId });
  expect(created.status).toBe(200);
  const jobId = created.body.id as string;
  const handle: WorkflowHandle = h.env.client.workflow.getHandle(`flywheel-${jobId}`);
  await handle.result();
  const detail = await eventually(
    'the finished job',
    async () => {
      const res = await call('GET', `/api/jobs/${jobId}`);
      return res.body.finished_at ? res : undefined;
    },
    60_000,
  );
  expect(detail.body.status).toBe('completed');
  expect(detail.body.nims[0].evaluations.length).toBeGreaterThan(0);
  for (const path of ['/api/jobs', `/api/jobs/${jobId}/progress`, '/api/workloads', '/api/schedules', '/api/configs']) {
    await call('GET', path);
  }
  for (const path of ['/health', '/ready', '/openapi.json', '/docs']) {
    const res = await app.request(path);
    responses.push(await res.text());
  }

  // NeMo: every request body the emulator received
  const recorded = (await (await fetch(`${h.emulator.url}/admin/requests`)).json()) as { requests: RecordedRequest[] };
  const evaluationJobs = recorded.requests.filter((r) => r.method === 'POST' && r.path === '/v1/evaluation/jobs');
  expect(evaluationJobs.length).toBeGreaterThan(0);
  // the keys were used, in headers: NeMo calls are authenticated, and the judge probe too
  expect(evaluationJobs.every((r) => r.authorization)).toBe(true);
  expect(recorded.requests.some((r) => r.path === '/v1/chat/completions' && r.authorization)).toBe(true);
  const nemoBodies = recorded.requests.map((r) => `${r.method} ${r.path} ${r.body}`);

  // MongoDB: every document of every collection of the run's database
  const mongo = await MongoClient.connect(servers.MONGODB_URL);
  const documents: string[] = [];
  try {
    const db = mongo.db(h.dbName);
    for (const { name } of await db.listCollections().toArray()) {
      for (const doc of await db.collection(name).find({}).toArray()) documents.push(JSON.stringify(doc));
    }
  } finally {
    await mongo.close();
  }
  expect(documents.join('\n')).toContain(jobId);

  // Temporal: the history of every workflow on the task queue (payloads decoded)
  const histories: string[] = [];
  for await (const wf of h.env.client.workflow.list({ query: `TaskQueue="${h.taskQueue}"` })) {
    const history = await h.env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    histories.push(...historyText(history));
  }
  expect(histories.join('\n')).toContain(SAMPLE.workloadId);

  const logs = [...lines, ...apiLogger.lines];
  expect(logs.length).toBeGreaterThan(0);
  const places: Record<string, string> = {
    'NeMo request bodies': nemoBodies.join('\n'),
    'log lines': logs.join('\n'),
    'MongoDB documents': documents.join('\n'),
    'Temporal histories': histories.join('\n'),
    'API responses': responses.join('\n'),
  };
  const leaks: string[] = [];
  for (const [place, text] of Object.entries(places)) {
    for (const [name, value] of Object.entries({ ...SECRETS, FLYWHEEL_API_TOKENS: API_TOKEN })) {
      if (text.includes(value)) leaks.push(`${name} in ${place}`);
    }
  }
  expect(leaks).toEqual([]);
}, 240_000);
