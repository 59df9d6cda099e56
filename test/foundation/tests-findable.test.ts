import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

// Every source file has a test you can find from it: a test file named after it in the test
// directory that mirrors its own, or one above it in the same tree (`api/jobs/etag.ts` →
// `test/api/jobs/etag.test.ts` or `test/api/etag.test.ts`; `.e2e`/`.property` too), a test file
// (or test helper) importing it, or a test that declares it runs it through the stack (a
// worker, a server, a child process), on a comment line starting "Exercises:" followed by repo
// paths (grep the path and you land on the test). The allow-list is for files with nothing to
// run, each with its reason.

const REPO = path.resolve(__dirname, '../..');
/** Every top-level source directory is checked except these (no product code, or the tests). */
const NOT_SOURCE = new Set(['bench', 'scripts', 'charts', 'docs', 'samples', 'test', 'node_modules']);
const CHECKED = readdirSync(REPO).filter(
  (name) => !name.startsWith('.') && !NOT_SOURCE.has(name) && statSync(path.join(REPO, name)).isDirectory(),
);
const ALLOWED: Record<string, string> = {
  'activities/types.ts': 'type-only: the activities signature for proxyActivities, nothing runs',
  'activities/deps.ts': 'type-only: the interface the activities are built from',
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'histories' || name === 'node_modules' ? [] : files(full);
    return full.endsWith('.ts') && !full.endsWith('.d.ts') ? [full] : [];
  });
}

const rel = (file: string) => path.relative(REPO, file).split(path.sep).join('/');

/** Test files by the source name they are named after (`etag.test.ts` → `etag`), with their directories. */
type TestNames = Map<string, string[]>;

function findable(): { covered: Set<string>; testNames: TestNames } {
  const covered = new Set<string>();
  const testNames: TestNames = new Map();
  for (const file of files(path.join(REPO, 'test'))) {
    if (file.endsWith('.test.ts')) {
      const name = path.basename(file).replace(/(\.e2e|\.property)?\.test\.ts$/, '');
      testNames.set(name, [...(testNames.get(name) ?? []), rel(path.dirname(file))]);
    }
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import|require)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(file), m[1] as string);
      for (const candidate of [`${target}.ts`, path.join(target, 'index.ts'), target]) {
        if (candidate.endsWith('.ts') && statSync(candidate, { throwIfNoEntry: false })?.isFile()) {
          covered.add(rel(candidate));
          break;
        }
      }
    }
    for (const m of text.matchAll(/^\/\/ Exercises: ([^(\n]+)/gm)) {
      for (const p of (m[1] as string).split(',')) covered.add(p.trim());
    }
  }
  return { covered, testNames };
}

/** Whether a test named after the source sits in its mirrored directory or one above it, below test/<top>/. */
function namedAfter(source: string, testNames: TestNames): boolean {
  const mirrored = `test/${path.posix.dirname(source)}`;
  return (testNames.get(path.posix.basename(source, '.ts')) ?? []).some(
    (dir) => dir !== 'test' && (mirrored === dir || mirrored.startsWith(`${dir}/`)),
  );
}

test('every source file of the checked directories has a test naming, importing or declaring it', () => {
  const { covered, testNames } = findable();
  const sources = CHECKED.flatMap((dir) => files(path.join(REPO, dir))).map(rel);
  const orphans = sources.filter((s) => !(s in ALLOWED) && !covered.has(s) && !namedAfter(s, testNames));
  expect(orphans).toEqual([]);
});

test('a test name counts only in the mirrored tree, never from another directory', () => {
  const names = (name: string, dir: string): TestNames => new Map([[name, [dir]]]);
  expect(namedAfter('decision/rng.ts', names('rng', 'test/decision'))).toBe(true);
  expect(namedAfter('nemo-emulator/runtime/rng.ts', names('rng', 'test/decision'))).toBe(false);
  expect(namedAfter('api/jobs/etag.ts', names('etag', 'test/api'))).toBe(true);
  expect(namedAfter('api/etag.ts', names('etag', 'test/api/jobs'))).toBe(false);
  expect(namedAfter('api/time.ts', names('time', 'test'))).toBe(false);
  expect(namedAfter('api/time.ts', names('time', 'test/apis'))).toBe(false);
});

test('the allow-list and the declarations name files that exist', () => {
  const { covered } = findable();
  const missing = [...Object.keys(ALLOWED), ...covered].filter(
    (p) => !statSync(path.join(REPO, p), { throwIfNoEntry: false })?.isFile(),
  );
  expect(missing).toEqual([]);
});
