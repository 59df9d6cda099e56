import { MongoClient } from 'mongodb';
import { DEFAULT_DETAIL_FEED_POLL_MS, DEFAULT_DETAIL_FEED_STALE_MS } from '../../api/jobs/detail-feed';
import { ResultsStore } from '../../stores/results/results-store';
import { COLLECTIONS } from '../../stores/results/schema';
import { servers } from '../support/servers';
import { ApiEnv, TOKENS } from './api-env';
import { ApiTestClient } from './support';

// Finished job details served from this replica's memory, kept current by the store's change
// log (api/jobs/detail-feed.ts, stores/results/detail-changes.ts). The replica under test has
// its own database client, watched for every command it sends, and a clock of its own; the
// writes "made elsewhere" go through another client (env.results), as the worker's or another
// replica's would.

const env = new ApiEnv();
let now = 1_000_000;
let client: MongoClient;
let api: ApiTestClient;
const commands: { name: string; collection: string }[] = [];
const STALE = DEFAULT_DETAIL_FEED_STALE_MS;

beforeAll(async () => {
  await env.start();
  client = new MongoClient(servers.MONGODB_URL, { monitorCommands: true });
  client.on('commandStarted', (e) => {
    commands.push({ name: e.commandName, collection: String(e.command[e.commandName]) });
  });
  await client.connect();
  const results = new ResultsStore(client.db(env.dbName));
  api = new ApiTestClient(env.build({ results, detailClock: () => now }), TOKENS[0] as string);
});
afterAll(async () => {
  await client.close();
  await env.close();
});

let serial = 0;
/** A finished job with one candidate whose deployment is still being torn down. */
async function finishedJob(): Promise<string> {
  const id = `00000000000000000000f${(serial++).toString(16).padStart(3, '0')}`;
  await env.results.createRun({ _id: id, workload_id: 'wl-feed', client_id: 'c', workflow_id: `flywheel-${id}` });
  await env.results.updateRun(id, { candidate_models: ['meta/a'] });
  await env.results.createNim(id, 'meta/a');
  await env.results.setNimDeploymentStatus(id, 'meta/a', 'deleting');
  await env.results.closeRun(id, 'completed', 'run completed');
  return id;
}
const deployment = (res: { body: { nims: { flywheel_deployment_status: string }[] } }) =>
  res.body.nims[0]?.flywheel_deployment_status;
const storeReads = () => commands.filter((c) => c.collection !== COLLECTIONS.detailChanges).length;
const logReads = () => commands.filter((c) => c.collection === COLLECTIONS.detailChanges).length;

test('a cached finished detail is served from memory: no store read per request', async () => {
  const id = await finishedJob();
  const first = await api.call('GET', `/api/jobs/${id}`);
  expect(first.status).toBe(200);
  commands.length = 0;
  for (let i = 0; i < 20; i++) {
    const again = await api.call('GET', `/api/jobs/${id}`);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    now += 100; // 2 s in all: the change log is read about every poll interval, the run never
  }
  expect(storeReads()).toBe(0);
  expect(logReads()).toBeGreaterThan(0);
  expect(logReads()).toBeLessThanOrEqual(2 * Math.ceil(2000 / DEFAULT_DETAIL_FEED_POLL_MS) + 2);
});

test('a change made through another client shows within the bound, with a new ETag; 304 follows it', async () => {
  const id = await finishedJob();
  const before = await api.call('GET', `/api/jobs/${id}`);
  expect(deployment(before)).toBe('deleting');
  const oldTag = before.headers.get('etag') as string;

  await env.results.setNimDeploymentStatus(id, 'meta/a', 'deleted'); // the worker, after the run ended
  now += STALE; // the bound: the last read of the change log is now too old to serve from memory
  const after = await api.call('GET', `/api/jobs/${id}`, { headers: { 'if-none-match': oldTag } });
  expect(after.status).toBe(200);
  expect(deployment(after)).toBe('deleted');
  const newTag = after.headers.get('etag') as string;
  expect(newTag).not.toBe(oldTag);
  expect((await api.call('GET', `/api/jobs/${id}`, { headers: { 'if-none-match': newTag } })).status).toBe(304);
  expect((await api.call('GET', `/api/jobs/${id}`, { headers: { 'if-none-match': oldTag } })).status).toBe(200);
});

test('a revision bump made elsewhere (the run error a deletion leaves) invalidates the cached detail', async () => {
  const id = await finishedJob();
  expect((await api.call('GET', `/api/jobs/${id}`)).body.error).toBeNull();
  await env.results.setRunError(id, 'deletion incomplete: 1 deployment left');
  now += STALE;
  expect((await api.call('GET', `/api/jobs/${id}`)).body.error).toBe('deletion incomplete: 1 deployment left');
});

test('a job deleted elsewhere is never served after the bound; a job reopened elsewhere is shown running', async () => {
  const [gone, reopened] = [await finishedJob(), await finishedJob()];
  expect((await api.call('GET', `/api/jobs/${gone}`)).status).toBe(200);
  expect((await api.call('GET', `/api/jobs/${reopened}`)).headers.get('etag')).toBeTruthy();
  await env.results.deleteRunDocuments(gone); // the deletion workflow's last step
  await env.results.reopenRun(reopened, 'a-new-temporal-run'); // `temporal workflow reset`
  now += STALE;
  expect((await api.call('GET', `/api/jobs/${gone}`)).status).toBe(404);
  const running = await api.call('GET', `/api/jobs/${reopened}`);
  expect(running.body.status).toBe('running');
  expect(running.headers.get('etag')).toBeNull();
});

test('inside the bound a replica may serve what it has; a DELETE through it drops its copy at once', async () => {
  const id = await finishedJob();
  expect(deployment(await api.call('GET', `/api/jobs/${id}`))).toBe('deleting');
  await env.results.setNimDeploymentStatus(id, 'meta/a', 'deleted');
  // the clock has not moved: the change log was read just now, so memory still answers
  expect(deployment(await api.call('GET', `/api/jobs/${id}`))).toBe('deleting');
  env.startedWorkflows.add(`flywheel-delete-${id}`);
  expect((await api.call('DELETE', `/api/jobs/${id}`)).status).toBe(200);
  expect(deployment(await api.call('GET', `/api/jobs/${id}`))).toBe('deleted');
});
