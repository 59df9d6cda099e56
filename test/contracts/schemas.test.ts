import {
  CANDIDATE_STATUSES,
  CandidateStatus,
  DataSplitOverride,
  FLYWHEEL_RUN_STATUSES,
  FlywheelRunStatus,
  JobId,
  JobType,
  TerminalCandidateStatus,
  WorkloadType,
} from '../../contracts';

// The zod forms of the shared vocabulary: each accepts exactly its list, the job id its pattern,
// and a split override only what the split settings allow.

test('an enum schema accepts each value of its list and nothing else', () => {
  for (const status of FLYWHEEL_RUN_STATUSES) expect(FlywheelRunStatus.parse(status)).toBe(status);
  for (const status of CANDIDATE_STATUSES) expect(CandidateStatus.parse(status)).toBe(status);
  expect(FlywheelRunStatus.safeParse('Running').success).toBe(false);
  expect(JobType.options).toEqual(expect.arrayContaining(['llm_job', 'embedding_job']));
  expect(WorkloadType.safeParse('auto').success).toBe(true);
  expect(WorkloadType.safeParse('chat').success).toBe(false);
});

test('a terminal candidate status is completed, failed or cancelled; a live one is refused', () => {
  const terminal = CANDIDATE_STATUSES.filter((s) => TerminalCandidateStatus.safeParse(s).success);
  expect([...terminal].sort()).toEqual(['cancelled', 'completed', 'failed']);
  expect(TerminalCandidateStatus.safeParse('running-evals').success).toBe(false);
});

test('a job id is 24 lowercase hexadecimal characters', () => {
  expect(JobId.parse('65f1c0ffee0123456789abcd')).toBe('65f1c0ffee0123456789abcd');
  for (const bad of [
    '65F1C0FFEE0123456789ABCD',
    '65f1c0ffee0123456789abc',
    '65f1c0ffee0123456789abcde',
    'g5f1c0ffee0123456789abcd',
    '',
  ]) {
    const parsed = JobId.safeParse(bad);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.error.issues[0]?.message).toMatch(/24 lowercase hexadecimal/);
  }
});

describe('a split override', () => {
  test('may be empty or set any field within range', () => {
    expect(DataSplitOverride.parse({})).toEqual({});
    const full = {
      eval_size: 20,
      val_ratio: 0,
      min_total_records: 0,
      random_seed: null,
      limit: 5,
      parse_function_arguments: true,
    };
    expect(DataSplitOverride.parse(full)).toEqual(full);
  });

  test.each([
    ['eval_size', { eval_size: 0 }],
    ['eval_size', { eval_size: 1.5 }],
    ['val_ratio', { val_ratio: 1 }],
    ['val_ratio', { val_ratio: -0.1 }],
    ['min_total_records', { min_total_records: -1 }],
    ['limit', { limit: 0 }],
  ])('refuses a bad %s, naming it', (field, body) => {
    const parsed = DataSplitOverride.safeParse(body);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.error.issues[0]?.path).toEqual([field]);
  });
});
