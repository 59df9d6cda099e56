import {
  condition,
  continueAsNew,
  defineSignal,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { shortCall } from './activity-options';
import {
  type GpuLedgerActivities,
  gpuLedgerStateQuery,
  gpusGrantedSignal,
  type LegacyGpuRequest,
} from './gpu-budget-contract';

// The semaphore of generation 001 (one per task queue, `flywheel-gpu-budget-<task queue>`),
// kept so a semaphore that was running when this code shipped replays its history. Its loop
// is the old code unchanged, command for command, except one `patched()` check at the top of
// the loop: the first time it runs live on new code it hands its leases to the ledger and
// ends. Never change what this loop does before that check.

interface LegacyGpuBudgetState {
  budget: number;
  held: LegacyGpuRequest[];
  waiting: LegacyGpuRequest[];
  livenessCheckMs?: number;
}

export const legacyAcquireGpusSignal = defineSignal<[LegacyGpuRequest]>('acquireGpus');
export const legacyReleaseGpusSignal = defineSignal<[requestId: string]>('releaseGpus');

const { findClosedWorkflows, adoptLegacyGpuLeases } = proxyActivities<GpuLedgerActivities>(shortCall);

const LIVENESS_CHECK_MS = 30_000;
const MAX_GRANTS_PER_HISTORY = 500;
export const LEGACY_HANDOVER_PATCH = 'gpu-semaphore-hands-over-to-ledger';

export async function legacyGpuBudget(initial?: LegacyGpuBudgetState): Promise<void> {
  const state: LegacyGpuBudgetState = initial ?? { budget: 1, held: [], waiting: [] };
  let dirty = true;
  let grants = 0;
  const resend = new Set<string>();

  setHandler(legacyAcquireGpusSignal, (req) => {
    state.budget = req.budget;
    dirty = true;
    if (state.waiting.some((w) => w.requestId === req.requestId)) return;
    if (state.held.some((h) => h.requestId === req.requestId)) resend.add(req.requestId);
    else state.waiting.push(req);
  });
  setHandler(legacyReleaseGpusSignal, (requestId) => {
    state.held = state.held.filter((h) => h.requestId !== requestId);
    state.waiting = state.waiting.filter((w) => w.requestId !== requestId);
    dirty = true;
  });
  setHandler(gpuLedgerStateQuery, () => ({
    budget: state.budget,
    held: state.held.map(toLease),
    waiting: state.waiting.map(toLease),
    resend: [...resend],
    settings: {
      livenessCheckMs: state.livenessCheckMs ?? LIVENESS_CHECK_MS,
      stuckTaskAttempts: 0,
      stuckScheduledMs: 0,
      maxHistoryEvents: 0,
    },
    reclaimed: [],
  }));

  for (;;) {
    if (patched(LEGACY_HANDOVER_PATCH)) {
      await adoptLegacyGpuLeases({
        budget: state.budget,
        held: state.held,
        waiting: state.waiting,
        resend: [...resend],
      });
      return;
    }
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
      await continueAsNew<typeof legacyGpuBudget>(state);
    }
  }
}

function toLease(r: LegacyGpuRequest) {
  return { leaseId: r.requestId, holderId: r.requestId, purpose: 'nim', legacy: true, ...r };
}

function nextThatFits(state: LegacyGpuBudgetState): LegacyGpuRequest | undefined {
  const used = state.held.reduce((n, h) => n + h.gpus, 0);
  const next = state.waiting[0];
  return next && used + next.gpus <= state.budget ? next : undefined;
}

async function notifyGranted(state: LegacyGpuBudgetState, requestId: string): Promise<void> {
  try {
    await getExternalWorkflowHandle(requestId).signal(gpusGrantedSignal, requestId);
  } catch {
    state.held = state.held.filter((h) => h.requestId !== requestId);
  }
}
