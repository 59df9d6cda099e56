import { jobCandidates } from '../../config/job-candidates';
import { loadFlywheelConfig } from '../../config/load';

// Which candidates a run evaluates, by job type.

const config = loadFlywheelConfig('default', {});

test('an llm_job (or a run from before job types) evaluates nims', () => {
  expect(jobCandidates(config, 'llm_job')).toBe(config.nims);
  expect(jobCandidates(config, undefined)).toBe(config.nims);
});

test('an embedding_job evaluates embedding_nims, none when the config has none', () => {
  expect(config.embedding_nims.length).toBeGreaterThan(0);
  expect(jobCandidates(config, 'embedding_job')).toBe(config.embedding_nims);
  const older = { ...config, embedding_nims: undefined } as unknown as typeof config;
  expect(jobCandidates(older, 'embedding_job')).toEqual([]);
});
