import { randomBytes } from 'node:crypto';
import { workflowIdForJob } from '../../workflows/contract';
import { FlywheelHarness, MODELS } from '../support/flywheel-harness';
import { recordHistory } from '../support/flywheel-histories';

// NeMo faults and the GPU budget, on the real servers against the emulator.

describe('flywheel runs under faults and a GPU budget', () => {
  const h = new FlywheelHarness({ timeScale: 0.01 });
  beforeAll(() => h.start(), 120_000);
  afterAll(() => h.close());
  afterEach(() => h.clearFaults());

  const newJob = () => randomBytes(12).toString('hex');
  const createdFor = (created: Record<string, number>, key: string) =>
    Object.entries(created).filter(([name]) => name.includes(key));

  test('injected 5xx, 429 and slow answers are retried until the run completes, creating nothing twice', async () => {
    const jobId = newJob();
    await h.setFaults({
      seed: 3,
      routes: {
        '*': { error_5xx_rate: 0.05, error_429_rate: 0.03, timeout_rate: 0.03, hang_ms: 10_000, latency_ms: 5 },
        // The emulator's own evaluator calls the models here, and like NeMo's it fails its job
        // when a call still fails after its retries (~15 % of runs at these rates): a failed
        // evaluation (test/activities/fresh-job-after-failure), not a retry of ours. Only our calls get faults.
        'POST /v1/chat/completions': { error_5xx_rate: 0, error_429_rate: 0, timeout_rate: 0 },
      },
    });
    // NIMs held through training with room for both candidates' training GPUs (a NIM is released
    // when its training cannot be granted): each is deployed once, so a second create is a duplicate.
    const config = h.config({ gpuBudget: 4 });
    h.configs.set('hold-nims', { ...config, gpu_policy: { ...config.gpu_policy, nim_release: 'hold' } });
    const result = await h.result(await h.startRun({ jobId, configName: 'hold-nims' }));
    const counters = await h.counters();
    expect(result).toMatchObject({ status: 'completed', candidatesFailed: 0 });
    expect(counters.faults_injected).toMatchObject({
      error_5xx: expect.any(Number),
      error_429: expect.any(Number),
      timeout: expect.any(Number),
    });
    const jobs = [
      ...createdFor(counters.created.evaluation_jobs, jobId),
      ...createdFor(counters.created.customization_jobs, jobId),
    ];
    expect(jobs).toHaveLength(8);
    expect(jobs.every(([, n]) => n === 1)).toBe(true);
    expect(createdFor(counters.created.deployments, jobId.slice(-8)).every(([, n]) => n === 1)).toBe(true);
    const docs = await h.documents(jobId);
    expect(docs.evaluations.every((e) => e.status === 'completed')).toBe(true);
    expect(counters.live_deployments).toEqual([]);
  });

  test('a deployment that fails permanently fails only its candidate', async () => {
    const jobId = newJob();
    const [healthy, broken] = MODELS as [string, string];
    await h.setFaults({ deployment: { fail: [broken] } });
    const result = await h.result(await h.startRun({ jobId }));
    expect(result).toMatchObject({ status: 'completed', candidatesFailed: 1 });
    const docs = await h.documents(jobId);
    expect(docs.run).toMatchObject({ status: 'completed', candidates_failed: 1 });
    const byModel = Object.fromEntries(docs.nims.map((n) => [n.model_name, n]));
    expect(byModel[healthy]).toMatchObject({ status: 'completed', error: null });
    expect(byModel[broken]).toMatchObject({ status: 'failed', deployment_status: 'deleted' });
    expect(byModel[broken]?.error).toMatch(/deployment/);
    expect(docs.evaluations.filter((e) => e.nim_id.endsWith(healthy) || e.nim_id.includes(`${healthy}:`))).toHaveLength(
      3,
    );
    expect((await h.counters()).live_deployments).toEqual([]);
    await recordHistory(h, workflowIdForJob(jobId), 'candidate-failure');
  });

  test('a failed customization keeps the base and ICL scores and skips the customized evaluation', async () => {
    const jobId = newJob();
    // matches this run's customization job of the first model (job names are slugged)
    await h.setFaults({ customization: { fail: [`${jobId}-meta-llama-3-2-1b`] } });
    const result = await h.result(await h.startRun({ jobId }));
    expect(result).toMatchObject({ status: 'completed', candidatesFailed: 1 });
    const docs = await h.documents(jobId);
    const failedNim = docs.nims.find((n) => n.model_name === MODELS[0]);
    expect(failedNim).toMatchObject({ status: 'failed' });
    expect(failedNim?.error).toMatch(/customization/);
    const evals = docs.evaluations.filter((e) => e.nim_id === failedNim?._id);
    expect(evals.map((e) => [e.eval_type, e.status]).sort()).toEqual([
      ['base-eval', 'completed'],
      ['icl-eval', 'completed'],
    ]);
    expect(docs.customizations.find((c) => c.nim_id === failedNim?._id)).toMatchObject({ status: 'failed' });
    expect((await h.counters()).live_deployments).toEqual([]);
    await recordHistory(h, workflowIdForJob(jobId), 'customization-failure');
  });

  /** Runs two jobs at once and samples the emulator's live deployments meanwhile. */
  async function twoConcurrentRuns(gpuBudget: number) {
    h.configs.set(`budget-${gpuBudget}`, h.config({ gpuBudget, customize: false }));
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await h.counters()).live_deployments.length);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const jobs = [newJob(), newJob()];
    const handles = await Promise.all(jobs.map((jobId) => h.startRun({ jobId, configName: `budget-${gpuBudget}` })));
    const sawWaiting = (async () => {
      for (let i = 0; i < 200; i++) {
        const steps = await Promise.all(jobs.map((jobId) => h.results.findNims(jobId)));
        const waiting = steps.flat().filter((n) => n.status === 'waiting-for-gpus').length;
        if (waiting > 0) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    })();
    const results = await Promise.all(handles.map((hd) => h.result(hd)));
    sampling = false;
    await sampler;
    return { results, peak, sawWaiting: await sawWaiting };
  }

  test('two concurrent runs with a budget of 1 GPU never hold two deployments at once', async () => {
    const { results, peak, sawWaiting } = await twoConcurrentRuns(1);
    expect(results.map((r) => r.status)).toEqual(['completed', 'completed']);
    expect(peak).toBe(1);
    expect(sawWaiting).toBe(true);
  });

  test('with a budget of 2 GPUs their deployments overlap', async () => {
    const { results, peak } = await twoConcurrentRuns(2);
    expect(results.map((r) => r.status)).toEqual(['completed', 'completed']);
    expect(peak).toBe(2);
  });
});
