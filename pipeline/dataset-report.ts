import type { ClassCounts } from './dataset-assembler';
import type { BuiltFiles } from './dataset-build';
import type { IclStats } from './icl';
import type { RejectionReason } from './validation';
import type { ResolvedWorkloadType } from './workload-type';

/**
 * What a dataset build did, returned to the workflow and stored on the run: how many records
 * were read, why each rejected one was left out, how the split came out per class, and how
 * many in-context examples fitted. Plain JSON with no user text as keys (MongoDB-safe).
 */
export interface DatasetReport {
  workloadType: ResolvedWorkloadType;
  workloadTypeSource: 'config' | 'detected';
  recordsRead: number;
  accepted: number;
  duplicates: number;
  rejected: Record<RejectionReason, number>;
  /** A few rejected records' reasons with detail, to find what is wrong in the logs. */
  rejectionSamples: { reason: RejectionReason; detail: string }[];
  split: { eval: number; train: number; val: number; dropped: number };
  classDistribution: ClassCounts[];
  warnings: string[];
  icl: IclStats;
}

export function datasetReport(built: BuiltFiles, icl: IclStats): DatasetReport {
  const { counts, plan, classDistribution } = built.assembled;
  return {
    workloadType: built.workloadType,
    workloadTypeSource: built.workloadTypeSource,
    recordsRead: counts.read,
    accepted: counts.accepted,
    duplicates: counts.duplicates,
    rejected: counts.rejected,
    rejectionSamples: built.rejectionSamples,
    split: plan.counts,
    classDistribution,
    warnings: plan.warnings,
    icl,
  };
}
