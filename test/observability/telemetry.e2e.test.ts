import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../chaos/private-servers';
import { eventually, FlywheelHarness, SAMPLE } from '../support/flywheel-harness';
import { NodeProcess } from '../support/node-process';
import { type PrometheusServer, startPrometheus } from '../support/prometheus';
import { workflowBundle } from '../support/temporal';
import { harnessServerEnv } from '../support/worker-process';

// Exercises: worker/main.ts, worker/health-server.ts, worker/telemetry.ts, api/main.ts (spawned as a child process, so no import names them; Prometheus scrapes both)
// Exercises: observability/metrics.ts (the metrics it defines, read back from Prometheus)

// One full run through the production entry points (api/main.ts and worker/main.ts as real
// processes), watched the way an operator watches it: a real Prometheus scrapes both /metrics
// endpoints and answers for the run's series, and every line either process wrote is one JSON
// object carrying the run's ids and never a task token or the API token.

const TOKEN = 'telemetry-test-token-0123456789';

describe('operator telemetry of a full run', () => {
  const h = new FlywheelHarness({ timeScale: 0.01, worker: false });
  let worker: NodeProcess;
  let api: NodeProcess;
  let prometheus: PrometheusServer;
  let apiUrl: string;
  let jobId: string;

  beforeAll(async () => {
    await h.start();
    const dir = mkdtempSync(path.join(tmpdir(), 'flywheel-telemetry-'));
    const configFile = path.join(dir, 'flywheel.yaml');
    writeFileSync(configFile, stringify(h.config({ customize: false })));
    const bundleFile = path.join(dir, 'workflow-bundle.js');
    writeFileSync(bundleFile, (await workflowBundle()).code);
    // with the test's own GPU ledger (worker and API's gauges): the namespace's default one may
    // live on another test's task queue, with no worker to answer for it
    const common = { ...harnessServerEnv(h), FLYWHEEL_CONFIG: configFile };
    // the worker takes a port of its own (0) and says which: a port picked here and freed could
    // be taken by another process before the worker binds it
    const apiPort = await freePort();
    worker = new NodeProcess('worker/main.ts', {
      ...common,
      FLYWHEEL_WORKFLOW_BUNDLE: bundleFile,
      FLYWHEEL_WORKER_METRICS_PORT: '0',
      FLYWHEEL_WORKER_SHUTDOWN_GRACE_SECONDS: '2',
      // debug: activity start/finish lines, the ones whose metadata carries task tokens
      FLYWHEEL_LOG_LEVEL: 'debug',
    });
    api = new NodeProcess('api/main.ts', {
      ...common,
      FLYWHEEL_API_TOKENS: TOKEN,
      FLYWHEEL_API_PORT: String(apiPort),
    });
    const workerUrl = (
      await worker.waitFor(
        /flywheel worker polling.*"metrics_url":"(http:\/\/[^"]+)"|"metrics_url":"(http:\/\/[^"]+)".*flywheel worker polling/,
      )
    )
      .slice(1)
      .find(Boolean) as string;
    apiUrl = (await api.waitFor(/"url":"(http:\/\/[^"]+)"/))[1] as string;
    prometheus = await startPrometheus({
      worker: `${workerUrl}/metrics`,
      api: `${apiUrl}/metrics`,
    });
    // Some evaluation polls fail (retried), so NeMo call errors are counted.
    await h.setFaults({ seed: 3, routes: { 'GET /v1/evaluation/jobs/{id}': { error_5xx_rate: 0.3 } } });

    const created = await fetch(`${apiUrl}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workload_id: SAMPLE.workloadId, client_id: SAMPLE.clientId }),
    });
    expect(created.status).toBe(200);
    jobId = ((await created.json()) as { id: string }).id;
    await eventually(
      'the run to finish',
      async () => {
        const res = await fetch(`${apiUrl}/api/jobs/${jobId}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const body = (await res.json()) as { status: string };
        return ['completed', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
      },
      240_000,
    ).then((body) => expect(body.status).toBe('completed'));
  }, 400_000);

  afterAll(async () => {
    await prometheus?.close();
    await api?.stop();
    await worker?.stop();
    await h.close();
  });

  test('Prometheus scrapes the API and the worker and answers for the run', async () => {
    const at = (q: string) =>
      eventually(`Prometheus to answer ${q}`, async () => ((await prometheus.value(q)) ?? 0) > 0 || undefined, 60_000);
    await at('up{job="worker"}');
    await at('up{job="api"}');
    await at('flywheel_runs{job="api",status="completed"}');
    await at('flywheel_runs_finished_total{job="worker",status="completed"}');
    await at('flywheel_step_duration_seconds_count{job="worker",step="runEvaluation",outcome="completed"}');
    await at(
      'histogram_quantile(0.5, sum by (le) (flywheel_step_duration_seconds_bucket{job="worker",step="deployCandidate"}))',
    );
    await at('flywheel_nemo_call_errors_total{job="worker",service="evaluation",code=~"5.."}');
    expect(await prometheus.value('flywheel_gpu_budget{job="api"}')).toBe(2);
    expect(await prometheus.value('flywheel_gpus_in_use{job="api"}')).toBe(0);
    expect(await prometheus.value('sum(flywheel_gpus_held_by_purpose{job="api"})')).toBe(0);
    expect(await prometheus.value('flywheel_gpus_waiting_by_purpose{job="api",purpose="training"}')).toBe(0);
  });

  test('every line the worker and the API wrote is one JSON object, with run ids and no secrets', async () => {
    await api.stop();
    await worker.stop();
    const lines = [...worker.lines(), ...api.lines()];
    expect(lines.length).toBeGreaterThan(20);
    const parsed = lines.map(({ stream, line }) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not JSON (${stream}): ${line}`);
      }
    });
    for (const [i, entry] of parsed.entries()) {
      expect(typeof entry.msg).toBe('string');
      expect(typeof entry.level).toBe('string');
      expect(['worker', 'api']).toContain(entry.component);
      const text = lines[i]?.line as string;
      expect(text).not.toMatch(/taskToken|task_token/i);
      expect(text).not.toContain(TOKEN);
    }
    const ofRun = parsed.filter((e) => e.job_id === jobId);
    expect(ofRun.some((e) => e.workflow_id === `flywheel-${jobId}`)).toBe(true);
    // The SDK's own activity lines, whose metadata carries the task token, are there without it.
    const activityLines = ofRun.filter((e) => e.msg === 'Activity completed');
    if (activityLines.length === 0) {
      const msgs = [...new Set(parsed.map((e) => `${e.component} ${e.level} ${e.msg}`))];
      throw new Error(`no "Activity completed" line for the run; messages seen:\n${msgs.join('\n')}`);
    }
    expect(activityLines.some((e) => typeof e.candidate === 'string' && e.activityType === 'runEvaluation')).toBe(true);
    expect(parsed.some((e) => e.component === 'api' && e.msg === 'request' && e.status === 200)).toBe(true);
  });
});
