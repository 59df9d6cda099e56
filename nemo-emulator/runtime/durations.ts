import { z } from 'zod';

// How long each emulated life cycle takes, in realistic milliseconds (multiplied by the time
// scale). REALISTIC follows what a real cluster shows: a NIM pulls its image and loads weights
// for many minutes, a customization waits in the GPU queue and then trains for tens of minutes,
// its adapter reaches the NIM a while after the job completes. DEMO is the old compressed
// profile, for demos and fast tests that care about shapes, not timing.

export const DurationsSchema = z.strictObject({
  /** Deployment: created → pending. */
  deployment_accept_ms: z.number().min(0),
  /** Deployment: pending (image pull, weights load, start) → ready. */
  deployment_start_ms: z.number().min(0),
  /** DELETE → the record is gone (GET answers 404). */
  deployment_delete_ms: z.number().min(0),
  /** Customization: created → pending. */
  customization_accept_ms: z.number().min(0),
  /** Customization: waiting in the queue (pending) before training starts. */
  customization_queue_ms: z.number().min(0),
  /** Customization: the fixed part of training (start-up, checkpointing), from running to completed. */
  customization_training_ms: z.number().min(0),
  /** Customization: training time per training record and epoch, on top of the fixed part. */
  customization_record_epoch_ms: z.number().min(0).default(0),
  /** A completed customization's adapter is served by the NIM only after this. */
  adapter_sync_ms: z.number().min(0),
  /** Evaluation: created → pending. */
  evaluation_accept_ms: z.number().min(0),
  /** Evaluation: pending → running (the job's pod is scheduled). */
  evaluation_queue_ms: z.number().min(0),
  /** Evaluation: time per evaluated item. */
  evaluation_item_ms: z.number().min(0),
});

export type Durations = z.infer<typeof DurationsSchema>;

export const REALISTIC_DURATIONS: Durations = {
  deployment_accept_ms: 5_000,
  deployment_start_ms: 15 * 60_000,
  deployment_delete_ms: 30_000,
  customization_accept_ms: 5_000,
  customization_queue_ms: 3 * 60_000,
  customization_training_ms: 2 * 60_000,
  customization_record_epoch_ms: 600,
  adapter_sync_ms: 90_000,
  evaluation_accept_ms: 2_000,
  evaluation_queue_ms: 60_000,
  evaluation_item_ms: 2_000,
};

export const DEMO_DURATIONS: Durations = {
  deployment_accept_ms: 1_000,
  deployment_start_ms: 19_000,
  deployment_delete_ms: 2_000,
  customization_accept_ms: 1_000,
  customization_queue_ms: 2_000,
  customization_training_ms: 25_000,
  customization_record_epoch_ms: 0,
  adapter_sync_ms: 2_000,
  evaluation_accept_ms: 500,
  evaluation_queue_ms: 1_500,
  evaluation_item_ms: 150,
};

export const DURATION_PROFILES = { realistic: REALISTIC_DURATIONS, demo: DEMO_DURATIONS } as const;
export type DurationProfile = keyof typeof DURATION_PROFILES;

/** A profile by name, optionally with some durations overridden. */
export function resolveDurations(
  profile: DurationProfile = 'realistic',
  overrides: Partial<Durations> = {},
): Durations {
  return DurationsSchema.parse({ ...DURATION_PROFILES[profile], ...overrides });
}
