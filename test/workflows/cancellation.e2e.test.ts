import { randomBytes } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { cancelSignal, progressQuery, type RunProgress } from '../../workflows/contract';
import { eventually, FlywheelHarness } from '../support/flywheel-harness';
import { recordHistory } from '../support/flywheel-histories';

// Exercises: activities/own-cancellation.ts (reached through the API or a worker, so no import names them)

// Cancelling a run in each phase: the run ends `cancelled` with a reason, what finished is
// kept, unfinished steps are marked cancelled, and no deployment is left in the emulator.

describe('cancelling a flywheel run', () => {
  const h = new FlywheelHarness({ timeScale: 0.01 });
  beforeAll(() => h.start(), 120_000);
  afterAll(() => h.close());
  afterEach(() => h.clearFaults());

  const newJob = () => randomBytes(12).toString('hex');

  async function cancelWhen(
    jobId: string,
    ready: (p: RunProgress) => boolean,
    how: 'signal' | 'temporal' = 'signal',
    configName?: string,
  ) {
    const handle = await h.startRun({ jobId, ...(configName ? { configName } : {}) });
    let last: RunProgress | undefined;
    await eventually('the phase to cancel in', async () => {
      last = await handle.query(progressQuery);
      return ready(last) ? true : undefined;
    }).catch((err) => {
      throw new Error(`${(err as Error).message}; last progress: ${JSON.stringify(last)}`);
    });
    if (how === 'signal') await handle.signal(cancelSignal, 'Job cancelled by user');
    else await handle.cancel();
    return handle;
  }

  async function expectCancelledAndClean(jobId: string, reason: string) {
    const docs = await h.documents(jobId);
    expect(docs.run).toMatchObject({ status: 'cancelled', error: reason, cancel_reason: reason });
    expect(docs.run?.finished_at).toBeInstanceOf(Date);
    for (const step of [...docs.nims, ...docs.evaluations, ...docs.customizations]) {
      expect(step.finished_at).toBeInstanceOf(Date);
    }
    expect(docs.nims.every((n) => n.status === 'cancelled' || n.status === 'completed')).toBe(true);
    expect((await h.counters()).live_deployments).toEqual([]);
    return docs;
  }

  test('during dataset creation: nothing is deployed and the run ends cancelled', async () => {
    const jobId = newJob();
    await h.setFaults({ routes: { 'POST /v1/datasets': { latency_ms: 3000 } } });
    const handle = await cancelWhen(jobId, (p) => p.phase === 'building-datasets');
    expect(await h.result(handle)).toMatchObject({ status: 'cancelled', error: 'Job cancelled by user' });
    const docs = await expectCancelledAndClean(jobId, 'Job cancelled by user');
    expect(docs.nims.every((n) => n.status === 'cancelled')).toBe(true);
    const counters = await h.counters();
    expect(Object.keys(counters.created.deployments).filter((d) => d.includes(jobId.slice(-8)))).toEqual([]);
  });

  test('during deployment: the deployment being created is deleted', async () => {
    const jobId = newJob();
    await h.setFaults({ deployment: { never_ready: [jobId.slice(-8)] } });
    const handle = await cancelWhen(jobId, (p) => p.candidates.some((c) => c.status === 'deploying-nim'));
    expect(await h.result(handle)).toMatchObject({ status: 'cancelled' });
    const docs = await expectCancelledAndClean(jobId, 'Job cancelled by user');
    expect(docs.run?.datasets).toHaveLength(3); // datasets that finished are kept
    expect(docs.evaluations).toEqual([]);
    const counters = await h.counters();
    expect(Object.keys(counters.created.deployments).filter((d) => d.includes(jobId.slice(-8))).length).toBeGreaterThan(
      0,
    );
  });

  test('during evaluations: running evaluations are stopped and marked cancelled', async () => {
    const jobId = newJob();
    await h.setFaults({ evaluation: { stall: [jobId] }, customization: { stall: [jobId] } });
    // Room for both candidates' NIMs beside their training: training leases are queued first, so
    // at a budget of 2 both stalled trainings would hold every GPU and no NIM would deploy.
    h.configs.set('four-gpus', h.config({ gpuBudget: 4 }));
    const handle = await cancelWhen(
      jobId,
      (p) => p.candidates.some((c) => c.evaluations.some((e) => e.evalType === 'base-eval' && e.status === 'running')),
      'signal',
      'four-gpus',
    );
    expect(await h.result(handle)).toMatchObject({ status: 'cancelled' });
    const docs = await expectCancelledAndClean(jobId, 'Job cancelled by user');
    expect(docs.evaluations.length).toBeGreaterThan(0);
    expect(docs.evaluations.every((e) => e.status === 'cancelled')).toBe(true);
    await recordHistory(h, handle.workflowId, 'cancel-during-evals');
  });

  test('during customization: finished evaluations keep their scores and the customization job is cancelled', async () => {
    const jobId = newJob();
    await h.setFaults({ customization: { stall: [jobId] } });
    // Both candidates train at once: each holds its NIM and its training GPU (4 in all).
    h.configs.set('four-gpus', h.config({ gpuBudget: 4 }));
    const handle = await cancelWhen(
      jobId,
      (p) =>
        p.candidates.length === 2 &&
        p.candidates.every(
          (c) =>
            c.customization.status === 'running' &&
            c.evaluations.filter((e) => e.evalType !== 'customized-eval').every((e) => e.status === 'completed'),
        ),
      'signal',
      'four-gpus',
    );
    expect(await h.result(handle)).toMatchObject({ status: 'cancelled' });
    const docs = await expectCancelledAndClean(jobId, 'Job cancelled by user');
    const finished = docs.evaluations.filter((e) => e.eval_type !== 'customized-eval');
    expect(finished).toHaveLength(4);
    for (const e of finished) {
      expect(e.status).toBe('completed');
      expect(Object.keys(e.scores).length).toBeGreaterThan(0);
    }
    expect(docs.customizations).toHaveLength(2);
    for (const c of docs.customizations) {
      expect(c.status).toBe('cancelled');
      const remote = await fetch(`${h.emulator.url}/v1/customization/jobs/${c.job_id}/status`);
      expect(((await remote.json()) as { status: string }).status).toBe('cancelled');
    }
  });

  test('a candidate that failed before the cancel is counted as failed on the cancelled run', async () => {
    const jobId = newJob();
    // the second candidate's deployment fails at once; the first stalls in customization
    await h.setFaults({
      deployment: { fail: ['meta/llama-3.2-3b-instruct'] },
      customization: { stall: [jobId] },
    });
    h.configs.set('four-gpus', h.config({ gpuBudget: 4 })); // as above: both NIMs beside the trainings
    const handle = await cancelWhen(
      jobId,
      (p) =>
        p.candidates.some((c) => c.status === 'failed') &&
        p.candidates.some((c) => c.customization.status === 'running'),
      'signal',
      'four-gpus',
    );
    expect(await h.result(handle)).toMatchObject({ status: 'cancelled', candidatesFailed: 1 });
    const docs = await h.documents(jobId);
    expect(docs.run).toMatchObject({ status: 'cancelled', candidates_failed: 1 });
    expect(docs.nims.map((n) => n.status).sort()).toEqual(['cancelled', 'failed']);
    expect((await h.counters()).live_deployments).toEqual([]);
  });

  test("Temporal's own cancellation cleans up the same way and ends the workflow Canceled", async () => {
    const jobId = newJob();
    await h.setFaults({ customization: { stall: [jobId] } });
    const handle = await cancelWhen(
      jobId,
      (p) => p.candidates.some((c) => c.customization.status === 'running'),
      'temporal',
    );
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    await expectCancelledAndClean(jobId, 'Workflow cancelled');
    expect((await handle.describe()).searchAttributes).toMatchObject({ FlywheelStatus: ['cancelled'] });
  });
});
