import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { cleanup, shortCall } from './activity-options';
import {
  adoptLegacyGpuLeasesSignal,
  configureGpuLedgerSignal,
  DEFAULT_GPU_LEDGER_SETTINGS,
  GPU_PURPOSES,
  type GpuLease,
  type GpuLeaseRequest,
  type GpuLedgerActivities,
  type GpuLedgerState,
  type GpuPurpose,
  type GpuShare,
  gpuLeaseId,
  gpuLedgerCallsUpdate,
  gpuLedgerStateQuery,
  gpusGrantedSignal,
  LEGACY_GPU_SEMAPHORE_PREFIX,
  type LegacyGpuLeases,
  legacyGpuSemaphoreId,
  nimShareReleasedSignal,
  type ReclaimedLease,
  releaseGpuLeaseSignal,
  releaseNimShareSignal,
  requestGpuLeaseSignal,
  requestGpuLeaseUpdate,
} from './gpu-budget-contract';
import { legacyGpuBudget, legacyReleaseGpusSignal } from './gpu-budget-legacy';
import { GPU_GRANTS_IN_TURN_PER_HOLDER, GPU_LEASE_BY_UPDATE, GPU_LEDGER_BATCH_GRANTS } from './patches';

// The GPU ledger: one long-lived workflow grants GPU leases against the budget. Its state is
// in its history, so grants survive worker restarts. It runs AUTO_UPGRADE (the versioned
// worker's default: each new Current Version takes it over) and continues as new often, so a new version only ever replays a
// short history; everything it knows travels in the continue-as-new input. Leases of holders
// that closed, were terminated or are stuck (failing workflow tasks, or no worker for their
// version) are reclaimed while someone waits.

const ledger = proxyActivities<GpuLedgerActivities>(shortCall);
const orphanTeardown = proxyActivities<GpuLedgerActivities>(cleanup);

// Runs whose histories began on generation 001 code requested GPUs from the per-task-queue
// semaphore; on replay they take the old path, live they use the ledger.
const ACQUIRE_PATCH = 'gpu-ledger-acquire';
const RELEASE_PATCH = 'gpu-ledger-release';

// Lease ids (or, for legacy requests, workflow ids) the ledger has granted this workflow.
const granted = new Set<string>();
let grantHandlerInstalled = false;
function listenForGrants(): void {
  if (grantHandlerInstalled) return;
  grantHandlerInstalled = true;
  setHandler(gpusGrantedSignal, (id) => {
    granted.add(id);
  });
}

// The ledger's answers to releaseNimShare: lease id -> whether this workflow was the last user.
const shareReleased = new Map<string, boolean>();
let shareHandlerInstalled = false;
function listenForShareReleases(): void {
  if (shareHandlerInstalled) return;
  shareHandlerInstalled = true;
  setHandler(nimShareReleasedSignal, ({ leaseId, last }) => {
    shareReleased.set(leaseId, last);
  });
}

/**
 * Called from a workflow: waits until the ledger grants `gpus` for `purpose`. A workflow holds
 * at most one lease per purpose; asking again for a held lease returns once it is re-granted.
 */
export async function acquireGpus(
  gpus: number,
  budget: number,
  label: string,
  purpose: GpuPurpose = GPU_PURPOSES.nim,
  reserve?: number,
  /** Called once the request is in the ledger's queue (the signal is in its history). */
  onQueued?: () => void,
  /** A NIM deployment runs may share (gpu_policy.share_nims). */
  share?: GpuShare,
): Promise<void> {
  listenForGrants();
  const holderId = workflowInfo().workflowId;
  if (!patched(ACQUIRE_PATCH)) {
    await ledger.requestGpus({ requestId: holderId, gpus, budget, label });
    await condition(() => granted.has(holderId));
    return;
  }
  const leaseId = gpuLeaseId(holderId, purpose);
  granted.delete(leaseId);
  const request = {
    leaseId,
    holderId,
    purpose,
    gpus,
    budget,
    label,
    ...(reserve !== undefined ? { reserve } : {}),
    ...(share ? { share } : {}),
  };
  if (patched(GPU_LEASE_BY_UPDATE)) {
    const { granted: now } = await ledger.askForGpuLease(request);
    onQueued?.();
    if (!now) await condition(() => granted.has(leaseId));
    return;
  }
  await ledger.requestGpuLease(request);
  onQueued?.();
  await condition(() => granted.has(leaseId));
}

/** Gives the calling workflow's lease for `purpose` (or its place in the queue) back. */
export async function releaseGpus(purpose: GpuPurpose = GPU_PURPOSES.nim): Promise<void> {
  const holderId = workflowInfo().workflowId;
  if (!patched(RELEASE_PATCH)) {
    await getExternalWorkflowHandle(legacyGpuSemaphoreId(workflowInfo().taskQueue))
      .signal(legacyReleaseGpusSignal, holderId)
      .catch(() => undefined);
    return;
  }
  const leaseId = gpuLeaseId(holderId, purpose);
  granted.delete(leaseId);
  await ledger.releaseGpuLease(leaseId);
}

/**
 * Lets go of a shared NIM's lease (`purpose`): resolves true when this workflow was the
 * deployment's last user. Then its lease is kept (draining) until it has torn the deployment
 * down and called releaseGpus; otherwise the lease is gone and the deployment stays up for
 * the others.
 */
export async function releaseNimShare(purpose: GpuPurpose = GPU_PURPOSES.nim): Promise<boolean> {
  listenForShareReleases();
  const leaseId = gpuLeaseId(workflowInfo().workflowId, purpose);
  granted.delete(leaseId);
  shareReleased.delete(leaseId);
  await ledger.releaseNimShare(leaseId);
  await condition(() => shareReleased.has(leaseId));
  return shareReleased.get(leaseId) as boolean;
}

const MAX_RECLAIMED_SHOWN = 20;

export async function gpuBudget(initial?: Partial<GpuLedgerState>): Promise<void> {
  // A semaphore of the pre-ledger code: replays as it was, then hands its leases over.
  if (workflowInfo().workflowId.startsWith(LEGACY_GPU_SEMAPHORE_PREFIX)) {
    return legacyGpuBudget(initial as Parameters<typeof legacyGpuBudget>[0]);
  }
  const state: GpuLedgerState = {
    budget: initial?.budget ?? 1,
    held: initial?.held ?? [],
    waiting: initial?.waiting ?? [],
    resend: initial?.resend ?? [],
    settings: { ...DEFAULT_GPU_LEDGER_SETTINGS, ...initial?.settings },
    reclaimed: initial?.reclaimed ?? [],
    shareReplies: initial?.shareReplies ?? [],
    orphans: initial?.orphans ?? [],
  };
  const shareReplies = state.shareReplies as NonNullable<GpuLedgerState['shareReplies']>;
  // Orphaned shared NIMs being deleted by this run of the ledger (a new run starts them again).
  const deleting = new Set<string>();
  let dirty = true;
  const has = (list: GpuLease[], leaseId: string) => list.some((l) => l.leaseId === leaseId);
  const request = (lease: GpuLease) => {
    state.budget = lease.budget;
    dirty = true;
    if (has(state.waiting, lease.leaseId)) return;
    if (has(state.held, lease.leaseId)) {
      if (!state.resend.includes(lease.leaseId)) state.resend.push(lease.leaseId);
    } else state.waiting.push(lease);
  };

  setHandler(requestGpuLeaseSignal, (req) => request({ ...req }));
  // Queued as a signal's request is, but granted in the answer when it fits now (first come,
  // first served: only if the queue's grants include it). A retried request for a held lease
  // is answered granted again, with no signal.
  const requestNow = (req: GpuLeaseRequest) => {
    if (has(state.held, req.leaseId)) {
      state.budget = req.budget;
      return { granted: true };
    }
    request({ ...req });
    const grant = grantable(state).find((l) => l.leaseId === req.leaseId);
    if (!grant) return { granted: false };
    state.waiting = state.waiting.filter((l) => l.leaseId !== req.leaseId);
    state.held.push(grant);
    return { granted: true };
  };
  const release = (leaseId: string) => {
    const { lease, last } = dropHeld(state, leaseId);
    // a shared NIM's last user let go without being told it was last (it released a lease it
    // did not know was granted): another user may have deployed it, so the ledger deletes it
    if (lease?.share && last && !lease.draining) state.orphans = [...(state.orphans ?? []), lease];
    state.waiting = state.waiting.filter((l) => l.leaseId !== leaseId);
    state.resend = state.resend.filter((id) => id !== leaseId);
    dirty = true;
  };
  setHandler(requestGpuLeaseUpdate, requestNow);
  setHandler(gpuLedgerCallsUpdate, (calls) =>
    calls.map((call) => {
      if ('request' in call) return requestNow(call.request);
      release(call.release);
      return { granted: false };
    }),
  );
  setHandler(releaseGpuLeaseSignal, release);
  setHandler(releaseNimShareSignal, (leaseId) => {
    shareReplies.push({ leaseId, holderId: holderOfLease(leaseId), last: releaseShare(state, leaseId) });
    dirty = true;
  });
  setHandler(adoptLegacyGpuLeasesSignal, (legacy) => {
    adoptLegacy(state, legacy, request);
    dirty = true;
  });
  setHandler(configureGpuLedgerSignal, (settings) => {
    state.settings = { ...state.settings, ...settings };
    dirty = true;
  });
  setHandler(gpuLedgerStateQuery, () => state);

  for (;;) {
    dirty = false;
    while (shareReplies.length > 0) {
      const { holderId, ...reply } = shareReplies.shift() as (typeof shareReplies)[number];
      // a holder that is gone has nothing left to tear down (the reclaim path has its lease)
      await getExternalWorkflowHandle(holderId)
        .signal(nimShareReleasedSignal, reply)
        .catch(() => undefined);
    }
    for (const orphan of state.orphans ?? []) {
      if (deleting.has(orphan.leaseId) || !orphan.share) continue;
      deleting.add(orphan.leaseId);
      void orphanTeardown
        .teardownOrphanedNim(orphan.share.deployment)
        .catch(() => undefined) // retried until its timeout; past it the GPUs go back regardless
        .then(() => {
          deleting.delete(orphan.leaseId);
          state.orphans = (state.orphans ?? []).filter((o) => o.leaseId !== orphan.leaseId);
          dirty = true;
        });
    }
    while (state.resend.length > 0) {
      const leaseId = state.resend.shift() as string;
      const lease = state.held.find((l) => l.leaseId === leaseId);
      if (lease) await notifyGranted(state, lease);
    }
    if (patched(GPU_LEDGER_BATCH_GRANTS)) {
      const grants = grantable(state);
      const grantedIds = new Set(grants.map((l) => l.leaseId));
      state.waiting = state.waiting.filter((l) => !grantedIds.has(l.leaseId));
      state.held.push(...grants);
      if (patched(GPU_GRANTS_IN_TURN_PER_HOLDER)) await notifyInTurnPerHolder(state, grants);
      else await Promise.all(grants.map((lease) => notifyGranted(state, lease)));
    } else {
      for (let next = nextThatFits(state); next; next = nextThatFits(state)) {
        state.waiting.shift();
        state.held.push(next);
        await notifyGranted(state, next);
      }
    }
    if (dirty) continue;
    // Idle: sleep until a signal. Someone waiting: also check now and then that holders live.
    // A shared NIM's users are watched too: its last user may die without tearing it down.
    const watch = state.waiting.length > 0 || state.held.some((l) => l.share);
    const changed = !watch
      ? await condition(() => dirty).then(() => true)
      : await condition(() => dirty, state.settings.livenessCheckMs);
    if (!changed && state.held.length > 0) await reclaimFromDeadHolders(state);
    const info = workflowInfo();
    if (info.historyLength >= state.settings.maxHistoryEvents || info.continueAsNewSuggested) {
      await condition(() => allHandlersFinished() && deleting.size === 0);
      await continueAsNew<typeof gpuBudget>(state);
    }
  }
}

function nextThatFits(state: GpuLedgerState): GpuLease | undefined {
  const used = state.held.reduce((n, l) => n + l.gpus, 0);
  const next = state.waiting[0];
  return next && used + next.gpus <= state.budget ? next : undefined;
}

const sum = (leases: GpuLease[]) => leases.reduce((n, l) => n + l.gpus, 0);

/**
 * The waiting leases to grant now, in queue order (first come, first served). Two documented
 * exceptions keep it deadlock-free: a lease with a `reserve` (a judge) is granted only if the
 * held judges plus it leave `reserve` GPUs for their dependents, and waiting does not block the
 * leases behind it; a lease that cannot fit until judges are released (more GPUs than the
 * budget minus the held judges) waits without blocking either. Otherwise the first lease that
 * does not fit stops the queue, so a large request is not starved by small ones.
 */
export function grantable(state: Pick<GpuLedgerState, 'budget' | 'held' | 'waiting' | 'orphans'>): GpuLease[] {
  const grants: GpuLease[] = [];
  let used = sum(state.held) + sum(state.orphans ?? []);
  const roots = state.held.filter((l) => l.reserve !== undefined);
  // Once a lease does not fit, only joins of shared NIMs (no GPUs) pass it.
  let blocked = false;
  for (const lease of state.waiting) {
    if (lease.share) {
      const key = lease.share.key;
      const users = [...state.held, ...grants].filter((l) => l.share?.key === key);
      // a deployment being torn down is not joined: the request waits until it is gone
      if (users.some((l) => l.draining) || (state.orphans ?? []).some((o) => o.share?.key === key)) continue;
      if (users.length > 0) {
        grants.push({ ...lease, gpus: 0 });
        continue;
      }
    }
    if (blocked) continue;
    const rootGpus = sum(roots);
    if (lease.reserve !== undefined) {
      const reserve = Math.max(lease.reserve, ...roots.map((l) => l.reserve ?? 0));
      if (used + lease.gpus <= state.budget && rootGpus + lease.gpus + reserve <= state.budget) {
        grants.push(lease);
        roots.push(lease);
        used += lease.gpus;
      }
      continue;
    }
    if (used + lease.gpus <= state.budget) {
      grants.push(lease);
      used += lease.gpus;
    } else if (lease.gpus <= state.budget - rootGpus) blocked = true;
  }
  return grants;
}

/** The holder workflow of a lease id (`<holder id>/<purpose>`; purposes have no slash). */
const holderOfLease = (leaseId: string) => leaseId.slice(0, leaseId.lastIndexOf('/'));

/**
 * Takes a held lease out. A shared NIM's GPUs pass to another of its users (each deployment's
 * GPUs are carried by exactly one of its leases, the others hold 0). Returns the lease and
 * whether no user of its deployment is left.
 */
function dropHeld(state: GpuLedgerState, leaseId: string): { lease?: GpuLease; last: boolean } {
  const lease = state.held.find((l) => l.leaseId === leaseId);
  if (!lease) return { last: false };
  state.held = state.held.filter((l) => l.leaseId !== leaseId);
  if (!lease.share) return { lease, last: true };
  const heir = state.held.find((l) => l.share?.key === lease.share?.key);
  if (heir && lease.gpus > heir.gpus) heir.gpus = lease.gpus;
  return { lease, last: !heir };
}

/**
 * A user lets go of a shared NIM: true when it is the last one (its lease stays, draining, until
 * it has torn the deployment down), false when others still use it (its share is gone).
 */
function releaseShare(state: GpuLedgerState, leaseId: string): boolean {
  const lease = state.held.find((l) => l.leaseId === leaseId);
  if (!lease) {
    // never granted (or already let go): nothing of its own to tear down
    state.waiting = state.waiting.filter((l) => l.leaseId !== leaseId);
    return false;
  }
  const others = state.held.filter((l) => l.leaseId !== leaseId && l.share && l.share.key === lease.share?.key);
  if (lease.draining || others.length === 0) {
    lease.draining = true;
    return true;
  }
  dropHeld(state, leaseId);
  return false;
}

/**
 * Holders in parallel, each holder's grants one after the other: two signals sent at once to
 * one workflow collide on the server, and the second was seen delivered 25 s late (a candidate
 * held its NIM grant, not yet its training grant, and released the NIM as if training waited).
 */
async function notifyInTurnPerHolder(state: GpuLedgerState, grants: GpuLease[]): Promise<void> {
  const byHolder = new Map<string, GpuLease[]>();
  for (const lease of grants) byHolder.set(lease.holderId, [...(byHolder.get(lease.holderId) ?? []), lease]);
  await Promise.all(
    [...byHolder.values()].map(async (leases) => {
      for (const lease of leases) await notifyGranted(state, lease);
    }),
  );
}

async function notifyGranted(state: GpuLedgerState, lease: GpuLease): Promise<void> {
  try {
    await getExternalWorkflowHandle(lease.holderId).signal(
      gpusGrantedSignal,
      lease.legacy ? lease.holderId : lease.leaseId,
    );
  } catch {
    // The holder is gone (closed or never existed): its lease is void.
    state.held = state.held.filter((l) => l.leaseId !== lease.leaseId);
  }
}

async function reclaimFromDeadHolders(state: GpuLedgerState): Promise<void> {
  const holderIds = [...new Set(state.held.map((l) => l.holderId))];
  const dead = await ledger.findDeadGpuHolders({
    holderIds,
    stuckTaskAttempts: state.settings.stuckTaskAttempts,
    stuckScheduledMs: state.settings.stuckScheduledMs,
  });
  if (dead.length === 0) return;
  const reasons = new Map(dead.map((d) => [d.holderId, d.reason]));
  const reclaimed: ReclaimedLease[] = state.held
    .filter((l) => reasons.has(l.holderId))
    .map((l) => ({ leaseId: l.leaseId, gpus: l.gpus, reason: reasons.get(l.holderId) as string }));
  for (const dead of state.held.filter((l) => reasons.has(l.holderId))) {
    const { lease, last } = dropHeld(state, dead.leaseId);
    // a shared NIM whose last user died: the ledger deletes it, holding its GPUs meanwhile
    if (lease?.share && last) state.orphans = [...(state.orphans ?? []), lease];
  }
  state.reclaimed = [...state.reclaimed, ...reclaimed].slice(-MAX_RECLAIMED_SHOWN);
}

/** Leases of a pre-ledger semaphore, keyed as the ledger keys its own NIM leases. */
function adoptLegacy(state: GpuLedgerState, legacy: LegacyGpuLeases, request: (lease: GpuLease) => void): void {
  const toLease = (r: LegacyGpuLeases['held'][number]): GpuLease => ({
    leaseId: gpuLeaseId(r.requestId, GPU_PURPOSES.nim),
    holderId: r.requestId,
    purpose: GPU_PURPOSES.nim,
    gpus: r.gpus,
    budget: r.budget,
    label: r.label,
    legacy: true,
  });
  for (const held of legacy.held.map(toLease)) {
    if (!state.held.some((l) => l.leaseId === held.leaseId)) state.held.push(held);
  }
  for (const waiting of legacy.waiting) request(toLease(waiting));
  for (const requestId of legacy.resend) {
    const leaseId = gpuLeaseId(requestId, GPU_PURPOSES.nim);
    if (state.held.some((l) => l.leaseId === leaseId) && !state.resend.includes(leaseId)) state.resend.push(leaseId);
  }
}
