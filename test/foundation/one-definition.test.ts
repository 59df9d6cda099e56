import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as vocabulary from '../../contracts/vocabulary';

// One definition per concept: no source file outside contracts/ spells out one of the shared
// value lists again (as an array literal of all its values, in its order).

const REPO = path.resolve(__dirname, '../..');
const SKIP = new Set(['node_modules', 'test', 'contracts', 'docs', 'charts', 'samples', '.stack', '.tools', 'dist']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name) || name.startsWith('.')) return [];
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

const lists = (Object.entries(vocabulary) as [string, unknown][]).filter(
  (entry): entry is [string, readonly string[]] =>
    Array.isArray(entry[1]) && entry[1].length >= 3 && entry[1].every((v) => typeof v === 'string'),
);

/** Matches an array literal of exactly these values in order (any quotes, spacing, comments). */
function literalOf(values: readonly string[]): RegExp {
  const quoted = values.map((v) => `['"\`]${v.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')}['"\`]`);
  return new RegExp(`\\[\\s*${quoted.join('\\s*,\\s*(?://[^\\n]*\\s*)?')}\\s*,?\\s*\\]`);
}

describe('shared value lists are defined once, in contracts/', () => {
  const files = sourceFiles(REPO);

  test('the scan sees the source tree and the lists', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(lists.map(([name]) => name)).toEqual(expect.arrayContaining(['EVAL_TYPES', 'CANDIDATE_STATUSES']));
  });

  test.each(lists)('%s is not re-declared', (_name, values) => {
    const pattern = literalOf(values);
    const copies = files.filter((f) => pattern.test(readFileSync(f, 'utf8'))).map((f) => path.relative(REPO, f));
    expect(copies).toEqual([]);
  });
});
