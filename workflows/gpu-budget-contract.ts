import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

// The GPU ledger's contract: what holder workflows, the ledger workflow, its activities and
// operators share. Dependency-free (no activity or workflow code), so both sides import it.
//
// The ledger is one long-lived workflow per namespace (id `flywheel-gpu-ledger` unless the
// worker's FLYWHEEL_GPU_LEDGER_ID says otherwise), whatever task queue its holders run on. A
// lease is keyed by holder workflow id + purpose, so one workflow may hold several leases
// (a NIM deployment, a training job, a judge...).

export const GPU_LEDGER_WORKFLOW = 'gpuBudget';
export const DEFAULT_GPU_LEDGER_ID = 'flywheel-gpu-ledger';

/**
 * What the GPUs of a lease are for: a candidate's NIM, a LoRA customization's training GPUs,
 * a run's local LLM judge, a run's local embedding NIM.
 */
export const GPU_PURPOSES = { nim: 'nim', training: 'training', judge: 'judge', embedding: 'embedding' } as const;
export type GpuPurpose = string;

export const gpuLeaseId = (holderId: string, purpose: GpuPurpose) => `${holderId}/${purpose}`;

export interface GpuLeaseRequest {
  /** gpuLeaseId(holderId, purpose). */
  leaseId: string;
  /** The holder's workflow id: it is signalled the grant and checked for being alive. */
  holderId: string;
  purpose: GpuPurpose;
  gpus: number;
  /** The configured budget; the newest request's value applies. */
  budget: number;
  /** Shown in queries. */
  label: string;
  /**
   * Set on a lease that others depend on while it is held (a run's local judge: its candidates
   * evaluate against it): the most GPUs one of its dependent leases needs. The ledger grants
   * such a lease only while the budget keeps that many GPUs for dependents beyond every held
   * one of its kind, so the judges never take the GPUs their own candidates wait for.
   */
  reserve?: number;
  /**
   * A NIM deployment runs may share (gpu_policy.share_nims): while a lease with the same key is
   * held, a request joins it (a share of that lease, no new GPU) instead of waiting for GPUs of
   * its own. The deployment is torn down only by its last user (see releaseNimShareSignal).
   */
  share?: GpuShare;
}

/** One NIM deployment, as every run that may share it names it. */
export interface GpuShare {
  /** Same key, same deployment: the NeMo endpoint, namespace and deployment name. */
  key: string;
  /** What the ledger needs to tear the deployment down when its last user died. */
  deployment: SharedNimDeployment;
}

export interface SharedNimDeployment {
  namespace: string;
  name: string;
  model: string;
  /** The run's nmp_config (endpoints only; keys come from the worker's environment). */
  nmpConfig: { nemo_base_url: string; nim_base_url: string; datastore_base_url: string; nmp_namespace: string };
}

export interface GpuLease extends GpuLeaseRequest {
  /**
   * Requested through the pre-ledger semaphore (a run started on generation 001 code): its
   * holder waits for a grant signal carrying its workflow id instead of the lease id.
   */
  legacy?: boolean;
  /**
   * A shared NIM's last user was told so and tears the deployment down: its GPUs stay counted
   * and no one joins until it releases the lease.
   */
  draining?: boolean;
}

/** The ledger's answer to releaseNimShareSignal, sent to the holder. */
export interface NimShareReleased {
  leaseId: string;
  /** The releaser was the deployment's last user: it tears it down, then releases the lease. */
  last: boolean;
}

export interface GpuLedgerSettings {
  /** While someone waits, how often holders are checked for being alive. */
  livenessCheckMs: number;
  /** A holder whose pending workflow task reached this attempt is stuck (failing tasks). */
  stuckTaskAttempts: number;
  /** A holder whose workflow task has waited this long for a worker is stuck (no worker for its version). */
  stuckScheduledMs: number;
  /** The ledger continues as new once its history has this many events. */
  maxHistoryEvents: number;
}

export const DEFAULT_GPU_LEDGER_SETTINGS: GpuLedgerSettings = {
  livenessCheckMs: 30_000,
  stuckTaskAttempts: 3,
  stuckScheduledMs: 10 * 60_000,
  maxHistoryEvents: 1000,
};

export interface ReclaimedLease {
  leaseId: string;
  gpus: number;
  reason: string;
}

/** Everything the ledger knows; carried whole across continue-as-new. */
export interface GpuLedgerState {
  budget: number;
  held: GpuLease[];
  waiting: GpuLease[];
  /** Held leases whose holder asked again (its request activity was retried): granted again. */
  resend: string[];
  settings: GpuLedgerSettings;
  /** The most recent leases taken back from dead or stuck holders, newest last. */
  reclaimed: ReclaimedLease[];
  /** Answers to releaseNimShareSignal not yet sent (absent in states of older code). */
  shareReplies?: (NimShareReleased & { holderId: string })[];
  /**
   * Shared NIMs whose last user died (closed, terminated or stuck) without tearing them down:
   * the ledger deletes them itself; their GPUs stay counted until the deletion ends.
   */
  orphans?: GpuLease[];
}

export interface DeadGpuHolder {
  holderId: string;
  reason: string;
}

/** The state of a pre-ledger semaphore (`flywheel-gpu-budget-<task queue>`), handed to the ledger. */
export interface LegacyGpuRequest {
  requestId: string;
  gpus: number;
  budget: number;
  label: string;
}
export interface LegacyGpuLeases {
  budget: number;
  held: LegacyGpuRequest[];
  waiting: LegacyGpuRequest[];
  resend: string[];
}

export const requestGpuLeaseSignal = defineSignal<[GpuLeaseRequest]>('requestGpuLease');

/** The ledger's answer to a lease request (requestGpuLeaseUpdate, or one call of gpuLedgerCallsUpdate). */
export interface GpuLeaseAnswer {
  /**
   * Granted in the answer itself (it fitted, or it was already held): no grant signal follows.
   * Otherwise the lease waits in the queue and gpusGrantedSignal follows once it is granted.
   */
  granted: boolean;
}

/**
 * A lease request answered in one round trip: the ledger queues it and, when it fits at once,
 * grants it in its answer. A grant by signal costs the ledger three writes to its state (the
 * request, the signal's command, its delivery) and the holder a workflow task; under a burst of
 * runs those writes to one workflow were the queue every candidate waited in.
 */
export const requestGpuLeaseUpdate = defineUpdate<GpuLeaseAnswer, [GpuLeaseRequest]>('requestGpuLeaseNow');
export const releaseGpuLeaseSignal = defineSignal<[leaseId: string]>('releaseGpuLease');

/** One call in a batch of gpuLedgerCallsUpdate: a lease request or a release. */
export type GpuLedgerCall = { request: GpuLeaseRequest } | { release: string };

/**
 * Lease requests and releases of one worker process, batched: the ledger applies them in order
 * and answers each (a release's answer is `granted: false`). In a burst the ledger's workflow
 * tasks, not its handlers, are what is scarce (~0.25 s each with 300 runs on two CPUs), so one
 * task takes every call the process has waiting rather than one each.
 */
export const gpuLedgerCallsUpdate = defineUpdate<GpuLeaseAnswer[], [GpuLedgerCall[]]>('gpuLedgerCalls');
/**
 * A user of a shared NIM lets go of it. The ledger answers with nimShareReleasedSignal: not the
 * last user, its share is gone (the GPUs stay with the others); the last, its lease is kept
 * `draining` until it has torn the deployment down and sent releaseGpuLeaseSignal.
 */
export const releaseNimShareSignal = defineSignal<[leaseId: string]>('releaseNimShare');
export const nimShareReleasedSignal = defineSignal<[NimShareReleased]>('nimShareReleased');
export const adoptLegacyGpuLeasesSignal = defineSignal<[LegacyGpuLeases]>('adoptLegacyGpuLeases');
export const configureGpuLedgerSignal = defineSignal<[Partial<GpuLedgerSettings>]>('configureGpuLedger');
/** Sent by the ledger to a holder when a lease is granted; carries the lease id. */
export const gpusGrantedSignal = defineSignal<[leaseId: string]>('gpusGranted');
export const gpuLedgerStateQuery = defineQuery<GpuLedgerState>('gpuBudgetState');

/** The ledger's activities, as workflow code calls them. */
export interface GpuLedgerActivities {
  requestGpuLease(request: GpuLeaseRequest): Promise<void>;
  /**
   * One call of a gpuLedgerCallsUpdate batch; on a ledger of older code, requestGpuLeaseUpdate,
   * or requestGpuLeaseSignal before that.
   */
  askForGpuLease(request: GpuLeaseRequest): Promise<GpuLeaseAnswer>;
  releaseGpuLease(leaseId: string): Promise<void>;
  releaseNimShare(leaseId: string): Promise<void>;
  /** Deletes a shared NIM whose last user died; done once DMS no longer has it. */
  teardownOrphanedNim(deployment: SharedNimDeployment): Promise<void>;
  findDeadGpuHolders(input: {
    holderIds: string[];
    stuckTaskAttempts: number;
    stuckScheduledMs: number;
  }): Promise<DeadGpuHolder[]>;
  adoptLegacyGpuLeases(leases: LegacyGpuLeases): Promise<void>;
  /** Pre-ledger: still scheduled by runs whose histories began on generation 001 code. */
  requestGpus(request: LegacyGpuRequest): Promise<void>;
  /** Pre-ledger: the old semaphore's liveness check, for its histories to replay. */
  findClosedWorkflows(workflowIds: string[]): Promise<string[]>;
}

/** Semaphores of the pre-ledger code were named after their task queue. */
export const LEGACY_GPU_SEMAPHORE_PREFIX = 'flywheel-gpu-budget-';
export const legacyGpuSemaphoreId = (taskQueue: string) => `${LEGACY_GPU_SEMAPHORE_PREFIX}${taskQueue}`;
