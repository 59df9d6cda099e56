// Ids of the `patched()` gates in workflow code: one place, so a gate is never misspelled
// between the workflow that sets it and a test that looks for its marker.

/** A failed run ends Failed in Temporal (ApplicationFailure), a cancelled one Canceled. */
export const RUN_STATUS_IN_TEMPORAL = 'run-status-in-temporal';
/** The run's memo carries its job id from the start (scheduled runs derive it in the workflow). */
export const RUN_MEMO_JOB_ID = 'run-memo-job-id';
/** Candidate children start with WorkloadId/ClientId/FlywheelStatus and keep FlywheelStatus current. */
export const CANDIDATE_SEARCH_ATTRIBUTES = 'candidate-search-attributes';
/** Customized candidates run the regression gate's general benchmarks on their base and customized model. */
export const GENERAL_BENCHMARKS = 'general-benchmarks';
/** As it finalizes, a run is mirrored into MLflow (an activity that does nothing when tracking is off). */
export const MLFLOW_TRACKING = 'mlflow-tracking';
/** A raw `cancel` signal asks Temporal to cancel the workflow too, so the run ends Canceled however it was cancelled. */
export const CANCEL_SIGNAL_CANCELS_WORKFLOW = 'cancel-signal-cancels-workflow';
/** A run with `jobType: embedding_job` builds retrieval datasets and runs embedding candidates. */
export const EMBEDDING_JOB = 'embedding-job';
/**
 * The GPU ledger grants every lease that fits in one step (signals sent together, not one
 * workflow task each), keeps GPUs for the dependents of held judges, and lets a lease that can
 * only fit once judges leave wait without blocking the queue.
 */
export const GPU_LEDGER_BATCH_GRANTS = 'gpu-ledger-batch-grants';
/**
 * Every GPU a run holds is leased: a candidate's training GPUs, its local judge and local
 * embedding NIM; a candidate's NIM is released while its LoRA trains when the policy says so.
 */
export const GPU_ECONOMICS = 'gpu-economics';
/**
 * Activities take the run's stored config by reference (`configRef: <job id>`) instead of a
 * copy of the whole config in every input; candidate children learn it from their input.
 */
export const CONFIG_BY_REFERENCE = 'config-by-reference';
/**
 * A candidate's NIM lease is requested only once its training lease is in the ledger's queue,
 * so first come, first served grants the training GPUs no later than the NIM's: a NIM held
 * through training (`hold`) never waits for a training grant behind other candidates.
 */
export const GPU_TRAINING_LEASE_FIRST = 'gpu-training-lease-first';
/** A candidate's `running-evals` status is written beside its first evaluations, not before them. */
export const NIM_STATUS_BESIDE_EVALS = 'nim-status-beside-evals';
/** The ledger signals each holder's grants one after the other (holders still in parallel). */
export const GPU_GRANTS_IN_TURN_PER_HOLDER = 'gpu-grants-in-turn-per-holder';
/**
 * Fewer round trips on a candidate's path: its status writes run beside the lease requests and
 * the deployment (each still lands before the next status), the customized model's "served"
 * wait starts as soon as both the NIM and the customization are done (beside the base and ICL
 * evaluations), at the end the NIM's lease goes back beside the candidate's final write, and
 * progress signals to the parent are coalesced (one in flight, then the latest state).
 */
export const CANDIDATE_FEWER_ROUND_TRIPS = 'candidate-fewer-round-trips';
/**
 * Runs that need a NIM of the same model at the same time share one deployment (gpu_policy.
 * share_nims): a candidate joins a live or deploying NIM through the ledger (a share of its
 * lease, no new GPU), and only the last user tears it down.
 */
export const NIM_SHARING = 'nim-sharing';
/**
 * A lease is requested by an update the ledger answers at once, granting it in the answer when
 * it fits (no grant signal, no workflow task for it); only a lease that has to wait is granted
 * by signal.
 */
export const GPU_LEASE_BY_UPDATE = 'gpu-lease-by-update';
