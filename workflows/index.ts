import { setWorkflowOptions } from '@temporalio/workflow';
import { candidateRun } from './candidate-run';
import { deleteRun } from './delete-run';
import { embeddingCandidateRun } from './embedding-candidate-run';
import { flywheelRun } from './flywheel-run';
import { smokeWorkflow } from './smoke';
import { pinnedWhenVersioned } from './versioning';

// Every exported function is a workflow type. Pinned ones are listed here (see versioning.ts).
for (const pinned of [flywheelRun, candidateRun, embeddingCandidateRun, deleteRun, smokeWorkflow] as const) {
  setWorkflowOptions(pinnedWhenVersioned, pinned as () => Promise<unknown>);
}

export { gpuBudget } from './gpu-budget';
export { candidateRun, deleteRun, embeddingCandidateRun, flywheelRun, smokeWorkflow };
