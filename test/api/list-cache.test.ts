import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { DEFAULT_DETAIL_FEED_STALE_MS } from '../../api/jobs/detail-feed';
import { ListCache } from '../../api/jobs/list-cache';
import type { TokenSpec } from '../../api/middleware/tokens';
import { ResultsStore } from '../../stores/results/results-store';
import { COLLECTIONS } from '../../stores/results/schema';
import { servers } from '../support/servers';
import { ApiEnv } from './api-env';
import { ApiTestClient } from './support';

// Pages of GET /api/jobs served from this replica's memory (api/jobs/list-cache.ts), kept
// current by the store's change log as the finished details are (detail-feed.test.ts). The
// replica under test has its own database client, watched for every command it sends, and its
// own clock; writes "made elsewhere" go through another client (env.results), as the worker's
// or another replica's would.

const env = new ApiEnv();
const STALE = DEFAULT_DETAIL_FEED_STALE_MS;
const secret = () => randomBytes(24).toString('hex');
const TOKEN = { all: secret(), a: secret(), b: secret() };
const specs: TokenSpec[] = [
  { name: 'all', token: TOKEN.all, role: 'admin', client_ids: '*' },
  { name: 'tenant-a', token: TOKEN.a, role: 'read-only', client_ids: ['tenant-a'] },
  { name: 'tenant-b', token: TOKEN.b, role: 'read-only', client_ids: ['tenant-b'] },
];
let now = 1_000_000;
let client: MongoClient;
let api: ApiTestClient;
const commands: string[] = [];
const runReads = () => commands.filter((c) => c === COLLECTIONS.runs).length;

beforeAll(async () => {
  await env.start({ tokens: specs });
  client = new MongoClient(servers.MONGODB_URL, { monitorCommands: true });
  client.on('commandStarted', (e) => commands.push(String(e.command[e.commandName])));
  await client.connect();
  const results = new ResultsStore(client.db(env.dbName));
  api = new ApiTestClient(env.build({ results, tokens: specs, detailClock: () => now }), TOKEN.all);
});
afterAll(async () => {
  await client.close();
  await env.close();
});

let serial = 0;
let minute = 0;
async function job(clientId: string, workload = 'wl-pages'): Promise<string> {
  const id = `0000000000000000000a${(serial++).toString(16).padStart(4, '0')}`;
  await env.results.createRun({
    _id: id,
    workload_id: workload,
    client_id: clientId,
    workflow_id: `flywheel-${id}`,
    started_at: new Date(Date.UTC(2026, 0, 1, 0, minute++)),
  });
  return id;
}
const ids = (res: { body: { jobs: { id: string }[] } }) => res.body.jobs.map((j) => j.id);

test('a page is served from memory while the change log is current: no run read per request', async () => {
  await job('c');
  await job('c');
  const first = await api.call('GET', '/api/jobs?limit=20&sort=-started_at');
  expect(first.status).toBe(200);
  commands.length = 0;
  for (let i = 0; i < 20; i++) {
    const again = await api.call('GET', '/api/jobs?limit=20&sort=-started_at');
    expect(again.body).toEqual(first.body);
    now += 100; // 2 s in all: the change log is read about every poll, the runs never
  }
  expect(runReads()).toBe(0);
  expect(commands.length).toBeGreaterThan(0); // the change log's reads
});

test('a run created, finished or deleted elsewhere shows within the bound, with a new ETag', async () => {
  const q = '/api/jobs?workload_id=wl-bound&limit=20&sort=-started_at';
  const first = await job('c', 'wl-bound');
  const before = await api.call('GET', q);
  expect(ids(before)).toEqual([first]);
  const tag = before.headers.get('etag') as string;
  expect((await api.call('GET', q, { headers: { 'if-none-match': tag } })).status).toBe(304);

  const created = await job('c', 'wl-bound'); // the worker's initializeRun, or another replica
  now += STALE; // the bound (inside it the replica may answer from memory, or a poll under way may already have read the change)
  const after = await api.call('GET', q, { headers: { 'if-none-match': tag } });
  expect(after.status).toBe(200);
  expect(ids(after)).toEqual([created, first]);
  expect(after.headers.get('etag')).not.toBe(tag);

  await env.results.finishRun(first, 'failed', { error: 'boom' });
  now += STALE;
  const failed = await api.call('GET', q);
  expect(failed.body.jobs.map((j: { status: string }) => j.status)).toEqual(['pending', 'failed']);
  expect(ids(await api.call('GET', `${q}&status=failed`))).toEqual([first]);

  await env.results.deleteRunDocuments(created);
  now += STALE;
  expect(ids(await api.call('GET', q))).toEqual([first]);
});

test('a status change of a running job shows within the bound', async () => {
  const q = '/api/jobs?workload_id=wl-status&limit=20';
  const id = await job('c', 'wl-status');
  expect((await api.call('GET', q)).body.jobs[0].status).toBe('pending');
  await env.results.updateRun(id, { status: 'running' });
  now += STALE;
  expect((await api.call('GET', q)).body.jobs[0].status).toBe('running');
  await env.results.setRunDatasets(id, [{ name: 'ds-1', num_records: 3, nmp_uri: 'hf://x' }], 3, {});
  now += STALE;
  expect((await api.call('GET', q)).body.jobs[0].datasets).toHaveLength(1);
});

test('two scoped tokens never see each other cached page, for the same query', async () => {
  const a = await job('tenant-a', 'wl-scoped');
  const b = await job('tenant-b', 'wl-scoped');
  const q = '/api/jobs?workload_id=wl-scoped&limit=20';
  for (let round = 0; round < 3; round++) {
    expect(ids(await api.call('GET', q, { token: TOKEN.a }))).toEqual([a]);
    expect(ids(await api.call('GET', q, { token: TOKEN.b }))).toEqual([b]);
    expect(ids(await api.call('GET', q, { token: TOKEN.all }))).toEqual([a, b]);
    // a token's own client filter outside its scope: the empty page, never another's
    expect(ids(await api.call('GET', `${q}&client_id=tenant-b`, { token: TOKEN.a }))).toEqual([]);
  }
  // the keys differ by scope, whatever the order of the query
  expect(ListCache.key(['tenant-a'], { limit: 20, workload_id: 'w' })).not.toBe(
    ListCache.key(['tenant-b'], { workload_id: 'w', limit: 20 }),
  );
  expect(ListCache.key(null, { limit: 20, workload_id: 'w' })).toBe(
    ListCache.key(null, { workload_id: 'w', limit: 20 }),
  );
});

test('a job created through this replica is in its next listing at once', async () => {
  const q = '/api/jobs?workload_id=wl-create&limit=20';
  expect(ids(await api.call('GET', q))).toEqual([]);
  const created = await api.call('POST', '/api/jobs', { body: { workload_id: 'wl-create', client_id: 'c' } });
  expect(created.status).toBe(200);
  env.startedWorkflows.add(`flywheel-${created.body.id}`);
  expect(ids(await api.call('GET', q))).toEqual([created.body.id]); // the clock has not moved
});

test('a page read that began before a change is not kept', () => {
  const cache = new ListCache(1024);
  const from = cache.readStart(5);
  cache.applyChanges([{ n: 6 }]);
  cache.set('k', { body: '{}', etag: '"x"' }, from);
  expect(cache.get('k')).toBeUndefined();
  const local = cache.readStart(6);
  cache.invalidate(); // a write made through this process while the read was under way
  cache.set('k', { body: '{}', etag: '"x"' }, local);
  expect(cache.get('k')).toBeUndefined();
  cache.set('k', { body: '{}', etag: '"x"' }, cache.readStart(6));
  expect(cache.get('k')?.etag).toBe('"x"');
  cache.set('big', { body: 'x'.repeat(1024), etag: '"y"' }, cache.readStart(6));
  expect(cache.totalBytes).toBeLessThanOrEqual(1024);
});
