import { ChildWorkflowCancellationType, executeChild, ParentClosePolicy, workflowInfo } from '@temporalio/workflow';
import type { CandidateModel, FlywheelConfig } from '../config/schema';
import type { CandidateResult } from './candidate-run';
import { type CandidateProgress, candidateWorkflowId, type FlywheelRunInput } from './contract';
import { embeddingCandidateRun } from './embedding-candidate-run';
import { ClientIdKey, FlywheelStatusKey, WorkloadIdKey } from './search-attributes';

// The candidate phase of an embedding_job: one embeddingCandidateRun child per candidate
// embedding model, concurrent within the GPU budget like an LLM run's candidates.

export function runEmbeddingCandidates(
  run: {
    jobId: string;
    input: FlywheelRunInput;
    config: FlywheelConfig;
    configByReference: boolean;
    candidates: CandidateModel[];
    datasets: { eval: string; train: string };
  },
  onFinalProgress: (progress: CandidateProgress) => void,
): Promise<PromiseSettledResult<CandidateResult>[]> {
  const { jobId, input, config, configByReference } = run;
  return Promise.allSettled(
    run.candidates.map((candidate) =>
      executeChild(embeddingCandidateRun, {
        workflowId: candidateWorkflowId(workflowInfo().workflowId, candidate.model_name),
        args: [
          {
            jobId,
            workloadId: input.workloadId,
            candidate,
            config,
            ...(configByReference ? { configByReference } : {}),
            datasets: run.datasets,
          },
        ],
        typedSearchAttributes: [
          { key: WorkloadIdKey, value: input.workloadId },
          { key: ClientIdKey, value: input.clientId },
          { key: FlywheelStatusKey, value: 'pending' },
        ],
        memo: { job_id: jobId, model_name: candidate.model_name, job_type: 'embedding_job' },
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      }).then((outcome) => {
        if (outcome.progress) onFinalProgress(outcome.progress);
        return outcome;
      }),
    ),
  );
}
