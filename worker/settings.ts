import { z } from 'zod';
import { DEFAULT_DATASET_THREADS } from '../pipeline/dataset-build';
import { DEFAULT_GPU_LEDGER_ID, LEGACY_GPU_SEMAPHORE_PREFIX } from '../workflows/gpu-budget-contract';

// The worker process's own settings (versioning, telemetry, the GPU ledger), from environment
// variables. Read when asked for, never at import time.
const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const port = z.coerce.number().int().min(0).max(65535);

const WorkerSettingsSchema = z.object({
  /**
   * This build's id (e.g. the image tag or git sha). Set, the worker joins Worker Versioning as
   * version FLYWHEEL_DEPLOYMENT_NAME/FLYWHEEL_BUILD_ID; unset, it is an unversioned worker.
   */
  FLYWHEEL_BUILD_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, 'letters, digits, ".", "_" or "-", at most 255')
    .optional(),
  /** The Worker Deployment the versions belong to: one per namespace and application. */
  FLYWHEEL_DEPLOYMENT_NAME: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, 'letters, digits, "_" or "-" (no "."), at most 255')
    .default('flywheel'),
  /** Make this build the deployment's Current Version once it polls (new runs start on it). */
  FLYWHEEL_WORKER_PROMOTE: flag.default(false),
  /** Liveness and Prometheus metrics HTTP server; 0 picks a free port (printed at start). */
  FLYWHEEL_WORKER_METRICS_PORT: port.default(0),
  FLYWHEEL_WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Loopback port of the Temporal runtime's own Prometheus exporter; 0 picks a free one. */
  FLYWHEEL_WORKER_CORE_METRICS_PORT: port.default(0),
  FLYWHEEL_GPU_LEDGER_ID: z
    .string()
    .min(1)
    .refine((id) => !id.startsWith(LEGACY_GPU_SEMAPHORE_PREFIX), {
      message: `must not start with "${LEGACY_GPU_SEMAPHORE_PREFIX}" (the pre-ledger semaphores' ids)`,
    })
    .default(DEFAULT_GPU_LEDGER_ID),
  /**
   * Record workers (threads) that parse and validate exported logs during the dataset build
   * while the next pages are read; 0 builds on the activity's own thread.
   */
  FLYWHEEL_DATASET_THREADS: z.coerce.number().int().min(0).max(16).default(DEFAULT_DATASET_THREADS),
});

export type WorkerSettings = z.infer<typeof WorkerSettingsSchema>;

export function readWorkerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const parsed = WorkerSettingsSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid worker environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The Worker Deployment Version this process runs as, or undefined when unversioned. */
export function deploymentVersionOf(settings: WorkerSettings) {
  return settings.FLYWHEEL_BUILD_ID
    ? { deploymentName: settings.FLYWHEEL_DEPLOYMENT_NAME, buildId: settings.FLYWHEEL_BUILD_ID }
    : undefined;
}
