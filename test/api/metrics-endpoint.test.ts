import { gpusByPurpose } from '../../api/metrics';
import { ApiEnv } from './api-env';

// GET /metrics: open to a scraper by default (no API token), or behind its own token when
// FLYWHEEL_METRICS_TOKEN is set; the runs gauge counts the stored runs by status.

const env = new ApiEnv();
beforeAll(() => env.start(), 60_000);
afterAll(() => env.close());

test('open by default: Prometheus text with runs by status, no API token needed', async () => {
  await env.results.createRun({ _id: 'aaaaaaaaaaaaaaaaaaaaaaaa', workload_id: 'w', client_id: 'c', workflow_id: 'x' });
  const res = await env.app.request('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const text = await res.text();
  expect(text).toContain('# TYPE flywheel_runs gauge');
  expect(text).toMatch(/^flywheel_runs\{status="pending"\} 1$/m);
  expect(text).toMatch(/^flywheel_runs\{status="completed"\} 0$/m);
  expect(text).toMatch(/^flywheel_gpus_in_use 0$/m);
  for (const purpose of ['embedding', 'judge', 'nim', 'training']) {
    expect(text).toMatch(new RegExp(`^flywheel_gpus_held_by_purpose\\{purpose="${purpose}"\\} 0$`, 'm'));
    expect(text).toMatch(new RegExp(`^flywheel_gpus_waiting_by_purpose\\{purpose="${purpose}"\\} 0$`, 'm'));
  }
});

test('GPUs by purpose: held and waiting leases summed per purpose, every known purpose shown', () => {
  const lease = (leaseId: string, purpose: string, gpus: number) => ({
    leaseId,
    holderId: leaseId.split('/')[0] as string,
    purpose,
    gpus,
    budget: 8,
    label: leaseId,
  });
  const rows = gpusByPurpose({
    held: [lease('a/nim', 'nim', 1), lease('b/nim', 'nim', 2), lease('a/training', 'training', 2)],
    waiting: [lease('c/nim', 'nim', 1), lease('r/judge', 'judge', 4), lease('x/custom', 'custom', 1)],
  });
  expect(rows).toEqual([
    { purpose: 'custom', held: 0, waiting: 1 },
    { purpose: 'embedding', held: 0, waiting: 0 },
    { purpose: 'judge', held: 0, waiting: 4 },
    { purpose: 'nim', held: 3, waiting: 1 },
    { purpose: 'training', held: 2, waiting: 0 },
  ]);
  expect(gpusByPurpose(undefined).every((r) => r.held === 0 && r.waiting === 0)).toBe(true);
});

test('with a metrics token, /metrics needs that token (an API token is not enough)', async () => {
  const app = env.build({ metricsToken: 'scrape-secret' });
  expect((await app.request('/metrics')).status).toBe(401);
  expect((await app.request('/metrics', { headers: { authorization: 'Bearer test-token-current' } })).status).toBe(401);
  const ok = await app.request('/metrics', { headers: { authorization: 'Bearer scrape-secret' } });
  expect(ok.status).toBe(200);
  expect(await ok.text()).toContain('flywheel_runs');
});
