import path from 'node:path';
import madge from 'madge';

const REPO = path.resolve(__dirname, '../..');
// Every source tree of the product (tests and benchmarks may lean on it in any direction).
const SOURCE_DIRS = [
  'activities',
  'api',
  'cli',
  'config',
  'contracts',
  'decision',
  'nemo-client',
  'nemo-emulator',
  'observability',
  'pipeline',
  'report',
  'scripts',
  'stores',
  'worker',
  'workflows',
];

test('no two product modules import each other, directly or in a longer circle (type imports included)', async () => {
  const graph = await madge(
    SOURCE_DIRS.map((dir) => path.join(REPO, dir)),
    { fileExtensions: ['ts'], tsConfig: path.join(REPO, 'tsconfig.json'), baseDir: REPO },
  );
  expect(Object.keys(graph.obj()).length).toBeGreaterThan(150);
  expect(graph.circular()).toEqual([]);
}, 120_000);
