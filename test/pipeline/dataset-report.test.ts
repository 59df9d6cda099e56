import type { BuiltFiles } from '../../pipeline/dataset-build';
import { datasetReport, MAX_REPORTED_CLASSES, OTHER_CLASSES } from '../../pipeline/dataset-report';
import type { IclStats } from '../../pipeline/icl';
import { emptyRejectionCounts } from '../../pipeline/validation';

const icl: IclStats = {
  strategy: 'uniform_distribution',
  poolSize: 0,
  records: 0,
  recordsWithoutExamples: 0,
  recordsBelowMinExamples: 0,
  examplesPerRecord: { min: 0, mean: 0, max: 0 },
  exampleTokensPerRecord: { min: 0, mean: 0, max: 0 },
  remainingTokensPerRecord: { min: 0, mean: 0, max: 0 },
};

function built(classes: number): BuiltFiles {
  const classDistribution = Array.from({ length: classes }, (_, i) => ({
    class: `label.${i}`,
    eval: 1,
    train: 2,
    val: 1,
  }));
  return {
    paths: { eval: 'e', train: 't', val: 'v' },
    workloadType: 'classification',
    workloadTypeSource: 'detected',
    evalRecords: [],
    rejectionSamples: [],
    assembled: {
      plan: {
        assignment: new Uint8Array(),
        counts: { eval: classes, train: 2 * classes, val: classes, dropped: 0 },
        warnings: [],
      },
      classDistribution,
      iclPool: [],
      evalLines: [],
      counts: { read: 4 * classes, accepted: 4 * classes, duplicates: 0, rejected: emptyRejectionCounts() },
    },
  };
}

describe('dataset report', () => {
  test('keeps every class row when there are few', () => {
    expect(datasetReport(built(3), icl).classDistribution).toHaveLength(3);
  });

  test('sums the smallest classes into one row past the cap, so the counts still add up', () => {
    const report = datasetReport(built(250), icl);
    expect(report.classDistribution).toHaveLength(MAX_REPORTED_CLASSES);
    const last = report.classDistribution[MAX_REPORTED_CLASSES - 1];
    expect(last).toEqual({ class: `${OTHER_CLASSES}: 151`, eval: 151, train: 302, val: 151 });
    expect(report.classDistribution.reduce((n, c) => n + c.train, 0)).toBe(500);
  });
});
