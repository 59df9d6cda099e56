import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  adoptLegacyGpuLeasesSignal,
  DEFAULT_GPU_LEDGER_ID,
  GPU_LEDGER_WORKFLOW,
  type GpuLeaseAnswer,
  type GpuLeaseRequest,
  type GpuLedgerActivities,
  type GpuLedgerCall,
  gpuLedgerCallsUpdate,
  releaseGpuLeaseSignal,
  releaseNimShareSignal,
  requestGpuLeaseSignal,
  requestGpuLeaseUpdate,
} from '../workflows/gpu-budget-contract';
import { LedgerCallBatcher } from './ledger-call-batcher';
import { LEDGER_SIGNALS_IN_FLIGHT, LedgerSignalGate } from './ledger-signal-gate';

export interface GpuBudgetDeps {
  temporal: Client;
  /** Where the ledger runs when a request has to start it. */
  taskQueue: string;
  /** The ledger's workflow id: one per namespace. */
  gpuLedgerId?: string;
  /** Bounds this process's signals to the ledger (one gate per worker process). */
  gate?: LedgerSignalGate;
}

const processGate = new LedgerSignalGate(LEDGER_SIGNALS_IN_FLIGHT);

/** temporal.api.enums.v1.PendingWorkflowTaskState: scheduled, not yet picked up by a worker. */
const PENDING_WORKFLOW_TASK_STATE_SCHEDULED = 1;

export function createGpuBudgetActivities({
  temporal,
  taskQueue,
  gpuLedgerId = DEFAULT_GPU_LEDGER_ID,
  gate = processGate,
}: GpuBudgetDeps): Omit<GpuLedgerActivities, 'teardownOrphanedNim'> {
  // how a call that finds no ledger starts it
  const ledgerStart = { workflowId: gpuLedgerId, taskQueue, args: [] as [] };
  const signalLedger = (signal: { name: string }, signalArgs: unknown[]) =>
    gate.run(async () => {
      await temporal.workflow.signalWithStart(GPU_LEDGER_WORKFLOW, { ...ledgerStart, signal: signal.name, signalArgs });
    });

  const ledgerHandle = () => temporal.workflow.getHandle(gpuLedgerId);
  const sendCalls = async (calls: GpuLedgerCall[]): Promise<GpuLeaseAnswer[]> => {
    const apply = () =>
      ledgerHandle()
        .executeUpdate(gpuLedgerCallsUpdate, { args: [calls] })
        .catch((err: unknown) => (isUnknownUpdate(err) ? oneByOne(calls) : Promise.reject(err)));
    try {
      return await apply();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    // no ledger means nothing is held: releases alone do not start one
    if (calls.every((call) => 'release' in call)) return calls.map(() => ({ granted: false }));
    await temporal.workflow.start(GPU_LEDGER_WORKFLOW, { ...ledgerStart, workflowIdConflictPolicy: 'USE_EXISTING' });
    return apply();
  };
  /** A ledger of older code, without the batch update: each call as that code takes it. */
  const oneByOne = async (calls: GpuLedgerCall[]): Promise<GpuLeaseAnswer[]> => {
    const answers: GpuLeaseAnswer[] = [];
    for (const call of calls) {
      if ('release' in call) {
        await ledgerHandle().signal(releaseGpuLeaseSignal, call.release);
        answers.push({ granted: false });
        continue;
      }
      try {
        answers.push(await ledgerHandle().executeUpdate(requestGpuLeaseUpdate, { args: [call.request] }));
      } catch (err) {
        if (!isUnknownUpdate(err)) throw err;
        await ledgerHandle().signal(requestGpuLeaseSignal, call.request);
        answers.push({ granted: false });
      }
    }
    return answers;
  };
  const batcher = new LedgerCallBatcher(gate, sendCalls);

  return {
    /** Queues a lease request with the ledger, starting the ledger if needed. */
    async requestGpuLease(request: GpuLeaseRequest) {
      await signalLedger(requestGpuLeaseSignal, [request]);
    },

    /**
     * Asks the ledger for a lease and gets its answer: granted now, or queued (a grant signal
     * follows). Sent in a batch with this process's other ledger calls.
     */
    async askForGpuLease(request: GpuLeaseRequest): Promise<GpuLeaseAnswer> {
      return batcher.submit({ request });
    },

    async releaseGpuLease(leaseId: string) {
      await batcher.submit({ release: leaseId });
    },

    /** A user of a shared NIM lets go of it; the ledger answers the holder with a signal. */
    async releaseNimShare(leaseId: string) {
      // starts the ledger if it is gone, so the holder still gets its answer (it was the last user)
      await signalLedger(releaseNimShareSignal, [leaseId]);
    },

    /** Which holders will never release: closed, gone, or stuck on their workflow task. */
    async findDeadGpuHolders({ holderIds, stuckTaskAttempts, stuckScheduledMs }) {
      const dead = [];
      for (const holderId of holderIds) {
        const reason = await whyDead(temporal, holderId, stuckTaskAttempts, stuckScheduledMs);
        if (reason) dead.push({ holderId, reason });
      }
      return dead;
    },

    /** A pre-ledger semaphore hands its leases to the ledger. */
    async adoptLegacyGpuLeases(leases) {
      await signalLedger(adoptLegacyGpuLeasesSignal, [leases]);
    },

    /** A run that began on generation 001 code asks for GPUs: it gets a ledger lease. */
    async requestGpus(request) {
      await signalLedger(adoptLegacyGpuLeasesSignal, [
        { budget: request.budget, held: [], waiting: [request], resend: [] },
      ]);
    },

    /** Pre-ledger liveness check: which of these workflows are no longer running. */
    async findClosedWorkflows(workflowIds: string[]) {
      const closed: string[] = [];
      for (const id of workflowIds) {
        const reason = await whyDead(temporal, id, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
        if (reason) closed.push(id);
      }
      return closed;
    },
  };
}

/** The ledger rejected an update for want of a handler: it runs code older than the update. */
function isUnknownUpdate(err: unknown): boolean {
  return err instanceof WorkflowUpdateFailedError && /no registered handler for update/i.test(err.cause?.message ?? '');
}

async function whyDead(
  temporal: Client,
  workflowId: string,
  stuckTaskAttempts: number,
  stuckScheduledMs: number,
): Promise<string | undefined> {
  let description: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['describe']>>;
  try {
    description = await temporal.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') return 'workflow not found';
    throw err;
  }
  if (description.status.name !== 'RUNNING') return `workflow ${description.status.name.toLowerCase()}`;
  const task = description.raw.pendingWorkflowTask;
  if (!task) return undefined;
  if ((task.attempt ?? 0) >= stuckTaskAttempts) return `stuck: workflow task attempt ${task.attempt}`;
  const scheduledAt = timestampMs(task.originalScheduledTime ?? task.scheduledTime);
  if (task.state === PENDING_WORKFLOW_TASK_STATE_SCHEDULED && scheduledAt !== undefined) {
    const waitedMs = Date.now() - scheduledAt;
    if (waitedMs >= stuckScheduledMs)
      return `stuck: workflow task waiting ${Math.round(waitedMs / 1000)} s for a worker`;
  }
  return undefined;
}

function timestampMs(ts: { seconds?: number | Long | null; nanos?: number | null } | null | undefined) {
  return ts?.seconds == null ? undefined : Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

type Long = { toNumber(): number };
