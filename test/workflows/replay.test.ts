import { Worker } from '@temporalio/worker';
import { readRecordedHistories } from '../support/flywheel-histories';
import { workflowBundle } from '../support/temporal';

// Determinism guard: histories recorded from real runs (full run, cancellations, a crashed
// worker) must replay against the current workflow code. A change that alters the commands a
// running workflow issues fails here; gate it with `patched()` instead.

describe('recorded flywheel histories replay against the current workflow code', () => {
  const histories = readRecordedHistories();

  test('there are recorded histories of parent runs and candidate children', () => {
    expect(histories.some((h) => h.file.includes('flywheelRun'))).toBe(true);
    expect(histories.some((h) => h.file.includes('candidateRun'))).toBe(true);
  });

  test.each(histories.map((h) => [h.file, h] as const))('%s replays without non-determinism', async (_file, h) => {
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, h.history, h.workflowId);
  });
});
