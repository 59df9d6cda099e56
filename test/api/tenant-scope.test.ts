import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TokenSpec } from '../../api/middleware/tokens';
import { ensureLogIndex } from '../../stores/log-index';
import { ApiEnv } from './api-env';
import { type ApiResponse, ApiTestClient } from './support';

// Exercises: api/middleware/authorize.ts, api/middleware/roles.ts, api/configs-router.ts (run through the API in-process, so no import names them)

// Tenant separation across EVERY /api operation of docs/openapi.json: two tokens scoped to
// different clients each see, read, cancel and delete only their own jobs, schedules and
// workloads; objects of the other client answer exactly what a missing object answers (404);
// a read-only token is refused every change (403). An operation added to the document without
// a case below fails the first test, so no route can skip this.

const env = new ApiEnv();
const CLIENTS = ['tenant-a', 'tenant-b'] as const;
type Client = (typeof CLIENTS)[number];
const other = (c: Client): Client => (c === 'tenant-a' ? 'tenant-b' : 'tenant-a');

const secret = () => randomBytes(24).toString('hex');
const TOKENS = {
  admin: { 'tenant-a': secret(), 'tenant-b': secret() },
  operator: { 'tenant-a': secret(), 'tenant-b': secret() },
  reader: { 'tenant-a': secret(), 'tenant-b': secret() },
};
const specs: TokenSpec[] = CLIENTS.flatMap((client) => [
  { name: `${client}-admin`, token: TOKENS.admin[client], role: 'admin', client_ids: [client] },
  { name: `${client}-operator`, token: TOKENS.operator[client], role: 'operator', client_ids: [client] },
  { name: `${client}-reader`, token: TOKENS.reader[client], role: 'read-only', client_ids: [client] },
]);

const MISSING = { job: '65f1c0ffee0123456789abcd', schedule: 'flywheel-never-created' };

interface Fixtures {
  runningJob: string;
  finishedJob: string;
  schedule: string;
}
const fixtures = {} as Record<Client, Fixtures>;
const scheduleIds = new Set<string>();

let api: ApiTestClient;
const as = (token: string, method: string, p: string, body?: unknown) =>
  api.call(method, p, { token, ...(body === undefined ? {} : { body }) });

beforeAll(async () => {
  await env.start({ tokens: specs, queryTimeoutMs: 500 });
  api = new ApiTestClient(env.app, TOKENS.admin['tenant-a']);
  await ensureLogIndex(env.elasticsearch, env.logIndex);
  await env.elasticsearch.bulk({
    index: env.logIndex,
    refresh: true,
    operations: CLIENTS.flatMap((client) => [
      { index: {} },
      {
        client_id: client,
        workload_id: `${client}-assistant`,
        timestamp: '2026-03-01T10:00:00Z',
        request: { messages: [{ role: 'user', content: 'hi' }] },
        response: { choices: [{ message: { role: 'assistant', content: 'hello' } }] },
      },
    ]),
  });
  for (const client of CLIENTS) {
    const created = await as(TOKENS.admin[client], 'POST', '/api/jobs', {
      workload_id: `${client}-assistant`,
      client_id: client,
    });
    expect(created.status).toBe(200);
    env.startedWorkflows.add(`flywheel-${created.body.id}`);
    const finishedJob = randomBytes(12).toString('hex');
    await env.results.createRun({
      _id: finishedJob,
      workload_id: `${client}-assistant`,
      client_id: client,
      workflow_id: `flywheel-${finishedJob}`,
    });
    await env.results.finishRun(finishedJob, 'completed');
    fixtures[client] = { runningJob: created.body.id, finishedJob, schedule: await createSchedule(client) };
  }
});

afterAll(async () => {
  for (const id of scheduleIds) {
    await env.temporal.schedule
      .getHandle(id)
      .delete()
      .catch(() => undefined);
  }
  const query = `TaskQueue="${env.taskQueue}" AND ExecutionStatus="Running"`;
  for await (const wf of env.temporal.workflow.list({ query })) {
    await env.temporal.workflow
      .getHandle(wf.workflowId)
      .terminate('tenant test done')
      .catch(() => undefined);
  }
  await env.close();
});

async function createSchedule(client: Client): Promise<string> {
  const id = `tenant-${client}-${randomBytes(4).toString('hex')}`;
  const res = await as(TOKENS.admin[client], 'POST', '/api/schedules', scheduleBody(client, id));
  expect(res.status).toBe(201);
  scheduleIds.add(id);
  return id;
}

const scheduleBody = (client: string, id: string) => ({
  schedule_id: id,
  workload_id: `${client}-assistant`,
  client_id: client,
  cron: '0 3 * * MON',
  paused: true,
});

type Action = 'read' | 'run' | 'delete';

/** How each documented operation is exercised for a client's object. */
type Case =
  | {
      kind: 'list';
      action: 'read';
      path: string | ((client: Client) => string);
      clientsIn: (body: unknown) => string[];
    }
  | {
      kind: 'create';
      action: 'run';
      path: string;
      body: (client: Client) => unknown;
      cleanup?: (res: ApiResponse) => void;
    }
  | {
      kind: 'object';
      action: Action;
      path: (f: Fixtures) => string;
      missing: string;
      objectId: (f: Fixtures) => string;
      /** The request body, for operations that take one. */
      body?: unknown;
    }
  | { kind: 'unscoped'; action: 'read'; path: string };

const jobs = (body: unknown) => (body as { jobs: { client_id: string }[] }).jobs.map((j) => j.client_id);
const clientOfEach = (key: string) => (body: unknown) =>
  ((body as Record<string, { client_id: string }[]>)[key] ?? []).map((x) => x.client_id);

const jobCase = (action: Action, suffix: string, pick: (f: Fixtures) => string): Case => ({
  kind: 'object',
  action,
  path: (f) => `/api/jobs/${pick(f)}${suffix}`,
  missing: `/api/jobs/${MISSING.job}${suffix}`,
  objectId: pick,
});
const scheduleCase = (action: Action, suffix: string, body?: unknown): Case => ({
  kind: 'object',
  action,
  path: (f) => `/api/schedules/${f.schedule}${suffix}`,
  missing: `/api/schedules/${MISSING.schedule}${suffix}`,
  objectId: (f) => f.schedule,
  ...(body === undefined ? {} : { body }),
});

const CASES: Record<string, Case> = {
  'GET /api/jobs': { kind: 'list', action: 'read', path: '/api/jobs', clientsIn: jobs },
  'POST /api/jobs': {
    kind: 'create',
    action: 'run',
    path: '/api/jobs',
    body: (client) => ({ workload_id: `${client}-assistant`, client_id: client }),
    cleanup: (res) => env.startedWorkflows.add(`flywheel-${res.body.id}`),
  },
  'GET /api/jobs/{job_id}': jobCase('read', '', (f) => f.runningJob),
  'GET /api/jobs/{job_id}/progress': jobCase('read', '/progress', (f) => f.runningJob),
  'GET /api/jobs/{job_id}/report': jobCase('read', '/report', (f) => f.finishedJob),
  'POST /api/jobs/{job_id}/cancel': jobCase('run', '/cancel', (f) => f.runningJob),
  'DELETE /api/jobs/{job_id}': jobCase('delete', '', (f) => f.finishedJob),
  'GET /api/schedules': { kind: 'list', action: 'read', path: '/api/schedules', clientsIn: clientOfEach('schedules') },
  'POST /api/schedules': {
    kind: 'create',
    action: 'run',
    path: '/api/schedules',
    body: (client) => {
      const id = `tenant-new-${client}-${randomBytes(4).toString('hex')}`;
      scheduleIds.add(id);
      return scheduleBody(client, id);
    },
  },
  'GET /api/schedules/{schedule_id}': scheduleCase('read', ''),
  'POST /api/schedules/{schedule_id}/pause': scheduleCase('run', '/pause'),
  'POST /api/schedules/{schedule_id}/unpause': scheduleCase('run', '/unpause'),
  'POST /api/schedules/{schedule_id}/trigger': scheduleCase('run', '/trigger'),
  'PATCH /api/schedules/{schedule_id}': scheduleCase('run', '', { note: 'changed by the tenant test' }),
  'DELETE /api/schedules/{schedule_id}': scheduleCase('delete', ''),
  'GET /api/workloads': { kind: 'list', action: 'read', path: '/api/workloads', clientsIn: clientOfEach('workloads') },
  // scoped per lease (a lease names its job, a job its client): this env runs no worker, so it
  // holds no leases; test/api/gpus.e2e.test.ts checks another client's token sees none of a run's
  'GET /api/gpus': { kind: 'unscoped', action: 'read', path: '/api/gpus' },
  'GET /api/workloads/{workload_id}/history': {
    kind: 'list',
    action: 'read',
    path: (client) => `/api/workloads/${client}-assistant/history`,
    clientsIn: clientOfEach('runs'),
  },
  'GET /api/configs': { kind: 'unscoped', action: 'read', path: '/api/configs' },
};

const committed = JSON.parse(readFileSync(path.resolve(__dirname, '../../docs/openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
};
const OPERATIONS = Object.entries(committed.paths)
  .filter(([p]) => p.startsWith('/api'))
  .flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`))
  // deletions last, so the objects the other operations use still exist
  .sort((x, y) => Number(x.startsWith('DELETE')) - Number(y.startsWith('DELETE')));

test('every /api operation in docs/openapi.json has a tenant case here and documents 403', () => {
  expect(OPERATIONS.filter((op) => !CASES[op])).toEqual([]);
  expect(Object.keys(CASES).filter((op) => !OPERATIONS.includes(op))).toEqual([]);
  for (const op of OPERATIONS) {
    const [method, p] = op.split(' ') as [string, string];
    expect(Object.keys(committed.paths[p]?.[method.toLowerCase()]?.responses ?? {})).toEqual(
      expect.arrayContaining(['401', '403']),
    );
  }
});

const allowed = (status: number) => status !== 401 && status !== 403 && status !== 404;

describe.each(OPERATIONS)('%s', (op) => {
  test('each token sees and changes only its own client; read-only changes nothing', async () => {
    const c = CASES[op] as Case;
    const [method] = op.split(' ') as [string];
    for (const client of CLIENTS) {
      const own = TOKENS.admin[client];
      const reader = TOKENS.reader[client];
      if (c.kind === 'list') {
        const listPath = typeof c.path === 'string' ? c.path : c.path(client);
        const res = await as(own, method, listPath);
        expect(res.status).toBe(200);
        const seen = c.clientsIn(res.body);
        expect(seen.length).toBeGreaterThan(0);
        expect(new Set(seen)).toEqual(new Set([client]));
        // naming the other client's id as a filter gives nothing, not its data
        const filtered = await as(own, method, `${listPath}?client_id=${other(client)}`);
        expect(filtered.status).toBe(200);
        expect(c.clientsIn(filtered.body)).toEqual([]);
        expect(c.clientsIn((await as(reader, method, listPath)).body).length).toBe(seen.length);
      } else if (c.kind === 'create') {
        const foreign = await as(own, method, c.path, c.body(other(client)));
        expect(foreign.status).toBe(403);
        expect(foreign.body.detail).toContain(other(client));
        expect((await as(reader, method, c.path, c.body(client))).status).toBe(403);
        const created = await as(own, method, c.path, c.body(client));
        expect(created.status).toBeLessThan(300);
        c.cleanup?.(created);
      } else if (c.kind === 'unscoped') {
        expect((await as(own, method, c.path)).status).toBe(200);
        expect((await as(reader, method, c.path)).status).toBe(200);
      } else {
        const mine = fixtures[client];
        const theirs = fixtures[other(client)];
        // the other client's object answers exactly as a missing one
        const foreign = await as(own, method, c.path(theirs), c.body);
        const missing = await as(own, method, c.missing, c.body);
        expect(foreign.status).toBe(404);
        expect(missing.status).toBe(404);
        const missingId = c.missing.split('/')[3] as string;
        expect(String(foreign.body.detail).replaceAll(c.objectId(theirs), missingId)).toBe(missing.body.detail);
        if (c.action !== 'read') {
          const refused = await as(reader, method, c.path(mine), c.body);
          expect(refused.status).toBe(403);
          expect(refused.body.detail).toMatch(/read-only/);
          // the operator may run but not delete
          const operator = await as(TOKENS.operator[client], method, c.path(mine), c.body);
          expect(operator.status === 403).toBe(c.action === 'delete');
        } else {
          expect(allowed((await as(reader, method, c.path(mine), c.body)).status)).toBe(true);
        }
        const done = await as(own, method, c.path(mine), c.body);
        expect({ op, status: done.status, ok: allowed(done.status) }).toMatchObject({ ok: true });
        if (method === 'DELETE' || op.endsWith('/cancel')) expect(done.status).toBe(200);
      }
    }
  });
});

test('idempotency keys are scoped per token: the same key from two tokens makes two jobs', async () => {
  const key = `shared-key-${randomBytes(4).toString('hex')}`;
  const body = { workload_id: 'tenant-a-assistant', client_id: 'tenant-a' };
  const call = (token: string) => api.call('POST', '/api/jobs', { token, body, headers: { 'Idempotency-Key': key } });
  const first = await call(TOKENS.admin['tenant-a']);
  const again = await call(TOKENS.admin['tenant-a']);
  const otherToken = await call(TOKENS.operator['tenant-a']);
  for (const res of [first, again, otherToken]) {
    expect(res.status).toBe(200);
    env.startedWorkflows.add(`flywheel-${res.body.id}`);
  }
  expect(again.body.id).toBe(first.body.id);
  expect(otherToken.body.id).not.toBe(first.body.id);
});
