import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createNemo } from '../activities/nemo-factory';
import { DEFAULT_TEMPORAL_UI_URL } from '../api/app';
import { decisionView } from '../api/decision/view';
import { runReport } from '../api/reports/router';
import { recommendationReport } from '../cli/render-decision';
import { readEnvironment } from '../config/environment';
import { loadFlywheelConfig } from '../config/load';
import type { FlywheelConfig } from '../config/schema';
import { EvalType } from '../contracts';
import { startEmulator } from '../nemo-emulator/server';
import { loadLogs } from '../stores/log-loader';
import { connectClient, connectWorker } from '../temporal/connection';
import { runOutcome } from '../temporal/run-outcome';
import { createFlywheelWorker } from '../worker/create-worker';
import { openActivityDeps } from '../worker/dependencies';
import { progressQuery, type RunProgress, workflowIdForJob } from '../workflows/contract';
import { DEFAULT_GPU_LEDGER_ID } from '../workflows/gpu-budget-contract';

// The demo: a real flywheel on the local stack. It starts the NeMo emulator, loads a sample
// tool-calling workload into Elasticsearch, runs a worker in-process, runs a job with three
// candidate models, shows progress, prints the scores, and leaves the run in the Web UI.
// `--fast` (or FLYWHEEL_DEMO_FAST=1) shrinks the emulator's time scale for a smoke test.

const SAMPLE = path.resolve(__dirname, '../samples/customer-support.jsonl');
const WORKLOAD = { workloadId: 'customer_support', clientId: 'acme-web' };

async function main(): Promise<number> {
  // Worker state changes are logged at INFO; the demo shows progress lines instead.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const fast = process.argv.includes('--fast') || process.env.FLYWHEEL_DEMO_FAST === '1';
  const env = readEnvironment();
  const taskQueue = `${env.FLYWHEEL_TASK_QUEUE}-demo`;
  // The demo's own GPU ledger: the namespace's real one may guard a real worker's GPUs.
  const gpuLedgerId = `${DEFAULT_GPU_LEDGER_ID}-demo`;

  const emulator = await startEmulator({ port: 0, timeScale: fast ? 0.005 : 0.5, seed: 1, profile: 'demo' });
  const { deps, close } = await openActivityDeps({ ...env, FLYWHEEL_TASK_QUEUE: taskQueue });
  const config = demoConfig(emulator.url);
  const connection = await connectWorker(env);
  const client = await connectClient(env);
  try {
    step(`NeMo emulator at ${emulator.url} (time scale ${fast ? 'fast' : 'demo'})`);
    const loaded = await loadLogs({
      elasticsearch: deps.elasticsearch,
      index: deps.logIndex,
      source: createReadStream(SAMPLE),
    });
    await deps.elasticsearch.indices.refresh({ index: deps.logIndex });
    step(
      `loaded ${path.basename(SAMPLE)} into Elasticsearch "${deps.logIndex}": ${loaded.loaded} new, ${loaded.duplicates} already there`,
    );

    const worker = await createFlywheelWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue,
      deps: { ...deps, gpuLedgerId, loadConfig: () => config },
      nemo: createNemo,
    });
    const jobId = randomBytes(12).toString('hex');
    const workflowId = workflowIdForJob(jobId);
    const started = Date.now();
    const result = await worker.runUntil(async () => {
      const handle = await client.workflow.start('flywheelRun', {
        taskQueue,
        workflowId,
        args: [{ jobId, ...WORKLOAD }],
      });
      step(`started run ${jobId} with ${config.nims.length} candidates (workflow ${workflowId})`);
      const done = runOutcome(handle);
      let last = '';
      for (;;) {
        const finished = await Promise.race([done.then(() => true), sleep(1000).then(() => false)]);
        const line = describe(await handle.query(progressQuery));
        if (line !== last) console.log(`  ${line}`);
        last = line;
        if (finished) break;
      }
      // The demo's GPU ledger has nothing left to guard.
      await client.workflow
        .getHandle(gpuLedgerId)
        .terminate('demo finished')
        .catch(() => undefined);
      return done;
    });
    step(`run finished in ${Math.round((Date.now() - started) / 1000)} s`);

    await printScores(deps.results, jobId);
    console.log(`\nrun ${result.status}${result.error ? `: ${result.error}` : ''}`);
    console.log(
      `Temporal Web UI: ${DEFAULT_TEMPORAL_UI_URL}/namespaces/${env.TEMPORAL_NAMESPACE}/workflows/${workflowId}`,
    );
    await printDecision(deps.results, jobId, env.TEMPORAL_NAMESPACE);
    return result.status === 'completed' && result.candidatesFailed === 0 ? 0 : 1;
  } finally {
    await connection.close();
    await client.connection.close();
    await close();
    await emulator.close();
  }
}

function demoConfig(url: string): FlywheelConfig {
  const base = loadFlywheelConfig();
  return {
    ...base,
    nmp_config: { ...base.nmp_config, nemo_base_url: url, nim_base_url: url, datastore_base_url: url },
    llm_judge_config: {
      deployment_type: 'remote',
      url: `${url}/v1/chat/completions`,
      model_name: 'meta/llama-3.3-70b-instruct',
    },
    timing: { ...base.timing, poll_interval_ms: 250, heartbeat_timeout_ms: 5000 },
  };
}

function describe(p: RunProgress): string {
  const candidates = p.candidates.map((c) => {
    const evals = c.evaluations.map((e) => `${e.evalType.replace('-eval', '')}:${e.status}`).join(' ');
    return `${c.modelName.split('/')[1]} ${c.status}${evals ? ` [${evals} custom:${c.customization.status}]` : ''}`;
  });
  return `${p.phase}${p.numRecords ? ` (${p.numRecords} records)` : ''}${candidates.length ? ` | ${candidates.join(' | ')}` : ''}`;
}

async function printScores(results: Awaited<ReturnType<typeof openActivityDeps>>['deps']['results'], jobId: string) {
  const { nims, evaluations } = await results.findRunSteps(jobId);
  const scoreKeys = [...new Set(evaluations.flatMap((e) => Object.keys(e.scores)))].sort();
  const rows = nims.flatMap((nim) =>
    EvalType.options.map((evalType) => {
      const e = evaluations.find((x) => x.nim_id === nim._id && x.eval_type === evalType);
      const cells = scoreKeys.map((k) => (e?.scores[k] === undefined ? '-' : (e.scores[k] as number).toFixed(3)));
      return [nim.model_name, evalType, ...cells, e?.status ?? 'not run'];
    }),
  );
  const header = ['candidate', 'eval', ...scoreKeys, 'status'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(`\n${format(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(format(r));
}

/** The run's recommendation, and its HTML report written under .stack/reports/. */
async function printDecision(
  results: Awaited<ReturnType<typeof openActivityDeps>>['deps']['results'],
  jobId: string,
  namespace: string,
) {
  const run = await results.getRun(jobId);
  if (!run) return;
  console.log(`\n${recommendationReport({ decision: decisionView(run.decision) })}`);
  const dir = path.resolve(__dirname, '../.stack/reports');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${jobId}.html`);
  await writeFile(
    file,
    await runReport({ results, temporalUiUrl: DEFAULT_TEMPORAL_UI_URL, temporalNamespace: namespace }, run),
  );
  console.log(`\nReport: file://${file}`);
  console.log(
    `  (with the API running: flywheel jobs report ${jobId} -o report.html, or GET /api/jobs/${jobId}/report)`,
  );
}

const step = (message: string) => console.log(`> ${message}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
