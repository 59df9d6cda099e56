import { gpusRouter, jobOfHolder } from '../../api/gpus-router';
import type { TokenSpec } from '../../api/middleware/tokens';
import { eventually, FlywheelHarness, MODELS, SAMPLE } from '../support/flywheel-harness';
import { apiOverHarness, terminateLeftovers } from './harness-app';
import { ApiTestClient } from './support';

// GET /api/gpus: who holds which GPUs of the ledger and who waits, on a real run whose second
// candidate queues behind the first (budget 1). A token scoped to another client sees the
// totals but none of the run's leases.

// Exercises: api/gpus-router.ts
const h = new FlywheelHarness({ timeScale: 0.01 });
const ADMIN = 'gpus-test-admin-token-0123456789';
const OTHER = 'gpus-test-other-token-0123456789';
const specs: TokenSpec[] = [
  { name: 'admin', token: ADMIN, role: 'admin', client_ids: '*' },
  { name: 'other', token: OTHER, role: 'read-only', client_ids: ['someone-else'] },
];
let api: ApiTestClient;

beforeAll(async () => {
  await h.start();
  h.configs.set('one-gpu', { ...h.config({ customize: false, gpuBudget: 1 }) });
  const { app } = apiOverHarness(h, { tokens: specs });
  api = new ApiTestClient(app, ADMIN);
}, 120_000);
afterAll(async () => {
  await terminateLeftovers(h);
  await h.close();
});

type Gpus = {
  budget: number | null;
  in_use: number;
  waiting: number;
  by_purpose: { purpose: string; held: number; waiting: number }[];
  held: { job_id: string | null; client_id: string | null; purpose: string; gpus: number }[];
  queue: { job_id: string | null; client_id: string | null; purpose: string; gpus: number }[];
};

test('holder workflow ids name their job', () => {
  expect(jobOfHolder('flywheel-65f1c0ffee0123456789abcd')).toBe('65f1c0ffee0123456789abcd');
  expect(jobOfHolder('flywheel-65f1c0ffee0123456789abcd-meta-llama-3.2-1b-instruct')).toBe('65f1c0ffee0123456789abcd');
  expect(jobOfHolder('flywheel-65f1c0ffee0123456789abcdef')).toBeNull();
  expect(jobOfHolder('someone-elses-workflow')).toBeNull();
  expect(typeof gpusRouter).toBe('function');
});

test('a run under a budget of 1: one candidate holds the GPU, the other waits, both shown by job and purpose', async () => {
  const created = await api.call('POST', '/api/jobs', {
    body: { workload_id: SAMPLE.workloadId, client_id: SAMPLE.clientId, config_name: 'one-gpu' },
  });
  expect(created.status).toBe(200);
  const jobId = created.body.id as string;

  const seen = await eventually(
    'one lease held and one waiting',
    async () => {
      const res = await api.call('GET', '/api/gpus');
      expect(res.status).toBe(200);
      const body = res.body as Gpus;
      return body.held.length === 1 && body.queue.length === 1 ? body : undefined;
    },
    60_000,
  );
  expect(seen).toMatchObject({ budget: 1, in_use: 1, waiting: 1 });
  for (const lease of [...seen.held, ...seen.queue]) {
    expect(lease).toMatchObject({ job_id: jobId, client_id: SAMPLE.clientId, purpose: 'nim', gpus: 1 });
  }
  expect(seen.by_purpose.find((p) => p.purpose === 'nim')).toEqual({ purpose: 'nim', held: 1, waiting: 1 });
  expect(MODELS.length).toBeGreaterThan(1);

  // another client's token: the same totals, none of this run's leases
  const other = await api.call('GET', '/api/gpus', { token: OTHER });
  expect(other.status).toBe(200);
  expect(other.body).toMatchObject({ budget: 1, held: [], queue: [] });

  await eventually('the run to finish', async () => {
    const res = await api.call('GET', `/api/jobs/${jobId}`);
    return res.body.finished_at ? res : undefined;
  });
  const after = (await api.call('GET', '/api/gpus')).body as Gpus;
  expect(after).toMatchObject({ in_use: 0, waiting: 0, held: [], queue: [] });
}, 180_000);
