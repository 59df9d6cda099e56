import type { ResolvedWorkloadType } from '../contracts';
import type { ClassCounts, RejectionSample } from './dataset-assembler';
import type { BuiltFiles } from './dataset-build';
import type { IclStats } from './icl';
import type { RejectionReason } from './validation';

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
  /** A few rejected records' reasons with detail and document id, to find what is wrong in the logs. */
  rejectionSamples: RejectionSample[];
  split: { eval: number; train: number; val: number; dropped: number };
  /** Per class, the largest first; past MAX_REPORTED_CLASSES the rest are summed in one row. */
  classDistribution: ClassCounts[];
  warnings: string[];
  icl: IclStats;
}

/** Rows of the class distribution kept in the report; the rest are summed into one row. */
export const MAX_REPORTED_CLASSES = 100;
export const OTHER_CLASSES = '(other classes)';

function capClasses(rows: ClassCounts[]): ClassCounts[] {
  if (rows.length <= MAX_REPORTED_CLASSES) return rows;
  const rest = rows.slice(MAX_REPORTED_CLASSES - 1);
  const other: ClassCounts = { class: `${OTHER_CLASSES}: ${rest.length}`, eval: 0, train: 0, val: 0 };
  for (const r of rest) {
    other.eval += r.eval;
    other.train += r.train;
    other.val += r.val;
  }
  return [...rows.slice(0, MAX_REPORTED_CLASSES - 1), other];
}

export function datasetReport(built: BuiltFiles, icl: IclStats): DatasetReport {
  const { counts, plan } = built.assembled;
  const classDistribution = capClasses(built.assembled.classDistribution);
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
