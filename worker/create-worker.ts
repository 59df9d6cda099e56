import type { WorkerDeploymentVersion } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { ActivityDeps } from '../activities/deps';
import type { NemoFactory } from '../activities/nemo-factory';
import { WORKER_CACHE, WORKER_SLOTS } from './slots';

export interface FlywheelWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  deps: ActivityDeps;
  nemo: NemoFactory;
  /** A prebuilt workflow bundle (tests build one per file); otherwise the worker bundles itself. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * Join Worker Versioning as this version. Runs, candidates and deletions are PINNED (see
   * workflows/index.ts); any other workflow, the GPU ledger above all, is AUTO_UPGRADE.
   */
  version?: WorkerDeploymentVersion;
  /** Extra worker options (shutdown grace, concurrency, heartbeat throttling). */
  overrides?: Partial<WorkerOptions>;
}

/** The flywheel worker: every workflow and every activity, built from the clients it is given. */
export function createFlywheelWorker(options: FlywheelWorkerOptions): Promise<Worker> {
  const code = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    ...code,
    activities: createActivities({ ...options.deps, nemo: options.nemo }),
    ...(options.overrides?.tuner ? {} : WORKER_SLOTS), // a tuner and fixed slot counts exclude each other
    ...WORKER_CACHE,
    ...(options.version
      ? {
          workerDeploymentOptions: {
            version: options.version,
            useWorkerVersioning: true,
            defaultVersioningBehavior: 'AUTO_UPGRADE',
          },
        }
      : {}),
    ...options.overrides,
  });
}
