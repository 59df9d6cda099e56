import { readDatastoreFile } from '../../../nemo-emulator/state/datastore-files';
import { createState, key } from '../../../nemo-emulator/state/store';

// A stored file found by the URL NeMo services use for datastore content.

const state = createState();
const train = Buffer.from('{"messages": []}\n');
state.repos.set(key('flywheel', 'job-1-train'), {
  id: 'flywheel/job-1-train',
  files: new Map([['training/part-0.jsonl', train]]),
  sha: 'abc',
  created_at: '2026-01-01T00:00:00Z',
});

test('hf://datasets/{ns}/{name}/{path} reads the file at that path of that repo', () => {
  expect(readDatastoreFile(state, 'hf://datasets/flywheel/job-1-train/training/part-0.jsonl')).toBe(train);
});

test('a repo URL with the path given apart reads the same file', () => {
  expect(readDatastoreFile(state, 'hf://datasets/flywheel/job-1-train', 'training/part-0.jsonl')).toBe(train);
});

test('no path, another repo, a missing file or a URL of another scheme finds nothing', () => {
  expect(readDatastoreFile(state, 'hf://datasets/flywheel/job-1-train')).toBeUndefined();
  expect(readDatastoreFile(state, 'hf://datasets/other/job-1-train/training/part-0.jsonl')).toBeUndefined();
  expect(readDatastoreFile(state, 'hf://datasets/flywheel/job-1-train/training/part-1.jsonl')).toBeUndefined();
  expect(readDatastoreFile(state, 'https://datastore/flywheel/job-1-train/training/part-0.jsonl')).toBeUndefined();
  expect(readDatastoreFile(state, 'hf://models/flywheel/job-1-train/training/part-0.jsonl')).toBeUndefined();
});
