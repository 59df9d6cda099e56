import {
  FAILED_JOB_STATUSES,
  isFailedJob,
  JOB_STATUSES,
  JobStatusSchema,
  QUEUED_STATUSES,
} from '../../nemo-client/statuses';

// The SDK's JobStatus as the client reads it: unknown values tolerated, failure and queueing
// as the client decides on them.

test('every listed status parses as itself', () => {
  for (const status of JOB_STATUSES) expect(JobStatusSchema.parse(status)).toBe(status);
});

test('a status outside the enum (a newer server, a typo, a non-string) reads as unknown', () => {
  expect(JobStatusSchema.parse('paused')).toBe('unknown');
  expect(JobStatusSchema.parse('COMPLETED')).toBe('unknown');
  expect(JobStatusSchema.parse(3)).toBe('unknown');
  expect(JobStatusSchema.parse(undefined)).toBe('unknown');
});

test('failed and cancelled are failures; nothing else, and no status is missing', () => {
  expect(JOB_STATUSES.filter((s) => isFailedJob(s))).toEqual(['cancelled', 'failed']);
  expect(isFailedJob(null)).toBe(false);
  expect(isFailedJob(undefined)).toBe(false);
  expect([...FAILED_JOB_STATUSES, ...QUEUED_STATUSES].every((s) => JOB_STATUSES.includes(s))).toBe(true);
});

test('only created and pending count as queued', () => {
  expect(JOB_STATUSES.filter((s) => QUEUED_STATUSES.has(s))).toEqual(['created', 'pending']);
});
