import { ensureLogIndex } from '../../stores/log-index';
import { ApiEnv } from './api-env';

// Exercises: api/workloads/router.ts (run through the API in-process, so no import names them)

// GET /api/workloads aggregates the (client_id, workload_id) pairs of a real log index.

const env = new ApiEnv();
beforeAll(() => env.start());
afterAll(() => env.close());

const record = (client_id: string, workload_id: string, timestamp: string) => ({
  client_id,
  workload_id,
  timestamp,
  request: { messages: [{ role: 'user', content: 'hi' }] },
  response: { choices: [{ message: { role: 'assistant', content: 'hello' } }] },
});

test('no log index yet means no workloads, not an error', async () => {
  expect(await env.api.call('GET', '/api/workloads')).toMatchObject({ status: 200, body: { workloads: [] } });
});

test('lists every pair with its record count and newest timestamp, filterable by client', async () => {
  await ensureLogIndex(env.elasticsearch, env.logIndex);
  const docs = [
    ...Array.from({ length: 5 }, (_, i) => record('aiva-1', 'primary_assistant', `2026-03-0${i + 1}T10:00:00Z`)),
    ...Array.from({ length: 2 }, (_, i) => record('aiva-1', 'summarizer', `2026-02-1${i}T08:30:00Z`)),
    record('other', 'primary_assistant', '2026-01-05T00:00:00Z'),
  ];
  await env.elasticsearch.bulk({
    index: env.logIndex,
    refresh: true,
    operations: docs.flatMap((d) => [{ index: {} }, d]),
  });

  const res = await env.api.call('GET', '/api/workloads');
  expect(res.status).toBe(200);
  expect(res.body.workloads).toEqual([
    { client_id: 'aiva-1', workload_id: 'primary_assistant', num_records: 5, last_seen: '2026-03-05T10:00:00.000Z' },
    { client_id: 'aiva-1', workload_id: 'summarizer', num_records: 2, last_seen: '2026-02-11T08:30:00.000Z' },
    { client_id: 'other', workload_id: 'primary_assistant', num_records: 1, last_seen: '2026-01-05T00:00:00.000Z' },
  ]);
  const filtered = await env.api.call('GET', '/api/workloads?client_id=other');
  expect(filtered.body.workloads).toEqual([expect.objectContaining({ client_id: 'other', num_records: 1 })]);
});

test('more pairs than one aggregation page are all listed', async () => {
  const index = `${env.logIndex}-many`;
  await ensureLogIndex(env.elasticsearch, index);
  try {
    const docs = Array.from({ length: 1203 }, (_, i) => record(`c${i % 3}`, `w${i}`, '2026-04-01T00:00:00Z'));
    await env.elasticsearch.bulk({ index, refresh: true, operations: docs.flatMap((d) => [{ index: {} }, d]) });
    const app = env.build({ logIndex: index });
    const res = await app.request('/api/workloads', { headers: { authorization: `Bearer ${env.api.token}` } });
    const body = (await res.json()) as { workloads: unknown[] };
    expect(body.workloads).toHaveLength(1203);
  } finally {
    await env.elasticsearch.indices.delete({ index }, { ignore: [404] });
  }
});
