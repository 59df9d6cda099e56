import { msNumberToTs } from '@temporalio/common/lib/time';
import { pendingStep } from '../../api/jobs/pending-steps';

// A pending Temporal activity as live progress shows it, on a fixed clock.

const NOW = Date.parse('2026-12-01T10:00:00Z');
const where = { workflowId: 'flywheel-x-m', candidate: 'meta/m' };
const ts = (isoTime: string) => msNumberToTs(Date.parse(isoTime));

test('a retried step shows its attempt and innermost failure; quiet past the threshold is stalled', () => {
  const step = pendingStep(
    {
      activityId: '4',
      activityType: { name: 'deployCandidate' },
      state: 1,
      attempt: 3,
      maximumAttempts: 10,
      lastStartedTime: ts('2026-12-01T09:52:00Z'),
      lastFailure: { message: 'activity failed', cause: { message: 'connect ECONNREFUSED 127.0.0.1:8080' } },
    },
    where,
    NOW,
    5 * 60_000,
  );
  expect(step).toMatchObject({
    activity: 'deployCandidate',
    candidate: 'meta/m',
    state: 'scheduled',
    attempt: 3,
    maximum_attempts: 10,
    last_failure: 'connect ECONNREFUSED 127.0.0.1:8080',
    last_started_at: '2026-12-01T09:52:00.000Z',
    stalled_for_seconds: 480,
  });
});

test('a recent heartbeat is not a stall; a never-started step counts from its scheduling', () => {
  const heartbeating = pendingStep(
    {
      activityType: { name: 'runEvaluation' },
      state: 2,
      attempt: 1,
      lastStartedTime: ts('2026-12-01T08:00:00Z'),
      lastHeartbeatTime: ts('2026-12-01T09:59:30Z'),
    },
    where,
    NOW,
    60_000,
  );
  expect(heartbeating).toMatchObject({ state: 'started', stalled_for_seconds: null, last_failure: null });
  const noWorker = pendingStep(
    { activityType: { name: 'createDatasets' }, state: 1, attempt: 1, scheduledTime: ts('2026-12-01T09:58:00Z') },
    { workflowId: 'flywheel-x', candidate: null },
    NOW,
    60_000,
  );
  expect(noWorker.stalled_for_seconds).toBe(120);
});
