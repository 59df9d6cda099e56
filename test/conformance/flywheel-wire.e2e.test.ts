import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadFlywheelConfig } from '../../config/load';
import type { FlywheelConfig } from '../../config/schema';
import { FlywheelHarness, MODELS } from '../support/flywheel-harness';
import { runDriver } from './sdk-driver';

// A whole flywheel run against the emulator with realistic life-cycle durations and the
// shipped timing defaults, both scaled by the same factor: no timeout may fire. Every request
// body the client sent is then checked against the SDK's request types (unknown keys refused).

const SCALE = 0.001;

describe('a flywheel run on the real contract', () => {
  const h = new FlywheelHarness({ timeScale: SCALE, profile: 'realistic', recordRequests: true });
  beforeAll(() => h.start(), 120_000);
  afterAll(() => h.close());

  /** The shipped timeouts scaled like the emulator's durations (heartbeats stay as the harness has them). */
  const scaledConfig = (): FlywheelConfig => {
    const shipped = loadFlywheelConfig('default', {}).timing;
    const base = h.config({ models: [MODELS[0] as string] });
    return {
      ...base,
      timing: {
        ...base.timing,
        deployment_timeout_ms: shipped.deployment_timeout_ms * SCALE,
        job_stall_timeout_ms: shipped.job_stall_timeout_ms * SCALE,
        queue_timeout_ms: shipped.queue_timeout_ms * SCALE,
        teardown_timeout_ms: shipped.teardown_timeout_ms * SCALE,
      },
    };
  };

  test('completes with realistic scaled durations and sends only what the SDK defines', async () => {
    h.configs.set('scaled', scaledConfig());
    const handle = await h.startRun({ configName: 'scaled' });
    const jobId = handle.workflowId.replace('flywheel-', '');
    expect(await h.result(handle)).toEqual({ jobId, status: 'completed', candidatesFailed: 0 });
    const docs = await h.documents(jobId);
    expect(docs.customizations[0]?.customized_model).toMatch(/@cust-/); // the Customizer's own name
    for (const e of docs.evaluations) {
      expect(e.samples?.length).toBeGreaterThan(0);
      expect(Object.keys(e.samples?.[0]?.scores ?? {}).sort()).toEqual(Object.keys(e.scores).sort());
    }

    const log = (await (await fetch(`${h.emulator.url}/admin/requests`)).json()) as {
      requests: { route: string; body: string }[];
    };
    // JSON bodies only: the Hub commit (ndjson) and form posts are checked with huggingface_hub
    const recorded = log.requests.flatMap((r) => {
      try {
        return r.body ? [{ route: r.route, body: JSON.parse(r.body) as unknown }] : [];
      } catch {
        return [];
      }
    });
    expect(recorded.length).toBeGreaterThan(20);
    const file = path.join(tmpdir(), `flywheel-requests-${randomBytes(4).toString('hex')}.json`);
    await writeFile(file, JSON.stringify(recorded));
    const report = await runDriver(['requests', file]);
    expect(report.failures).toEqual([]);
    const routes = new Set(recorded.map((r) => r.route));
    for (const route of [
      'POST /v1/namespaces',
      'POST /v1/datasets',
      'POST /v1/deployment/model-deployments',
      'POST /v1/customization/configs',
      'POST /v1/customization/jobs',
      'POST /v1/evaluation/jobs',
    ]) {
      expect(routes).toContain(route);
    }
  }, 240_000);

  test('a deployment that never becomes ready fails the candidate in bounded time with the reason', async () => {
    const config = scaledConfig();
    h.configs.set('stuck', config);
    await h.setFaults({ deployment: { never_ready: [MODELS[0] as string] } });
    try {
      const started = Date.now();
      const handle = await h.startRun({ configName: 'stuck' });
      const jobId = handle.workflowId.replace('flywheel-', '');
      const result = await h.result(handle);
      expect(result.candidatesFailed).toBe(1);
      // the deployment bound, plus retries' backoff and the rest of the run
      expect(Date.now() - started).toBeLessThan(config.timing.deployment_timeout_ms * 4 + 60_000);
      const docs = await h.documents(jobId);
      expect(docs.nims[0]?.error).toMatch(/never became ready \(last status pending/);
    } finally {
      await h.clearFaults();
    }
  }, 240_000);
});
