import fc from 'fast-check';
import { ApiEnv } from './api-env';
import type { ApiResponse } from './support';

// Exercises: stores/results/run-listing.ts (reached through the API or a worker, so no import names them)
// Exercises: api/jobs/list.ts (run through the API in-process, so no import names them)

// GET /api/jobs over documents this file writes: the Blueprint's shape, plus filters, sorting
// and a keyset cursor that visits every job exactly once.

const env = new ApiEnv();
const STATUSES = ['pending', 'running', 'completed', 'cancelled', 'failed'] as const;
const ids: string[] = [];

beforeAll(async () => {
  await env.start();
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < 23; i++) {
    const id = (0xa000 + i).toString(16).padStart(24, '0');
    ids.push(id);
    await env.results.createRun({
      _id: id,
      workload_id: `wl-${i % 3}`,
      client_id: `client-${i % 2}`,
      workflow_id: `flywheel-${id}`,
      // every third pair shares a start time, so ties are broken by id
      started_at: new Date(t0 + Math.floor(i / 2) * 60_000),
    });
    const status = STATUSES[i % 5] as (typeof STATUSES)[number];
    if (status === 'running') await env.results.updateRun(id, { status });
    if (status === 'completed' || status === 'cancelled' || status === 'failed')
      await env.results.finishRun(id, status);
  }
});
afterAll(() => env.close());

async function allPages(query: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const q: string = `${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const res: ApiResponse<{ jobs: { id: string }[]; next_cursor: string | null }> = await env.api.call(
      'GET',
      `/api/jobs?${q}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.jobs.length).toBeLessThanOrEqual(limit);
    seen.push(...res.body.jobs.map((j) => j.id));
    cursor = res.body.next_cursor;
    if (!cursor) return seen;
  }
  throw new Error('pagination did not end');
}

test('without parameters every job is listed oldest first in the Blueprint shape', async () => {
  const res = await env.api.call('GET', '/api/jobs');
  expect(res.status).toBe(200);
  expect(res.body.jobs.map((j: { id: string }) => j.id)).toEqual(ids);
  expect(res.body.next_cursor).toBeNull();
  expect(Object.keys(res.body.jobs[0]).sort()).toEqual(
    [
      'client_id',
      'config_name',
      'datasets',
      'error',
      'finished_at',
      'id',
      'schedule_id',
      'started_at',
      'status',
      'workload_id',
    ].sort(),
  );
});

test('filters by workload, client and status, alone and combined', async () => {
  const byWorkload = await env.api.call('GET', '/api/jobs?workload_id=wl-1');
  expect(byWorkload.body.jobs.every((j: { workload_id: string }) => j.workload_id === 'wl-1')).toBe(true);
  expect(byWorkload.body.jobs).toHaveLength(ids.filter((_, i) => i % 3 === 1).length);
  const combined = await env.api.call('GET', '/api/jobs?client_id=client-0&status=completed');
  expect(combined.body.jobs.map((j: { id: string }) => j.id)).toEqual(ids.filter((_, i) => i % 2 === 0 && i % 5 === 2));
  expect(combined.body.jobs.every((j: { finished_at: string | null }) => j.finished_at !== null)).toBe(true);
});

test('sorts newest first on request', async () => {
  const res = await env.api.call('GET', '/api/jobs?sort=-started_at');
  expect(res.body.jobs.map((j: { id: string }) => j.id)).toEqual([...ids].reverse());
});

test('cursor pagination visits every matching job exactly once, in order, for any page size and filter', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 9 }),
      fc.constantFrom(
        '',
        'sort=-started_at',
        'client_id=client-1',
        'workload_id=wl-2&sort=-started_at',
        'status=pending',
      ),
      async (limit, query) => {
        const expected = (await env.api.call('GET', `/api/jobs?${query}`)).body.jobs.map((j: { id: string }) => j.id);
        expect(await allPages(query, limit)).toEqual(expected);
      },
    ),
    { numRuns: 15 },
  );
});

test.each([
  ['status=unknown', 'status'],
  ['sort=name', 'sort'],
  ['limit=0', 'limit'],
  ['limit=abc', 'limit'],
  ['limit=100000', 'limit'],
  ['cursor=not-a-cursor', 'cursor'],
])('422 naming the query parameter for %s', async (query, field) => {
  const res = await env.api.call('GET', `/api/jobs?${query}`);
  expect(res.status).toBe(422);
  expect(res.body.detail[0].loc).toEqual(['query', field]);
});
