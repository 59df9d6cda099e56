import { proxyActivities } from '@temporalio/workflow';
import type { FlywheelActivities } from '../activities/types';
import { cleanup } from './activity-options';

export interface DeleteRunInput {
  jobId: string;
}

export interface DeleteRunResult {
  jobId: string;
  deleted: string[];
  /** Artifacts that could not be deleted; the run's documents are kept when any remain. */
  failed: { artifact: string; error: string }[];
  documentsDeleted: boolean;
}

const acts = proxyActivities<FlywheelActivities>(cleanup);

/**
 * Deletes a finished run: its NeMo artifacts (customized models, evaluation jobs, datasets)
 * first, then its documents. An artifact that cannot be deleted is reported on the run and the
 * documents stay, so nothing is dropped silently and the deletion can be retried.
 */
export async function deleteRun(input: DeleteRunInput): Promise<DeleteRunResult> {
  const artifacts = await acts.deleteRunArtifacts({ jobId: input.jobId });
  if (artifacts.failed.length > 0) {
    await acts.recordDeletionFailures({ jobId: input.jobId, failed: artifacts.failed });
    return { jobId: input.jobId, ...artifacts, documentsDeleted: false };
  }
  await acts.deleteRunDocuments({ jobId: input.jobId });
  return { jobId: input.jobId, ...artifacts, documentsDeleted: true };
}
