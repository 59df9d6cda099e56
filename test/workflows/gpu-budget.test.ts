import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { createGpuBudgetActivities } from '../../activities/gpu-budget';
import { gpuBudgetStateQuery, gpuBudgetWorkflowId } from '../../workflows/gpu-budget';
import { connectTestEnvironment, uniqueTaskQueue } from '../support/temporal';

type Hold = { id: string; at: 'start' | 'end'; t: number };

/** The most holders that overlapped at any instant. */
function peakConcurrency(events: Hold[]): number {
  let now = 0;
  let peak = 0;
  for (const e of [...events].sort((a, b) => a.t - b.t || (a.at === 'end' ? -1 : 1))) {
    now += e.at === 'start' ? 1 : -1;
    peak = Math.max(peak, now);
  }
  return peak;
}

describe('GPU budget semaphore', () => {
  let env: TestWorkflowEnvironment;
  let bundle: Awaited<ReturnType<typeof bundleWorkflowCode>>;
  beforeAll(async () => {
    env = await connectTestEnvironment();
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./fixtures/gpu-holder-workflows'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
    });
  });
  afterAll(() => env?.teardown());

  async function runHolders(budget: number, holders: number, gpusEach = 1) {
    const taskQueue = uniqueTaskQueue('gpu');
    const events: Hold[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: {
        ...createGpuBudgetActivities({ temporal: env.client, taskQueue }),
        async recordHold(e: { id: string; at: 'start' | 'end' }) {
          events.push({ ...e, t: Date.now() });
        },
      },
    });
    await worker.runUntil(async () => {
      await Promise.all(
        Array.from({ length: holders }, (_, i) =>
          env.client.workflow.execute('gpuHolder', {
            taskQueue,
            workflowId: `${taskQueue}-holder-${i}`,
            args: [`h${i}`, gpusEach, budget, 300],
          }),
        ),
      );
      const state = await env.client.workflow.getHandle(gpuBudgetWorkflowId(taskQueue)).query(gpuBudgetStateQuery);
      expect(state.held).toEqual([]);
      expect(state.waiting).toEqual([]);
      await env.client.workflow.getHandle(gpuBudgetWorkflowId(taskQueue)).terminate('test done');
    });
    return events;
  }

  test('a budget of 1 never lets two holders overlap', async () => {
    const events = await runHolders(1, 4);
    expect(events.filter((e) => e.at === 'start')).toHaveLength(4);
    expect(peakConcurrency(events)).toBe(1);
  });

  test('a budget of 2 lets two holders overlap but never three', async () => {
    const events = await runHolders(2, 4);
    expect(events.filter((e) => e.at === 'end')).toHaveLength(4);
    expect(peakConcurrency(events)).toBe(2);
  });

  test('a holder needing 2 GPUs waits until both are free', async () => {
    const events = await runHolders(2, 3, 2);
    expect(peakConcurrency(events)).toBe(1);
  });

  test('the lease of a holder that was terminated is reclaimed', async () => {
    const taskQueue = uniqueTaskQueue('gpu');
    const events: Hold[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: {
        ...createGpuBudgetActivities({ temporal: env.client, taskQueue }),
        async recordHold(e: { id: string; at: 'start' | 'end' }) {
          events.push({ ...e, t: Date.now() });
        },
      },
    });
    await worker.runUntil(async () => {
      await env.client.workflow.start('gpuBudget', {
        taskQueue,
        workflowId: gpuBudgetWorkflowId(taskQueue),
        args: [{ budget: 1, held: [], waiting: [], livenessCheckMs: 500 }],
      });
      const stuck = await env.client.workflow.start('gpuHolder', {
        taskQueue,
        workflowId: `${taskQueue}-stuck`,
        args: ['stuck', 1, 1, 600_000],
      });
      while (!events.some((e) => e.id === 'stuck')) await new Promise((r) => setTimeout(r, 100));
      await stuck.terminate('simulated crash: never releases');
      // The next holder only gets the GPU if the dead holder's lease is reclaimed.
      await env.client.workflow.execute('gpuHolder', {
        taskQueue,
        workflowId: `${taskQueue}-next`,
        args: ['next', 1, 1, 10],
      });
      await env.client.workflow.getHandle(gpuBudgetWorkflowId(taskQueue)).terminate('test done');
    });
    expect(events.filter((e) => e.id === 'next').map((e) => e.at)).toEqual(['start', 'end']);
  });
});
