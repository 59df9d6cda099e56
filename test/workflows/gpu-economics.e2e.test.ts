import { randomBytes } from 'node:crypto';
import type { FlywheelConfig, GpuPolicyConfig } from '../../config/schema';
import { gpuLedgerStateQuery } from '../../workflows/gpu-budget-contract';
import { type EmulatorGpus, FlywheelHarness, MODELS } from '../support/flywheel-harness';

// GPU economics on the real servers against the emulator: every GPU a run holds (candidate
// NIMs, training GPUs, local judges) is counted from what the emulated cluster really holds,
// and a candidate's NIM is held or released while its LoRA trains as gpu_policy says.

// Training outlasts the base and ICL evaluations, so the NIM falls idle while the LoRA trains.
const h = new FlywheelHarness({ timeScale: 0.01, durations: { customization_training_ms: 300_000 } });
beforeAll(() => h.start(), 120_000);
afterAll(() => h.close());

const newJob = () => randomBytes(12).toString('hex');

function configWith(name: string, budget: number, policy: Partial<GpuPolicyConfig>, localJudge: boolean) {
  const base = h.config({ gpuBudget: budget, models: MODELS.slice(0, 2) });
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

/** Samples the emulator's GPUs until `done` settles. */
async function sampleGpus<T>(done: Promise<T>): Promise<{ result: T; samples: EmulatorGpus[] }> {
  const samples: EmulatorGpus[] = [];
  let finished = false;
  const result = done.finally(() => {
    finished = true;
  });
  while (!finished) {
    samples.push(await h.gpus());
    await new Promise((r) => setTimeout(r, 20));
  }
  return { result: await result, samples };
}

const ofJob = <T>(table: Record<string, T>, jobId: string) =>
  Object.entries(table).filter(([name]) => name.includes(jobId.slice(-8)));

test('concurrent runs with local judges and customizations stay within the budget, counted on the cluster, and all complete across a worker restart', async () => {
  const budget = 3;
  const configName = configWith('judged', budget, { nim_release: 'auto' }, true);
  const jobs = [newJob(), newJob()];
  const handles = await Promise.all(jobs.map((jobId) => h.startRun({ jobId, configName })));
  const all = Promise.all(handles.map((handle) => h.result(handle)));

  const restart = (async () => {
    // Once training runs somewhere, the worker goes away mid-run and a new one takes over.
    for (let i = 0; i < 500; i++) {
      const gpus = await h.gpus();
      if (Object.values(gpus.training_jobs).some((t) => t.holding)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await h.stopWorker();
    await h.startWorker();
  })();
  const { result, samples } = await sampleGpus(all);
  await restart;

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
  const ledger = await h.env.client.workflow.getHandle(h.gpuLedgerId).query(gpuLedgerStateQuery);
  expect(ledger.held).toEqual([]);
  expect(ledger.waiting).toEqual([]);
}, 240_000);

describe('the NIM while the LoRA trains', () => {
  async function runWith(policy: Partial<GpuPolicyConfig>) {
    const jobId = newJob();
    const configName = configWith(`policy-${jobId}`, 4, policy, false);
    // Training pauses (an emulator stall) until the base and ICL evaluations are done, so the
    // NIM falls idle while the LoRA still trains whatever the machine's speed.
    await h.setFaults({ customization: { stall: true } });
    const handle = await h.startRun({ jobId, configName });
    const lift = (async () => {
      for (let i = 0; i < 1500; i++) {
        const { evaluations } = await h.documents(jobId);
        if (evaluations.filter((e) => e.eval_type !== 'customized-eval' && e.status === 'completed').length >= 4) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await h.clearFaults();
    })();
    const { result, samples } = await sampleGpus(h.result(handle));
    await lift;
    expect(result).toMatchObject({ status: 'completed', candidatesFailed: 0 });
    const docs = await h.documents(jobId);
    expect(docs.evaluations.filter((e) => e.eval_type === 'customized-eval' && e.status === 'completed')).toHaveLength(
      2,
    );
    const final = await h.gpus();
    const loads = ofJob(final.deployments, jobId).map(([, d]) => d.loads);
    // Samples taken while a training job held GPUs (runs in this block go one at a time): was a NIM of the run up?
    // Training may start before the NIM is deployed: count from the NIM's first deployment on.
    const firstUp = samples.findIndex((s) => ofJob(s.deployments, jobId).some(([, d]) => d.holding));
    const whileTraining = samples
      .slice(Math.max(0, firstUp))
      .filter((s) => Object.values(s.training_jobs).some((t) => t.holding));
    const nimUpWhileTraining = whileTraining.map((s) => ofJob(s.deployments, jobId).some(([, d]) => d.holding));
    return { loads, nimUpWhileTraining };
  }

  test('release: the NIM is gone while the LoRA trains and back for the customized evaluation', async () => {
    const { loads, nimUpWhileTraining } = await runWith({
      nim_release: 'release',
      expected_deployment_ms: 0,
      expected_training_base_ms: 3_600_000,
    });
    expect(loads).toEqual([2, 2]);
    expect(nimUpWhileTraining).toContain(false);
  }, 120_000);

  test('hold: the NIM stays deployed through training', async () => {
    const { loads, nimUpWhileTraining } = await runWith({ nim_release: 'hold' });
    expect(loads).toEqual([1, 1]);
    expect(nimUpWhileTraining.length).toBeGreaterThan(0);
    expect(nimUpWhileTraining.every(Boolean)).toBe(true);
  }, 120_000);

  test('auto releases when the training left outlasts a redeploy, and holds otherwise', async () => {
    const long = await runWith({
      nim_release: 'auto',
      expected_deployment_ms: 1,
      expected_training_base_ms: 3_600_000,
    });
    expect(long.loads).toEqual([2, 2]);
    const short = await runWith({
      nim_release: 'auto',
      expected_deployment_ms: 3_600_000,
      expected_training_base_ms: 0,
      expected_training_ms_per_record_epoch: 0,
    });
    expect(short.loads).toEqual([1, 1]);
  }, 180_000);
});
