import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  adoptLegacyGpuLeasesSignal,
  DEFAULT_GPU_LEDGER_ID,
  GPU_LEDGER_WORKFLOW,
  type GpuLeaseAnswer,
  type GpuLeaseRequest,
  type GpuLedgerActivities,
  releaseGpuLeaseSignal,
  releaseNimShareSignal,
  requestGpuLeaseSignal,
  requestGpuLeaseUpdate,
} from '../workflows/gpu-budget-contract';
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
  const signalLedger = (signal: { name: string }, signalArgs: unknown[]) =>
    gate.run(async () => {
      await temporal.workflow.signalWithStart(GPU_LEDGER_WORKFLOW, {
        workflowId: gpuLedgerId,
        taskQueue,
        args: [],
        signal: signal.name,
        signalArgs,
      });
    });

  return {
    /** Queues a lease request with the ledger, starting the ledger if needed. */
    async requestGpuLease(request: GpuLeaseRequest) {
      await signalLedger(requestGpuLeaseSignal, [request]);
    },

    /**
     * Asks the ledger for a lease and gets its answer: granted now, or queued (a grant signal
     * follows). A ledger of older code has no such update: the request goes as a signal.
     */
    async askForGpuLease(request: GpuLeaseRequest): Promise<GpuLeaseAnswer> {
      const ask = () =>
        temporal.workflow.getHandle(gpuLedgerId).executeUpdate(requestGpuLeaseUpdate, { args: [request] });
      try {
        return await gate.run(async () => {
          try {
            return await ask();
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
            await temporal.workflow.start(GPU_LEDGER_WORKFLOW, {
              workflowId: gpuLedgerId,
              taskQueue,
              args: [],
              workflowIdConflictPolicy: 'USE_EXISTING',
            });
            return await ask();
          }
        });
      } catch (err) {
        if (!(err instanceof WorkflowUpdateFailedError) || !isUnknownUpdate(err)) throw err;
        await signalLedger(requestGpuLeaseSignal, [request]);
        return { granted: false };
      }
    },

    async releaseGpuLease(leaseId: string) {
      try {
        await gate.run(() => temporal.workflow.getHandle(gpuLedgerId).signal(releaseGpuLeaseSignal, leaseId));
      } catch (err) {
        // no ledger means nothing is held
        if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
      }
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

/** The ledger rejected the update for want of a handler: it runs code older than the update. */
function isUnknownUpdate(err: WorkflowUpdateFailedError): boolean {
  return /no registered handler for update/i.test(err.cause?.message ?? '');
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
