import { table } from '../../cli/table';

// The CLI's plain-text tables: aligned columns, '-' for a missing cell, narrowed to a width.

test('columns are padded to their widest cell, with a dashed rule under the headers', () => {
  const out = table(
    ['model', 'score'],
    [
      ['llama-3.2-1b', 0.91],
      ['qwen', 1],
    ],
  );
  expect(out.split('\n')).toEqual([
    'model         score',
    '------------  -----',
    'llama-3.2-1b  0.91',
    'qwen          1',
  ]);
});

test('null and undefined cells print as "-"', () => {
  expect(table(['a', 'b'], [[null, undefined]]).split('\n')[2]).toBe('-  -');
});

test('with maxWidth every line fits, the widest column is cut with an ellipsis', () => {
  const long = 'x'.repeat(60);
  const out = table(['id', 'description'], [['1', long]], 30);
  const lines = out.split('\n');
  for (const line of lines) expect(line.length).toBeLessThanOrEqual(30);
  expect(lines[2]).toMatch(/^1 {3}x+…$/);
});

test('a column is never narrowed below six characters, even when the width cannot be met', () => {
  const out = table(['abcdefghij', 'klmnopqrst'], [['0123456789', '0123456789']], 5);
  expect(out.split('\n')[2]).toBe('01234…  01234…');
});

test('without maxWidth nothing is cut', () => {
  const long = 'y'.repeat(200);
  expect(table(['c'], [[long]])).toContain(long);
});
