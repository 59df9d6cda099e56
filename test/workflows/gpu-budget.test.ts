import { temporal as proto } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { createGpuBudgetActivities } from '../../activities/gpu-budget';
import {
  DEFAULT_GPU_LEDGER_ID,
  GPU_LEDGER_WORKFLOW,
  type GpuLedgerState,
  gpuLedgerStateQuery,
  legacyGpuSemaphoreId,
  releaseGpuLeaseSignal,
} from '../../workflows/gpu-budget-contract';
import { legacyAcquireGpusSignal } from '../../workflows/gpu-budget-legacy';
import { eventually } from '../support/flywheel-harness';
import { recordWorkflowHistory } from '../support/flywheel-histories';
import { connectTestEnvironment, uniqueTaskQueue } from '../support/temporal';
import { breakSignal, pokeSignal } from './fixtures/gpu-holder-workflows';

const EventType = proto.api.enums.v1.EventType;

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

describe('GPU ledger', () => {
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

  /** A worker for holders and the ledger on one task queue, with a ledger of its own. */
  async function rig(options: { ledgerQueue?: string } = {}) {
    const taskQueue = uniqueTaskQueue('gpu');
    const ledgerId = `${DEFAULT_GPU_LEDGER_ID}-${taskQueue}`;
    const events: Hold[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: {
        ...createGpuBudgetActivities({
          temporal: env.client,
          taskQueue: options.ledgerQueue ?? taskQueue,
          gpuLedgerId: ledgerId,
        }),
        async recordHold(e: { id: string; at: 'start' | 'end' }) {
          events.push({ ...e, t: Date.now() });
        },
      },
    });
    const ledger = env.client.workflow.getHandle(ledgerId);
    const state = () => ledger.query(gpuLedgerStateQuery) as Promise<GpuLedgerState>;
    const startLedger = (initial: Partial<GpuLedgerState>) =>
      env.client.workflow.start(GPU_LEDGER_WORKFLOW, {
        taskQueue: options.ledgerQueue ?? taskQueue,
        workflowId: ledgerId,
        args: [initial],
      });
    const holder = (type: string, name: string, args: unknown[]) =>
      env.client.workflow.start(type, { taskQueue, workflowId: `${taskQueue}-${name}`, args });
    const started = (id: string) =>
      eventually(`${id} to hold GPUs`, async () => events.some((e) => e.id === id) || undefined);
    return { taskQueue, ledgerId, ledger, events, worker, state, startLedger, holder, started };
  }

  async function runHolders(budget: number, holders: number, gpusEach = 1) {
    const r = await rig();
    await r.worker.runUntil(async () => {
      await Promise.all(
        Array.from({ length: holders }, (_, i) =>
          r.holder('gpuHolder', `holder-${i}`, [`h${i}`, gpusEach, budget, 300]).then((h) => h.result()),
        ),
      );
      const state = await r.state();
      expect(state.held).toEqual([]);
      expect(state.waiting).toEqual([]);
      await r.ledger.terminate('test done');
    });
    return r.events;
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

  test('one workflow holds a lease per purpose, each released on its own', async () => {
    const r = await rig();
    await r.worker.runUntil(async () => {
      const multi = await r.holder('multiPurposeHolder', 'multi', ['multi', ['nim', 'training'], 2, 300]);
      await r.started('multi');
      const held = await r.state();
      expect(held.held.map((l) => [l.leaseId, l.purpose, l.holderId])).toEqual([
        [`${multi.workflowId}/nim`, 'nim', multi.workflowId],
        [`${multi.workflowId}/training`, 'training', multi.workflowId],
      ]);
      // the budget is full: a third GPU waits until the first lease is released
      const next = await r.holder('gpuHolder', 'next', ['next', 1, 2, 10]);
      await next.result();
      await multi.result();
      const ends = Object.fromEntries(r.events.map((e) => [`${e.id}-${e.at}`, e.t]));
      expect(ends['next-start']).toBeGreaterThan(ends['multi-start'] as number);
      expect((await r.state()).held).toEqual([]);
      await r.ledger.terminate('test done');
    });
  });

  test('the lease of a holder that was terminated is reclaimed', async () => {
    const r = await rig();
    await r.worker.runUntil(async () => {
      await r.startLedger({ budget: 1, settings: { livenessCheckMs: 500 } as GpuLedgerState['settings'] });
      const stuck = await r.holder('gpuHolder', 'stuck', ['stuck', 1, 1, 600_000]);
      await r.started('stuck');
      await stuck.terminate('simulated crash: never releases');
      // The next holder only gets the GPU if the dead holder's lease is reclaimed.
      await (await r.holder('gpuHolder', 'next', ['next', 1, 1, 10])).result();
      const { reclaimed } = await r.state();
      expect(reclaimed).toEqual([{ leaseId: `${stuck.workflowId}/nim`, gpus: 1, reason: 'workflow terminated' }]);
      await r.ledger.terminate('test done');
    });
    expect(r.events.filter((e) => e.id === 'next').map((e) => e.at)).toEqual(['start', 'end']);
  });

  test('the lease of a holder whose workflow task keeps failing is reclaimed', async () => {
    const r = await rig();
    await r.worker.runUntil(async () => {
      await r.startLedger({ budget: 1, settings: { livenessCheckMs: 300, stuckTaskAttempts: 2 } as never });
      const broken = await r.holder('breakableHolder', 'broken', ['broken', 1]);
      await r.started('broken');
      await broken.signal(breakSignal);
      await (await r.holder('gpuHolder', 'next', ['next', 1, 1, 10])).result();
      const { reclaimed } = await r.state();
      expect(reclaimed).toHaveLength(1);
      expect(reclaimed[0]?.reason).toMatch(/^stuck: workflow task attempt \d+$/);
      expect((await broken.describe()).status.name).toBe('RUNNING'); // still broken, but no longer holding GPUs
      await broken.terminate('test done');
      await r.ledger.terminate('test done');
    });
  });

  test('the lease of a holder no worker picks up (its version is gone) is reclaimed', async () => {
    // The ledger has a worker of its own; the holder's worker is stopped while it holds GPUs.
    const ledgerQueue = uniqueTaskQueue('gpu-ledger');
    const r = await rig({ ledgerQueue });
    const ledgerWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: ledgerQueue,
      workflowBundle: bundle,
      activities: createGpuBudgetActivities({ temporal: env.client, taskQueue: ledgerQueue, gpuLedgerId: r.ledgerId }),
    });
    await ledgerWorker.runUntil(async () => {
      await r.startLedger({ budget: 1, settings: { livenessCheckMs: 300, stuckScheduledMs: 1000 } as never });
      const orphan = await r.worker.runUntil(async () => {
        const h = await r.holder('idleHolder', 'orphan', ['orphan', 1]);
        await r.started('orphan');
        return h;
      });
      await orphan.signal(pokeSignal); // a workflow task no worker will start
      // the holder waiting for the GPU runs on a queue (and worker) of its own
      const nextQueue = uniqueTaskQueue('gpu-next');
      const nextWorker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: nextQueue,
        workflowBundle: bundle,
        activities: {
          ...createGpuBudgetActivities({ temporal: env.client, taskQueue: ledgerQueue, gpuLedgerId: r.ledgerId }),
          async recordHold() {},
        },
      });
      await nextWorker.runUntil(async () => {
        await env.client.workflow.execute('gpuHolder', {
          taskQueue: nextQueue,
          workflowId: `${nextQueue}-next`,
          args: ['next', 1, 1, 10],
        });
      });
      const { reclaimed } = await r.state();
      expect(reclaimed).toHaveLength(1);
      expect(reclaimed[0]?.reason).toMatch(/^stuck: workflow task waiting \d+ s for a worker$/);
      await orphan.terminate('test done');
      await r.ledger.terminate('test done');
    });
  });

  test('continue-as-new carries every lease, the queue and the settings', async () => {
    const r = await rig();
    const firstRunId = await r.worker.runUntil(async () => {
      const start = await r.startLedger({ budget: 1, settings: { maxHistoryEvents: 25 } as never });
      await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          r.holder('gpuHolder', `h${i}`, [`h${i}`, 1, 1, 200]).then((h) => h.result()),
        ),
      );
      const state = await r.state();
      expect(state).toMatchObject({ budget: 1, held: [], waiting: [], resend: [] });
      expect(state.settings.maxHistoryEvents).toBe(25);
      const current = await r.ledger.describe();
      expect(current.runId).not.toBe(start.firstExecutionRunId); // it continued as new at least once
      await r.ledger.terminate('test done');
      await recordWorkflowHistory(env.client, r.ledgerId, start.firstExecutionRunId, 'gpu-ledger-continued-as-new');
      return start.firstExecutionRunId;
    });
    expect(firstRunId).toBeTruthy();
    expect(peakConcurrency(r.events)).toBe(1);
    expect(r.events.filter((e) => e.at === 'end')).toHaveLength(4);
  });

  test('a pre-ledger semaphore hands its leases to the ledger, which grants its holders', async () => {
    const r = await rig();
    await r.worker.runUntil(async () => {
      const legacyId = legacyGpuSemaphoreId(r.taskQueue);
      const holding = await r.holder('legacyHolder', 'holding', [`${r.taskQueue}-holding`]);
      const waiting = await r.holder('legacyHolder', 'waiting', [`${r.taskQueue}-waiting`]);
      // what a semaphore of generation 001 knew: one holder granted, one waiting for the only GPU
      await env.client.workflow.signalWithStart(GPU_LEDGER_WORKFLOW, {
        taskQueue: r.taskQueue,
        workflowId: legacyId,
        args: [{ budget: 1, held: [{ requestId: holding.workflowId, gpus: 1, budget: 1, label: 'old' }], waiting: [] }],
        signal: legacyAcquireGpusSignal,
        signalArgs: [{ requestId: waiting.workflowId, gpus: 1, budget: 1, label: 'old' }],
      });
      await env.client.workflow.getHandle(legacyId).result(); // handed over and ended
      const state = await eventually('the ledger to adopt the leases', async () => {
        const s = await r.state().catch(() => undefined);
        return s && s.held.length + s.waiting.length === 2 ? s : undefined;
      });
      expect(state.held).toEqual([expect.objectContaining({ leaseId: `${holding.workflowId}/nim`, legacy: true })]);
      expect(state.waiting).toEqual([expect.objectContaining({ leaseId: `${waiting.workflowId}/nim`, legacy: true })]);
      // releasing the old holder's lease (as its live code now does) grants the waiting one
      await createGpuBudgetActivities({
        temporal: env.client,
        taskQueue: r.taskQueue,
        gpuLedgerId: r.ledgerId,
      }).releaseGpuLease(`${holding.workflowId}/nim`);
      await waiting.result();
      await holding.terminate('test done');
      await r.ledger.terminate('test done');
    });
  });
  describe('a lease asked for by update', () => {
    const eventTypes = async (workflowId: string) =>
      (await env.client.workflow.getHandle(workflowId).fetchHistory()).events?.map((e) => ({
        type: e.eventType,
        signal: e.workflowExecutionSignaledEventAttributes?.signalName,
      })) ?? [];
    const signalsNamed = (events: { signal?: string | null }[], name: string) =>
      events.filter((e) => e.signal === name).length;
    const request = (r: { taskQueue: string }, name: string, budget: number) => {
      const holderId = `${r.taskQueue}-${name}`;
      return { leaseId: `${holderId}/nim`, holderId, purpose: 'nim', gpus: 1, budget, label: name };
    };

    test('that fits is granted in the answer: no grant signal, none sent by the ledger, none sent to it', async () => {
      const r = await rig();
      await r.worker.runUntil(async () => {
        const first = await r.holder('gpuHolder', 'first', ['first', 1, 1, 10]);
        await first.result();
        const second = await r.holder('gpuHolder', 'second', ['second', 1, 1, 10]);
        await second.result();
        for (const holder of [first, second])
          expect(signalsNamed(await eventTypes(holder.workflowId), 'gpusGranted')).toBe(0);
        const ledgerEvents = await eventTypes(r.ledgerId);
        expect(
          ledgerEvents.filter((e) => e.type === EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED),
        ).toEqual([]);
        expect(
          ledgerEvents.filter((e) => e.type === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED),
        ).toHaveLength(4);
        // releases too go as updates: the ledger receives no signal at all
        expect(ledgerEvents.filter((e) => e.type === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toEqual([]);
        await r.ledger.terminate('test done');
      });
    });

    test('that has to wait is answered queued, then granted by signal once GPUs are free', async () => {
      const r = await rig();
      await r.worker.runUntil(async () => {
        const holding = await r.holder('gpuHolder', 'holding', ['holding', 1, 1, 600_000]);
        await r.started('holding');
        const waiting = await r.holder('gpuHolder', 'waiting', ['waiting', 1, 1, 10]);
        await eventually('the second lease to wait', async () =>
          (await r.state()).waiting.length === 1 ? true : undefined,
        );
        expect(r.events.map((e) => e.id)).toEqual(['holding']);
        await holding.terminate('let go');
        await r.ledger.signal(releaseGpuLeaseSignal, `${holding.workflowId}/nim`);
        await waiting.result();
        expect(signalsNamed(await eventTypes(waiting.workflowId), 'gpusGranted')).toBe(1);
        expect(signalsNamed(await eventTypes(holding.workflowId), 'gpusGranted')).toBe(0);
        await r.ledger.terminate('test done');
      });
    });

    test('asked again (a retried activity), a held lease is granted again and held once; a waiting one waits once', async () => {
      const r = await rig();
      const acts = createGpuBudgetActivities({ temporal: env.client, taskQueue: r.taskQueue, gpuLedgerId: r.ledgerId });
      await r.worker.runUntil(async () => {
        const held = request(r, 'held', 1);
        const queued = request(r, 'queued', 1);
        expect(await acts.askForGpuLease(held)).toEqual({ granted: true });
        expect(await acts.askForGpuLease(held)).toEqual({ granted: true });
        expect(await acts.askForGpuLease(queued)).toEqual({ granted: false });
        expect(await acts.askForGpuLease(queued)).toEqual({ granted: false });
        const state = await r.state();
        expect(state.held.map((l) => l.leaseId)).toEqual([held.leaseId]);
        expect(state.waiting.map((l) => l.leaseId)).toEqual([queued.leaseId]);
        expect(state.resend).toEqual([]);
        await r.ledger.terminate('test done');
      });
    });

    test('asked and released together, the calls of one process reach the ledger in a few updates, not one each', async () => {
      const r = await rig();
      const acts = createGpuBudgetActivities({ temporal: env.client, taskQueue: r.taskQueue, gpuLedgerId: r.ledgerId });
      await r.worker.runUntil(async () => {
        await r.startLedger({ budget: 2 });
        const calls = Array.from({ length: 12 }, (_, i) => request(r, `h${i}`, 2));
        const answers = await Promise.all(calls.map((c) => acts.askForGpuLease(c)));
        // concurrent batches reach the ledger in no set order, but only two leases fit
        expect(answers.filter((a) => a.granted)).toHaveLength(2);
        expect((await r.state()).waiting).toHaveLength(10);
        await Promise.all(calls.map((c) => acts.releaseGpuLease(c.leaseId)));
        const state = await r.state();
        expect(state.held).toEqual([]);
        expect(state.waiting).toEqual([]);
        const updates = (await eventTypes(r.ledgerId)).filter(
          (e) => e.type === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
        );
        // 24 calls, at most LEDGER_SIGNALS_IN_FLIGHT batches in flight: far fewer updates than calls
        expect(updates.length).toBeLessThanOrEqual(2 * 4 + 2);
        await r.ledger.terminate('test done');
      });
    });

    test('of a ledger of generation 008 (one request per update) goes as that update', async () => {
      const r = await rig();
      const acts = createGpuBudgetActivities({ temporal: env.client, taskQueue: r.taskQueue, gpuLedgerId: r.ledgerId });
      await r.worker.runUntil(async () => {
        await env.client.workflow.start('singleUpdateLedger', { taskQueue: r.taskQueue, workflowId: r.ledgerId });
        expect(await acts.askForGpuLease(request(r, 'one', 1))).toEqual({ granted: true });
        const names = (await env.client.workflow.getHandle(r.ledgerId).fetchHistory()).events
          ?.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name)
          .filter(Boolean);
        expect(names).toEqual(['requestGpuLeaseNow']);
        await r.ledger.terminate('test done');
      });
    });

    test('of a ledger running code older than the update goes as a signal, answered queued', async () => {
      const r = await rig();
      const acts = createGpuBudgetActivities({ temporal: env.client, taskQueue: r.taskQueue, gpuLedgerId: r.ledgerId });
      await r.worker.runUntil(async () => {
        // a workflow with no handler for the update stands in for the old ledger
        await env.client.workflow.start('legacyHolder', {
          taskQueue: r.taskQueue,
          workflowId: r.ledgerId,
          args: ['x'],
        });
        expect(await acts.askForGpuLease(request(r, 'old', 1))).toEqual({ granted: false });
        expect(signalsNamed(await eventTypes(r.ledgerId), 'requestGpuLease')).toBe(1);
        await r.ledger.terminate('test done');
      });
    });
  });
});
