import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { FlywheelConfig, GpuPolicyConfig } from '../../config/schema';
import { workflowIdForJob } from '../../workflows/contract';
import { gpuLedgerStateQuery } from '../../workflows/gpu-budget-contract';
import { FlywheelHarness, MODELS, SAMPLE } from '../support/flywheel-harness';
import { workflowBundle } from '../support/temporal';
import { startBareWorker } from '../support/worker-process';

// GPU economics on the real servers against the emulator: every GPU a run holds (candidate
// NIMs, training GPUs, local judges) is counted from what the emulated cluster really holds,
// and a candidate's NIM is held or released while its LoRA trains as gpu_policy says.

// Training outlasts the base and ICL evaluations, so the NIM falls idle while the LoRA trains.
const h = new FlywheelHarness({ timeScale: 0.01, durations: { customization_training_ms: 300_000 } });
const dir = mkdtempSync(path.join(tmpdir(), 'flywheel-gpu-economics-'));
const bundleFile = path.join(dir, 'workflow-bundle.js');
const workers: ChildProcess[] = [];
beforeAll(async () => {
  await h.start();
  // Worker processes load the bundle the in-process worker built instead of running webpack again.
  writeFileSync(bundleFile, (await workflowBundle()).code);
}, 120_000);
afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await h.close();
});

const newJob = () => randomBytes(12).toString('hex');

function configWith(name: string, budget: number, policy: Partial<GpuPolicyConfig>, localJudge: boolean, models = 2) {
  const base = h.config({ gpuBudget: budget, models: MODELS.slice(0, models) });
  const config: FlywheelConfig = {
    ...base,
    gpu_policy: { ...base.gpu_policy, ...policy },
    ...(localJudge
      ? {
          llm_judge_config: {
            deployment_type: 'local',
            model_name: 'meta/llama-3.3-70b-instruct',
            context_length: 8192,
            gpus: 1,
            registry_base: 'nvcr.io/nim',
          },
        }
      : {}),
  };
  h.configs.set(name, config);
  return name;
}

const ofJob = <T>(table: Record<string, T>, jobId: string) =>
  Object.entries(table).filter(([name]) => name.includes(jobId.slice(-8)));

/** The production worker as a real process on its own task queue and GPU ledger. */
const startWorkerProcess = (taskQueue: string, gpuLedgerId: string, configFile: string) =>
  startBareWorker(
    h,
    {
      FLYWHEEL_TASK_QUEUE: taskQueue,
      FLYWHEEL_GPU_LEDGER_ID: gpuLedgerId,
      FLYWHEEL_CONFIG: configFile,
      FLYWHEEL_WORKFLOW_BUNDLE: bundleFile,
    },
    workers,
  );

test('concurrent runs with local judges and customizations stay within the budget, counted on the cluster, and all complete across a worker SIGKILL', async () => {
  const budget = 3;
  const configFile = path.join(dir, 'judged.yaml');
  writeFileSync(configFile, stringify(h.configs.get(configWith('judged', budget, { nim_release: 'auto' }, true))));
  // Its own task queue and ledger: the worker is a child process that is killed mid-run.
  const taskQueue = `${h.taskQueue}-kill`;
  const gpuLedgerId = `${h.gpuLedgerId}-kill`;
  let worker = await startWorkerProcess(taskQueue, gpuLedgerId, configFile);
  const jobs = [newJob(), newJob()];
  const handles = await Promise.all(
    jobs.map((jobId) =>
      h.env.client.workflow.start('flywheelRun', {
        taskQueue,
        workflowId: workflowIdForJob(jobId),
        args: [{ jobId, workloadId: SAMPLE.workloadId, clientId: SAMPLE.clientId }],
      }),
    ),
  );
  const all = Promise.all(handles.map((handle) => h.result(handle)));

  const kill = (async () => {
    // Once training runs somewhere, the worker dies (SIGKILL: no drain, no goodbye) and a new one takes over.
    for (let i = 0; i < 1500; i++) {
      const gpus = await h.gpus();
      if (Object.values(gpus.training_jobs).some((t) => t.holding)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGKILL');
    await exited;
    worker = await startWorkerProcess(taskQueue, gpuLedgerId, configFile);
  })();
  const { result, samples } = await h.sampleGpus(all);
  await kill;

  expect(workers[0]?.signalCode).toBe('SIGKILL');
  expect(result.map((r) => r.status)).toEqual(['completed', 'completed']);
  expect(result.every((r) => r.candidatesFailed === 0)).toBe(true);
  const final = await h.gpus();
  // Exact: the meter sees every change of deployments and running training jobs.
  expect(final.peak_gpus_in_use).toBeLessThanOrEqual(budget);
  expect(Math.max(...samples.map((s) => s.gpus_in_use))).toBeLessThanOrEqual(budget);
  // Judges, NIMs and training jobs were all on the cluster, and some at the same time.
  for (const jobId of jobs) {
    expect(ofJob(final.deployments, jobId).length).toBeGreaterThanOrEqual(3); // 2 candidates + judge
  }
  expect(Object.keys(final.training_jobs).length).toBeGreaterThanOrEqual(4);
  expect(final.peak_gpus_in_use).toBeGreaterThan(1);
  expect(final.gpus_in_use).toBe(0);
  const ledger = await h.env.client.workflow.getHandle(gpuLedgerId).query(gpuLedgerStateQuery);
  expect(ledger.held).toEqual([]);
  expect(ledger.waiting).toEqual([]);
  worker.kill('SIGKILL');
}, 420_000);

test('the NIM while the LoRA trains: release drops it and redeploys it, hold keeps it, auto picks by the expected times', async () => {
  // Four runs of one candidate at once, one per policy case. Training pauses (an emulator stall) until every
  // run's base and ICL evaluations are done, so each NIM falls idle while its LoRA still trains
  // whatever the machine's speed.
  const cases = {
    release: { nim_release: 'release', expected_deployment_ms: 0, expected_training_base_ms: 3_600_000 },
    hold: { nim_release: 'hold' },
    autoLong: { nim_release: 'auto', expected_deployment_ms: 1, expected_training_base_ms: 3_600_000 },
    autoShort: {
      nim_release: 'auto',
      expected_deployment_ms: 3_600_000,
      expected_training_base_ms: 0,
      expected_training_ms_per_record_epoch: 0,
    },
  } satisfies Record<string, Partial<GpuPolicyConfig>>;
  const runs = Object.entries(cases).map(([name, policy]) => {
    const jobId = newJob();
    return { name, jobId, configName: configWith(`policy-${name}-${jobId}`, 8, policy, false, 1) };
  });
  await h.setFaults({ customization: { stall: true } });
  const handles = await Promise.all(runs.map((r) => h.startRun({ jobId: r.jobId, configName: r.configName })));
  const lift = (async () => {
    const idle = async (jobId: string) =>
      (await h.documents(jobId)).evaluations.filter(
        (e) => e.eval_type !== 'customized-eval' && e.status === 'completed',
      ).length >= 2;
    for (let i = 0; i < 3000; i++) {
      if ((await Promise.all(runs.map((r) => idle(r.jobId)))).every(Boolean)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await h.clearFaults();
  })();
  const { result, samples } = await h.sampleGpus(Promise.all(handles.map((handle) => h.result(handle))));
  await lift;
  expect(result.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
  expect(result.every((r) => r.candidatesFailed === 0)).toBe(true);

  const final = await h.gpus();
  const seen: Record<string, { loads: number[]; nimUpWhileTraining: boolean[] }> = {};
  for (const run of runs) {
    const docs = await h.documents(run.jobId);
    expect(docs.evaluations.filter((e) => e.eval_type === 'customized-eval' && e.status === 'completed')).toHaveLength(
      1,
    );
    const trainingIds = new Set(docs.customizations.map((c) => c.job_id));
    const loads = ofJob(final.deployments, run.jobId).map(([, d]) => Number(d.loads));
    // Samples taken while this run's LoRA trained: was one of its NIMs up? Counted from its
    // first deployment on (training may start before the NIM is deployed).
    const firstUp = samples.findIndex((s) => ofJob(s.deployments, run.jobId).some(([, d]) => d.holding));
    const nimUpWhileTraining = samples
      .slice(Math.max(0, firstUp))
      .filter((s) => Object.entries(s.training_jobs).some(([id, t]) => trainingIds.has(id) && t.holding))
      .map((s) => ofJob(s.deployments, run.jobId).some(([, d]) => d.holding));
    seen[run.name] = { loads, nimUpWhileTraining };
  }
  expect(seen.release?.loads).toEqual([2]);
  expect(seen.release?.nimUpWhileTraining).toContain(false);
  expect(seen.hold?.loads).toEqual([1]);
  expect(seen.hold?.nimUpWhileTraining.length).toBeGreaterThan(0);
  expect(seen.hold?.nimUpWhileTraining.every(Boolean)).toBe(true);
  expect(seen.autoLong?.loads).toEqual([2]);
  expect(seen.autoShort?.loads).toEqual([1]);
}, 240_000);
