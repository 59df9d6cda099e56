import type { Client } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';

// Making a build the Current Version of its Worker Deployment: new runs (and the GPU ledger,
// which auto-upgrades) start on it; pinned runs stay on the version they started on. The
// server accepts this only once the version's workers poll every task queue the deployment
// uses, so it is retried until they do.

export interface PromoteOptions {
  client: Client;
  namespace: string;
  version: WorkerDeploymentVersion;
  identity?: string;
  /** How long to keep retrying while the version's pollers register. */
  timeoutMs?: number;
}

/** Sets `version` current unless it already is; returns the build id that was current before. */
export async function promoteVersion(options: PromoteOptions): Promise<{ previousBuildId: string | undefined }> {
  const { client, namespace, version } = options;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (let attempt = 0; ; attempt++) {
    try {
      const current = await currentBuildId(client, namespace, version.deploymentName);
      if (current === version.buildId) return { previousBuildId: current };
      await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace,
        deploymentName: version.deploymentName,
        buildId: version.buildId,
        identity: options.identity ?? `flywheel-worker ${version.buildId}`,
      });
      return { previousBuildId: current };
    } catch (err) {
      // NOT_FOUND / FAILED_PRECONDITION until this version's pollers are registered
      if (Date.now() > deadline) throw new Error(`could not make ${version.buildId} current: ${String(err)}`);
      await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 2000)));
    }
  }
}

/** The deployment's Current Version build id; undefined when unversioned workers are current. */
export async function currentBuildId(client: Client, namespace: string, deploymentName: string) {
  const { workerDeploymentInfo } = await client.workflowService.describeWorkerDeployment({ namespace, deploymentName });
  return workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId || undefined;
}
