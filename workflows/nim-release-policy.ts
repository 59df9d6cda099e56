import type { FlywheelConfig } from '../config/schema';

// Whether a candidate's NIM is held or released while its LoRA trains: pure arithmetic on the
// expected times of gpu_policy, shared by the candidate workflow and the benchmark.

/** Expected training time of a candidate's customization, in milliseconds. */
export function expectedTrainingMs(config: FlywheelConfig, trainRecords: number): number {
  const p = config.gpu_policy;
  return (
    p.expected_training_base_ms + trainRecords * config.training_config.epochs * p.expected_training_ms_per_record_epoch
  );
}

export interface NimDuringTraining {
  /** What to do with the NIM now that nothing runs on it. */
  action: 'hold' | 'release';
  /** When releasing: how long to wait before redeploying so it is ready as training ends (ms). */
  redeployAfterMs: number;
  why: string;
}

/**
 * Decides when the NIM falls idle (base and ICL evaluations done) while training goes on.
 * Holding costs gpus × remaining training; releasing costs gpus × a redeploy. `hold` is only
 * possible once the training GPUs are held: holding a NIM while waiting for GPUs could deadlock.
 * Since GPU_TRAINING_LEASE_FIRST the training lease is queued before the NIM's, so first come,
 * first served has granted it by the time the NIM is up; it can still be missing only when it
 * needs GPUs that local judges hold (the ledger lets it wait without blocking the queue).
 */
export function nimDuringTraining(input: {
  config: FlywheelConfig;
  trainingHeld: boolean;
  /** Expected training time left (ms); unknown before training starts. */
  remainingTrainingMs: number | undefined;
}): NimDuringTraining {
  const { config, trainingHeld, remainingTrainingMs } = input;
  const policy = config.gpu_policy.nim_release;
  const deployMs = config.gpu_policy.expected_deployment_ms;
  const redeployAfterMs = Math.max(0, (remainingTrainingMs ?? 0) - deployMs);
  if (!trainingHeld) {
    return { action: 'release', redeployAfterMs: 0, why: 'training waits for GPUs: holding the NIM could deadlock' };
  }
  if (policy === 'hold') return { action: 'hold', redeployAfterMs: 0, why: 'policy hold' };
  if (policy === 'release') return { action: 'release', redeployAfterMs, why: 'policy release' };
  const remaining = remainingTrainingMs ?? 0;
  return remaining > deployMs
    ? { action: 'release', redeployAfterMs, why: `auto: ${remaining} ms of training left > ${deployMs} ms redeploy` }
    : { action: 'hold', redeployAfterMs: 0, why: `auto: ${remaining} ms of training left <= ${deployMs} ms redeploy` };
}
