import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createGpuBudgetActivities } from '../activities/gpu-budget';
import { shortCall } from './activity-options';

// The GPU budget shared by every run on a task queue: one long-lived semaphore workflow per
// task queue. Its state is in its own history, so grants survive worker restarts; leases of
// holders whose workflows closed without releasing (terminated, reset) are reclaimed.

export interface GpuRequest {
  /** Unique per holder; the requesting workflow's id. */
  requestId: string;
  gpus: number;
  /** The configured budget; the newest request's value applies. */
  budget: number;
  /** What the GPUs are for, shown in queries. */
  label: string;
}

export interface GpuBudgetState {
  budget: number;
  held: GpuRequest[];
  waiting: GpuRequest[];
  /** How often, while someone waits, holders are checked for being alive (default 30 s). */
  livenessCheckMs?: number;
}

export const acquireGpusSignal = defineSignal<[GpuRequest]>('acquireGpus');
export const releaseGpusSignal = defineSignal<[requestId: string]>('releaseGpus');
/** Sent by the semaphore to a requesting workflow when its GPUs are granted. */
export const gpusGrantedSignal = defineSignal<[requestId: string]>('gpusGranted');
export const gpuBudgetStateQuery = defineQuery<GpuBudgetState>('gpuBudgetState');

export const gpuBudgetWorkflowId = (taskQueue: string) => `flywheel-gpu-budget-${taskQueue}`;

const { findClosedWorkflows, requestGpus } = proxyActivities<ReturnType<typeof createGpuBudgetActivities>>(shortCall);

/**
 * Called from a workflow: waits until the task queue's semaphore grants `gpus`. The request id
 * is the calling workflow's id, so each workflow holds at most one lease.
 */
export async function acquireGpus(gpus: number, budget: number, label: string): Promise<void> {
  const requestId = workflowInfo().workflowId;
  let granted = false;
  setHandler(gpusGrantedSignal, (id) => {
    if (id === requestId) granted = true;
  });
  await requestGpus({ requestId, gpus, budget, label });
  await condition(() => granted);
}

/** Gives the calling workflow's GPUs (or its place in the queue) back. */
export async function releaseGpus(): Promise<void> {
  await getExternalWorkflowHandle(gpuBudgetWorkflowId(workflowInfo().taskQueue))
    .signal(releaseGpusSignal, workflowInfo().workflowId)
    .catch(() => undefined); // no semaphore means nothing is held
}

const LIVENESS_CHECK_MS = 30_000;
const MAX_GRANTS_PER_HISTORY = 500;

export async function gpuBudget(initial?: GpuBudgetState): Promise<void> {
  const state: GpuBudgetState = initial ?? { budget: 1, held: [], waiting: [] };
  let dirty = true;
  let grants = 0;
  const resend = new Set<string>();

  setHandler(acquireGpusSignal, (req) => {
    state.budget = req.budget;
    dirty = true;
    if (state.waiting.some((w) => w.requestId === req.requestId)) return;
    // A holder asking again (its activity was retried) gets the grant signal again.
    if (state.held.some((h) => h.requestId === req.requestId)) resend.add(req.requestId);
    else state.waiting.push(req);
  });
  setHandler(releaseGpusSignal, (requestId) => {
    state.held = state.held.filter((h) => h.requestId !== requestId);
    state.waiting = state.waiting.filter((w) => w.requestId !== requestId);
    dirty = true;
  });
  setHandler(gpuBudgetStateQuery, () => state);

  for (;;) {
    dirty = false;
    for (const requestId of resend) await notifyGranted(state, requestId);
    resend.clear();
    while (true) {
      const next = nextThatFits(state);
      if (!next) break;
      state.waiting.shift();
      state.held.push(next);
      grants++;
      await notifyGranted(state, next.requestId);
    }
    if (dirty) continue;
    // Idle: sleep until a signal. Someone waiting: also check now and then that holders live.
    const changed =
      state.waiting.length === 0
        ? await condition(() => dirty).then(() => true)
        : await condition(() => dirty, state.livenessCheckMs ?? LIVENESS_CHECK_MS);
    if (!changed && state.held.length > 0) {
      const closed = new Set(await findClosedWorkflows(state.held.map((h) => h.requestId)));
      if (closed.size > 0) {
        state.held = state.held.filter((h) => !closed.has(h.requestId));
        dirty = true;
      }
    }
    if (grants >= MAX_GRANTS_PER_HISTORY || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof gpuBudget>(state);
    }
  }
}

function nextThatFits(state: GpuBudgetState): GpuRequest | undefined {
  const used = state.held.reduce((n, h) => n + h.gpus, 0);
  const next = state.waiting[0];
  return next && used + next.gpus <= state.budget ? next : undefined;
}

async function notifyGranted(state: GpuBudgetState, requestId: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(requestId).signal(gpusGrantedSignal, requestId);
  } catch {
    // The requester is gone (closed or never existed): its lease is void.
    state.held = state.held.filter((h) => h.requestId !== requestId);
  }
}
