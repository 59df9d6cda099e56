import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { HistoryEntry } from '../../api/workloads/history-schemas';
import { apiOverHarness, terminateLeftovers } from '../api/harness-app';
import { runInProcess, serveApp } from '../cli/cli-support';
import { launchChromium, testOutputDir } from '../support/browser';
import { eventually, FlywheelHarness, SAMPLE } from '../support/flywheel-harness';

// Exercises: api/workloads/history.ts, report/html.ts, report/charts.ts, report/render-svg.ts (served by the API this file calls; the report opened in Chromium)

// A weekly schedule triggered three times: the three runs show in the workload's history (API,
// CLI and chart), and the last run's report opens in a real Chromium with its charts as SVG.

const h = new FlywheelHarness({ timeScale: 0.01 });
let api: ReturnType<typeof apiOverHarness>['api'];
let app: ReturnType<typeof apiOverHarness>['app'];
let scheduleId: string | undefined;
let browser: Browser | undefined;
const jobs: string[] = [];

beforeAll(async () => {
  await h.start();
  const base = h.config({ models: ['meta/llama-3.2-1b-instruct', 'meta/llama-3.1-8b-instruct'], customize: false });
  h.configs.set('default', {
    ...base,
    quality_gate: { ...base.quality_gate, tool_calling: { metric: 'function_name', threshold: 0.2, min_eval_size: 5 } },
  });
  ({ api, app } = apiOverHarness(h));
}, 120_000);
afterAll(async () => {
  await browser?.close();
  if (scheduleId) await api.call('DELETE', `/api/schedules/${scheduleId}`);
  await terminateLeftovers(h);
  await h.close();
});

test('three triggered runs of one workload appear in its history with intervals and recommendations', async () => {
  const created = await api.call('POST', '/api/schedules', {
    body: { workload_id: SAMPLE.workloadId, client_id: SAMPLE.clientId, cron: '0 2 * * MON', paused: true },
  });
  expect(created.status).toBe(201);
  scheduleId = created.body.id as string;
  for (let i = 0; i < 3; i++) {
    // overlap is "skip": each trigger waits for the previous run to end
    expect((await api.call('POST', `/api/schedules/${scheduleId}/trigger`)).status).toBe(200);
    const job = await eventually('the triggered run', async () => {
      const list = await api.call('GET', `/api/jobs?workload_id=${SAMPLE.workloadId}`);
      return list.body.jobs.find(
        (j: { id: string; schedule_id: string }) => j.schedule_id === scheduleId && !jobs.includes(j.id),
      );
    });
    jobs.push(job.id);
    const done = await eventually(
      'the run to finish',
      async () => {
        const detail = await api.call('GET', `/api/jobs/${job.id}`);
        return detail.body.finished_at ? detail.body : undefined;
      },
      240_000,
    );
    expect(done.status).toBe('completed');
    // the document is final before the workflow closes; the next trigger must not overlap it
    const run = await h.results.getRun(job.id);
    await h.env.client.workflow.getHandle(run?.workflow_id as string).result();
    expect(done.recommendation).toMatchObject({ metric: 'function_name' });
    expect(done.decision.candidates).toHaveLength(4); // two models × base and ICL
  }

  const history = await api.call('GET', `/api/workloads/${SAMPLE.workloadId}/history?client_id=${SAMPLE.clientId}`);
  expect(history.status).toBe(200);
  const runs = history.body.runs as HistoryEntry[];
  expect(runs.map((r) => r.job_id)).toEqual(jobs);
  for (const run of runs) {
    expect(run.schedule_id).toBe(scheduleId);
    expect(run.gate).toEqual({ metric: 'function_name', threshold: 0.2 });
    expect(run.recommendation?.status).toMatch(/^(recommended|none)$/);
    expect(run.candidates.map((c) => `${c.model} ${c.variant}`).sort()).toEqual(
      ['base', 'icl'].flatMap((v) => [`meta/llama-3.1-8b-instruct ${v}`, `meta/llama-3.2-1b-instruct ${v}`]).sort(),
    );
    for (const c of run.candidates) {
      const s = c.scores.function_name;
      expect(s?.low).toBeLessThanOrEqual(s?.estimate as number);
      expect(s?.high).toBeGreaterThanOrEqual(s?.estimate as number);
    }
  }
  expect((await api.call('GET', `/api/workloads/${SAMPLE.workloadId}/history?limit=2`)).body.runs).toHaveLength(2);
  expect((await api.call('GET', '/api/workloads/no-such-workload/history')).body).toEqual({
    workload_id: 'no-such-workload',
    runs: [],
  });
  expect((await api.call('GET', `/api/workloads/${SAMPLE.workloadId}/history?limit=0`)).status).toBe(422);
}, 780_000);

test('the CLI prints the history and the recommendation, and writes the report; Chromium renders it', async () => {
  expect(jobs).toHaveLength(3);
  const server = await serveApp(app);
  try {
    const env = { FLYWHEEL_API_URL: server.url, FLYWHEEL_API_TOKEN: api.token };
    const hist = await runInProcess(['workloads', 'history', SAMPLE.workloadId, '-c', SAMPLE.clientId], env);
    expect(hist.code).toBe(0);
    expect(hist.stdout).toContain(`Workload ${SAMPLE.workloadId}: 3 run(s), oldest first`);
    for (const id of jobs) expect(hist.stdout).toContain(id);

    const last = jobs[2] as string;
    const show = await runInProcess(['jobs', 'show', last], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/Recommendation: (meta\/llama-\S+ \((base|icl|customized)\)|none, keep )/);
    expect(show.stdout).toMatch(/Gate: function_name lower bound >= 0\.2/);

    const file = path.join(testOutputDir(), 'decision-report.html');
    const written = await runInProcess(['jobs', 'report', last, '-o', file], env);
    expect(written).toMatchObject({ code: 0, stderr: `report for job ${last} written to ${file}\n` });
    const html = await readFile(file, 'utf8');
    // self-contained: no script, stylesheet, image or font fetched from anywhere
    expect(html).not.toMatch(/<script|<link |src=|url\(/i);
    expect(html.indexOf('id="recommendation"')).toBeLessThan(html.indexOf('id="scores"'));
    expect(html).toContain(`/namespaces/default/workflows/flywheel-scheduled-${scheduleId}`);

    const viaApi = await app.request(`/api/jobs/${last}/report`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(viaApi.status).toBe(200);
    expect(viaApi.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await api.call('GET', '/api/jobs/0123456789abcdef01234567/report')).status).toBe(404);
    expect((await api.call('GET', '/api/jobs/nope/report')).status).toBe(400);

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('file://')) problems.push(`fetched ${r.url()}`);
    });
    await page.goto(`file://${file}`);
    expect(problems).toEqual([]);
    await expect(page.locator('#recommendation h2').textContent()).resolves.toMatch(/^Recommendation: /);
    // scores, cost, distribution and history charts, each an inline SVG with drawn marks
    for (const section of ['scores', 'cost', 'data', 'history']) {
      const svg = page.locator(`#${section} figure.chart svg`);
      expect(await svg.count()).toBe(1);
      expect(await svg.locator('path, line, rect').count()).toBeGreaterThan(3);
    }
    const historyText = await page.locator('#history figure.chart svg').textContent();
    for (const n of ['#1', '#2', '#3']) expect(historyText).toContain(n);
    expect(await page.locator('#scores svg').textContent()).toContain('gate 0.2');
    await page.screenshot({ path: path.join(testOutputDir(), 'decision-report.png'), fullPage: true });
  } finally {
    await server.close();
  }
}, 120_000);
