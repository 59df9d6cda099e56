import type { Client } from '@temporalio/client';
import { acquireGpusSignal, type GpuRequest, gpuBudgetWorkflowId } from '../workflows/gpu-budget';

export interface GpuBudgetDeps {
  temporal: Client;
  taskQueue: string;
}

export function createGpuBudgetActivities({ temporal, taskQueue }: GpuBudgetDeps) {
  return {
    /** Queues a request with the task queue's GPU semaphore, starting it if needed. */
    async requestGpus(request: GpuRequest): Promise<void> {
      await temporal.workflow.signalWithStart('gpuBudget', {
        workflowId: gpuBudgetWorkflowId(taskQueue),
        taskQueue,
        args: [],
        signal: acquireGpusSignal,
        signalArgs: [request],
      });
    },

    /** Which of these workflows are no longer running (their GPU leases are void). */
    async findClosedWorkflows(workflowIds: string[]): Promise<string[]> {
      const closed: string[] = [];
      for (const id of workflowIds) {
        try {
          const { status } = await temporal.workflow.getHandle(id).describe();
          if (status.name !== 'RUNNING') closed.push(id);
        } catch (err) {
          if ((err as Error).name === 'WorkflowNotFoundError') closed.push(id);
          else throw err;
        }
      }
      return closed;
    },
  };
}
