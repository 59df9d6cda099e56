import type { JobType } from '../contracts';
import type { CandidateModel, FlywheelConfig } from './schema';

// Which candidates a run evaluates: `nims` for an llm_job, `embedding_nims` for an
// embedding_job. Types only, so workflow code can import it.

export function jobCandidates(config: FlywheelConfig, jobType: JobType | undefined): CandidateModel[] {
  return jobType === 'embedding_job' ? (config.embedding_nims ?? []) : config.nims;
}
