import fc from 'fast-check';
import { ApiEnv } from './api-env';

// Thousands of generated malformed bodies, ids and queries thrown at the real API: never a
// 5xx, never a crash, and every answer is one the OpenAPI document declares, in its shape.

const env = new ApiEnv();
const statuses = new Map<number, number>();
beforeAll(() => env.start());
afterAll(async () => {
  // A generated body could by chance be valid; undo whatever it created.
  for (const run of (await env.results.listRuns()).runs) env.startedWorkflows.add(run.workflow_id);
  for await (const s of env.temporal.schedule.list()) {
    if (s.action?.workflowType === 'flywheelRun' && (s.action as { taskQueue?: string }).taskQueue === env.taskQueue) {
      await env.temporal.schedule.getHandle(s.scheduleId).delete();
    }
  }
  await env.close();
});

async function send(method: string, path: string, options: Parameters<typeof env.api.call>[2] = {}) {
  const res = await env.api.call(method, path, options); // throws if undeclared or off-schema
  statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  expect(res.status).toBeLessThan(500);
  return res;
}

const junk = fc.oneof(
  fc.anything(),
  fc.string(),
  fc.double(),
  fc.constantFrom(null, true, [], {}, '', -1, Number.MAX_VALUE, 2 ** 53 + 2, '__proto__'),
);

const jobBody = fc.oneof(
  junk,
  fc.record(
    {
      workload_id: fc.oneof(junk, fc.string()),
      client_id: fc.oneof(junk, fc.string()),
      data_split_config: fc.oneof(
        junk,
        fc.record(
          {
            eval_size: fc.oneof(junk, fc.integer({ min: -5, max: 5 })),
            val_ratio: fc.oneof(junk, fc.double({ min: -1, max: 2 })),
            limit: fc.oneof(junk, fc.integer({ min: -5, max: 5 })),
            random_seed: junk,
          },
          { requiredKeys: [] },
        ),
      ),
      config_name: junk,
    },
    { requiredKeys: [] },
  ),
);

const scheduleBody = fc.record(
  {
    workload_id: fc.oneof(junk, fc.constant('w')),
    client_id: fc.oneof(junk, fc.constant('c')),
    cron: fc.oneof(junk, fc.constantFrom('* * * * *', '61 * * * *', '0 0 31 2 *', '@hourly', '0 2 * * FUNDAY')),
    interval_seconds: fc.oneof(junk, fc.integer({ min: -10, max: 10 })),
    timezone: fc.oneof(junk, fc.constantFrom('UTC', 'Nowhere/City', '+05:00')),
    overlap: junk,
    schedule_id: junk,
    paused: fc.oneof(junk, fc.constant(true)),
  },
  { requiredKeys: [] },
);

const rawBody = fc.oneof(
  fc.string(),
  fc.string().map((s) => `{"workload_id": ${s}`),
  fc.constantFrom('{', '[1,2', '{"a":}', 'null', '"str"', '\u0000', '{"workload_id":"x","client_id":"y",}'),
);

const id = fc.oneof(
  fc.string({ minLength: 1 }),
  fc.stringMatching(/^[0-9a-f]{24}$/),
  fc.stringMatching(/^[0-9a-fA-F]{20,28}$/),
  fc.constantFrom('..', '.', '%', '%2F', 'a/b', ' ', '\u{1F600}', 'null', '0'.repeat(500)),
);

test('1,000 generated job and schedule bodies never cause a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        jobBody.map((body) => ['/api/jobs', { body }] as const),
        scheduleBody.map((body) => ['/api/schedules', { body }] as const),
        rawBody.map((raw) => ['/api/jobs', { raw, headers: { 'content-type': 'application/json' } }] as const),
        rawBody.map((raw) => ['/api/schedules', { raw, headers: { 'content-type': 'application/json' } }] as const),
        fc
          .tuple(
            rawBody,
            fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'),
          )
          .map(([raw, type]) => ['/api/jobs', { raw, headers: { 'content-type': type } }] as const),
      ),
      async ([path, options]) => {
        await send('POST', path, options);
      },
    ),
    { numRuns: 1000 },
  );
}, 300_000);

test('600 generated ids on every id route never cause a 5xx', async () => {
  const routes: [string, (id: string) => string][] = [
    ['GET', (i) => `/api/jobs/${i}`],
    ['GET', (i) => `/api/jobs/${i}/progress`],
    ['POST', (i) => `/api/jobs/${i}/cancel`],
    ['DELETE', (i) => `/api/jobs/${i}`],
    ['GET', (i) => `/api/schedules/${i}`],
    ['DELETE', (i) => `/api/schedules/${i}`],
    ['POST', (i) => `/api/schedules/${i}/pause`],
    ['POST', (i) => `/api/schedules/${i}/unpause`],
    ['POST', (i) => `/api/schedules/${i}/trigger`],
  ];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), id, async ([method, path], value) => {
      const res = await send(method, path(encodeURIComponent(value)));
      expect([400, 404]).toContain(res.status);
    }),
    { numRuns: 600 },
  );
}, 300_000);

test('300 generated query strings on the list routes never cause a 5xx', async () => {
  const key = fc.constantFrom('workload_id', 'client_id', 'status', 'sort', 'limit', 'cursor', 'other');
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/api/jobs', '/api/schedules', '/api/workloads'),
      fc.array(fc.tuple(key, fc.oneof(fc.string(), fc.integer().map(String), fc.constant(''))), { maxLength: 4 }),
      async (path, pairs) => {
        const query = new URLSearchParams(pairs).toString();
        await send('GET', `${path}?${query}`);
      },
    ),
    { numRuns: 300 },
  );
}, 300_000);

test('the generated inputs reached validation, not just authentication', () => {
  expect(statuses.get(401) ?? 0).toBe(0);
  expect(statuses.get(422) ?? 0).toBeGreaterThan(500);
  expect(statuses.get(400) ?? 0).toBeGreaterThan(100);
});
