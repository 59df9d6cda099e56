import type { WorkflowDefinitionOptions } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';

// Worker Versioning (README "Upgrading"): a run, its candidates and a deletion are PINNED, so
// they finish on the worker version they started on and a deploy never replays them against
// code they did not start with; a pinned workflow changes behaviour only behind `patched()`.
// Everything else, the long-lived GPU ledger above all, takes the versioned worker's default,
// AUTO_UPGRADE. The behaviour is declared only when the task runs on a versioned worker: the
// server rejects one from an unversioned worker.
export const pinnedWhenVersioned = (): WorkflowDefinitionOptions => ({
  versioningBehavior: workflowInfo().currentDeploymentVersion?.deploymentName ? 'PINNED' : undefined,
});
